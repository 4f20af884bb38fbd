/**
 * bench/scale: the detector tier scaled out on the real Kafka and
 * Elasticsearch, with one and with two `iisa detector` processes.
 *
 * A backlog of simulator events (every format, every attack scenario) is
 * published to the events topic first; then the detector processes start,
 * share its partitions through their consumer groups, run iisa's rules and
 * write events and rule hits to Elasticsearch. Throughput is events stored
 * per second between 10 % and 90 % of the backlog (start-up and the tail
 * stay out). Engines come from infra/engines (started if not running).
 *
 *   node dist/bench/scale.js [--events 120000] [--out BENCHMARKS.md]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { Topics } from '../core/bus/bus.js';
import { KafkaBus } from '../core/bus/kafka/kafka-bus.js';
import { NamespacedBus } from '../core/bus/namespaced.js';
import type { EcsEvent } from '../core/event.js';
import { uuidv7 } from '../core/ids.js';
import { OrgRegistry } from '../core/orgs.js';
import { ElasticsearchStore } from '../core/store/elasticsearch/es-store.js';
import { JsonLogger } from '../core/telemetry.js';
import { ensureEngines, runEngines, stateDir, type RunningEngines } from '../infra/engines-env.js';
import { defaultRegistryPath } from '../seeds/simulator/simulate.js';
import { groupCpuSeconds, machineCpuSeconds, processCpuSeconds } from './process-stats.js';
import { machine, writeSection } from './report.js';
import { DEFAULT_RESULTS_FILE, writeResults } from './results.js';
import { simulatorEvents } from './sample-events.js';

const PARTITIONS = 6;

interface RunResult {
  readonly detectors: number;
  readonly eventsPerSecond: number;
  readonly seconds: number;
  readonly ruleHits: number;
  /** CPU seconds the detector processes used, all together. */
  readonly detectorCpuSeconds: number;
  /** Cores busy on average between 10 % and 90 % of the backlog: the whole machine, and who. */
  readonly cores: CoreUse;
}

interface CoreUse {
  readonly machine: number;
  readonly detectors: number;
  readonly elasticsearch: number;
  readonly kafka: number;
}

const detectorCpuSeconds = (children: readonly ChildProcess[]): number => children.reduce((sum, child) => sum + processCpuSeconds(child.pid), 0);

/** CPU seconds so far of what shares the machine in a run (the engines by their process groups). */
function cpuNow(children: readonly ChildProcess[], engines: { es?: number; kafka?: number }): CoreUse {
  return {
    machine: machineCpuSeconds().busy,
    detectors: detectorCpuSeconds(children),
    elasticsearch: engines.es === undefined ? Number.NaN : groupCpuSeconds(engines.es),
    kafka: engines.kafka === undefined ? Number.NaN : groupCpuSeconds(engines.kafka),
  };
}

/** The process group infra/engines started an engine in (`es`, `kafka`), from its state file; undefined when not known. */
function enginePgid(engine: 'es' | 'kafka'): number | undefined {
  try {
    const pgid = /^PGID=(\d+)$/m.exec(readFileSync(join(stateDir(), `${engine}.env`), 'utf8'))?.[1];
    return pgid === undefined ? undefined : Number(pgid);
  } catch {
    return undefined;
  }
}

/**
 * Start `iisa detector --config FILE`. It starts consuming as soon as it has
 * joined its groups, so the benchmark measures from here, not from "ready";
 * `failed` rejects if it exits before it is stopped.
 */
function startDetector(config: string): { child: ChildProcess; failed: Promise<never> } {
  const child = spawn(process.execPath, [resolve('bin', 'iisa.js'), 'detector', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  });
  const failed = new Promise<never>((_, fail) => {
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGTERM') fail(new Error(`detector exited (${code ?? signal}) during the run:\n${tail.join('\n')}`));
    });
  });
  failed.catch(() => undefined); // raced below while the run lasts
  return { child, failed };
}

