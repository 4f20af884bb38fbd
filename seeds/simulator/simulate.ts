/**
 * The traffic simulator behind `iisa simulate`: seeded background traffic
 * from the org registry plus labelled attack scenarios, written as one
 * native-format file per parser and a `truth.jsonl` naming every attack line.
 *
 * Deterministic by construction: simulated time starts at `start` (never
 * the wall clock) and advances by Poisson arrivals at `rate`; all randomness
 * comes from seeded streams, one for background and one per scenario. The
 * same options give byte-identical files.
 *
 * Two ways in:
 *   - `simulate(options)` writes `DIR/<parser>.log` and `DIR/truth.jsonl`;
 *   - `generateTraffic(options)` yields the records in time order, for a
 *     sender that posts them to a collector instead (send `streamPreamble()`
 *     first on each (org, parser) stream: Zeek logs need their header).
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MinHeap } from '../../core/heap.js';
import { OrgRegistry } from '../../core/orgs.js';
import { BackgroundGenerators, ConnPool, type BackgroundContext } from './background/index.js';
import { preamble, trailer } from './formats/index.js';
import { Rng } from './prng.js';
import { ParserNames, type ParserName } from './parsers.js';
import { Scenarios, type Scenario } from './scenarios/index.js';
import { isoUtc, microsFromIso, type Micros } from './time.js';
import { buildWorld, type SimLine, type World } from './world.js';

export const DefaultStart = '2026-11-25T00:00:00Z';

export const TrafficOptionsSchema = z.strictObject({
  /** `all` or one scenario name; `none` for background only. */
  scenario: z.string().default('all'),
  durationSeconds: z.number().positive().max(7 * 86400).default(60),
  /** Background events per second across all formats (attack lines come on top). */
  rate: z.number().positive().max(100_000).default(50),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  start: z.iso.datetime({ offset: true }).default(DefaultStart),
  /** Path of the org registry YAML; default: the repository's seeds/orgs.yaml. */
  registry: z.string().optional(),
});
export type TrafficOptions = z.input<typeof TrafficOptionsSchema>;

export const SimulateOptionsSchema = TrafficOptionsSchema.extend({
  /** Output directory; created if missing; existing files of the same names are overwritten. */
  out: z.string().min(1),
});
export type SimulateOptions = z.input<typeof SimulateOptionsSchema>;

/** One generated line. `scenario` is set on attack lines only. */
export interface SimRecord {
  readonly parser: ParserName;
  readonly org: string;
  readonly line: string;
  readonly scenario?: string;
  /** When it happened (simulated), ISO UTC. */
  readonly timestamp: string;
}

/** One line of `truth.jsonl`. */
export interface TruthEntry {
  readonly file: string;
  /** 1-based physical line number in `file`, header lines included. */
  readonly line: number;
  readonly scenario: string;
  readonly org: string;
}

export interface SimulateSummary {
  readonly outDir: string;
  readonly seed: number;
  readonly start: string;
  readonly end: string;
  /** Scenarios that ran, in table order. */
  readonly scenarios: readonly string[];
  /** Physical lines written per file, headers included. */
  readonly files: Readonly<Record<ParserName, number>>;
  /** Data lines written (background and attack). */
  readonly records: number;
  readonly attackLines: number;
  /** Per scenario: the org it targeted and how many lines it wrote. */
  readonly byScenario: Readonly<Record<string, { readonly org: string; readonly lines: number }>>;
  readonly truthFile: string;
}

export class UnknownScenarioError extends Error {
  constructor(readonly scenario: string) {
    super(`unknown scenario "${scenario}"; valid: all, none, ${[...Scenarios.keys()].join(', ')}`);
    this.name = 'UnknownScenarioError';
  }
}

/** The names `--scenario` accepts besides `all` and `none`. */
export function scenarioNames(): string[] {
  return [...Scenarios.keys()];
}

function selectScenarios(name: string): Scenario[] {
  if (name === 'all') return [...Scenarios.values()];
  if (name === 'none') return [];
  const one = Scenarios.get(name);
  if (!one) throw new UnknownScenarioError(name);
  return [one];
}

/** seeds/orgs.yaml of this checkout, found by walking up from this module (works from source and from any build dir). */
export function defaultRegistryPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'seeds', 'orgs.yaml');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('seeds/orgs.yaml not found above the simulator module; pass `registry`');
    dir = parent;
  }
}

/** Lines to send before any record of `parser` on a stream opened at `start` (Zeek's `#` header; none for the rest). */
export function streamPreamble(parser: ParserName, start: string = DefaultStart): string[] {
  return preamble(parser, microsFromIso(start));
}

/** A line waiting in the time-ordered queue, with its arrival number. */
interface QueuedLine {
  readonly line: SimLine;
  readonly seq: number;
}

/** Earlier time first; equal times in arrival order, so the output order is stable. */
function byTimeThenArrival(x: QueuedLine, y: QueuedLine): number {
  const a = x.line.time;
  const b = y.line.time;
  return a < b ? -1 : a > b ? 1 : x.seq - y.seq;
}

function scenarioLines(world: World, scenarios: readonly Scenario[], seed: number, startUs: Micros, durationUs: Micros): SimLine[] {
  return scenarios.flatMap((scenario) => {
    const rng = new Rng(seed, `scenario:${scenario.name}`);
    // Keep the attack inside the run: squeeze it into half the run if it is naturally longer.
    const spanUs = Math.floor(Math.min(scenario.seconds * 1e6, durationUs * 0.5));
    const at = startUs + Math.floor(rng.next() * (durationUs - spanUs) * 0.9);
    return scenario.generate({ world, rng, startUs: at, spanUs });
  });
}

