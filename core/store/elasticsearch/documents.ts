/**
 * Documents (core/store/documents.ts) on Elasticsearch, in the one index of
 * document-index.ts. A document's `_id` is `<collection>/<id>`: collection
 * names have no `/`, so the first `/` splits it and no two documents share
 * an `_id`.
 *
 * Compare-and-set rides on Elasticsearch's own optimistic concurrency: a
 * realtime GET gives the stored version with its `_seq_no`/`_primary_term`,
 * and the write is conditional on those (`op_type: create` when there is no
 * document), so a writer in between makes ours fail with 409 instead of
 * being overwritten. Each write refreshes the documents index itself
 * (`refresh: true`), so searches see a document once its put resolved;
 * waiting for the periodic refresh instead (`wait_for`) would cost up to a
 * refresh interval per write, and the services above write documents one
 * after another (an uplink batch of 100 alerts would take minutes).
 * Documents are few next to events, so refreshing this one small index per
 * write is cheap. GETs are realtime anyway.
 *
 * This Elasticsearch build has no `_delete_by_query`: deleteDocumentsBefore
 * finds ids with search_after pages and deletes them in bulk.
 */
import { errors } from '@elastic/elasticsearch';
import type { Client, estypes } from '@elastic/elasticsearch';
import { DocumentConflictError } from '../documents.js';
import type {
  DocumentCount,
  DocumentCountQuery,
  DocumentInput,
  DocumentPage,
  DocumentQuery,
  DocumentStore,
  IndexValue,
  PutOptions,
  StoredDocument,
} from '../documents.js';
import {
  checkCollection,
  checkId,
  checkIndexKey,
  checkPut,
  checkQuery,
  compareCounts,
  decodeDocumentCursor,
  MAX_COUNT_GROUPS,
  nextCursorOf,
  storedDocument,
} from '../documents-common.js';
import { recordLimit } from '../store.js';
import { BulkWriteError } from './bulk-writer.js';
import { createDocumentIndex, DocumentFields as F } from './document-index.js';
import type { DocumentIndexSettings } from './document-index.js';
import { scopeFilter } from './query-builder.js';

/** Documents deleted per search-and-bulk round of deleteDocumentsBefore. */
const DELETE_PAGE = 1000;
/**
 * Tries of a put without expectVersion (last writer wins) while other writers
 * keep changing the same document; each lost race re-reads and tries again.
 */
const MAX_PUT_ATTEMPTS = 20;
/** Read options of searches: an index not created yet (no document put so far) is an empty answer. */
const TOLERANT = { ignore_unavailable: true, allow_no_indices: true } as const;

type Query = estypes.QueryDslQueryContainer;

/** A document as indexed. */
interface Source {
  readonly collection: string;
  readonly id: string;
  readonly org_id?: string;
  readonly sort_key: string;
  readonly version: number;
  readonly updated_at: string;
  readonly idx: Record<string, IndexValue>;
  readonly body: unknown;
}

/** The stored version and the sequence numbers a conditional write needs. */
interface Current {
  readonly version: number;
  readonly seqNo: number;
  readonly primaryTerm: number;
}