async function run(detectors: number, events: readonly EcsEvent[], engines: RunningEngines): Promise<RunResult> {
  const tag = `bench-scale-${uuidv7().slice(-12)}`;
  const dir = mkdtempSync(join(tmpdir(), 'iisa-bench-scale-'));
  const kafka = { brokers: engines.kafkaBrokers, partitions: PARTITIONS, maxWaitTimeMs: 200 };
  const config = join(dir, 'iisa.yaml');
  writeFileSync(config, stringify({
    node: { id: tag, tier: 'national' },
    registry: defaultRegistryPath(),
    dataDir: join(dir, 'data'),
    detector: { rules: [resolve('rules')] },
    store: { type: 'elasticsearch', elasticsearch: { url: engines.elasticsearchUrl, indexPrefix: tag } },
    bus: { type: 'kafka', namespace: `${tag}.`, kafka },
    // info: the process says "node ready" at that level.
    log: { level: 'info' },
  }));

  // The backlog, on the topic before any detector runs.
  const bus = new NamespacedBus(new KafkaBus(kafka, { logger: new JsonLogger('error') }), `${tag}.`);
  for (let i = 0; i < events.length; i += 2000) {
    await bus.publish(Topics.events, events.slice(i, i + 2000).map((e) => ({ key: e.org?.id ?? '', value: e })));
  }
  await bus.close();

  process.stderr.write(`  ${detectors} detector(s): backlog of ${events.length} events published\n`);
  const store = await ElasticsearchStore.open({ url: engines.elasticsearchUrl, indexPrefix: tag });
  const started = Array.from({ length: detectors }, () => startDetector(config));
  const children = started.map((s) => s.child);
  const failure = Promise.race(started.map((s) => s.failed));
  try {
    const low = Math.round(events.length * 0.1);
    const high = Math.round(events.length * 0.9);
    let lowAt: number | undefined;
    let highAt: number | undefined;
    const pgids = { es: enginePgid('es'), kafka: enginePgid('kafka') };
    let lowCpu: CoreUse | undefined;
    let highCpu: CoreUse | undefined;
    let lowCount = 0;
    let highCount = 0;
    const deadline = Date.now() + 30 * 60_000;
    let lastReport = Date.now();
    while (highAt === undefined) {
      if (Date.now() > deadline) throw new Error(`detectors stored fewer than ${high} events in 30 minutes`);
      await Promise.race([new Promise((r) => setTimeout(r, 100)), failure]);
      const count = await store.countEvents({}).catch((error: unknown) => {
        process.stderr.write(`  count failed: ${(error as Error).message}\n`);
        return 0;
      });
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        process.stderr.write(`  ${detectors} detector(s): ${count.toLocaleString('en-US')} of ${events.length.toLocaleString('en-US')} events stored\n`);
      }
      if (lowAt === undefined && count >= low) [lowAt, lowCount, lowCpu] = [Date.now(), count, cpuNow(children, pgids)];
      if (count >= high) [highAt, highCount, highCpu] = [Date.now(), count, cpuNow(children, pgids)];
    }
    const seconds = (highAt - lowAt!) / 1000;
    const cpu = detectorCpuSeconds(children);
    const hits = (await store.searchRuleHits({ limit: 10_000 })).length;
    const cores = (key: keyof CoreUse): number => (highCpu![key] - lowCpu![key]) / seconds;
    return {
      detectors, eventsPerSecond: Math.round((highCount - lowCount) / seconds), seconds, ruleHits: hits, detectorCpuSeconds: cpu,
      cores: { machine: cores('machine'), detectors: cores('detectors'), elasticsearch: cores('elasticsearch'), kafka: cores('kafka') },
    };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
    await store.close();
  }
}

const coreText = (cores: number): string => (Number.isFinite(cores) ? cores.toFixed(2) : 'n/a');

/** CPU seconds per 1,000 events stored at `cores` busy during the window. */
function perThousand(r: RunResult, cores: number): string {
  return Number.isFinite(cores) ? ((cores / r.eventsPerSecond) * 1000).toFixed(3) : 'n/a';
}

