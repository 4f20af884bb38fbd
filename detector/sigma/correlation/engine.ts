/**
 * Streaming evaluation of Sigma correlation rules (specification v2.1) over
 * rule hits in event-time order.
 *
 * Semantics, decided here and documented for the other backends:
 *
 * - Windows slide over event time (`@timestamp`). Two events are in one
 *   window when their times differ by at most `timespan` (both ends
 *   inclusive).
 * - When a rule fires. A condition made only of lower bounds (gt/gte) on a
 *   type whose aggregate only grows (event_count, value_count, value_sum,
 *   temporal, temporal_ordered) fires on the event that makes it true, over
 *   the window [t - timespan, t] ending at that event. Every other condition
 *   (an upper bound lt/lte/eq/neq or a range, and every value_avg and
 *   value_percentile) can only be decided once no more events can join, so
 *   it is tested when the window closes: the window opens at a group's first
 *   event and closes `timespan` later; the next event opens a new one.
 * - Suppression. After a group fires on arrival, its state is cleared and
 *   hits for that group are ignored until `timespan` after the firing event,
 *   so a continuing flood fires once per timespan, not once per event.
 *   Close-evaluated windows fire at most once by construction.
 * - Group keys: the partition fields (default `org.id`, so organisations
 *   never mix) and the group-by fields, each read through the correlation's
 *   aliases for the hit's rule. A hit lacking a group-by field (absent or
 *   null) does not take part, as in Splunk `stats by` and Elasticsearch
 *   terms aggregations (counted as dropped, reason group_field_missing).
 *   Values are compared exactly (case-sensitive, type-sensitive).
 * - One event hitting several rules of the same event_count/value_* rule
 *   counts once (the query backends OR the rules); in temporal types it
 *   counts for each rule it hit.
 * - value_count counts distinct values by their text (502 and "502" are
 *   one); arrays contribute each element. value_sum/avg/percentile use
 *   numeric values (numbers, or strings that are numbers) and ignore others,
 *   as SQL aggregates ignore NULL; an average or percentile of no values
 *   never matches. value_percentile takes `condition.percentile` (default 50,
 *   the median), interpolating linearly between closest ranks.
 * - temporal: the value is the number of distinct referenced rules hit in
 *   the window (default condition: all of them). temporal_ordered: the
 *   length of the longest prefix of `rules` hit in that order (ties in event
 *   time count in arrival order).
 * - Chaining: a correlation hit is fed to every correlation referencing it
 *   as a synthetic event `{ '@timestamp': <hit time>, ...groupKey }`, at the
 *   hit's decision time (`timeMs`).
 * - Out of order: hits are held in a reorder buffer and processed in event
 *   time order once the newest time seen is `latenessMs` past them; a hit
 *   older than what has been processed is dropped (counted as late). So
 *   hits come out up to `latenessMs` of event time after the event that
 *   completes them (0 makes it immediate, and any reordering a drop).
 * - Memory: state lives in per-rule maps kept in expiry order, and every
 *   advance of event time frees the groups whose window has passed, idle
 *   or not; there are no timers. A rule already holding `maxGroupsPerRule`
 *   groups refuses new ones (counted, `detector.correlation_groups_capped`)
 *   rather than evicting: evicting would let a flood of new keys wipe the
 *   evidence of an attack in progress, while refused keys get room again as
 *   windows expire. Per-group caps: see `aggregates.ts`.
 */
import { getField } from '../../../core/event.js';
import { mulberry32 } from '../../../core/prng.js';
import type { Metrics } from '../../../collector/sources/types.js';
import type { CorrelationRule, SigmaProblem } from '../model.js';
import { AggregateFactories, type AggregateContext, type WindowAggregate } from './aggregates.js';
import { boundsHold, effectiveBounds, firesOnArrival, lowerThreshold, type Bounds } from './condition.js';
import { buildCorrelationGraph, ruleLabel, type CorrelationPlan } from './graph.js';
import { RefRing } from './ref-ring.js';
import { ReorderBuffer } from './reorder-buffer.js';
import type {
  CorrelationEngineOptions, CorrelationHit, CorrelationRuleStats, CorrelationStats, EventRef, FieldResolver, ReferencedRule,
} from './types.js';

