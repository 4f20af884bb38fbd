/**
 * The Store contract: where events, dead letters, rule hits and documents
 * live. The embedded SQLite store and the Elasticsearch store implement it,
 * and one conformance suite (test/core/store/conformance.ts, with
 * documents-conformance.ts) runs against each.
 *
 * Documents (documents.ts) are part of it: everything a node keeps that
 * changes over time (alerts, suppressions, tasks, outboxes, ...) is a
 * document in a named collection, written compare-and-set on its version.
 *
 * Every read takes a scope: the org ids the caller may see. `orgIds`
 * undefined means "no org restriction" and is only for callers that have
 * already decided the caller sees everything (the national tier, internal
 * jobs); an empty array sees nothing.
 */
import type { EcsEvent } from '../event.js';
import type { DocumentStore } from './documents.js';

/** One record that could not become an event, kept with why. */
export interface DeadLetter {
  readonly id: string;
  /** ISO time the collector received it. */
  readonly receivedAt: string;
  /** Org the record was sent for, when the sender was identified. */
  readonly orgId?: string;
  /** Source instance, e.g. `http`, `syslog-udp:[::]:5514`, `file:/var/log/fw.log`. */
  readonly source: string;
  /** Parser that was asked to read it, if one was chosen. */
  readonly parser?: string;
  /** Stable code: a ParseErrorCode, `schema`, `too-large`, `bad-token`, `unknown-sender`, `decode`. */
  readonly code: string;
  /** A sentence a person can act on. */
  readonly reason: string;
  /** The record as received (cut to maxRawBytes of the source, with a note when cut). */
  readonly raw: string;
}

/** The page sizes the contract promises (see the `limit` of each query). */
export function recordLimit(limit: number | undefined): number {
  return clampLimit(limit, 100, 10_000);
}

export function aggregateLimit(limit: number | undefined): number {
  return clampLimit(limit, 1000, 10_000);
}

function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(1, Math.floor(limit)));
}

export type FieldOp = 'eq' | 'prefix';

/** Compare one field (dotted ECS path). `eq` on an array field matches if any element is equal. */
export interface FieldFilter {
  readonly field: string;
  readonly op: FieldOp;
  readonly value: string | number | boolean;
}

export interface Scope {
  /** Org ids the caller may see; undefined = all orgs. Records without an org are seen only with undefined. */
  readonly orgIds?: readonly string[];
}

export interface EventQuery extends Scope {
  /** Inclusive lower bound on `@timestamp`. */
  readonly from?: Date;
  /** Exclusive upper bound on `@timestamp`. */
  readonly to?: Date;
  readonly filters?: readonly FieldFilter[];
  /** Full-text words over `message` and `event.original` (all words must occur). */
  readonly text?: string;
  /** Max events returned (default 100, capped at 10000). */
  readonly limit?: number;
  /** Newest first by default. */
  readonly order?: 'asc' | 'desc';
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
}

export interface EventPage {
  readonly events: EcsEvent[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

export interface AggregateQuery extends Omit<EventQuery, 'limit' | 'order' | 'cursor'> {
  /** Fields to group by (dotted paths), zero or more. */
  readonly groupBy: readonly string[];
  /** Also bucket by time, in seconds (e.g. 300 for 5-minute buckets). */
  readonly bucketSeconds?: number;
  /** Max groups returned, largest count first, ties by key ascending (default 1000). */
  readonly limit?: number;
}

export interface AggregateRow {
  /** One value per `groupBy` field, in order; null where the event lacks the field. */
  readonly key: (string | number | boolean | null)[];
  /** Bucket start as ISO time, when `bucketSeconds` was given. */
  readonly bucket?: string;
  readonly count: number;
}

export interface DeadLetterQuery extends Scope {
  readonly from?: Date;
  readonly to?: Date;
  readonly source?: string;
  readonly code?: string;
  readonly limit?: number;
}

/**
 * A rule matched: one event for a detection rule, the contributing events
 * for a correlation. The alerting stage turns hits into graded alerts.
 */
export interface RuleHit {
  /** Deterministic for detection hits (rule + event), so a re-delivered event does not hit twice. */
  readonly id: string;
  readonly kind: 'detection' | 'correlation';
  /** The rule's id (its title when the rule has no id). */
  readonly ruleId: string;
  readonly ruleTitle: string;
  /** Sigma level: informational, low, medium, high, critical. */
  readonly level?: string;
  readonly tags: readonly string[];
  readonly orgId: string;
  /** Event time of the (last) event, ISO. */
  readonly time: string;
  /** When the detector found it, ISO. */
  readonly detectedAt: string;
  /** The event for a detection hit; up to a bounded number of contributing events for a correlation. */
  readonly eventIds: readonly string[];
  /**
   * Correlation: the group-by values. Detection: the entity fields of the
   * event (detector/hit-context.ts), which alerts deduplicate on.
   */
  readonly groupKey?: Readonly<Record<string, unknown>>;
  /** Ids of the org's registered assets the events involve (by IP), which grading weighs by criticality. */
  readonly assets?: readonly string[];
  /** Correlation only: the count / sum / average / percentile that met the condition. */
  readonly value?: number;
}

export interface RuleHitQuery extends Scope {
  /** Inclusive lower bound on `time`. */
  readonly from?: Date;
  /** Exclusive upper bound on `time`. */
  readonly to?: Date;
  readonly ruleId?: string;
  readonly kind?: RuleHit['kind'];
  /** Default 100, capped at 10000; newest first. */
  readonly limit?: number;
}

/** How an append may resolve. */
export interface AppendOptions {
  /**
   * `immediate` (default): once the append resolves, the batch is durable
   * and every read sees it. `eventual`: it resolves once the batch is
   * durable, and reads see it shortly after (Elasticsearch: within its
   * refresh interval; SQLite: at once anyway). For writers that only need
   * durability before acknowledging, such as the store writer on the bus.
   */
  readonly visibility?: 'immediate' | 'eventual';
}

export interface AppendResult {
  /** Events newly written; re-sent events (same `event.id`) are not counted twice. */
  readonly inserted: number;
}

export interface RetentionResult {
  readonly events: number;
  readonly deadLetters: number;
  readonly ruleHits: number;
}

/** Events, dead letters and rule hits below; the document methods come from DocumentStore. */
export interface Store extends DocumentStore {
  /** Append events in one durable batch; resolves once they survive a process crash and reads see them. Idempotent by `event.id`. */
  appendEvents(events: readonly EcsEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Append dead letters in one durable batch. Idempotent by `id`. */
  appendDeadLetters(letters: readonly DeadLetter[], options?: AppendOptions): Promise<void>;
  /** Append rule hits in one durable batch. Idempotent by `id`. */
  appendRuleHits(hits: readonly RuleHit[], options?: AppendOptions): Promise<void>;
  searchEvents(query: EventQuery): Promise<EventPage>;
  countEvents(query: Omit<EventQuery, 'limit' | 'order' | 'cursor'>): Promise<number>;
  aggregateEvents(query: AggregateQuery): Promise<AggregateRow[]>;
  searchDeadLetters(query: DeadLetterQuery): Promise<DeadLetter[]>;
  searchRuleHits(query: RuleHitQuery): Promise<RuleHit[]>;
  /** Delete events (by `@timestamp`), dead letters (by receive time) and rule hits (by `time`) before `cutoff`. */
  deleteOlderThan(cutoff: Date): Promise<RetentionResult>;
  /** Flush and release; safe to call twice. */
  close(): Promise<void>;
}
