/**
 * bench/detect: stream matcher throughput with 10, 100 and 1,000 rules, the
 * detector with the whole SigmaHQ corpus over mixed industrial and IT
 * events, and correlation state memory under 100k distinct group keys.
 *
 * Rule counts: simulator traffic of every format (background and attacks),
 * parsed by the collector's parsers once, before timing; the matcher alone
 * is timed, on one core (this process), and then routing alone on the same
 * events (what the rule count costs before any prefilter or rule runs, and
 * what that leaves of issue 3's aim). Rules: iisa's own rules first, then
 * SigmaHQ rules (../shared/corpora/sigmahq/rules, in file order) up to the
 * count — the realistic shape of a deployment that adds the public rule set.
 *
 * SigmaHQ: every rule of the corpus through the Sigma loader into a
 * `Detector` (matcher and correlation engines, as a node runs it), over
 * simulator traffic mixed with Windows, Linux and web proxy events
 * (./host-events.ts) that the corpus's logsources route to.
 *
 * Headline figures also go to bench/results.json (detect_100_rules_eps,
 * detect_sigmahq_eps). `--only counts|sigmahq` runs one part (dev runs;
 * the section then holds that part only).
 *
 *   node --expose-gc dist/bench/detect.js [--events 20000] [--mixed-events 20000] [--host-share 0.5]
 *     [--passes 9] [--only counts|sigmahq] [--out BENCHMARKS.md] [--results bench/results.json]
 *     [--profile FILE.cpuprofile] [--profile-sigmahq FILE.cpuprofile]
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import type { EcsEvent } from '../core/event.js';
import { OrgRegistry } from '../core/orgs.js';
import { Detector } from '../detector/detector.js';
import { measureStateMemory } from '../detector/sigma/correlation/index.js';
import { loadDefaultMapping } from '../detector/sigma/mapping/index.js';
import type { DetectionRule, Logsource, RuleSet, SigmaProblem } from '../detector/sigma/model.js';
import { loadRules, ruleFiles } from '../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../detector/sigma/placeholders.js';
import { StreamMatcher, type MatcherStats } from '../detector/sigma/stream/index.js';
import { defaultRegistryPath } from '../seeds/simulator/simulate.js';
import { HostEventKinds, HostEventMix, hostEvents } from './host-events.js';
import { machine, writeSection } from './report.js';
import { DEFAULT_RESULTS_FILE, writeResults, type Figure, type ResultKey } from './results.js';
import { simulatorEvents } from './sample-events.js';

/** What is timed: one event in, the number of hits (or detections) out; and the matcher's counters. */
interface Target {
  process(event: EcsEvent): number;
  stats(): MatcherStats;
  resetStats(): void;
}

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
  /** Hits per pass over the events (each event once). */
  hits: number;
}

/** A rule count's figures: the matcher's run, and routing alone on the same events. */
interface CountResult extends RunResult {
  /** Wall time per event of routing alone (StreamMatcher.routedRules), median of the passes. */
  routingMicros: number;
}

/** Issue 7's targets, one core. */
const TARGET_100_RULES = 300_000;
const TARGET_SIGMAHQ = 30_000;
/** Minimum length of one timed pass. */
const PASS_SECONDS = 0.25;
/** Passes per kind of event in the SigmaHQ breakdown, and their minimum length. */
const KIND_PASSES = 5;
const KIND_PASS_SECONDS = 0.05;

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function matcherTarget(matcher: StreamMatcher): Target {
  const onHit = (): void => {};
  return { process: (e) => matcher.match(e, onHit), stats: () => matcher.stats(), resetStats: () => matcher.resetStats() };
}

function detectorTarget(detector: Detector): Target {
  return { process: (e) => detector.process(e).length, stats: () => detector.matcher.stats(), resetStats: () => detector.matcher.resetStats() };
}

/**
 * Two warm-up passes (JIT, placeholder caches), then `passes` timed passes
 * from a collected heap, each over the events repeated to last at least
 * PASS_SECONDS. With a profile path: a CPU profile (node:inspector) of the
 * timed passes only (warm-up, loading and event generation stay out of it).
 */
