/**
 * The Elasticsearch implementation of the Store contract (core/store/store.ts).
 *
 * Layout: daily indices per kind and org tier (index-names.ts) created from
 * the store's composable templates (templates.ts), installed when the store
 * opens. Writes go through the BulkWriter (create by id, durable, visible on
 * return, retried with backoff, reshaped on mapping refusals); reads use
 * wildcard patterns that tolerate missing indices, so a store with no data
 * yet answers empty. Every read applies the caller's org scope: `orgIds`
 * undefined sees all, [] nothing, and records without an org are matched
 * by no `terms` on org ids, so only unscoped callers see them.
 *
 * Documents live in one index of their own, created on the first put
 * (documents.ts, document-index.ts).
 */
import { Client } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import type { EcsEvent } from '../../event.js';
import type {
  DocumentCount,
  DocumentCountQuery,
  DocumentInput,
  DocumentPage,
  DocumentQuery,
  PutOptions,
  StoredDocument,
} from '../documents.js';
import type {
  AggregateQuery,
  AggregateRow,
  AppendOptions,
  AppendResult,
  DeadLetter,
  DeadLetterQuery,
  EventPage,
  EventQuery,
  RetentionResult,
  RuleHit,
  RuleHitQuery,
  Store,
} from '../store.js';
import { aggregateLimit, recordLimit } from '../store.js';
import { bucketWidth, compositeSources, rowOf, TopRows } from './aggregate.js';
import { BulkWriter } from './bulk-writer.js';
import type { WriteRequest } from './bulk-writer.js';
import { clientOptions, ElasticsearchStoreConfigSchema } from './config.js';
import type { ElasticsearchStoreConfig, ResolvedElasticsearchStoreConfig } from './config.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ElasticsearchDocuments } from './documents.js';
import { IndexNames, ORGLESS_TIER, TierSchema } from './index-names.js';
import type { RecordKind, Tier, TierOf } from './index-names.js';
import { Limiter } from './limiter.js';
import { checkDate, eventsQuery, fieldsNeedingCaps, scopeFilter, timeRange } from './query-builder.js';
import type { EventCriteria } from './query-builder.js';
import { deadLetterDocument, ruleHitDocument } from './records.js';
import { deleteOlder } from './retention.js';
import { deleteTemplates, installTemplates } from './templates.js';
import { eventDocument, fallbackDocument, restoreEvent } from './unindexed.js';

/** Composite buckets fetched per request. */
const COMPOSITE_PAGE = 1000;
/** Elasticsearch refuses `_id`s longer than this many bytes. */
const MAX_ID_BYTES = 512;
const STRING_FIELD_TYPES: ReadonlySet<string> = new Set(['keyword', 'constant_keyword', 'text', 'match_only_text', 'wildcard']);

/** Read options every search and count share: a pattern with no index yet is an empty answer, not an error. */
const TOLERANT = { ignore_unavailable: true, allow_no_indices: true } as const;

export interface ElasticsearchStoreOptions {
  /** The tier of an org's indices; default: every org is `enterprise`. */
  readonly tierOf?: TierOf;
  /** A client to use instead of one built from the config (the store then does not close it). */
  readonly client?: Client;
}

/** What the store did beyond the contract's counts, for monitoring. */
export interface ElasticsearchStoreStats {
  /** Events stored only after moving fields to `iisa.unindexed` (their mapping refused them). */
  readonly reshapedEvents: number;
  /** Bulk items sent again after busy or failing answers. */
  readonly retriedItems: number;
}