export class ElasticsearchDocuments implements DocumentStore {
  /** Resolves once the index exists; reset on failure so the next write tries again. */
  private ready: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly index: string,
    private readonly settings: DocumentIndexSettings,
  ) {}

  async putDocument<T>(collection: string, doc: DocumentInput<T>, options?: PutOptions): Promise<number> {
    const checked = checkPut(collection, doc, options);
    const expected = options?.expectVersion;
    const esId = documentId(collection, checked.id);
    await this.ensureIndex();
    for (let attempt = 1; attempt <= MAX_PUT_ATTEMPTS; attempt++) {
      // A create needs no read: if the document exists, the create fails.
      const current = expected === 0 ? undefined : await this.current(esId);
      const actual = current?.version ?? 0;
      if (expected !== undefined && expected !== actual) throw new DocumentConflictError(collection, checked.id, expected, actual);
      const source: Source = {
        collection,
        id: checked.id,
        ...(checked.orgId === undefined ? {} : { org_id: checked.orgId }),
        sort_key: checked.sortKey,
        version: actual + 1,
        updated_at: new Date().toISOString(),
        idx: checked.index,
        body: JSON.parse(checked.bodyJson) as unknown,
      };
      if (await this.write(esId, source, current)) return source.version;
      if (expected !== undefined) {
        // Someone wrote in between: report what is there now, unless it is
        // (again) what the caller expected, e.g. deleted and created anew.
        const now = (await this.current(esId))?.version ?? 0;
        if (now !== expected) throw new DocumentConflictError(collection, checked.id, expected, now);
      }
    }
    throw new Error(`${collection}/${checked.id}: still changing under ${MAX_PUT_ATTEMPTS} tries to write it; try again later`);
  }

  async getDocument<T>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    checkCollection(collection);
    checkId(collection, id);
    // 404 is both "no such document" and "no index yet".
    const response = await this.client.get<Source>({ index: this.index, id: documentId(collection, id), realtime: true }, { ignore: [404] });
    return response.found === true && response._source !== undefined ? fromSource<T>(response._source) : undefined;
  }

  async queryDocuments<T>(query: DocumentQuery): Promise<DocumentPage<T>> {
    const order = checkQuery(query);
    const limit = recordLimit(query.limit);
    const cursor = query.cursor === undefined ? undefined : decodeDocumentCursor(query.cursor, query.collection, order);
    if (query.orgIds?.length === 0) return { documents: [] };
    const response = await this.client.search<Source>({
      index: this.index,
      ...TOLERANT,
      allow_partial_search_results: false,
      track_total_hits: false,
      size: limit + 1,
      query: { bool: { filter: filterOf(query) } },
      sort: [{ [F.sortKey]: { order } }, { [F.id]: { order } }],
      ...(cursor === undefined ? {} : { search_after: [cursor.s, cursor.i] }),
    });
    const hits = response.hits.hits;
    const documents = hits.slice(0, limit).flatMap((hit) => (hit._source === undefined ? [] : [fromSource<T>(hit._source)]));
    const nextCursor = nextCursorOf(documents, hits.length > limit, query.collection, order);
    return nextCursor === undefined ? { documents } : { documents, nextCursor };
  }

  async countDocuments(query: DocumentCountQuery): Promise<DocumentCount[]> {
    checkQuery(query);
    checkIndexKey(query.groupBy);
    if (query.orgIds?.length === 0) return [];
    const field = indexField(query.groupBy);
    const response = await this.client.search({
      index: this.index,
      ...TOLERANT,
      allow_partial_search_results: false,
      track_total_hits: false,
      size: 0,
      query: { bool: { filter: filterOf(query) } },
      aggs: {
        // An array counts once under each element; one shard makes the counts exact.
        groups: { terms: { field, size: MAX_COUNT_GROUPS, order: [{ _count: 'desc' }, { _key: 'asc' }] } },
        // No value at all: missing key, null, or an empty array.
        none: { missing: { field } },
      },
    });
    const groups = response.aggregations?.groups as estypes.AggregationsStringTermsAggregate | estypes.AggregationsDoubleTermsAggregate | undefined;
    const none = response.aggregations?.none as estypes.AggregationsMissingAggregate | undefined;
    const buckets = (groups?.buckets ?? []) as (estypes.AggregationsStringTermsBucket | estypes.AggregationsDoubleTermsBucket)[];
    const counts: DocumentCount[] = buckets.map((bucket) => ({ key: bucketKey(bucket), count: bucket.doc_count }));
    if (none !== undefined && none.doc_count > 0) counts.push({ key: null, count: none.doc_count });
    return counts.sort(compareCounts).slice(0, MAX_COUNT_GROUPS);
  }

  async deleteDocument(collection: string, id: string, options?: PutOptions): Promise<boolean> {
    checkCollection(collection);
    checkId(collection, id);
    const esId = documentId(collection, id);
    const expected = options?.expectVersion;
    const current = await this.current(esId).catch((error: unknown) => {
      if (error instanceof errors.ResponseError && error.statusCode === 404) return undefined; // no index yet
      throw error;
    });
    const actual = current?.version ?? 0;
    if (expected !== undefined && expected !== actual) throw new DocumentConflictError(collection, id, expected, actual);
    if (!current) return false;
    try {
      const response = await this.client.delete({ index: this.index, id: esId, if_seq_no: current.seqNo, if_primary_term: current.primaryTerm, refresh: true });
      return response.result === 'deleted';
    } catch (error) {
      if (error instanceof errors.ResponseError && error.statusCode === 409) {
        const now = (await this.current(esId))?.version ?? 0;
        if (expected !== undefined) throw new DocumentConflictError(collection, id, expected, now);
        return this.deleteDocument(collection, id);
      }
      if (error instanceof errors.ResponseError && error.statusCode === 404) return false;
      throw error;
    }
  }

  async deleteDocumentsBefore(collection: string, before: string): Promise<number> {
    checkCollection(collection);
    if (typeof before !== 'string') throw new TypeError('before must be a string (a sortKey)');
    let deleted = 0;
    let after: estypes.SortResults | undefined;
    for (;;) {
      const found = await this.client.search({
        index: this.index,
        ...TOLERANT,
        allow_partial_search_results: false,
        track_total_hits: false,
        size: DELETE_PAGE,
        _source: false,
        query: { bool: { filter: [{ term: { [F.collection]: collection } }, { range: { [F.sortKey]: { lt: before } } }] } },
        sort: [{ [F.sortKey]: 'asc' }, { [F.id]: 'asc' }],
        ...(after === undefined ? {} : { search_after: after }),
      });
      const hits = found.hits.hits;
      if (hits.length === 0) break;
      const response = await this.client.bulk({
        operations: hits.map((hit) => ({ delete: { _index: hit._index, _id: hit._id as string } })),
        refresh: true,
      });
      for (const item of response.items) {
        const result = item.delete;
        if (result === undefined) continue;
        if (result.status === 200 && result.result === 'deleted') deleted++;
        // 404: someone else deleted it meanwhile, which is what we wanted.
        else if (result.status !== 404) throw new BulkWriteError(`could not delete document ${result._id ?? ''}: ${result.status} ${result.error?.type ?? ''}`);
      }
      if (hits.length < DELETE_PAGE) break;
      after = hits[hits.length - 1].sort;
    }
    return deleted;
  }

  private async ensureIndex(): Promise<void> {
    this.ready ??= createDocumentIndex(this.client, this.index, this.settings).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** The stored version of `esId` with its sequence numbers, read in real time; undefined if there is none. */
  private async current(esId: string): Promise<Current | undefined> {
    const response = await this.client.get<Pick<Source, 'version'>>(
      { index: this.index, id: esId, realtime: true, _source_includes: [F.version] },
      { ignore: [404] },
    );
    if (response.found !== true || response._source === undefined) return undefined;
    if (response._seq_no === undefined || response._primary_term === undefined) throw new Error(`${esId}: Elasticsearch returned no sequence numbers`);
    return { version: response._source.version, seqNo: response._seq_no, primaryTerm: response._primary_term };
  }

  /** Write conditionally on `current` (or as a create when there is none); false if another write got there first. */
  private async write(esId: string, source: Source, current: Current | undefined): Promise<boolean> {
    try {
      if (current === undefined) {
        await this.client.create({ index: this.index, id: esId, document: source, refresh: true });
      } else {
        await this.client.index({
          index: this.index,
          id: esId,
          document: source,
          if_seq_no: current.seqNo,
          if_primary_term: current.primaryTerm,
          refresh: true,
        });
      }
      return true;
    } catch (error) {
      if (error instanceof errors.ResponseError && error.statusCode === 409) return false;
      throw error;
    }
  }
}

