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
import { mkdtempSync, writeFileSync } from 'node:fs';
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
import { ensureEngines, runEngines, type RunningEngines } from '../infra/engines-env.js';
import { defaultRegistryPath } from '../seeds/simulator/simulate.js';
import { processCpuSeconds } from './process-stats.js';
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
      if (lowAt === undefined && count >= low) [lowAt, lowCount] = [Date.now(), count];
      if (count >= high) [highAt, highCount] = [Date.now(), count];
    }
    const seconds = (highAt - lowAt!) / 1000;
    const cpu = children.reduce((sum, child) => sum + processCpuSeconds(child.pid), 0);
    const hits = (await store.searchRuleHits({ limit: 10_000 })).length;
    return { detectors, eventsPerSecond: Math.round((highCount - lowCount) / seconds), seconds, ruleHits: hits, detectorCpuSeconds: cpu };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
    await store.close();
  }
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
      process.stdout.write(`${detectors} detector process${detectors > 1 ? 'es' : ''}: ${r.eventsPerSecond.toLocaleString('en-US')} events/s stored (${r.seconds.toFixed(1)} s for 80 % of the backlog), detector CPU ${r.detectorCpuSeconds.toFixed(1)} s\n`);
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
      'On two cores a second detector process competes with Elasticsearch and Kafka for the same CPU, so the ratio shows how much of the work the detector tier is, not what two detector machines would do.',
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
