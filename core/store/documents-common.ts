/**
 * What both backends share for documents (core/store/documents.ts): the
 * checks on names and inputs, the page cursor, and the order of count
 * groups. Collection names and index keys reach SQL JSON paths and
 * Elasticsearch field names, so they are checked here, against strict
 * patterns, before either backend builds anything from them.
 */
import { z } from 'zod';
import type { DocumentCount, DocumentInput, DocumentQuery, IndexValue, PutOptions, StoredDocument } from './documents.js';

/** Lower case, starts with a letter: safe in an Elasticsearch `_id` prefix (no `/`) and in any message. */
export const COLLECTION_PATTERN = /^[a-z][a-z0-9-]{0,40}$/;
/** Starts with a letter; dots allowed, as in `asset.zone`. */
export const INDEX_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;
/**
 * Longest document id, in UTF-8 bytes: with the collection and a `/` it stays
 * under Elasticsearch's 512-byte `_id` limit, so both backends take the same ids.
 */
export const MAX_ID_BYTES = 400;
/** Longest sortKey, in UTF-8 bytes; sort keys are times or sequence numbers, and Elasticsearch keywords must stay well below Lucene's term limit. */
export const MAX_SORT_KEY_BYTES = 1024;
/** Longest index string value, in UTF-8 bytes, for the same reason. */
export const MAX_INDEX_VALUE_BYTES = 4096;
/** The contract's cap on groups returned by countDocuments. */
export const MAX_COUNT_GROUPS = 1000;

/** Throws a TypeError naming `collection` unless it matches COLLECTION_PATTERN. */
export function checkCollection(collection: string): void {
  if (typeof collection !== 'string' || !COLLECTION_PATTERN.test(collection)) {
    throw new TypeError(`invalid collection name ${JSON.stringify(collection)}: use 1-41 lower-case letters, digits and dashes, starting with a letter`);
  }
}