export const CorrelationDefaults = {
  maxGroupsPerRule: 10_000,
  maxValuesPerGroup: 1_000,
  maxSamplesPerGroup: 10_000,
  maxEventsPerHit: 100,
  latenessMs: 5_000,
  maxBufferedHits: 100_000,
  percentile: 50,
} as const;

/** A rule hit waiting in the reorder buffer. */
interface PendingHit {
  readonly timeMs: number;
  readonly rule: ReferencedRule;
  readonly event: unknown;
}

/** How one correlation reads the hits of one of its referenced rules. */
interface Consumer {
  readonly runtime: CorrelationRuntime;
  readonly ruleIndex: number;
  /** Event paths of the group-by fields for this rule (aliases and field resolver applied). */
  readonly groupPaths: readonly string[];
  /** Event path of `condition.field` for this rule, for value_* types. */
  readonly valuePath: string | undefined;
}

interface Group {
  /** JSON of the partition and group-by values; the hit's groupKey is rebuilt from it (one object less per group). */
  readonly key: string;
  aggregate: WindowAggregate;
  readonly ring: RefRing | undefined;
  /** close mode: window start. */
  readonly startMs: number;
  lastMs: number;
  /** arrival mode: hits up to this time are ignored (after firing). */
  quietUntilMs: number;
  /** The group may be dropped (arrival) or must be closed (close) once event time passes this. */
  expiresAtMs: number;
  lastEvent: unknown;
}

const OBJECT_BYTES = 48;
const ENTRY_BYTES = 80;

/** Event time of an event (`@timestamp`: ISO string, epoch ms, or Date), NaN when missing or invalid. */
export function eventTimeMs(event: unknown): number {
  return toMs(getField(event, '@timestamp'));
}

function toMs(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  if (value instanceof Date) return value.getTime();
  return NaN;
}

class CorrelationRuntime {
  readonly label: string;
  readonly bounds: Bounds;
  readonly arrival: boolean;
  readonly spanMs: number;
  /** Groups in expiry order: arrival groups re-inserted on each hit, close groups by window start. */
  readonly groups = new Map<string, Group>();
  /**
   * A lower bound of the earliest expiry among `groups`, so that most time
   * advances skip the map. Valid because expiries only grow in map order: a
   * group re-inserted at the back, or a new one, never expires before the front.
   */
  expiryHintMs = Infinity;
  /** Key of the group last moved to the back (moving it again would change nothing). */
  lastTouchedKey: string | undefined;
  readonly aggregateContext: AggregateContext;

  constructor(readonly rule: CorrelationRule, engineOptions: Required<Pick<CorrelationEngineOptions,
    'maxValuesPerGroup' | 'maxSamplesPerGroup'>>, metrics: Metrics | undefined, random: () => number) {
    this.label = ruleLabel(rule);
    this.bounds = effectiveBounds(rule);
    this.arrival = firesOnArrival(rule, this.bounds);
    this.spanMs = rule.timespanMs;
    const labels = { rule: this.label };
    this.aggregateContext = {
      sliding: this.arrival,
      ruleCount: rule.rules.length,
      // A distinct-value cap below the threshold would make the rule unable to fire.
      maxValues: Math.max(engineOptions.maxValuesPerGroup, lowerThreshold(this.bounds) + 1),
      maxSamples: engineOptions.maxSamplesPerGroup,
      percentile: rule.condition.percentile ?? CorrelationDefaults.percentile,
      onCapped: () => metrics?.increment('detector.correlation_values_capped', labels),
      random,
    };
  }

  newAggregate(): WindowAggregate {
    return AggregateFactories[this.rule.type](this.aggregateContext);
  }
}

/**
 * Evaluates correlation rules over a stream of rule hits. Feed every hit of
 * a detection rule with `onRuleHit` (hits of rules no correlation references
 * are ignored cheaply), call `advanceTo` as event time passes without hits
 * (so idle windows close and their state is freed), and `flush` at the end
 * of a finite input. All three return the correlation hits they produced,
 * inner correlations of a chain included (see `CorrelationHit.standalone`).
 * Not thread-safe; no timers; never throws for bad rules or events.
 */