/** Two warm-up passes of `pass` (JIT, placeholder caches); returns how many times a timed pass repeats it to last ~PASS_SECONDS. */
function warmUp(pass: () => void): number {
  let warm = 0;
  for (let i = 0; i < 2; i++) {
    const started = process.hrtime.bigint();
    pass();
    warm = Number(process.hrtime.bigint() - started) / 1e9;
  }
  // A pass of a few milliseconds is mostly noise (GC, timer, JIT): repeat the events so a pass lasts ~PASS_SECONDS.
  return Math.max(1, Math.ceil(PASS_SECONDS / Math.max(warm, 1e-6)));
}

async function run(target: Target, sample: readonly EcsEvent[], passes: number, profile?: string): Promise<RunResult> {
  const repeats = warmUp(() => { for (const e of sample) target.process(e); });
  (globalThis as { gc?: () => void }).gc?.();
  let hits = 0;
  target.resetStats();
  const seconds: number[] = [];
  const session = profile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpuStarted = process.cpuUsage();
  for (let pass = 0; pass < passes; pass++) {
    const started = process.hrtime.bigint();
    for (let r = 0; r < repeats; r++) for (const e of sample) hits += target.process(e);
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  const cpu = process.cpuUsage(cpuStarted);
  if (session && profile) {
    const { profile: cpuProfile } = await session.post('Profiler.stop');
    writeFileSync(profile, JSON.stringify(cpuProfile));
    session.disconnect();
  }
  seconds.sort((a, b) => a - b);
  const stats = target.stats();
  const events = Math.max(1, stats.events);
  return {
    rules: stats.rules, active: stats.active,
    eventsPerSecond: Math.round((sample.length * repeats) / median(seconds)),
    best: Math.round((sample.length * repeats) / seconds[0]),
    worst: Math.round((sample.length * repeats) / seconds[seconds.length - 1]),
    cpuMicrosPerEvent: (cpu.user + cpu.system) / events,
    evaluationsPerEvent: stats.evaluations / events,
    skippedPerEvent: stats.skipped / events,
    unfiltered: stats.unfiltered,
    hits: Math.round(hits / (passes * repeats)),
  };
}

/**
 * Routing alone (each event to its logsources' rules, nothing evaluated), as
 * `run` times a target: two warm-up passes, then the median of `passes`.
 * What the rule count costs before any prefilter or rule runs.
 */
function routingMicros(matcher: StreamMatcher, sample: readonly EcsEvent[], passes: number): number {
  const repeats = warmUp(() => { for (const e of sample) matcher.routedRules(e); });
  const micros: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const started = process.hrtime.bigint();
    for (let r = 0; r < repeats; r++) for (const e of sample) matcher.routedRules(e);
    micros.push(Number(process.hrtime.bigint() - started) / 1e3 / (sample.length * repeats));
  }
  return median(micros.sort((a, b) => a - b));
}

/** Per kind of event: its cost and how many rules it reaches (timed on the warm target, after the headline passes). */
interface KindCost {
  kind: string;
  events: number;
  microsPerEvent: number;
  routedPerEvent: number;
  evaluatedPerEvent: number;
  hitsPerThousand: number;
}

function costByKind(target: Target, groups: ReadonlyMap<string, readonly EcsEvent[]>): KindCost[] {
  const out: KindCost[] = [];
  for (const [kind, events] of groups) {
    // Small groups are repeated so a pass lasts long enough to time; CPU time, as wall time on a shared machine wanders.
    const started = process.hrtime.bigint();
    for (const e of events) target.process(e);
    const once = Number(process.hrtime.bigint() - started) / 1e9;
    const repeats = Math.max(1, Math.ceil(KIND_PASS_SECONDS / Math.max(once, 1e-6)));
    const times: number[] = [];
    let hits = 0;
    target.resetStats();
    for (let pass = 0; pass < KIND_PASSES; pass++) {
      const cpu = process.cpuUsage();
      for (let r = 0; r < repeats; r++) for (const e of events) hits += target.process(e);
      const used = process.cpuUsage(cpu);
      times.push((used.user + used.system) / (events.length * repeats));
    }
    const stats = target.stats();
    const n = Math.max(1, stats.events);
    out.push({
      kind, events: events.length, microsPerEvent: median(times.sort((a, b) => a - b)),
      routedPerEvent: (stats.evaluations + stats.skipped) / n, evaluatedPerEvent: stats.evaluations / n, hitsPerThousand: (hits / n) * 1000,
    });
  }
  return out;
}

