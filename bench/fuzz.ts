/**
 * bench/fuzz: a million mutated inputs per fuzz target (test/fuzz/: every
 * parser of the table, every framing, the Sigma parser with the stream
 * matcher, rule regular expressions), on worker threads, one per core.
 * Each input must keep its target's property and finish within
 * --max-input-ms; the heap after a full GC must not grow by more than
 * --heap-growth-mb over a target's inputs (checked per part, in proportion
 * to its share of them: a steady leak shows the same in every part). Prints inputs/s per target and each
 * failure with its seed, input number and minimal input, and writes its
 * section of BENCHMARKS.md.
 *
 *   node --expose-gc dist/bench/fuzz.js [--inputs 1000000] [--seed N] [--targets parser:,sigma:regex]
 *     [--seconds 60] [--max-seconds 600] [--part 250000] [--workers 2] [--max-input-ms 1000] [--hang-seconds 30] [--heap-growth-mb 64]
 *     [--out BENCHMARKS.md]
 *   node dist/bench/fuzz.js --replay parser:cef:1234 --seed N      # one input again: print it, check it
 *
 * --seconds is the time budget of the supplementary targets (the Sigma
 * pipeline from rule text, which parses YAML and compiles and matches rules
 * at a few hundred inputs a second, and rule regular expressions on texts
 * up to 64 KiB): they run for that long, not to the input count. Every other
 * target runs the full count, in parts of --part inputs that the workers
 * take from one queue (so that both finish together), each part within
 * --max-seconds, a bound on each part (a target stopped short of its count by
 * it or by a hang is marked in the section). The seed is
 * the time unless given, and printed first. A worker that stops advancing
 * for --hang-seconds is stopped and the input it was on reported as a hang.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { describeFailure, replayInput, runTarget } from '../test/fuzz/runner.js';
import type { FuzzFailure, FuzzReport } from '../test/fuzz/runner.js';
import { allTargets } from '../test/fuzz/targets.js';
import { positiveInt } from './bench-util.js';
import { machine, writeSection } from './report.js';

interface RunSettings {
  readonly seed: number;
  /** Time budget of a supplementary target. */
  readonly seconds: number;
  /** Bound on each part of any other target's run. */
  readonly maxSeconds: number;
  readonly maxInputMs: number;
}

interface WorkerData {
  readonly settings: RunSettings;
  /** [target number, inputs done]: read by the main thread's watchdog while the worker is busy. */
  readonly progress: SharedArrayBuffer;
}

/** Part of a target's run: inputs first..first + inputs - 1 (a long run is split so that both workers finish together). */
type ToWorker = { readonly target: string; readonly first: number; readonly inputs: number };
type FromWorker = { readonly report: FuzzReport };

// ------------------------------------------------------------------ worker

function workerMain(): void {
  const { settings, progress } = workerData as WorkerData;
  const shared = new Int32Array(progress);
  const targets = allTargets();
  parentPort!.on('message', (message: ToWorker) => {
    const index = targets.findIndex((t) => t.name === message.target);
    Atomics.store(shared, 0, index);
    Atomics.store(shared, 1, 0);
    const report = runTarget(targets[index], {
      seed: settings.seed,
      first: message.first,
      inputs: message.inputs,
      maxInputMs: settings.maxInputMs,
      deadline: Date.now() + (targets[index].supplementary ? settings.seconds : settings.maxSeconds) * 1000,
      progressEvery: 1,
      onProgress: (done) => Atomics.store(shared, 1, done),
    });
    parentPort!.postMessage({ report } satisfies FromWorker);
  });
}

// -------------------------------------------------------------------- main

interface Options extends RunSettings {
  readonly targets: readonly string[];
  /** Inputs per target (supplementary ones: at most). */
  readonly inputs: number;
  readonly workers: number;
  /** Inputs per part of a target's run. */
  readonly part: number;
  readonly hangSeconds: number;
  readonly heapGrowthBytes: number;
  readonly out: string;
}

/** Reports in, failures found by the watchdog or the heap check added. */
interface Outcome {
  readonly report: FuzzReport;
  readonly extra: readonly FuzzFailure[];
}

