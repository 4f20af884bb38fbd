/**
 * Shapes the correlation engine takes and gives: its options, its hits and
 * its statistics. The engine itself is in `engine.ts`.
 */
import type { Metrics } from '../../../collector/sources/types.js';
import type { CorrelationRule, DetectionRule } from '../model.js';

/** A rule a correlation can reference: a detection rule or (chaining) another correlation. */
export type ReferencedRule = DetectionRule | CorrelationRule;

/**
 * Maps a field name as a correlation writes it (`User`, `SourceIp`, or an
 * ECS name) to the event path to read for hits of `rule` (per its
 * logsource). Only applied to detection rules: a chained correlation's hit
 * carries its group-by values under the names it grouped by.
 */
export type FieldResolver = (field: string, rule: DetectionRule) => string;

export interface CorrelationEngineOptions {
  /** The correlation rules to evaluate. Invalid ones are skipped and reported in `problems`. */
  readonly correlations: readonly CorrelationRule[];
  /** Detection rules the correlations may reference (indexed by id and by name). */
  readonly rules?: readonly DetectionRule[];
  /** Alternatively (or in addition): an explicit id/name -> rule lookup. */
  readonly rulesById?: ReadonlyMap<string, ReferencedRule> | Readonly<Record<string, ReferencedRule>>;
  /** Sigma field name -> event path; default: the name as written. */
  readonly fieldResolver?: FieldResolver;
  /**
   * Fields every group key implicitly starts with, so that correlations never
   * join events of different organisations. Default `['org.id']`. An absent
   * partition field is a valid (empty) partition, unlike an absent group-by field.
   */
  readonly partitionBy?: readonly string[];
  /** Live groups per correlation rule; a new group beyond it is refused (and counted). Default 10,000. */
  readonly maxGroupsPerRule?: number;
  /** Distinct values a `value_count` group tracks (raised to the condition's threshold + 1 if lower). Default 1,000. */
  readonly maxValuesPerGroup?: number;
  /**
   * Entries a group keeps per window: `value_percentile` samples (a uniform
   * reservoir beyond), sliding `event_count`/`value_sum` entries (the oldest
   * merged beyond, so they expire slightly late). Default 10,000.
   */
  readonly maxSamplesPerGroup?: number;
  /** Event references kept per group and returned in a hit. Default 100. */
  readonly maxEventsPerHit?: number;
  /** How far (ms of event time) a hit may arrive behind the latest one and still count. Default 5,000. */
  readonly latenessMs?: number;
  /** Hits held for reordering before the oldest is processed regardless of lateness. Default 100,000. */
  readonly maxBufferedHits?: number;
  readonly metrics?: Metrics;
}

/** One event that contributed to a correlation hit. */
export interface EventRef {
  /** The referenced rule the event hit. */
  readonly rule: ReferencedRule;
  /** The event (for a chained correlation: a synthetic event of the inner hit, see `hit`). */
  readonly event: unknown;
  /** Event time, ms since the epoch. */
  readonly timeMs: number;
  /** When `rule` is a correlation: the hit that was fed on. */
  readonly hit?: CorrelationHit;
}

export interface CorrelationHit {
  readonly correlation: CorrelationRule;
  /** Partition fields (when present) and group-by fields (alias names where aliased), with their values. */
  readonly groupKey: Readonly<Record<string, unknown>>;
  /** Representative events, oldest first, at most `maxEventsPerHit` (see the engine's JSDoc for which). */
  readonly events: readonly EventRef[];
  /** Event time of the earliest / latest contributing event (ISO 8601). */
  readonly firstSeen: string;
  readonly lastSeen: string;
  /**
   * The event time the hit is decided at (ms): the completing event's time
   * when it fires on arrival, the window end when it fires at window close.
   * Chained correlations see the hit at this time.
   */
  readonly timeMs: number;
  /** The aggregate the condition was tested on: count, distinct count, sum, average, percentile, or number of rules seen (in order). */
  readonly value: number;
  /** Whether this hit should be reported on its own (not merely feed an outer correlation): see `CorrelationEngine.generates`. */
  readonly standalone: boolean;
}

export interface CorrelationRuleStats {
  /** Correlation id, else name, else title. */
  readonly rule: string;
  readonly type: CorrelationRule['type'];
  readonly groups: number;
  /** `arrival`: fires as soon as the condition holds (lower bounds only); `close`: evaluated when the window closes. */
  readonly mode: 'arrival' | 'close';
  readonly estimatedBytes: number;
}

export interface CorrelationStats {
  readonly rules: readonly CorrelationRuleStats[];
  readonly totalGroups: number;
  /** Hits waiting in the reorder buffer. */
  readonly bufferedHits: number;
  /** Rough estimate of the state's heap size in bytes (keys, group objects, aggregates, event refs; not the events themselves). */
  readonly estimatedBytes: number;
  /** Event time up to which hits are processed (ms), or null before the first hit. */
  readonly watermarkMs: number | null;
}
