/**
 * The detector: one event in, rule hits out. Detection rules run in the
 * stream matcher; their hits feed the correlation engine; what the rules say
 * should be reported (a rule referenced by a correlation reports on its own
 * only with `generate: true`) comes out as `Detection`s, which become stored
 * `RuleHit`s in a node and printed hits in a hunt.
 */
import type { EcsEvent } from '../core/event.js';
import { canonicalJson, stableId, uuidv7 } from '../core/ids.js';
import type { RuleHit } from '../core/store/store.js';
import type { Metrics } from '../collector/sources/types.js';
import type { OrgRegistry } from '../core/orgs.js';
import { entityOf, involvedAssets } from './hit-context.js';
import { CorrelationDefaults, CorrelationEngine, type CorrelationHit } from './sigma/correlation/index.js';
import { loadDefaultMapping, type FieldMapping } from './sigma/mapping/index.js';
import type { CorrelationRule, DetectionRule, PlaceholderSource, RuleSet, SigmaProblem } from './sigma/model.js';
import { StreamMatcher } from './sigma/stream/index.js';

export type Detection =
  | { readonly kind: 'detection'; readonly rule: DetectionRule; readonly event: EcsEvent }
  | { readonly kind: 'correlation'; readonly rule: CorrelationRule; readonly hit: CorrelationHit };

export interface DetectorOptions {
  readonly ruleSet: RuleSet;
  readonly placeholders?: PlaceholderSource;
  readonly mapping?: FieldMapping;
  readonly metrics?: Metrics;
  /** Live correlation groups per rule before new groups are refused (and counted). */
  readonly maxGroupsPerRule?: number;
  /** How far behind the newest event a hit may arrive and still correlate (ms of event time). */
  readonly latenessMs?: number;
  /** Rules of logsources no event of ours routes to: skip them, or test them on every event (hunts over foreign ECS files). */
  readonly unrouted?: 'skip' | 'every-event';
}

/**
 * Correlation state is kept per org: each org's events run through an engine
 * of their own with its own event clock, so one org's clock (a sender with a
 * skewed clock, a backlog replayed, a partition consumed ahead of another
 * in a scaled-out detector) can never make another org's events late.
 * Correlations therefore never span orgs, which is also what partitioning
 * the bus by org implies.
 */
export class Detector {
  /** Rules that could not be compiled or correlations that could not be wired; never thrown. */
  readonly problems: readonly SigmaProblem[];
  readonly matcher: StreamMatcher;
  /** The correlation rules as wired (which rules feed which): the per-org engines are built like it. */
  readonly correlations: CorrelationEngine;
  private readonly engines = new Map<string, CorrelationEngine>();
  /** Per org: the newest event time seen, and the wall-clock time it was seen at. */
  private readonly clocks = new Map<string, { eventMs: number; wallMs: number }>();
  private readonly newEngine: () => CorrelationEngine;
  private readonly pending: Detection[] = [];
  private readonly onHit = (rule: DetectionRule, event: unknown): void => {
    if (this.correlations.generates(rule)) this.pending.push({ kind: 'detection', rule, event: event as EcsEvent });
    if (this.hasCorrelations) for (const hit of this.engineFor(orgOf(event)).onRuleHit(rule, event)) this.collect(hit);
  };
  private readonly hasCorrelations: boolean;

