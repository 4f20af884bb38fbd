/**
 * The detector: one event in, rule hits out. Detection rules run in the
 * stream matcher; their hits feed the correlation engine; what the rules say
 * should be reported (a rule referenced by a correlation reports on its own
 * only with `generate: true`) comes out as `Detection`s, which become stored
 * `RuleHit`s in a node and printed hits in a hunt.
 */
import type { EcsEvent } from '../core/event.js';
import { stableId, uuidv7 } from '../core/ids.js';
import type { RuleHit } from '../core/store/store.js';
import type { Metrics } from '../collector/sources/types.js';
import { CorrelationEngine, type CorrelationHit } from './sigma/correlation/index.js';
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

export class Detector {
  /** Rules that could not be compiled or correlations that could not be wired; never thrown. */
  readonly problems: readonly SigmaProblem[];
  readonly matcher: StreamMatcher;
  readonly correlations: CorrelationEngine;
  private readonly pending: Detection[] = [];
  private readonly onHit = (rule: DetectionRule, event: unknown): void => {
    if (this.correlations.generates(rule)) this.pending.push({ kind: 'detection', rule, event: event as EcsEvent });
    for (const hit of this.correlations.onRuleHit(rule, event)) this.collect(hit);
  };

  constructor(options: DetectorOptions) {
    const mapping = options.mapping ?? loadDefaultMapping();
    this.matcher = new StreamMatcher({
      rules: options.ruleSet.rules,
      filters: options.ruleSet.filters,
      mapping,
      ...(options.placeholders ? { placeholders: options.placeholders } : {}),
      ...(options.unrouted ? { unrouted: options.unrouted } : {}),
    });
    this.correlations = new CorrelationEngine({
      correlations: options.ruleSet.correlations,
      rules: options.ruleSet.rules,
      // A correlation names fields as its rules do: resolve them through the rule's logsource mapping.
      fieldResolver: (field, rule) => mapping.resolve(rule.logsource).fieldsFor(field)[0] ?? field,
      ...(options.maxGroupsPerRule ? { maxGroupsPerRule: options.maxGroupsPerRule } : {}),
      ...(options.latenessMs !== undefined ? { latenessMs: options.latenessMs } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    this.problems = [...this.matcher.problems, ...this.correlations.problems];
  }

  /** Everything one event triggers (detections now; correlations as their windows allow). */
  process(event: EcsEvent): Detection[] {
    this.matcher.match(event, this.onHit);
    return this.pending.splice(0);
  }

  /** Let event time reach `time` without an event: correlation windows that closed are evaluated. */
  advanceTo(time: number | string | Date): Detection[] {
    for (const hit of this.correlations.advanceTo(time)) this.collect(hit);
    return this.pending.splice(0);
  }

  /** End of input (a hunt): close every window now. */
  flush(): Detection[] {
    for (const hit of this.correlations.flush()) this.collect(hit);
    return this.pending.splice(0);
  }

  private collect(hit: CorrelationHit): void {
    if (hit.standalone) this.pending.push({ kind: 'correlation', rule: hit.correlation, hit });
  }
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

/** A stored rule hit. Detection hits get a deterministic id, so a re-delivered event does not hit twice. */
export function toRuleHit(detection: Detection, detectedAt: Date): RuleHit | undefined {
  const rule = detection.rule;
  const events = detectionEvents(detection);
  const orgId = detection.kind === 'detection'
    ? detection.event.org?.id
    : (detection.hit.groupKey['org.id'] as string | undefined) ?? events[0]?.org?.id;
  if (!orgId) return undefined; // events without an org are never stored, so neither are their hits
  const base = {
    ruleId: ruleKey(rule),
    ruleTitle: rule.title,
    ...(rule.level ? { level: rule.level } : {}),
    tags: [...rule.tags],
    orgId,
    detectedAt: detectedAt.toISOString(),
    eventIds: events.map((e) => e.event.id).filter((id): id is string => id !== undefined),
  };
  if (detection.kind === 'detection') {
    const eventId = detection.event.event.id ?? uuidv7();
    return { id: stableId('hit', base.ruleId, eventId), kind: 'detection', time: detection.event['@timestamp'], ...base };
  }
  const hit = detection.hit;
  return { id: uuidv7(), kind: 'correlation', time: hit.lastSeen, groupKey: hit.groupKey, value: hit.value, ...base };
}