/** Why rules were refused, most frequent first: the unsupported feature, else the message without rule-specific text. */
function refusalReasons(problems: readonly SigmaProblem[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const p of problems) {
    const reason = p.feature ? `unsupported: ${p.feature}` : p.message.replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '…').slice(0, 80);
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

const logsourceText = (ls: Logsource): string => [ls.product, ls.category, ls.service].filter((x) => x !== undefined).join('/');

function topCounts(items: readonly string[], n: number): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, c]) => `${k} ${c}`).join(', ');
}

/** Simulator events and host events merged in time order (the simulator's events first at equal times), with each event's kind. */
function mixedEvents(total: number, hostShare: number, registry: OrgRegistry): { events: EcsEvent[]; kinds: string[] } {
  const hostCount = Math.round(total * hostShare);
  const sim = total > hostCount ? simulatorEvents(total - hostCount, registry) : [];
  const host = hostEvents(hostCount, registry);
  const events: EcsEvent[] = [];
  const kinds: string[] = [];
  let i = 0;
  let j = 0;
  while (i < sim.length || j < host.events.length) {
    if (j >= host.events.length || (i < sim.length && sim[i]['@timestamp'] <= host.events[j]['@timestamp'])) {
      events.push(sim[i++]);
      kinds.push('simulator (industrial)');
    } else {
      events.push(host.events[j]);
      kinds.push(host.kinds[j++]);
    }
  }
  return { events, kinds };
}

interface SigmaHqResult {
  files: number;
  ruleSet: RuleSet;
  loadSeconds: number;
  compileSeconds: number;
  detector: Detector;
  run: RunResult;
  events: number;
  hostShare: number;
  byKind: KindCost[];
}

async function runSigmaHq(ruleSet: RuleSet, files: number, loadSeconds: number, registry: OrgRegistry, placeholders: RegistryPlaceholderSource,
  total: number, hostShare: number, passes: number, profile?: string): Promise<SigmaHqResult> {
  const compileStarted = process.hrtime.bigint();
  const detector = new Detector({ ruleSet, placeholders, mapping: loadDefaultMapping() });
  const compileSeconds = Number(process.hrtime.bigint() - compileStarted) / 1e9;
  const { events, kinds } = mixedEvents(total, hostShare, registry);
  const target = detectorTarget(detector);
  const result = await run(target, events, passes, profile);
  const groups = new Map<string, EcsEvent[]>();
  for (const kind of ['simulator (industrial)', ...HostEventKinds]) groups.set(kind, []);
  events.forEach((e, i) => groups.get(kinds[i])?.push(e));
  for (const [kind, list] of groups) if (list.length === 0) groups.delete(kind);
  return { files, ruleSet, loadSeconds, compileSeconds, detector, run: result, events: events.length, hostShare, byKind: costByKind(target, groups) };
}

/**
 * What routing alone leaves of the aim (issue 3: the largest rule count at
 * half the smallest's rate at least): the largest count's routing cost, over
 * and above the smallest's, set against the smallest's whole cost per event.
 */
function routingBound(results: readonly CountResult[]): string[] {
  if (results.length < 2) return [];
  const first = results[0];
  const last = results[results.length - 1];
  const whole = 1e6 / first.eventsPerSecond;
  const extra = Math.max(0, last.routingMicros - first.routingMicros);
  const ceiling = whole / (whole + extra);
  const budget = 2 * whole - last.routingMicros;
  return [
    `Routing alone (each event to the rules of its logsources, nothing evaluated; same passes): ${results.map((r) => `${r.routingMicros.toFixed(2)} µs per event with ${r.rules} rules`).join(', ')}. ` +
      `A ${first.rules}-rule event costs ${whole.toFixed(2)} µs in all, so with ${last.rules} rules routing's extra ${extra.toFixed(2)} µs alone would hold the rate to ${ceiling.toFixed(2)} of the ${first.rules}-rule rate if prefilters and rules cost nothing; ` +
      `at half the ${first.rules}-rule rate, prefilters and rules would have ${budget.toFixed(2)} µs per event left (they take ${(1e6 / last.eventsPerSecond - last.routingMicros).toFixed(2)}).`,
    '',
  ];
}

