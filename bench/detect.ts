/**
 * bench/detect: stream matcher throughput with 10, 100 and 1,000 rules, and
 * correlation state memory under 100k distinct group keys.
 *
 * Events: simulator traffic of every format (background and attacks), parsed
 * by the collector's parsers once, before timing; the matcher alone is
 * timed, on one core (this process). Rules: iisa's own rules first, then
 * SigmaHQ rules (../shared/corpora/sigmahq/rules, in file order) up to the
 * count — the realistic shape of a deployment that adds the public rule set.
 *
 *   node --expose-gc dist/bench/detect.js [--events 20000] [--out BENCHMARKS.md] [--profile FILE.cpuprofile]
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import type { EcsEvent } from '../core/event.js';
import { OrgRegistry } from '../core/orgs.js';
import { measureStateMemory } from '../detector/sigma/correlation/index.js';
import { loadDefaultMapping } from '../detector/sigma/mapping/index.js';
import type { DetectionRule } from '../detector/sigma/model.js';
import { loadRules } from '../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../detector/sigma/placeholders.js';
import { StreamMatcher } from '../detector/sigma/stream/index.js';
import { defaultRegistryPath } from '../seeds/simulator/simulate.js';
import { machine, writeSection } from './report.js';
import { simulatorEvents } from './sample-events.js';

interface RunResult {
  rules: number;
  active: number;
  /** Median of the timed passes (what the table reports), and the fastest and slowest pass. */
  eventsPerSecond: number;
  best: number;
  worst: number;
  /** CPU time of this process per event over all timed passes (less disturbed than wall time on a busy machine). */
  cpuMicrosPerEvent: number;
  evaluationsPerEvent: number;
  skippedPerEvent: number;
  unfiltered: number;
  hits: number;
}

/** Timed passes per rule count; the median is reported, so one lucky or unlucky pass moves nothing. */
const PASSES = 9;
/** Minimum length of one timed pass. */
const PASS_SECONDS = 0.25;

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * With a profile path: a CPU profile (node:inspector) of the timed passes
 * only, written there for the largest rule count (warm-up, loading and event
 * generation stay out of it).
 */