/** What the CPU figures say bounds the ratio: the engines' cost per event, and the two cores. */
function boundText(results: readonly RunResult[]): string {
  const [one, two] = results;
  if (!two) return '';
  const engines = (r: RunResult): number => (r.cores.elasticsearch + r.cores.kafka) / r.eventsPerSecond;
  const detector = one.cores.detectors / one.eventsPerSecond;
  if (!Number.isFinite(engines(one))) return 'the engines\' CPU could not be read here.';
  // At 1.8x the rate, the engines' and the detectors' CPU per event as measured with one detector, on 2 cores.
  const needed = 1.8 * one.eventsPerSecond * (engines(one) + detector);
  return `with one detector, Elasticsearch and Kafka took ${(engines(one) * 1e6).toFixed(0)} µs of CPU per event stored and the detector ${(detector * 1e6).toFixed(0)} µs, so 1.8 times that rate would need ${needed.toFixed(2)} cores at those costs; the machine was ${coreText(one.cores.machine)} cores busy with one detector and ${coreText(two.cores.machine)} with two.`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    events: { type: 'string', default: '120000' }, out: { type: 'string', default: 'BENCHMARKS.md' }, results: { type: 'string', default: DEFAULT_RESULTS_FILE },
  } });
  const engines = await ensureEngines();
  try {
    const registry = OrgRegistry.load(defaultRegistryPath());
    const events = simulatorEvents(Number(values.events), registry);
    process.stderr.write(`${events.length} events generated\n`);
    const results: RunResult[] = [];
    for (const detectors of [1, 2]) {
      const r = await run(detectors, events, engines);
      process.stdout.write(`${detectors} detector process${detectors > 1 ? 'es' : ''}: ${r.eventsPerSecond.toLocaleString('en-US')} events/s stored (${r.seconds.toFixed(1)} s for 80 % of the backlog), detector CPU ${r.detectorCpuSeconds.toFixed(1)} s; ` +
        `cores busy ${coreText(r.cores.machine)} (detectors ${coreText(r.cores.detectors)}, Elasticsearch ${coreText(r.cores.elasticsearch)}, Kafka ${coreText(r.cores.kafka)})\n`);
      results.push(r);
    }
    const base = results[0].eventsPerSecond;
    const section = [
      `Machine: ${machine()}. Elasticsearch 8.19.21 (one node, 1 shard per daily index) and Kafka 3.9.2 (KRaft, one broker, ${PARTITIONS} partitions) from infra/engines run on the same two cores as the detectors.`,
      '',
      `${events.length.toLocaleString('en-US')} simulator events (every format, every attack scenario) are published to Kafka first; then 1 or 2 \`iisa detector\` processes consume them through their consumer groups, run iisa's own rules (detection and correlation) and write events and rule hits to Elasticsearch. Events/s: events stored between 10 % and 90 % of the backlog.`,
      '',
      '| detector processes | events/s stored | vs one | rule hits stored | detector CPU s (all processes) |',
      '|---:|---:|---:|---:|---:|',
      ...results.map((r) => `| ${r.detectors} | ${r.eventsPerSecond.toLocaleString('en-US')} | ${(r.eventsPerSecond / base).toFixed(2)} | ${r.ruleHits.toLocaleString('en-US')} | ${r.detectorCpuSeconds.toFixed(1)} |`),
      '',
      'CPU while the backlog went from 10 % to 90 % stored, in cores busy on average (the machine has 2; from /proc: the detector processes, and each engine\'s process group as infra/engines started it; "machine" is every task, the benchmark\'s own polling and the rest included):',
      '',
      '| detector processes | machine | detectors | Elasticsearch | Kafka | detector CPU per 1,000 events stored, s | Elasticsearch + Kafka CPU per 1,000 events, s |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      ...results.map((r) => `| ${r.detectors} | ${coreText(r.cores.machine)} | ${coreText(r.cores.detectors)} | ${coreText(r.cores.elasticsearch)} | ${coreText(r.cores.kafka)} | ${perThousand(r, r.cores.detectors)} | ${perThousand(r, r.cores.elasticsearch + r.cores.kafka)} |`),
      '',
      'On two cores a second detector process competes with Elasticsearch and Kafka for the same CPU, so the ratio shows how much of the work the detector tier is, not what two detector machines would do: ' +
        `${boundText(results)}`,
    ].join('\n');
    const file = values.out!;
    writeSection(file, 'Scale-out: detector processes on Kafka and Elasticsearch (bench/scale)', section);
    writeResults({ scaleout_ratio: { value: results[1].eventsPerSecond / base, unit: 'x (2 detector processes against 1)' } }, values.results!);
    process.stdout.write(`wrote ${file} and ${values.results!}\n`);
  } finally {
    if (engines.startedHere) await runEngines(['down']);
  }
}

await main();