export class CorrelationEngine {
  /** Problems found when loading the correlations; those correlations are not evaluated. */
  readonly problems: readonly SigmaProblem[];
  private readonly runtimes: CorrelationRuntime[] = [];
  /** Rule id and name -> the correlations reading its hits. */
  private readonly consumers = new Map<string, Consumer[]>();
  /** Rule id and name -> whether its own hits are reported (see `generates`). */
  private readonly generating = new Map<string, boolean>();
  private readonly partitionBy: readonly string[];
  private readonly maxGroupsPerRule: number;
  private readonly maxEventsPerHit: number;
  private readonly latenessMs: number;
  private readonly maxBufferedHits: number;
  private readonly metrics: Metrics | undefined;
  private readonly buffer = new ReorderBuffer<PendingHit>();
  private newestMs = -Infinity;
  private watermarkMs = -Infinity;

  constructor(options: CorrelationEngineOptions) {
    this.partitionBy = options.partitionBy ?? ['org.id'];
    this.maxGroupsPerRule = options.maxGroupsPerRule ?? CorrelationDefaults.maxGroupsPerRule;
    this.maxEventsPerHit = options.maxEventsPerHit ?? CorrelationDefaults.maxEventsPerHit;
    this.latenessMs = options.latenessMs ?? CorrelationDefaults.latenessMs;
    this.maxBufferedHits = options.maxBufferedHits ?? CorrelationDefaults.maxBufferedHits;
    this.metrics = options.metrics;
    const resolver: FieldResolver = options.fieldResolver ?? ((field) => field);

    const lookup = buildLookup(options);
    const graph = buildCorrelationGraph(options.correlations, (ref) => lookup.get(ref));
    this.problems = graph.problems;
    // Seeded, so reservoir sampling repeats run to run.
    const random = mulberry32(0x5eed);
    const perRule = {
      maxValuesPerGroup: options.maxValuesPerGroup ?? CorrelationDefaults.maxValuesPerGroup,
      maxSamplesPerGroup: options.maxSamplesPerGroup ?? CorrelationDefaults.maxSamplesPerGroup,
    };
    for (const plan of graph.plans) {
      const runtime = new CorrelationRuntime(plan.rule, perRule, this.metrics, random);
      this.runtimes.push(runtime);
      this.wire(runtime, plan, resolver);
    }
  }

  /**
   * Whether a rule's own hits should be reported on their own: yes unless
   * correlations reference it and none of them says `generate: true` (the
   * spec's default is that referenced rules only feed the correlation).
   * Applies to detection rules and to correlations referenced by others.
   */
  generates(rule: ReferencedRule): boolean {
    for (const key of identifiers(rule)) {
      const generating = this.generating.get(key);
      if (generating !== undefined) return generating;
    }
    return true;
  }

  /** Feed one hit of `rule` on `event`. Returns the correlation hits this (or the time it advanced) produced. */
  onRuleHit(rule: ReferencedRule, event: unknown): CorrelationHit[] {
    if (this.consumersOf(rule) === undefined) return [];
    const timeMs = eventTimeMs(event);
    if (Number.isNaN(timeMs)) {
      this.metrics?.increment('detector.correlation_hits_dropped', { rule: ruleLabel(rule), reason: 'timestamp' });
      return [];
    }
    if (timeMs < this.watermarkMs) {
      this.metrics?.increment('detector.correlation_hits_late', { rule: ruleLabel(rule) });
      return [];
    }
    const out: CorrelationHit[] = [];
    if (this.buffer.size === 0 && timeMs <= Math.max(this.newestMs, timeMs) - this.latenessMs) {
      // Nothing to reorder against: process at once (always the case with latenessMs 0 and in-order input).
      if (timeMs > this.newestMs) this.newestMs = timeMs;
      this.closeBefore(timeMs, out);
      this.process(rule, event, timeMs, undefined, out);
      this.release(this.newestMs - this.latenessMs, out);
      return out;
    }
    this.buffer.push({ timeMs, rule, event });
    while (this.buffer.size > this.maxBufferedHits) {
      this.metrics?.increment('detector.correlation_reorder_forced');
      this.release(this.buffer.peekTime()!, out);
    }
    if (timeMs > this.newestMs) this.newestMs = timeMs;
    this.release(this.newestMs - this.latenessMs, out);
    return out;
  }