async function run(rules: readonly DetectionRule[], sample: readonly EcsEvent[], placeholders: RegistryPlaceholderSource, profile?: string): Promise<RunResult> {
  const matcher = new StreamMatcher({ rules, mapping: loadDefaultMapping(), placeholders });
  let hits = 0;
  const onHit = () => { hits++; };
  // Warm up (JIT, placeholder caches) on the same events, start each rule count from a collected heap,
  // then time several passes of the same events.
  let warm = 0;
  for (let pass = 0; pass < 2; pass++) {
    const started = process.hrtime.bigint();
    for (const e of sample) matcher.match(e, onHit);
    warm = Number(process.hrtime.bigint() - started) / 1e9;
  }
  // A pass of a few milliseconds is mostly noise (GC, timer, JIT): repeat the events so a pass lasts ~PASS_SECONDS.
  const repeats = Math.max(1, Math.ceil(PASS_SECONDS / Math.max(warm, 1e-6)));
  (globalThis as { gc?: () => void }).gc?.();
  hits = 0;
  matcher.resetStats();
  const seconds: number[] = [];
  const session = profile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpuStarted = process.cpuUsage();
  for (let pass = 0; pass < PASSES; pass++) {
    const started = process.hrtime.bigint();
    for (let r = 0; r < repeats; r++) for (const e of sample) matcher.match(e, onHit);
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  const cpu = process.cpuUsage(cpuStarted);
  if (session && profile) {
    const { profile: cpuProfile } = await session.post('Profiler.stop');
    writeFileSync(profile, JSON.stringify(cpuProfile));
    session.disconnect();
  }
  seconds.sort((a, b) => a - b);
  const stats = matcher.stats();
  const events = Math.max(1, stats.events);
  return {
    rules: rules.length, active: stats.active,
    eventsPerSecond: Math.round((sample.length * repeats) / median(seconds)),
    best: Math.round((sample.length * repeats) / seconds[0]),
    worst: Math.round((sample.length * repeats) / seconds[seconds.length - 1]),
    cpuMicrosPerEvent: (cpu.user + cpu.system) / events,
    evaluationsPerEvent: stats.evaluations / events,
    skippedPerEvent: stats.skipped / events,
    unfiltered: stats.unfiltered,
    hits: Math.round(hits / (PASSES * repeats)),
  };
}


async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' }, out: { type: 'string', default: 'BENCHMARKS.md' }, profile: { type: 'string' } } });
  const registry = OrgRegistry.load(defaultRegistryPath());
  const placeholders = new RegistryPlaceholderSource(registry);
  const own = loadRules([resolve('rules')], { placeholders });
  const sigmahqDir = resolve('..', 'shared', 'corpora', 'sigmahq', 'rules');
  if (!existsSync(sigmahqDir)) throw new Error(`SigmaHQ corpus not found at ${sigmahqDir}`);
  const public_ = loadRules([sigmahqDir], { placeholders });
  const pool = [...own.rules, ...public_.rules];
  const sample = simulatorEvents(Number(values.events), registry);

  const counts = [10, 100, 1000];
  const results: RunResult[] = [];
  for (const n of counts) {
    const r = await run(pool.slice(0, n), sample, placeholders, n === counts[counts.length - 1] ? values.profile : undefined);
    process.stdout.write(
      `${String(n).padStart(5)} rules (${r.active} active): ${r.eventsPerSecond.toLocaleString('en-US')} events/s median ` +
        `(${r.worst.toLocaleString('en-US')}..${r.best.toLocaleString('en-US')}), ${r.cpuMicrosPerEvent.toFixed(2)} µs CPU/event, ${r.evaluationsPerEvent.toFixed(2)} rule evaluations ` +
        `and ${r.skippedPerEvent.toFixed(2)} prefilter skips per event\n`,
    );
    results.push(r);
  }
  const memory = measureStateMemory({ groups: 100_000, type: 'value_count', hitsPerGroup: 1 });
  process.stdout.write(`correlation state, 100k groups: ${(memory.heapBytes / 2 ** 20).toFixed(1)} MiB heap (${memory.heapBytesPerGroup.toFixed(0)} B/group)${memory.gcExposed ? '' : ' (run with --expose-gc for stable figures)'}\n`);

  const base = results[0].eventsPerSecond;
  const section = [
    `Machine: ${machine()}. One core: the matcher runs in this process only.`,
    '',
    `${sample.length.toLocaleString('en-US')} events: simulator traffic of all twelve formats with every attack scenario, parsed before timing.`,
    `Rules: iisa's own ${own.rules.length} detection rules first, then SigmaHQ rules in file order (most of them for logsources no industrial event routes to, which routing skips). The same events for every rule count; median of ${PASSES} timed passes (each over the events repeated to last at least ${PASS_SECONDS} s) after two warm-up passes (slowest..fastest pass shown). A rule evaluation is one rule predicate run on one event; routing and the per-logsource prefilters skip the rest without evaluating them.`,
    '',
    '| rules | active (routable) | events/s (median) | slowest..fastest pass | vs 10 rules | rule evaluations per event | prefilter skips per event | rules without prefilter |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.rules} | ${r.active} | ${r.eventsPerSecond.toLocaleString('en-US')} | ${r.worst.toLocaleString('en-US')}..${r.best.toLocaleString('en-US')} | ${(r.eventsPerSecond / base).toFixed(2)} | ${r.evaluationsPerEvent.toFixed(2)} | ${r.skippedPerEvent.toFixed(2)} | ${r.unfiltered} |`),
    '',
    `Correlation state under 100,000 distinct group keys (value_count, one hit each, keys of source.ip + user.name): ${(memory.heapBytes / 2 ** 20).toFixed(1)} MiB of heap, ${memory.heapBytesPerGroup.toFixed(0)} bytes per group${memory.gcExposed ? ' (after forced GC)' : ''}; engine estimate ${(memory.estimatedBytes / 2 ** 20).toFixed(1)} MiB. The events themselves (${(memory.eventBytes / 2 ** 20).toFixed(1)} MiB here) are kept alive only up to 100 per group for the window.`,
  ].join('\n');
  const file = values.out!;
  writeSection(file, 'Detection: stream matcher and correlation state (bench/detect)', section);
  process.stdout.write(`wrote ${join(file)}\n`);
}

await main();