/** One outcome per target from those of its parts: inputs and time added up, the part whose heap grew most. */
function mergeParts(outcomes: readonly Outcome[]): Outcome[] {
  const byTarget = new Map<string, Outcome[]>();
  for (const o of outcomes) byTarget.set(o.report.target, [...(byTarget.get(o.report.target) ?? []), o]);
  return [...byTarget.values()].map((parts) => {
    const reports = parts.map((p) => p.report);
    const growth = (r: FuzzReport): number => (r.heap ? r.heap.afterBytes - r.heap.beforeBytes : -Infinity);
    // A part stopped by a hang has no slowest input (NaN): its hang is among the failures.
    const timed = reports.filter((r) => !Number.isNaN(r.slowestMs));
    const slowest = (timed.length ? timed : reports).reduce((a, b) => (b.slowestMs > a.slowestMs ? b : a));
    const heap = reports.reduce((a, b) => (growth(b) > growth(a) ? b : a)).heap;
    return {
      report: {
        target: reports[0].target, seed: reports[0].seed,
        inputs: reports.reduce((n, r) => n + r.inputs, 0), seconds: reports.reduce((n, r) => n + r.seconds, 0),
        failures: reports.flatMap((r) => r.failures), repeatedFailures: reports.reduce((n, r) => n + r.repeatedFailures, 0),
        slowestMs: slowest.slowestMs, slowestIndex: slowest.slowestIndex, ...(heap ? { heap } : {}),
      },
      extra: parts.flatMap((p) => p.extra),
    };
  });
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en');
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/**
 * Run the named targets on `options.workers` threads, in parts of at most
 * `options.part` inputs taken from one queue (the longest target's first),
 * so that no worker is left with a long run while the other idles;
 * resolves with one outcome per part.
 */
async function runAll(options: Options): Promise<Outcome[]> {
  const targets = allTargets();
  const queue: ToWorker[] = options.targets.flatMap((name) => {
    if (targets.find((t) => t.name === name)?.supplementary) return [{ target: name, first: 0, inputs: options.inputs }];
    const parts: ToWorker[] = [];
    for (let first = 0; first < options.inputs; first += options.part) parts.push({ target: name, first, inputs: Math.min(options.part, options.inputs - first) });
    return parts;
  });
  const outcomes: Outcome[] = [];
  const settings: RunSettings = { seed: options.seed, seconds: options.seconds, maxSeconds: options.maxSeconds, maxInputMs: options.maxInputMs };

  const startWorker = (): Promise<void> => new Promise((resolve, reject) => {
    const progress = new SharedArrayBuffer(8);
    const shared = new Int32Array(progress);
    const worker = new Worker(new URL(import.meta.url), { workerData: { settings, progress } satisfies WorkerData });
    let current: ToWorker | undefined;
    let lastDone = -1;
    let lastChange = Date.now();
    const next = (): void => {
      current = queue.shift();
      if (current === undefined) {
        clearInterval(watchdog);
        void worker.terminate().then(() => resolve());
        return;
      }
      lastDone = -1;
      lastChange = Date.now();
      worker.postMessage(current satisfies ToWorker);
    };
    const watchdog = setInterval(() => {
      const done = Atomics.load(shared, 1);
      if (done !== lastDone) {
        lastDone = done;
        lastChange = Date.now();
        return;
      }
      if (current === undefined || Date.now() - lastChange < options.hangSeconds * 1000) return;
      // The part's input number `done` has run for hangSeconds: stop the worker, report the input, go on with a new worker.
      clearInterval(watchdog);
      const part = current;
      current = undefined;
      void worker.terminate().then(() => {
        const target = targets.find((t) => t.name === part.target)!;
        const index = part.first + done;
        const input = replayInput(target, target.seeds(), options.seed, index);
        const hang: FuzzFailure = {
          target: part.target, seed: options.seed, index, kind: 'slow', message: `no progress for ${options.hangSeconds} s: a hang`,
          inputLength: input.length, minimal: input,
        };
        process.stdout.write(`${describeFailure(hang)}\n`);
        outcomes.push({ report: { target: part.target, seed: options.seed, inputs: done, seconds: 0, failures: [], repeatedFailures: 0, slowestMs: NaN, slowestIndex: index }, extra: [hang] });
        startWorker().then(resolve, reject);
      });
    }, 1000);
    worker.on('message', (message: FromWorker) => {
      const report = message.report;
      const extra: FuzzFailure[] = [];
      // A part of a quarter of the inputs may grow by a quarter of the limit: a leak per input is caught as it was over one run.
      const growthLimit = options.heapGrowthBytes * Math.min(1, (current?.inputs ?? options.inputs) / options.inputs);
      if (report.heap && report.heap.afterBytes - report.heap.beforeBytes > growthLimit) {
        extra.push({
          target: report.target, seed: report.seed, index: -1, kind: 'property',
          message: `heap grew from ${mib(report.heap.beforeBytes)} to ${mib(report.heap.afterBytes)} MiB over ${fmt(report.inputs)} inputs (limit +${mib(growthLimit)} MiB)`,
          inputLength: 0, minimal: '',
        });
      }
      outcomes.push({ report, extra });
      const heap = report.heap ? `, heap ${mib(report.heap.beforeBytes)} -> ${mib(report.heap.afterBytes)} MiB` : '';
      const part = current ? `${report.target} from ${fmt(current.first)}` : report.target;
      process.stdout.write(`${part.padEnd(37)} ${fmt(report.inputs).padStart(9)} inputs in ${report.seconds.toFixed(1).padStart(5)} s, ` +
        `${fmt(report.inputs / report.seconds).padStart(7)}/s, slowest ${report.slowestMs.toFixed(1)} ms${heap}, failures ${report.failures.length + extra.length}\n`);
      for (const f of [...report.failures, ...extra]) process.stdout.write(`${describeFailure(f).replace(/^/gm, '  ')}\n`);
      next();
    });
    worker.on('error', (err) => {
      clearInterval(watchdog);
      reject(err);
    });
    next();
  });

  await Promise.all(Array.from({ length: Math.min(options.workers, queue.length) }, () => startWorker()));
  return outcomes;
}

function section(options: Options, outcomes: readonly Outcome[], wallSeconds: number): string {
  const byName = new Map(outcomes.map((o) => [o.report.target, o]));
  const failures = outcomes.flatMap((o) => [...o.report.failures, ...o.extra]);
  const rows = allTargets().filter((t) => byName.has(t.name)).map((t) => {
    const { report, extra } = byName.get(t.name)!;
    const heap = report.heap ? `${mib(report.heap.beforeBytes)} → ${mib(report.heap.afterBytes)}` : '—';
    const hung = extra.some((f) => f.message.endsWith(': a hang'));
    const why = t.supplementary ? 'time budget' : hung ? 'a hang stopped a part: short of the count' : `a part stopped at ${options.maxSeconds} s: short of the count`;
    const ran = report.inputs >= options.inputs ? fmt(report.inputs) : `${fmt(report.inputs)} (${why})`;
    return `| ${t.name} | ${ran} | ${fmt(report.inputs / report.seconds)} | ${report.slowestMs.toFixed(1)} | ${heap} | ${report.failures.length + report.repeatedFailures + extra.length} |`;
  });
  return [
    `Machine: ${machine()}. ${options.workers} worker threads; seed ${options.seed}; ${fmt(options.inputs)} inputs per target, run in parts of ${fmt(options.part)} taken by whichever worker is free (each part within ${options.maxSeconds} s), except the supplementary ones (${allTargets().filter((t) => t.supplementary).map((t) => t.name).join(', ')}), which run for ${options.seconds} s each; ${wallSeconds.toFixed(0)} s in all.`,
    '',
    'Mutation fuzzing (test/fuzz/): inputs are seeds (simulated traffic of every format, the ICS Zeek corpus, rules/, the Sigma specification examples and SigmaHQ) with stacked mutations: flipped characters and bytes, edge numbers, IPv6 literals, syslog PRI edges, NUL and odd Unicode, quotes and separators, `__proto__`, deep nesting, lines up to the 64 KiB record limit, JSON-aware and Sigma-structure-aware changes. Properties: parsers never throw and return plain-JSON events or documented errors; framing gives the same frames however the stream is cut; the Sigma parser (sigma:documents: rule documents as the YAML library hands them over, as many as for each parser; sigma:parse+compile+match: rule files from text through YAML, compiled and matched against near-miss events) reports every problem with its file and never as an internal error, the matcher compiles and matches without throwing; rule regular expressions run in linear time and answer as RegExp. Every input must finish within ' +
      `${options.maxInputMs} ms, and the heap after GC must not grow by more than ${mib(options.heapGrowthBytes)} MiB over a target's inputs (checked per part in proportion: ${mib(options.heapGrowthBytes * Math.min(1, options.part / options.inputs))} MiB per part; the heap column shows the part that grew most). \`npm test\` runs a fixed-seed sample (test/hostile/fuzz.test.ts).`,
    '',
    '| target | inputs | inputs/s (one thread) | slowest input, ms | heap after GC, MiB (start → end) | failures |',
    '|---|---:|---:|---:|---|---:|',
    ...rows,
    '',
    failures.length === 0 ? 'No failures.' : ['Failures (replay with `node dist/bench/fuzz.js --replay TARGET:INPUT --seed SEED`):', '', ...failures.map((f) => `    ${describeFailure(f).replace(/\n/g, '\n    ')}`)].join('\n'),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      inputs: { type: 'string', default: '1000000' },
      seed: { type: 'string' },
      targets: { type: 'string' },
      seconds: { type: 'string', default: '60' },
      'max-seconds': { type: 'string', default: '600' },
      part: { type: 'string', default: '250000' },
      workers: { type: 'string', default: String(Math.min(2, cpus().length)) },
      'max-input-ms': { type: 'string', default: '1000' },
      'hang-seconds': { type: 'string', default: '30' },
      'heap-growth-mb': { type: 'string', default: '64' },
      replay: { type: 'string' },
      out: { type: 'string', default: 'BENCHMARKS.md' },
    },
  });
  const seed = values.seed === undefined ? Date.now() >>> 0 : Number(values.seed) >>> 0;
  const all = allTargets();

  if (values.replay !== undefined) {
    const cut = values.replay.lastIndexOf(':');
    const target = all.find((t) => t.name === values.replay!.slice(0, cut));
    if (!target || cut === -1) throw new Error(`--replay TARGET:INPUT, TARGET one of ${all.map((t) => t.name).join(', ')}`);
    const input = replayInput(target, target.seeds(), seed, Number(values.replay.slice(cut + 1)));
    process.stdout.write(`${JSON.stringify(input)}\n`);
    target.check(input);
    process.stdout.write('the property holds for this input\n');
    return;
  }

  const wanted = values.targets?.split(',').filter(Boolean);
  const names = all.map((t) => t.name).filter((n) => !wanted || wanted.some((w) => n.startsWith(w)));
  if (names.length === 0) throw new Error(`--targets matches none of ${all.map((t) => t.name).join(', ')}`);
  // Longest first (the Sigma targets: the documents target's million takes the longest), so that no long one runs alone at the end.
  names.sort((a, b) => Number(b.startsWith('sigma:')) - Number(a.startsWith('sigma:')));
  const options: Options = {
    seed, targets: names,
    inputs: positiveInt('inputs', values.inputs), seconds: positiveInt('seconds', values.seconds), maxSeconds: positiveInt('max-seconds', values['max-seconds']),
    workers: positiveInt('workers', values.workers), part: positiveInt('part', values.part),
    maxInputMs: positiveInt('max-input-ms', values['max-input-ms']), hangSeconds: positiveInt('hang-seconds', values['hang-seconds']),
    heapGrowthBytes: positiveInt('heap-growth-mb', values['heap-growth-mb']) * 2 ** 20, out: values.out!,
  };
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') process.stdout.write('(run node with --expose-gc for the heap check)\n');
  process.stdout.write(`fuzz: seed ${seed}, ${names.length} targets, ${fmt(options.inputs)} inputs each in parts of ${fmt(options.part)}, each within ${options.maxSeconds} s (supplementary ones: ${options.seconds} s), ${options.workers} workers\n`);
  const started = Date.now();
  const outcomes = mergeParts(await runAll(options));
  const wall = (Date.now() - started) / 1000;
  const failed = outcomes.reduce((n, o) => n + o.report.failures.length + o.report.repeatedFailures + o.extra.length, 0);
  process.stdout.write(`${fmt(outcomes.reduce((n, o) => n + o.report.inputs, 0))} inputs in ${wall.toFixed(0)} s, ${failed} failures\n`);
  writeSection(options.out, 'Hostile input: fuzzing (bench/fuzz)', section(options, outcomes, wall));
  process.stdout.write(`wrote ${options.out}\n`);
  if (failed > 0) process.exitCode = 1;
}

if (isMainThread) await main();
else workerMain();