  constructor(options: DetectorOptions) {
    const mapping = options.mapping ?? loadDefaultMapping();
    this.matcher = new StreamMatcher({
      rules: options.ruleSet.rules,
      filters: options.ruleSet.filters,
      mapping,
      ...(options.placeholders ? { placeholders: options.placeholders } : {}),
      ...(options.unrouted ? { unrouted: options.unrouted } : {}),
    });
    this.newEngine = () => new CorrelationEngine({
      correlations: options.ruleSet.correlations,
      rules: options.ruleSet.rules,
      // A correlation names fields as its rules do: resolve them through the rule's logsource mapping.
      fieldResolver: (field, rule) => mapping.resolve(rule.logsource).fieldsFor(field)[0] ?? field,
      ...(options.maxGroupsPerRule ? { maxGroupsPerRule: options.maxGroupsPerRule } : {}),
      ...(options.latenessMs !== undefined ? { latenessMs: options.latenessMs } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    this.correlations = this.newEngine();
    this.hasCorrelations = options.ruleSet.correlations.length > 0;
    this.problems = [...this.matcher.problems, ...this.correlations.problems];
  }

  /** Everything one event triggers (detections now; correlations as their windows allow). */
  process(event: EcsEvent): Detection[] {
    this.observe(event);
    this.matcher.match(event, this.onHit);
    return this.pending.splice(0);
  }

  /** Let event time reach `time` for every org without an event: correlation windows that closed are evaluated. */
  advanceTo(time: number | string | Date): Detection[] {
    for (const engine of this.engines.values()) for (const hit of engine.advanceTo(time)) this.collect(hit);
    return this.pending.splice(0);
  }

  /**
   * Move each org's event time on with the wall clock since its newest
   * event (`wallMs` now), once the org has been quiet for `quietMs`:
   * windows close for quiet orgs too, on their own clock, never on another
   * org's. The grace keeps a pause in a fast stream (a backlog being sent,
   * a detector taking over partitions) from making the events after it late.
   */
  advanceClocks(wallMs: number, quietMs = 0): Detection[] {
    for (const [org, engine] of this.engines) {
      const clock = this.clocks.get(org);
      const quiet = clock === undefined ? 0 : wallMs - clock.wallMs - quietMs;
      if (clock && quiet > 0) for (const hit of engine.advanceTo(clock.eventMs + quiet)) this.collect(hit);
    }
    return this.pending.splice(0);
  }

  /** An org's event time now (its newest event time moved on with the wall clock), or undefined before its first event. */
  clockOf(org: string, wallMs: number): number | undefined {
    const clock = this.clocks.get(org);
    return clock ? clock.eventMs + Math.max(0, wallMs - clock.wallMs) : undefined;
  }

  /**
   * Forget an org's correlation state and clock, e.g. before its events are
   * replayed from where the bus retained them (state from an earlier
   * ownership of the org's partition would otherwise count them twice).
   */
  resetOrg(org: string): void {
    this.engines.delete(org);
    this.clocks.delete(org);
  }

  /** End of input (a hunt): close every window now. */
  flush(): Detection[] {
    for (const engine of this.engines.values()) for (const hit of engine.flush()) this.collect(hit);
    return this.pending.splice(0);
  }

  private engineFor(org: string): CorrelationEngine {
    let engine = this.engines.get(org);
    if (!engine) {
      engine = this.newEngine();
      this.engines.set(org, engine);
    }
    return engine;
  }

  private observe(event: EcsEvent): void {
    const eventMs = Date.parse(event['@timestamp']);
    if (Number.isNaN(eventMs)) return;
    const org = orgOf(event);
    const clock = this.clocks.get(org);
    if (!clock || eventMs > clock.eventMs) this.clocks.set(org, { eventMs, wallMs: Date.now() });
  }

  private collect(hit: CorrelationHit): void {
    if (hit.standalone) this.pending.push({ kind: 'correlation', rule: hit.correlation, hit });
  }
}

/** The org an event is for ('' when it has none: such events correlate among themselves). */
function orgOf(event: unknown): string {
  const org = (event as { org?: { id?: unknown } } | null)?.org?.id;
  return typeof org === 'string' ? org : '';
}

/** The rule's id, else its name, else its title: how hits name rules. */
export function ruleKey(rule: DetectionRule | CorrelationRule): string {
  return rule.id ?? rule.name ?? rule.title;
}

/** The event ids a detection is about. */
export function detectionEvents(detection: Detection): EcsEvent[] {
  if (detection.kind === 'detection') return [detection.event];
  return detection.hit.events.flatMap((ref) => (ref.hit ? [] : [ref.event as EcsEvent]));
}

/**
 * How far back in event time the detector's state reaches: the longest
 * chain of correlations (an outer correlation's window over inner ones'
 * windows) plus the reorder allowance. Events older than that, behind the
 * newest one, can no longer change any hit.
 */
export function stateReachMs(correlations: readonly CorrelationRule[], latenessMs: number = CorrelationDefaults.latenessMs): number {
  if (correlations.length === 0) return 0;
  const byName = new Map<string, CorrelationRule>();
  for (const c of correlations) {
    if (c.id) byName.set(c.id, c);
    if (c.name) byName.set(c.name, c);
  }
  const reach = new Map<CorrelationRule, number>();
  const visit = (c: CorrelationRule, depth: number): number => {
    const known = reach.get(c);
    if (known !== undefined) return known;
    // A cycle is refused when the rules load; the depth cap keeps this walk finite regardless.
    let inner = 0;
    if (depth < correlations.length) for (const ref of c.rules) {
      const referenced = byName.get(ref);
      if (referenced) inner = Math.max(inner, visit(referenced, depth + 1));
    }
    const total = c.timespanMs + inner;
    reach.set(c, total);
    return total;
  };
  let longest = 0;
  for (const c of correlations) longest = Math.max(longest, visit(c, 0));
  return longest + latenessMs;
}

/** The org a detection belongs to: the event's, or for a correlation its group's (else its first event's). */
export function detectionOrg(detection: Detection): string | undefined {
  if (detection.kind === 'detection') return detection.event.org?.id;
  return (detection.hit.groupKey['org.id'] as string | undefined) ?? detectionEvents(detection)[0]?.org?.id;
}


/**
 * A stored rule hit, with a deterministic id: a detection hit is its rule
 * and event, a correlation hit its rule, group and the window it was decided
 * on, so an event delivered again (a detector taking over another's
 * partitions replays what that one held) never stores a hit twice.
 */
export function toRuleHit(detection: Detection, detectedAt: Date, registry?: OrgRegistry): RuleHit | undefined {
  const rule = detection.rule;
  const events = detectionEvents(detection);
  const orgId = detectionOrg(detection);
  if (!orgId) return undefined; // events without an org are never stored, so neither are their hits
  const base = {
    ruleId: ruleKey(rule),
    ruleTitle: rule.title,
    ...(rule.level ? { level: rule.level } : {}),
    tags: [...rule.tags],
    orgId,
    detectedAt: detectedAt.toISOString(),
    eventIds: events.map((e) => e.event.id).filter((id): id is string => id !== undefined),
    ...(registry ? { assets: involvedAssets(registry, orgId, events) } : {}),
  };
  if (detection.kind === 'detection') {
    const eventId = detection.event.event.id ?? uuidv7();
    return { id: stableId('hit', base.ruleId, eventId), kind: 'detection', time: detection.event['@timestamp'], groupKey: entityOf(detection.event), ...base };
  }
  const hit = detection.hit;
  const id = stableId('hit', base.ruleId, orgId, canonicalJson(hit.groupKey), hit.timeMs, hit.firstSeen);
  return { id, kind: 'correlation', time: hit.lastSeen, groupKey: hit.groupKey, value: hit.value, ...base };
}