  /**
   * Tell the engine event time has reached `time` (epoch ms, ISO string or
   * Date) without a hit, e.g. from the wall clock: windows that closed are
   * evaluated and expired state is freed, `latenessMs` behind `time`.
   */
  advanceTo(time: number | string | Date): CorrelationHit[] {
    const timeMs = toMs(time);
    const out: CorrelationHit[] = [];
    if (Number.isNaN(timeMs)) return out;
    if (timeMs > this.newestMs) this.newestMs = timeMs;
    this.release(this.newestMs - this.latenessMs, out);
    return out;
  }

  /**
   * End of input: process every buffered hit and close every window now
   * (a window evaluated at close fires if its condition holds over what it
   * saw). State is empty afterwards; later hits must not be older than the
   * newest time seen.
   */
  flush(): CorrelationHit[] {
    const out: CorrelationHit[] = [];
    this.release(Infinity, out);
    this.watermarkMs = this.newestMs;
    return out;
  }

  stats(): CorrelationStats {
    const rules: CorrelationRuleStats[] = this.runtimes.map((runtime) => {
      let bytes = OBJECT_BYTES;
      for (const group of runtime.groups.values()) {
        bytes += 2 * OBJECT_BYTES + ENTRY_BYTES + group.key.length * 2
          + group.aggregate.estimateBytes() + (group.ring ? OBJECT_BYTES + group.ring.length * (OBJECT_BYTES + 8) : 0);
      }
      return { rule: runtime.label, type: runtime.rule.type, groups: runtime.groups.size, mode: runtime.arrival ? 'arrival' : 'close', estimatedBytes: bytes };
    });
    return {
      rules,
      totalGroups: rules.reduce((sum, r) => sum + r.groups, 0),
      bufferedHits: this.buffer.size,
      estimatedBytes: rules.reduce((sum, r) => sum + r.estimatedBytes, 0) + this.buffer.size * (2 * OBJECT_BYTES),
      watermarkMs: Number.isFinite(this.watermarkMs) ? this.watermarkMs : null,
    };
  }

  private wire(runtime: CorrelationRuntime, plan: CorrelationPlan, resolver: FieldResolver): void {
    const rule = runtime.rule;
    plan.inputs.forEach((input, ruleIndex) => {
      const pathOf = (field: string): string => {
        const mapping = rule.aliases[field];
        const aliased = mapping ? identifiers(input).map((id) => mapping[id]).find((f) => f !== undefined) ?? field : field;
        // A chained correlation's synthetic event carries its group-by names as written.
        return input.kind === 'detection' ? resolver(aliased, input) : aliased;
      };
      const consumer: Consumer = {
        runtime,
        ruleIndex,
        groupPaths: rule.groupBy.map(pathOf),
        valuePath: rule.type.startsWith('value_') && rule.condition.field ? pathOf(rule.condition.field) : undefined,
      };
      for (const key of identifiers(input)) {
        const list = this.consumers.get(key) ?? [];
        list.push(consumer);
        this.consumers.set(key, list);
        this.generating.set(key, (this.generating.get(key) ?? false) || rule.generate);
      }
    });
  }

  private consumersOf(rule: ReferencedRule): Consumer[] | undefined {
    // A rule is registered under its id and its name; one of them suffices (both hold the same list).
    for (const key of identifiers(rule)) {
      const list = this.consumers.get(key);
      if (list !== undefined) return list;
    }
    return undefined;
  }