export class ElasticsearchStore implements Store {
  readonly names: IndexNames;
  private readonly writer: BulkWriter;
  private readonly documents: ElasticsearchDocuments;
  private readonly inFlight = new Set<Promise<unknown>>();
  private reshapedEvents = 0;
  private retriedItems = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly client: Client,
    private readonly ownsClient: boolean,
    readonly config: ResolvedElasticsearchStoreConfig,
    private readonly tierOf: TierOf,
  ) {
    this.names = new IndexNames(config.indexPrefix);
    this.writer = new BulkWriter(client, new Limiter(config.bulk.concurrency), config.bulk);
    this.documents = new ElasticsearchDocuments(client, this.names.documents(), { refreshInterval: config.refreshInterval });
  }

  /** Check the config, connect, and install the index templates (idempotent). */
  static async open(config: ElasticsearchStoreConfig, options: ElasticsearchStoreOptions = {}): Promise<ElasticsearchStore> {
    const resolved = ElasticsearchStoreConfigSchema.parse(config);
    const client = options.client ?? new Client(clientOptions(resolved));
    const store = new ElasticsearchStore(client, options.client === undefined, resolved, options.tierOf ?? (() => 'enterprise'));
    try {
      await installTemplates(client, store.names, { shards: resolved.shards, refreshInterval: resolved.refreshInterval, priority: resolved.templatePriority });
    } catch (error) {
      if (store.ownsClient) await client.close();
      throw error;
    }
    return store;
  }

  stats(): ElasticsearchStoreStats {
    return { reshapedEvents: this.reshapedEvents, retriedItems: this.retriedItems };
  }

  async appendEvents(events: readonly EcsEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    return this.run(async () => this.writeEvents(events, options));
  }

  private async writeEvents(events: readonly EcsEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) return { inserted: 0 };
    const requests = events.map((event, index): WriteRequest => {
      const id = event?.event?.id;
      if (typeof id !== 'string' || id === '') throw new TypeError(`event ${index} of the batch has no event.id; the pipeline must stamp one`);
      if (Buffer.byteLength(id) > MAX_ID_BYTES) throw new TypeError(`event ${index} of the batch has an event.id longer than ${MAX_ID_BYTES} bytes`);
      const time = Date.parse(event['@timestamp']);
      if (!Number.isFinite(time)) throw new TypeError(`event ${index} (${id}) has an unreadable @timestamp: ${JSON.stringify(event['@timestamp'])}`);
      const orgId = event.org?.id;
      return {
        index: this.names.daily('events', this.tierFor(orgId), time),
        id,
        document: eventDocument(event),
        reshape: (step) => (step === 1 ? fallbackDocument(event, 'schema-only') : step === 2 ? fallbackDocument(event, 'minimal') : undefined),
      };
    });
    const outcome = await this.writer.write(requests, options.visibility ?? 'immediate');
    this.reshapedEvents += outcome.reshaped;
    this.retriedItems += outcome.retries;
    return { inserted: outcome.created };
  }

  async appendDeadLetters(letters: readonly DeadLetter[], options: AppendOptions = {}): Promise<void> {
    return this.run(async () => {
      const documents = letters.map((letter, index) => deadLetterDocument(letter, index));
      await this.writeRecords('dead-letters', await this.notStoredYet(documents), (l) => l.receivedAt, options);
    });
  }

  /**
   * The letters no day's index holds yet. A letter of a record with a stable
   * id has a stable id of its own (collector/pipeline.ts), but letters go to
   * the daily index of their receive time: a record read again on a later
   * day (a file re-read after a crash) would meet `create` in another index,
   * which cannot see the first copy. One ids query over every day's index
   * per batch (dead letters are few) keeps it to one copy, as SQLite does.
   */
  private async notStoredYet<T extends { readonly id: string }>(letters: readonly T[]): Promise<T[]> {
    if (letters.length === 0) return [];
    const ids = [...new Set(letters.map((letter) => letter.id))];
    const found = await this.client.search({
      index: this.names.pattern('dead-letters'), ...TOLERANT, size: ids.length, _source: false, track_total_hits: false, query: { ids: { values: ids } },
    });
    const stored = new Set(found.hits.hits.map((hit) => hit._id));
    return letters.filter((letter) => !stored.has(letter.id));
  }

  async appendRuleHits(hits: readonly RuleHit[], options: AppendOptions = {}): Promise<void> {
    return this.run(async () => this.writeRecords('rule-hits', hits.map((hit, index) => ruleHitDocument(hit, index)), (h) => h.time, options));
  }

  private async writeRecords<T extends { readonly id: string; readonly orgId?: string }>(
    kind: RecordKind, documents: readonly T[], timeOf: (document: T) => string, options: AppendOptions,
  ): Promise<void> {
    if (documents.length === 0) return;
    const requests = documents.map((document): WriteRequest => ({
      index: this.names.daily(kind, this.tierFor(document.orgId), Date.parse(timeOf(document))),
      id: document.id,
      document: { ...document },
    }));
    const outcome = await this.writer.write(requests, options.visibility ?? 'immediate');
    this.retriedItems += outcome.retries;
  }

  async searchEvents(query: EventQuery): Promise<EventPage> {
    return this.run(async () => this.findEvents(query));
  }

  private async findEvents(query: EventQuery): Promise<EventPage> {
    if (query.orgIds?.length === 0) return { events: [] };
    const order = query.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw new TypeError(`order must be asc or desc, got ${JSON.stringify(order)}`);
    const limit = recordLimit(query.limit);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, order);
    const response = await this.client.search<Record<string, unknown>>({
      index: this.names.pattern('events'),
      ...TOLERANT,
      allow_partial_search_results: false,
      track_total_hits: false,
      size: limit + 1,
      query: await this.eventsQuery(query),
      sort: [{ '@timestamp': { order, unmapped_type: 'date' } }, { 'event.id': { order, unmapped_type: 'keyword' } }],
      ...(cursor === undefined ? {} : { search_after: [cursor.t, cursor.i] }),
    });
    const hits = response.hits.hits;
    const page = hits.slice(0, limit);
    const events = page.map((hit) => restoreEvent(hit._source ?? {}));
    if (hits.length <= limit) return { events };
    const last = page[page.length - 1].sort ?? [];
    return { events, nextCursor: encodeCursor({ o: order, t: Number(last[0]), i: String(last[1]) }) };
  }

  async countEvents(query: EventCriteria): Promise<number> {
    return this.run(async () => this.count(query));
  }

  private async count(query: EventCriteria): Promise<number> {
    if (query.orgIds?.length === 0) return 0;
    const response = await this.client.count({ index: this.names.pattern('events'), ...TOLERANT, query: await this.eventsQuery(query) });
    return response.count;
  }

  async aggregateEvents(query: AggregateQuery): Promise<AggregateRow[]> {
    return this.run(async () => this.aggregate(query));
  }

  private async aggregate(query: AggregateQuery): Promise<AggregateRow[]> {
    if (query.orgIds?.length === 0) return [];
    const limit = aggregateLimit(query.limit);
    const bucketMs = bucketWidth(query.bucketSeconds);
    const groupBy = [...query.groupBy];
    if (groupBy.length === 0 && bucketMs === undefined) {
      const count = await this.count(query);
      return count === 0 ? [] : [{ key: [], count }];
    }
    const sources = compositeSources(groupBy, bucketMs);
    const filter = await this.eventsQuery(query);
    const top = new TopRows(limit);
    let after: Record<string, estypes.FieldValue> | undefined;
    do {
      const response = await this.client.search({
        index: this.names.pattern('events'),
        ...TOLERANT,
        allow_partial_search_results: false,
        size: 0,
        track_total_hits: false,
        query: filter,
        aggs: { groups: { composite: { size: COMPOSITE_PAGE, sources, ...(after === undefined ? {} : { after }) } } },
      });
      const groups = response.aggregations?.groups as estypes.AggregationsCompositeAggregate | undefined;
      const buckets = (groups?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
      for (const bucket of buckets) top.add(rowOf(groupBy, bucket, bucketMs));
      after = buckets.length === COMPOSITE_PAGE ? groups?.after_key : undefined;
    } while (after !== undefined);
    return top.result();
  }

  /** Newest first (ties by id, descending). */
  async searchDeadLetters(query: DeadLetterQuery): Promise<DeadLetter[]> {
    return this.run(async () => {
      if (query.orgIds?.length === 0) return [];
      const filter: estypes.QueryDslQueryContainer[] = [
        ...scopeFilter('orgId', query.orgIds),
        ...timeRange('receivedAt', checkDate(query.from, 'from'), checkDate(query.to, 'to')),
        ...(query.source === undefined ? [] : [{ term: { source: query.source } }]),
        ...(query.code === undefined ? [] : [{ term: { code: query.code } }]),
      ];
      return this.searchRecords<DeadLetter>('dead-letters', filter, 'receivedAt', query.limit);
    });
  }

  /** Newest first (ties by id, descending). */
  async searchRuleHits(query: RuleHitQuery): Promise<RuleHit[]> {
    return this.run(async () => {
      if (query.orgIds?.length === 0) return [];
      const filter: estypes.QueryDslQueryContainer[] = [
        ...scopeFilter('orgId', query.orgIds),
        ...timeRange('time', checkDate(query.from, 'from'), checkDate(query.to, 'to')),
        ...(query.ruleId === undefined ? [] : [{ term: { ruleId: query.ruleId } }]),
        ...(query.kind === undefined ? [] : [{ term: { kind: query.kind } }]),
      ];
      return this.searchRecords<RuleHit>('rule-hits', filter, 'time', query.limit);
    });
  }

  /** Stops early, with the counts so far, if the store is closed meanwhile. */
  async deleteOlderThan(cutoff: Date): Promise<RetentionResult> {
    return this.run(async () => {
      const before = checkDate(cutoff, 'cutoff') as number;
      const open = (): boolean => this.closing === undefined;
      const events = await deleteOlder(this.client, this.names, { kind: 'events', timeField: '@timestamp' }, before, open);
      const deadLetters = await deleteOlder(this.client, this.names, { kind: 'dead-letters', timeField: 'receivedAt' }, before, open);
      const ruleHits = await deleteOlder(this.client, this.names, { kind: 'rule-hits', timeField: 'time' }, before, open);
      return { events, deadLetters, ruleHits };
    });
  }

  async putDocument<T>(collection: string, doc: DocumentInput<T>, options?: PutOptions): Promise<number> {
    return this.run(async () => this.documents.putDocument(collection, doc, options));
  }

  async getDocument<T>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    return this.run(async () => this.documents.getDocument<T>(collection, id));
  }

  async queryDocuments<T>(query: DocumentQuery): Promise<DocumentPage<T>> {
    return this.run(async () => this.documents.queryDocuments<T>(query));
  }

  async countDocuments(query: DocumentCountQuery): Promise<DocumentCount[]> {
    return this.run(async () => this.documents.countDocuments(query));
  }

  async deleteDocument(collection: string, id: string, options?: PutOptions): Promise<boolean> {
    return this.run(async () => this.documents.deleteDocument(collection, id, options));
  }

  async deleteDocumentsBefore(collection: string, before: string): Promise<number> {
    return this.run(async () => this.documents.deleteDocumentsBefore(collection, before));
  }

  /** Waits for the requests in flight, then releases the client; safe to call twice. */
  async close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      if (this.ownsClient) await this.client.close();
    })();
    return this.closing;
  }

  /**
   * Delete every index and template of this store (tests, decommissioning).
   * Works on a closed store only when the client was passed in.
   */
  async destroy(): Promise<void> {
    for (const kind of ['events', 'dead-letters', 'rule-hits'] as const satisfies readonly RecordKind[]) {
      await this.client.indices.delete({ index: this.names.pattern(kind), ...TOLERANT, expand_wildcards: 'all' });
    }
    await this.client.indices.delete({ index: this.names.documents(), ...TOLERANT });
    await deleteTemplates(this.client, this.names);
  }

  private tierFor(orgId: string | undefined): Tier {
    if (orgId === undefined) return ORGLESS_TIER;
    return TierSchema.parse(this.tierOf(orgId));
  }

  private async eventsQuery(criteria: EventCriteria): Promise<estypes.QueryDslQueryContainer> {
    const fields = fieldsNeedingCaps(criteria);
    const stringIndices = new Map<string, string[]>();
    if (fields.length > 0) {
      const caps = await this.client.fieldCaps({ index: this.names.pattern('events'), ...TOLERANT, fields });
      for (const field of fields) {
        const byType = caps.fields[field] ?? {};
        const indices: string[] = [];
        for (const [type, cap] of Object.entries(byType)) {
          if (!STRING_FIELD_TYPES.has(type)) continue;
          // `indices` is listed only when the field has several types; otherwise every index that maps it has this type.
          indices.push(...(cap.indices === undefined ? caps.indices : Array.isArray(cap.indices) ? cap.indices : [cap.indices]));
        }
        stringIndices.set(field, indices);
      }
    }
    return eventsQuery(criteria, stringIndices);
  }

  private async searchRecords<T>(kind: RecordKind, filter: estypes.QueryDslQueryContainer[], timeField: string, limit: number | undefined): Promise<T[]> {
    const response = await this.client.search<T>({
      index: this.names.pattern(kind),
      ...TOLERANT,
      allow_partial_search_results: false,
      track_total_hits: false,
      size: recordLimit(limit),
      query: { bool: { filter } },
      sort: [{ [timeField]: { order: 'desc', unmapped_type: 'date' } }, { id: { order: 'desc', unmapped_type: 'keyword' } }],
    });
    return response.hits.hits.flatMap((hit) => (hit._source === undefined ? [] : [hit._source]));
  }

  /** Every public operation: refused once closing, and awaited by close(). */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const work = operation();
    this.inFlight.add(work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new Error(`Elasticsearch store ${this.config.indexPrefix} is closed`);
  }
}