/** `<collection>/<id>`; the collection is checked to hold no `/`. */
function documentId(collection: string, id: string): string {
  return `${collection}/${id}`;
}

function indexField(key: string): string {
  return `${F.index}.${key}`;
}

/** The filters of a query or count: collection, org scope, sortKey range, where. */
function filterOf(query: Omit<DocumentQuery, 'order' | 'limit' | 'cursor'>): Query[] {
  const filter: Query[] = [{ term: { [F.collection]: query.collection } }, ...scopeFilter(F.orgId, query.orgIds)];
  if (query.from !== undefined || query.to !== undefined) {
    filter.push({ range: { [F.sortKey]: { ...(query.from === undefined ? {} : { gte: query.from }), ...(query.to === undefined ? {} : { lt: query.to }) } } });
  }
  for (const [key, value] of Object.entries(query.where ?? {})) {
    const field = indexField(key);
    if (value === null) filter.push({ bool: { must_not: [{ exists: { field } }] } });
    else if (Array.isArray(value)) filter.push({ terms: { [field]: [...(value as readonly (string | number)[])] } });
    else filter.push({ term: { [field]: value as string | number | boolean } });
  }
  return filter;
}

/** A terms bucket's key as the contract types it: booleans come as 1/0 with `key_as_string` true/false. */
function bucketKey(bucket: estypes.AggregationsStringTermsBucket | estypes.AggregationsDoubleTermsBucket): DocumentCount['key'] {
  const { key } = bucket;
  if (typeof key === 'number' && (bucket.key_as_string === 'true' || bucket.key_as_string === 'false')) return bucket.key_as_string === 'true';
  return key as string | number;
}

function fromSource<T>(source: Source): StoredDocument<T> {
  return storedDocument<T>({
    collection: source.collection,
    id: source.id,
    orgId: source.org_id,
    sortKey: source.sort_key,
    index: source.idx,
    body: source.body as T,
    version: source.version,
    updatedAt: source.updated_at,
  });
}