  /** Process buffered hits up to `untilMs` in time order, closing windows as time passes. */
  private release(untilMs: number, out: CorrelationHit[]): void {
    for (;;) {
      const next = this.buffer.peekTime();
      if (next === undefined || next > untilMs) break;
      const pending = this.buffer.pop()!;
      this.closeBefore(pending.timeMs, out);
      this.process(pending.rule, pending.event, pending.timeMs, undefined, out);
    }
    if (untilMs > this.watermarkMs) {
      this.watermarkMs = untilMs;
      this.closeBefore(untilMs, out);
    }
  }

  /** Close (and evaluate) or drop every group whose window ended before `timeMs`. Inner rules first, so their hits reach outer rules in time. */
  private closeBefore(timeMs: number, out: CorrelationHit[]): void {
    for (const runtime of this.runtimes) {
      if (timeMs <= runtime.expiryHintMs) continue;
      runtime.expiryHintMs = Infinity;
      for (const [key, group] of runtime.groups) {
        if (group.expiresAtMs >= timeMs) {
          runtime.expiryHintMs = group.expiresAtMs;
          break;
        }
        runtime.groups.delete(key);
        if (!runtime.arrival) this.evaluateClosed(runtime, group, out);
      }
    }
  }

  private process(rule: ReferencedRule, event: unknown, timeMs: number, hit: CorrelationHit | undefined, out: CorrelationHit[]): void {
    const consumers = this.consumersOf(rule);
    if (consumers === undefined) return;
    const ref: EventRef = hit ? { rule, event, timeMs, hit } : { rule, event, timeMs };
    for (const consumer of consumers) this.consume(consumer, ref, out);
  }

  private consume(consumer: Consumer, ref: EventRef, out: CorrelationHit[]): void {
    const { runtime } = consumer;
    const { event, timeMs } = ref;
    const keyValues: unknown[] = [];
    for (const path of this.partitionBy) keyValues.push(getField(event, path) ?? null);
    for (const path of consumer.groupPaths) {
      const value = getField(event, path);
      if (value === undefined || value === null) {
        this.metrics?.increment('detector.correlation_hits_dropped', { rule: runtime.label, reason: 'group_field_missing' });
        return;
      }
      keyValues.push(value);
    }
    const key = JSON.stringify(keyValues);

    let group = runtime.groups.get(key);
    if (group !== undefined && group.expiresAtMs < timeMs) {
      // Normally closed by closeBefore already; a chained hit can land exactly between.
      runtime.groups.delete(key);
      if (!runtime.arrival) this.evaluateClosed(runtime, group, out);
      group = undefined;
    }
    if (group === undefined) {
      if (runtime.groups.size >= this.maxGroupsPerRule) {
        this.metrics?.increment('detector.correlation_groups_capped', { rule: runtime.label });
        return;
      }
      group = {
        key,
        aggregate: runtime.newAggregate(),
        ring: isTemporal(runtime.rule) ? undefined : new RefRing(this.maxEventsPerHit),
        startMs: timeMs,
        lastMs: timeMs,
        quietUntilMs: -Infinity,
        expiresAtMs: timeMs + runtime.spanMs,
        lastEvent: undefined,
      };
      runtime.groups.set(key, group);
      runtime.lastTouchedKey = key;
      if (group.expiresAtMs < runtime.expiryHintMs) runtime.expiryHintMs = group.expiresAtMs;
    }
    if (runtime.arrival && timeMs <= group.quietUntilMs) return;
    // One event hitting several referenced rules is one event to a count (the backends OR the rules).
    if (group.lastEvent === event && !isTemporal(runtime.rule)) return;
    group.lastEvent = event;

    const values = consumer.valuePath === undefined ? [] : flatValues(getField(event, consumer.valuePath));
    if (runtime.arrival) group.aggregate.expire(timeMs - runtime.spanMs);
    group.aggregate.add({ timeMs, ruleIndex: consumer.ruleIndex, values, ref });
    group.ring?.push(ref);
    if (timeMs > group.lastMs) group.lastMs = timeMs;
    if (!runtime.arrival) return;

    // Keep arrival groups in last-hit order, so expiry can stop at the first live one.
    group.expiresAtMs = group.lastMs + runtime.spanMs;
    if (runtime.lastTouchedKey !== key) {
      runtime.groups.delete(key);
      runtime.groups.set(key, group);
      runtime.lastTouchedKey = key;
    }
    const value = group.aggregate.value();
    if (!boundsHold(runtime.bounds, value)) return;
    const hit = this.makeHit(runtime, group, value, timeMs, timeMs - runtime.spanMs);
    group.aggregate = runtime.newAggregate();
    group.ring?.clear();
    group.lastEvent = undefined;
    group.quietUntilMs = timeMs + runtime.spanMs;
    this.emit(hit, out);
  }