const toRecord = (l: SimLine): SimRecord => (l.scenario
  ? { parser: l.parser, org: l.org, line: l.line, scenario: l.scenario, timestamp: isoUtc(l.time) }
  : { parser: l.parser, org: l.org, line: l.line, timestamp: isoUtc(l.time) });

/**
 * The lines of one attack scenario aimed at one org (whose category must be
 * the scenario's), starting at `start`, in time order: for demos and tests
 * that stage an attack on a chosen enterprise. Same seed, same lines.
 */
export function scenarioRecordsAt(name: string, orgId: string, start: string, seed = 1, registry?: OrgRegistry): SimRecord[] {
  const scenario = Scenarios.get(name);
  if (!scenario) throw new UnknownScenarioError(name);
  const world = buildWorld(registry ?? OrgRegistry.load(defaultRegistryPath()));
  const only: World = {
    industrial: world.industrial.filter((s) => s.org.id === orgId),
    platform: world.platform.filter((s) => s.org.id === orgId),
    idres: world.idres.filter((s) => s.org.id === orgId),
  };
  if (only[scenario.category].length === 0) throw new Error(`scenario ${name} needs a ${scenario.category} org; ${orgId} is not one`);
  const lines = scenario.generate({ world: only, rng: new Rng(seed, `scenario:${name}`), startUs: microsFromIso(start), spanUs: Math.floor(scenario.seconds * 1e6) });
  return lines.sort((a, b) => a.time - b.time).map(toRecord);
}

/**
 * Every simulated record in time order across all formats. Throws
 * `UnknownScenarioError` for a scenario name not in the table, and a zod
 * error for bad options.
 */
export function* generateTraffic(options: TrafficOptions = {}, registry?: OrgRegistry): Generator<SimRecord> {
  const opts = TrafficOptionsSchema.parse(options);
  const scenarios = selectScenarios(opts.scenario);
  const world = buildWorld(registry ?? OrgRegistry.load(opts.registry ?? defaultRegistryPath()));
  const startUs = microsFromIso(opts.start);
  const durationUs = Math.round(opts.durationSeconds * 1e6);
  const endUs = startUs + durationUs;

  const heap = new MinHeap<QueuedLine>(byTimeThenArrival);
  let arrivals = 0;
  const enqueue = (line: SimLine): void => heap.push({ line, seq: arrivals++ });
  for (const line of scenarioLines(world, scenarios, opts.seed, startUs, durationUs)) enqueue(line);

  const rng = new Rng(opts.seed, 'background');
  const ctx: BackgroundContext = { world, rng, conns: new ConnPool(rng) };
  const generators = [...BackgroundGenerators.values()].map((g) => [g, g.weight] as const);
  const meanGapUs = 1e6 / opts.rate;
  let t = startUs;
  for (;;) {
    t += Math.max(1, Math.round(rng.exp(meanGapUs)));
    if (t >= endUs) break;
    for (const line of rng.weighted(generators).generate(ctx, t)) enqueue(line);
    while (heap.size > 0 && (heap.peek()?.line.time ?? Infinity) <= t) {
      const next = heap.pop();
      if (next) yield toRecord(next.line);
    }
  }
  while (heap.size > 0) {
    const next = heap.pop();
    if (next) yield toRecord(next.line);
  }
}

/** Buffered appends to one file descriptor; sync I/O keeps the output order trivially deterministic. */
class FileWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private bytes = 0;
  lines = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(line: string): void {
    this.buffer.push(line, '\n');
    this.bytes += line.length + 1;
    this.lines += 1;
    if (this.bytes > 1 << 16) this.flush();
  }

  flush(): void {
    if (this.buffer.length) writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.bytes = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * Write one `<parser>.log` per format (all twelve, even if empty) and
 * `truth.jsonl` into `options.out`, and say what was written.
 */
export async function simulate(options: SimulateOptions): Promise<SimulateSummary> {
  const opts = SimulateOptionsSchema.parse(options);
  const scenarios = selectScenarios(opts.scenario);
  const outDir = resolve(opts.out);
  mkdirSync(outDir, { recursive: true });
  const startUs = microsFromIso(opts.start);
  const endUs = startUs + Math.round(opts.durationSeconds * 1e6);

  const writers = new Map<ParserName, FileWriter>();
  for (const parser of ParserNames) {
    const w = new FileWriter(join(outDir, `${parser}.log`));
    for (const line of preamble(parser, startUs)) w.write(line);
    writers.set(parser, w);
  }
  const truthFile = join(outDir, 'truth.jsonl');
  const truth = new FileWriter(truthFile);
  const byScenario: Record<string, { org: string; lines: number }> = {};
  let records = 0;
  try {
    const { out: _out, ...traffic } = opts;
    for (const rec of generateTraffic(traffic)) {
      const w = writers.get(rec.parser);
      if (!w) throw new Error(`no writer for ${rec.parser}`);
      w.write(rec.line);
      records += 1;
      if (rec.scenario) {
        const entry: TruthEntry = { file: `${rec.parser}.log`, line: w.lines, scenario: rec.scenario, org: rec.org };
        truth.write(JSON.stringify(entry));
        const s = (byScenario[rec.scenario] ??= { org: rec.org, lines: 0 });
        s.lines += 1;
      }
    }
    for (const [parser, w] of writers) for (const line of trailer(parser, endUs)) w.write(line);
  } finally {
    for (const w of writers.values()) w.close();
    truth.close();
  }
  const files = Object.fromEntries(ParserNames.map((p) => [p, writers.get(p)?.lines ?? 0])) as Record<ParserName, number>;
  return {
    outDir, seed: opts.seed, start: isoUtc(startUs), end: isoUtc(endUs),
    scenarios: scenarios.map((s) => s.name), files, records, attackLines: truth.lines, byScenario, truthFile,
  };
}