function countsSection(results: readonly CountResult[], sampleSize: number, ownRules: number, passes: number): string[] {
  const base = results[0].eventsPerSecond;
  const at100 = results.find((r) => r.rules === 100);
  return [
    `${sampleSize.toLocaleString('en-US')} events: simulator traffic of all twelve formats with every attack scenario, parsed before timing.`,
    `Rules: iisa's own ${ownRules} detection rules first, then SigmaHQ rules in file order (most of them for logsources no industrial event routes to, which routing skips). The same events for every rule count; the stream matcher alone; median of ${passes} timed passes (each over the events repeated to last at least ${PASS_SECONDS} s) after two warm-up passes (slowest..fastest pass shown). A rule evaluation is one rule predicate run on one event; routing and the per-logsource prefilters skip the rest without evaluating them.`,
    '',
    '| rules | active (routable) | events/s (median) | slowest..fastest pass | vs 10 rules | rule evaluations per event | prefilter skips per event | rules without prefilter |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.rules} | ${r.active} | ${fmt(r.eventsPerSecond)} | ${fmt(r.worst)}..${fmt(r.best)} | ${(r.eventsPerSecond / base).toFixed(2)} | ${r.evaluationsPerEvent.toFixed(2)} | ${r.skippedPerEvent.toFixed(2)} | ${r.unfiltered} |`),
    '',
    ...routingBound(results),
    ...(at100 ? [`Target (issue 7, \`detect_100_rules_eps\`): 100 rules, one core, ≥ ${fmt(TARGET_100_RULES)} events/s; measured ${fmt(at100.eventsPerSecond)} (${at100.eventsPerSecond >= TARGET_100_RULES ? 'met' : 'not met'}).`, ''] : []),
  ];
}