  private evaluateClosed(runtime: CorrelationRuntime, group: Group, out: CorrelationHit[]): void {
    const value = group.aggregate.value();
    if (!boundsHold(runtime.bounds, value)) return;
    this.emit(this.makeHit(runtime, group, value, group.startMs + runtime.spanMs, group.startMs), out);
  }

  private makeHit(runtime: CorrelationRuntime, group: Group, value: number, timeMs: number, fromMs: number): CorrelationHit {
    const representatives = group.aggregate.representatives() ?? group.ring?.since(fromMs) ?? [];
    const events = representatives.length > this.maxEventsPerHit ? representatives.slice(-this.maxEventsPerHit) : representatives;
    const earliest = group.aggregate.earliest();
    const firstMs = Number.isNaN(earliest) ? (events[0]?.timeMs ?? group.startMs) : earliest;
    return {
      correlation: runtime.rule,
      groupKey: this.groupKeyOf(runtime, group.key),
      events,
      firstSeen: new Date(firstMs).toISOString(),
      lastSeen: new Date(group.lastMs).toISOString(),
      timeMs,
      value,
      standalone: this.generates(runtime.rule),
    };
  }

  /** Partition fields (when present) and group-by names with their values, from a group's key. */
  private groupKeyOf(runtime: CorrelationRuntime, key: string): Record<string, unknown> {
    const values = JSON.parse(key) as unknown[];
    const groupKey: Record<string, unknown> = {};
    this.partitionBy.forEach((path, i) => {
      if (values[i] !== null) groupKey[path] = values[i];
    });
    runtime.rule.groupBy.forEach((name, i) => {
      groupKey[name] = values[this.partitionBy.length + i];
    });
    return groupKey;
  }

  /** Report a hit and feed it to the correlations chained on this one. */
  private emit(hit: CorrelationHit, out: CorrelationHit[]): void {
    out.push(hit);
    this.metrics?.increment('detector.correlations_fired', { rule: ruleLabel(hit.correlation) });
    const synthetic = { '@timestamp': new Date(hit.timeMs).toISOString(), ...hit.groupKey };
    this.process(hit.correlation, synthetic, hit.timeMs, hit, out);
  }
}

function isTemporal(rule: CorrelationRule): boolean {
  return rule.type === 'temporal' || rule.type === 'temporal_ordered';
}

/** The id and name a rule can be referenced by. */
function identifiers(rule: ReferencedRule): string[] {
  const ids: string[] = [];
  if (rule.id !== undefined) ids.push(rule.id);
  if (rule.name !== undefined && rule.name !== rule.id) ids.push(rule.name);
  return ids;
}

/** Non-null values of a field, arrays flattened one level. */
function flatValues(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.filter((v) => v !== undefined && v !== null);
  return [value];
}

/** id/name -> rule, from the explicit map, the rule list and the correlations themselves. */
function buildLookup(options: CorrelationEngineOptions): Map<string, ReferencedRule> {
  const lookup = new Map<string, ReferencedRule>();
  const add = (rule: ReferencedRule): void => {
    for (const key of identifiers(rule)) if (!lookup.has(key)) lookup.set(key, rule);
  };
  const explicit = options.rulesById;
  if (explicit !== undefined) {
    const entries = explicit instanceof Map ? [...explicit.entries()] : Object.entries(explicit as Readonly<Record<string, ReferencedRule>>);
    for (const [key, rule] of entries) lookup.set(key, rule);
  }
  for (const rule of options.rules ?? []) add(rule);
  for (const rule of options.correlations) add(rule);
  return lookup;
}