/** Throws a TypeError naming `key` unless it matches INDEX_KEY_PATTERN. */
export function checkIndexKey(key: string): void {
  if (typeof key !== 'string' || !INDEX_KEY_PATTERN.test(key)) {
    throw new TypeError(`invalid index key ${JSON.stringify(key)}: use 1-64 letters, digits, _ and ., starting with a letter`);
  }
}

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function checkIndexValue(where: string, key: string, value: unknown): IndexValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${where}: index ${key} must be a finite number`);
    return value;
  }
  if (typeof value === 'string') {
    if (bytes(value) > MAX_INDEX_VALUE_BYTES) throw new TypeError(`${where}: index ${key} is longer than ${MAX_INDEX_VALUE_BYTES} bytes`);
    return value;
  }
  if (Array.isArray(value)) {
    for (const element of value as unknown[]) {
      if (typeof element !== 'string') throw new TypeError(`${where}: index ${key} may be an array of strings only`);
      if (bytes(element) > MAX_INDEX_VALUE_BYTES) throw new TypeError(`${where}: an element of index ${key} is longer than ${MAX_INDEX_VALUE_BYTES} bytes`);
    }
    return [...(value as string[])];
  }
  throw new TypeError(`${where}: index ${key} must be a string, number, boolean, null or array of strings`);
}

/** A document as both backends store it: checked, with `index` a plain copy (empty when none was given) and the body as JSON text. */
export interface CheckedDocument {
  readonly id: string;
  readonly orgId: string | undefined;
  readonly sortKey: string;
  readonly index: Record<string, IndexValue>;
  readonly bodyJson: string;
}

/** Check a putDocument call (collection, document, options); throws a TypeError naming what is wrong. */
export function checkPut(collection: string, doc: DocumentInput, options: PutOptions | undefined): CheckedDocument {
  checkCollection(collection);
  if (typeof doc !== 'object' || doc === null) throw new TypeError(`${collection}: document must be an object`);
  const { id, orgId, sortKey } = doc;
  if (typeof id !== 'string' || id === '' || bytes(id) > MAX_ID_BYTES) {
    throw new TypeError(`${collection}: document id must be a non-empty string of at most ${MAX_ID_BYTES} bytes`);
  }
  const where = `${collection}/${id}`;
  if (orgId !== undefined && (typeof orgId !== 'string' || orgId === '')) throw new TypeError(`${where}: orgId must be a non-empty string when given`);
  if (typeof sortKey !== 'string' || bytes(sortKey) > MAX_SORT_KEY_BYTES) {
    throw new TypeError(`${where}: sortKey must be a string of at most ${MAX_SORT_KEY_BYTES} bytes`);
  }
  const index: Record<string, IndexValue> = {};
  if (doc.index !== undefined) {
    if (typeof doc.index !== 'object' || doc.index === null || Array.isArray(doc.index)) throw new TypeError(`${where}: index must be an object`);
    for (const [key, value] of Object.entries(doc.index)) {
      checkIndexKey(key);
      index[key] = checkIndexValue(where, key, value);
    }
  }
  const bodyJson = JSON.stringify(doc.body) as string | undefined;
  if (bodyJson === undefined) throw new TypeError(`${where}: body must be a JSON value`);
  const expect = options?.expectVersion;
  if (expect !== undefined && (!Number.isSafeInteger(expect) || expect < 0)) {
    throw new TypeError(`${where}: expectVersion must be a whole number >= 0, got ${String(expect)}`);
  }
  return { id, orgId, sortKey, index, bodyJson };
}

/** Check a document id given to getDocument. */
export function checkId(collection: string, id: string): void {
  if (typeof id !== 'string' || id === '' || bytes(id) > MAX_ID_BYTES) {
    throw new TypeError(`${collection}: document id must be a non-empty string of at most ${MAX_ID_BYTES} bytes`);
  }
}

type WhereValue = NonNullable<DocumentQuery['where']>[string];

/** Check the parts of a query both query and count use; returns the order. */
export function checkQuery(query: Omit<DocumentQuery, 'order' | 'limit' | 'cursor'> & { readonly order?: unknown }): 'asc' | 'desc' {
  if (typeof query !== 'object' || query === null) throw new TypeError('document query must be an object');
  checkCollection(query.collection);
  for (const [key, value] of Object.entries(query.where ?? {})) {
    checkIndexKey(key);
    checkWhereValue(key, value);
  }
  if (query.from !== undefined && typeof query.from !== 'string') throw new TypeError('from must be a string (a sortKey)');
  if (query.to !== undefined && typeof query.to !== 'string') throw new TypeError('to must be a string (a sortKey)');
  const order = query.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw new TypeError(`order must be asc or desc, got ${JSON.stringify(order)}`);
  return order;
}

function checkWhereValue(key: string, value: WhereValue): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number' && Number.isFinite(value)) return;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) return;
  throw new TypeError(`where ${key}: value must be a string, finite number, boolean, null or an array of strings and numbers`);
}

// ------------------------------------------------------------------ cursor

const CursorSchema = z.strictObject({
  /** Order the cursor was made for. */
  o: z.enum(['asc', 'desc']),
  /** Collection, so a cursor cannot wander into another collection's pages. */
  c: z.string().regex(COLLECTION_PATTERN),
  /** sortKey and id of the last document of the page. */
  s: z.string().max(MAX_SORT_KEY_BYTES),
  i: z.string().min(1).max(MAX_ID_BYTES),
});
export type DocumentCursor = z.infer<typeof CursorSchema>;

export function encodeDocumentCursor(cursor: DocumentCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The cursor a previous page returned; a TypeError if it is not one, or was made for another order or collection. */
export function decodeDocumentCursor(text: string, collection: string, order: 'asc' | 'desc'): DocumentCursor {
  let cursor: DocumentCursor;
  try {
    if (typeof text !== 'string' || text.length > 4096) throw new Error('not a cursor');
    cursor = CursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new TypeError('invalid cursor: pass back nextCursor exactly as a previous page returned it');
  }
  if (cursor.o !== order) throw new TypeError(`cursor was made for order ${cursor.o}, not ${order}`);
  if (cursor.c !== collection) throw new TypeError(`cursor was made for collection ${cursor.c}, not ${collection}`);
  return cursor;
}

/** The nextCursor of a page: made from its last document when more were found (the backend asked for one more than the limit). */
export function nextCursorOf(documents: readonly StoredDocument[], more: boolean, collection: string, order: 'asc' | 'desc'): string | undefined {
  if (!more || documents.length === 0) return undefined;
  const last = documents[documents.length - 1];
  return encodeDocumentCursor({ o: order, c: collection, s: last.sortKey, i: last.id });
}

// ------------------------------------------------------------------ results

/** A stored document in the one shape both backends give back: `orgId` only when it has one, `index` always (empty when none). */
export function storedDocument<T>(parts: {
  readonly collection: string;
  readonly id: string;
  readonly orgId: string | null | undefined;
  readonly sortKey: string;
  readonly index: Readonly<Record<string, IndexValue>> | undefined;
  readonly body: T;
  readonly version: number;
  readonly updatedAt: string;
}): StoredDocument<T> {
  return {
    collection: parts.collection,
    id: parts.id,
    ...(parts.orgId === null || parts.orgId === undefined ? {} : { orgId: parts.orgId }),
    sortKey: parts.sortKey,
    index: parts.index ?? {},
    body: parts.body,
    version: parts.version,
    updatedAt: parts.updatedAt,
  };
}

// ------------------------------------------------------------------ counts

function rank(key: DocumentCount['key']): number {
  if (key === null) return 0;
  if (typeof key === 'boolean') return 1;
  if (typeof key === 'number') return 2;
  return 3;
}

/**
 * The contract's order of count groups: largest count first, ties by key
 * (null, then false/true, then numbers, then strings in UTF-8 byte order, the
 * order of SQLite's BINARY collation and of Elasticsearch keywords).
 */
export function compareCounts(a: DocumentCount, b: DocumentCount): number {
  if (a.count !== b.count) return b.count - a.count;
  const ra = rank(a.key);
  const rb = rank(b.key);
  if (ra !== rb) return ra - rb;
  if (typeof a.key === 'string' && typeof b.key === 'string') return Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));
  return Number(a.key) - Number(b.key);
}