function sigmaHqSection(s: SigmaHqResult, passes: number): string[] {
  const r = s.run;
  const refusedAtLoad = refusalReasons(s.ruleSet.problems);
  const refusedAtCompile = refusalReasons(s.detector.problems);
  const refused = [...refusedAtLoad, ...refusedAtCompile];
  const refusedCount = refused.reduce((sum, [, c]) => sum + c, 0);
  const unrouted = s.detector.matcher.unroutedRules;
  const stats = s.detector.matcher.stats();
  const hostShares = HostEventKinds.map((k) => `${k} ${Math.round(HostEventMix[k] * 100)} %`).join(', ');
  return [
    '### The whole SigmaHQ corpus',
    '',
    `Rules: every file of ../shared/corpora/sigmahq/rules (${fmt(s.files)} files) through the Sigma loader (loadRules, ${s.loadSeconds.toFixed(1)} s) into a Detector (stream matcher and correlation engines as a node runs them; compiled in ${s.compileSeconds.toFixed(1)} s): ` +
      `${fmt(s.ruleSet.rules.length)} detection rules loaded, ${refusedCount} refused${refused.length ? ` (${refused.slice(0, 5).map(([k, c]) => `${k}: ${c}`).join('; ')})` : ''}; ` +
      `${fmt(unrouted.length)} of them are for logsources no route in detector/sigma/mapping/ecs.yaml reaches (${topCounts(unrouted.map((u) => logsourceText(u.logsource)), 6)}, …), which routing skips, so ${fmt(stats.active)} rules are active in ${stats.logsources} logsource buckets (a rule runs only on the events of every logsource attribute it states: Windows categories by Sysmon channel and event ID, as pySigma does).`,
    '',
    `Events: ${fmt(s.events)}, time-ordered: ${Math.round((1 - s.hostShare) * 100)} % simulator traffic as above and ${Math.round(s.hostShare * 100)} % IT events of the logsources the corpus is written for (bench/host-events.ts: ECS as Winlogbeat/Auditbeat/Zeek send them, about 3 % of them attacker tradecraft), of these ${hostShares}. ` +
      `One core (this process); median of ${passes} timed passes after two warm-up passes, as above.`,
    '',
    '| rules loaded | active | events/s (median) | slowest..fastest pass | target | µs CPU per event | rules routed to an event | rules evaluated per event | detections per pass |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${fmt(s.ruleSet.rules.length)} | ${fmt(r.active)} | ${fmt(r.eventsPerSecond)} | ${fmt(r.worst)}..${fmt(r.best)} | ≥ ${fmt(TARGET_SIGMAHQ)} (${r.eventsPerSecond >= TARGET_SIGMAHQ ? 'met' : 'not met'}) | ${r.cpuMicrosPerEvent.toFixed(1)} | ${(r.evaluationsPerEvent + r.skippedPerEvent).toFixed(1)} | ${r.evaluationsPerEvent.toFixed(1)} | ${fmt(r.hits)} |`,
    '',
    `Per kind of event (the same Detector, each kind on its own after the timed passes; CPU time, median of ${KIND_PASSES} passes). A stream of one kind runs faster than the mix (the field readers and rule predicates see one shape of event), so the rows show where the cost is rather than add up to the figure above:`,
    '',
    '| events | count | µs CPU per event | rules routed to it | rules evaluated | detections per 1,000 |',
    '|---|---:|---:|---:|---:|---:|',
    ...s.byKind.map((k) => `| ${k.kind} | ${fmt(k.events)} | ${k.microsPerEvent.toFixed(1)} | ${k.routedPerEvent.toFixed(1)} | ${k.evaluatedPerEvent.toFixed(1)} | ${k.hitsPerThousand.toFixed(1)} |`),
    '',
    'For comparison (their own reports, whole machines rather than one core): Hayabusa about 18,000 and Zircolite about 39,000 events/s on a 10-core laptop, Chainsaw about 4,000.',
    '',
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '20000' },
      'mixed-events': { type: 'string', default: '20000' },
      'host-share': { type: 'string', default: '0.5' },
      passes: { type: 'string', default: '9' },
      only: { type: 'string' },
      out: { type: 'string', default: 'BENCHMARKS.md' },
      results: { type: 'string', default: DEFAULT_RESULTS_FILE },
      profile: { type: 'string' },
      'profile-sigmahq': { type: 'string' },
    },
  });
  const only = values.only;
  if (only !== undefined && only !== 'counts' && only !== 'sigmahq') throw new Error(`--only: counts or sigmahq, not ${only}`);
  const passes = Number(values.passes);
  const hostShare = Number(values['host-share']);
  if (!(passes >= 1) || !(hostShare >= 0 && hostShare <= 1)) throw new Error('--passes: at least 1; --host-share: 0..1');
  const registry = OrgRegistry.load(defaultRegistryPath());
  const placeholders = new RegistryPlaceholderSource(registry);
  const own = loadRules([resolve('rules')], { placeholders });
  const sigmahqDir = resolve('..', 'shared', 'corpora', 'sigmahq', 'rules');
  if (!existsSync(sigmahqDir)) throw new Error(`SigmaHQ corpus not found at ${sigmahqDir}`);
  const loadStarted = process.hrtime.bigint();
  const public_ = loadRules([sigmahqDir], { placeholders });
  const loadSeconds = Number(process.hrtime.bigint() - loadStarted) / 1e9;
  const figures: Partial<Record<ResultKey, Figure>> = {};
  const section = [`Machine: ${machine()}. One core: the matcher runs in this process only.`, ''];

  if (only !== 'sigmahq') {
    const pool: DetectionRule[] = [...own.rules, ...public_.rules];
    const sample = simulatorEvents(Number(values.events), registry);
    const counts = [10, 100, 1000];
    const results: CountResult[] = [];
    for (const n of counts) {
      const matcher = new StreamMatcher({ rules: pool.slice(0, n), mapping: loadDefaultMapping(), placeholders });
      const r = { ...await run(matcherTarget(matcher), sample, passes, n === counts[counts.length - 1] ? values.profile : undefined), routingMicros: routingMicros(matcher, sample, passes) };
      process.stdout.write(
        `${String(n).padStart(5)} rules (${r.active} active): ${fmt(r.eventsPerSecond)} events/s median ` +
          `(${fmt(r.worst)}..${fmt(r.best)}), ${r.cpuMicrosPerEvent.toFixed(2)} µs CPU/event, ${r.evaluationsPerEvent.toFixed(2)} rule evaluations ` +
          `and ${r.skippedPerEvent.toFixed(2)} prefilter skips per event; routing alone ${r.routingMicros.toFixed(2)} µs/event\n`,
      );
      results.push(r);
    }
    const at100 = results.find((r) => r.rules === 100);
    if (at100) figures.detect_100_rules_eps = { value: at100.eventsPerSecond, unit: 'events/s' };
    section.push(...countsSection(results, sample.length, own.rules.length, passes));
  }

  if (only !== 'sigmahq') {
    const memory = measureStateMemory({ groups: 100_000, type: 'value_count', hitsPerGroup: 1 });
    process.stdout.write(`correlation state, 100k groups: ${(memory.heapBytes / 2 ** 20).toFixed(1)} MiB heap (${memory.heapBytesPerGroup.toFixed(0)} B/group)${memory.gcExposed ? '' : ' (run with --expose-gc for stable figures)'}\n`);
    section.push(`Correlation state under 100,000 distinct group keys (value_count, one hit each, keys of source.ip + user.name): ${(memory.heapBytes / 2 ** 20).toFixed(1)} MiB of heap, ${memory.heapBytesPerGroup.toFixed(0)} bytes per group${memory.gcExposed ? ' (after forced GC)' : ''}; engine estimate ${(memory.estimatedBytes / 2 ** 20).toFixed(1)} MiB. The events themselves (${(memory.eventBytes / 2 ** 20).toFixed(1)} MiB here) are kept alive only up to 100 per group for the window.`, '');
  }

  if (only !== 'counts') {
    const s = await runSigmaHq(public_, ruleFiles(sigmahqDir).length, loadSeconds, registry, placeholders,
      Number(values['mixed-events']), hostShare, passes, values['profile-sigmahq']);
    const r = s.run;
    const refused = [...refusalReasons(s.ruleSet.problems), ...refusalReasons(s.detector.problems)];
    process.stdout.write(
      `SigmaHQ: ${s.files} files, ${s.ruleSet.rules.length} rules loaded (${s.loadSeconds.toFixed(1)} s), ${refused.reduce((n, [, c]) => n + c, 0)} refused` +
        `${refused.length ? ` (${refused.slice(0, 5).map(([k, c]) => `${k}: ${c}`).join('; ')})` : ''}, ${s.detector.matcher.unroutedRules.length} unrouted, ${r.active} active (compiled in ${s.compileSeconds.toFixed(1)} s)\n` +
        `SigmaHQ over ${s.events} mixed events: ${fmt(r.eventsPerSecond)} events/s median (${fmt(r.worst)}..${fmt(r.best)}), ${r.cpuMicrosPerEvent.toFixed(1)} µs CPU/event, ` +
        `${(r.evaluationsPerEvent + r.skippedPerEvent).toFixed(1)} rules routed and ${r.evaluationsPerEvent.toFixed(1)} evaluated per event, ${r.hits} detections per pass\n`,
    );
    for (const k of s.byKind) {
      process.stdout.write(`  ${k.kind.padEnd(24)} ${String(k.events).padStart(6)} events ${k.microsPerEvent.toFixed(1).padStart(7)} µs/event ${k.routedPerEvent.toFixed(1).padStart(7)} routed ${k.evaluatedPerEvent.toFixed(1).padStart(6)} evaluated ${k.hitsPerThousand.toFixed(1).padStart(6)} detections/1000\n`);
    }
    figures.detect_sigmahq_eps = { value: r.eventsPerSecond, unit: 'events/s' };
    section.push(...sigmaHqSection(s, passes));
  }

  const file = values.out!;
  writeSection(file, 'Detection: stream matcher and correlation state (bench/detect)', section.join('\n'));
  writeResults(figures, values.results);
  process.stdout.write(`wrote ${join(file)} and ${values.results}\n`);
}

await main();
