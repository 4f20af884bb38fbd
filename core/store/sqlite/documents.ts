/**
 * Documents (core/store/documents.ts) in the embedded store: one
 * `documents` table for every collection (migration 3). The writer's index
 * keys live as a JSON object in `idx` and are reached with `json_each`, so an
 * array value matches, and counts, under each element; the body is JSON text
 * given back as it was put.
 *
 * Collection names and index keys are checked (documents-common.ts) and only
 * reach SQL as bound parameters or as a bound JSON path with the key quoted;
 * every value is bound.
 */
import type Database from 'better-sqlite3';
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
import { whereTerms, writeTerms } from './document-terms.js';

type SqlValue = string | number | null;

interface DocumentRow {
  id: string;
  org_id: string | null;
  sort_key: string;
  version: number;
  updated_at: string;
  idx: string;
  body: string;
}

interface CountRow {
  v: SqlValue;
  t: string;
  c: number;
}

const COLUMNS = 'd.id, d.org_id, d.sort_key, d.version, d.updated_at, d.idx, d.body';

/**
 * One where value against one stored value (or array element `j`). A where
 * value comes as `[text, number or null, 'true'/'false' or null]`, so a
 * number matches its text spelling and the reverse, as Elasticsearch coerces
 * a term to its field's type.
 */
const MATCH_ANY =
  'EXISTS (SELECT 1 FROM json_each(d.idx, ?) j, json_each(?) w WHERE ' +
  "(j.type = 'text' AND j.value = json_extract(w.value, '$[0]')) OR " +
  "(j.type IN ('integer', 'real') AND j.value = json_extract(w.value, '$[1]')) OR " +
  "j.type = json_extract(w.value, '$[2]'))";
/** The documents whose term index holds one of the terms (./document-terms.ts) of a where value: collection, key, terms as a JSON array. */
const MATCH_TERMS = 'd.id IN (SELECT t.id FROM document_terms t WHERE t.collection = ? AND t.key = ? AND t.term IN (SELECT value FROM json_each(?)))';
/** Null, or missing, or an empty array: nothing non-null under the key. */
const MATCH_NONE = 'NOT EXISTS (SELECT 1 FROM json_each(d.idx, ?) j WHERE j.value IS NOT NULL)';

/** Compiles one statement per SQL text, cached by the store. */
export type Prepare = (sql: string) => Database.Statement;

export class SqliteDocuments implements DocumentStore {
  constructor(
    private readonly db: Database.Database,
    private readonly prepare: Prepare,
  ) {}

  async putDocument<T>(collection: string, doc: DocumentInput<T>, options?: PutOptions): Promise<number> {
    const checked = checkPut(collection, doc, options);
    const expected = options?.expectVersion;
    const select = this.prepare('SELECT version FROM documents WHERE collection = ? AND id = ?');
    const upsert = this.prepare(
      'INSERT INTO documents (collection, id, org_id, sort_key, version, updated_at, idx, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (collection, id) DO UPDATE SET org_id = excluded.org_id, sort_key = excluded.sort_key, version = excluded.version, ' +
        'updated_at = excluded.updated_at, idx = excluded.idx, body = excluded.body',
    );
    // IMMEDIATE takes the write lock before the read, so the version read is the one replaced.
    return this.db.transaction(() => {
      const row = select.get(collection, checked.id) as { version: number } | undefined;
      const actual = row?.version ?? 0;
      if (expected !== undefined && expected !== actual) throw new DocumentConflictError(collection, checked.id, expected, actual);
      const version = actual + 1;
      upsert.run(collection, checked.id, checked.orgId ?? null, checked.sortKey, version, new Date().toISOString(), JSON.stringify(checked.index), checked.bodyJson);
      writeTerms(this.prepare, collection, checked.id, checked.index);
      return version;
    }).immediate();
  }

  async getDocument<T>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    checkCollection(collection);
    checkId(collection, id);
    const row = this.prepare(`SELECT ${COLUMNS} FROM documents d WHERE d.collection = ? AND d.id = ?`).get(collection, id) as DocumentRow | undefined;
    return row === undefined ? undefined : fromRow<T>(collection, row);
  }

  async queryDocuments<T>(query: DocumentQuery): Promise<DocumentPage<T>> {
    const order = checkQuery(query);
    const limit = recordLimit(query.limit);
    const cursor = query.cursor === undefined ? undefined : decodeDocumentCursor(query.cursor, query.collection, order);
    if (query.orgIds?.length === 0) return { documents: [] };
    const { clauses, params, from } = filterOf(query, this.prepare);
    if (cursor !== undefined) {
      clauses.push(order === 'asc' ? '(d.sort_key, d.id) > (?, ?)' : '(d.sort_key, d.id) < (?, ?)');
      params.push(cursor.s, cursor.i);
    }
    const direction = order === 'asc' ? 'ASC' : 'DESC';
    const sql = `SELECT ${COLUMNS} FROM ${from} WHERE ${clauses.join(' AND ')} ORDER BY d.sort_key ${direction}, d.id ${direction} LIMIT ?`;
    const rows = this.prepare(sql).all(...params, limit + 1) as DocumentRow[];
    const documents = rows.slice(0, limit).map((row) => fromRow<T>(query.collection, row));
    const nextCursor = nextCursorOf(documents, rows.length > limit, query.collection, order);
    return nextCursor === undefined ? { documents } : { documents, nextCursor };
  }

  async countDocuments(query: DocumentCountQuery): Promise<DocumentCount[]> {
    checkQuery(query);
    checkIndexKey(query.groupBy);
    if (query.orgIds?.length === 0) return [];
    const { clauses, params, from } = filterOf(query, this.prepare);
    // LEFT JOIN json_each: a scalar gives one row, an array one per element,
    // a missing key or an empty array one row of NULLs. Numbers are one kind
    // (5 and 5.0 group together); true/false keep their own type.
    const sql =
      'SELECT k.value AS v, ' +
      "CASE WHEN k.value IS NULL THEN 'null' WHEN k.type IN ('integer', 'real') THEN 'number' ELSE k.type END AS t, count(*) AS c " +
      `FROM ${from} LEFT JOIN json_each(d.idx, ?) k WHERE ${clauses.join(' AND ')} GROUP BY v, t ` +
      "ORDER BY c DESC, CASE t WHEN 'null' THEN 0 WHEN 'false' THEN 1 WHEN 'true' THEN 1 WHEN 'number' THEN 2 ELSE 3 END, v LIMIT ?";
    const rows = this.prepare(sql).all(jsonPath(query.groupBy), ...params, MAX_COUNT_GROUPS) as CountRow[];
    return rows.map((row) => ({ key: keyOf(row), count: row.c })).sort(compareCounts);
  }

  async deleteDocument(collection: string, id: string, options?: PutOptions): Promise<boolean> {
    checkCollection(collection);
    checkId(collection, id);
    const expected = options?.expectVersion;
    const select = this.prepare('SELECT version FROM documents WHERE collection = ? AND id = ?');
    const remove = this.prepare('DELETE FROM documents WHERE collection = ? AND id = ?');
    return this.db.transaction(() => {
      const actual = (select.get(collection, id) as { version: number } | undefined)?.version ?? 0;
      if (expected !== undefined && expected !== actual) throw new DocumentConflictError(collection, id, expected, actual);
      return remove.run(collection, id).changes > 0;
    }).immediate();
  }

  async deleteDocumentsBefore(collection: string, before: string): Promise<number> {
    checkCollection(collection);
    if (typeof before !== 'string') throw new TypeError('before must be a string (a sortKey)');
    return this.prepare('DELETE FROM documents WHERE collection = ? AND sort_key < ?').run(collection, before).changes;
  }
}

/**
 * A where value held by at most this many documents is looked up through the
 * term index, document by document; a more common one (an alert state) is
 * left to a scan in sort order, which stops at the page's end.
 */
const TERM_LOOKUP_MAX = 2000;
const COUNT_TERMS =
  'SELECT count(*) AS n FROM (SELECT 1 FROM document_terms WHERE collection = ? AND key = ? AND term IN (SELECT value FROM json_each(?)) ' +
  `LIMIT ${TERM_LOOKUP_MAX + 1})`;
/**
 * The table as a query reads it: by its primary key (collection, id) when the
 * ids come from the term index. Without the hint SQLite walks the collection
 * in sort order, testing each id against the list: it cannot know the list is
 * short. The name is SQLite's for the PRIMARY KEY of migration 3.
 */
const BY_ID = 'documents d INDEXED BY sqlite_autoindex_documents_1';

/**
 * WHERE conditions of a query or count (never empty: the collection is always
 * one), and the table clause to read them from.
 */
function filterOf(query: Omit<DocumentQuery, 'order' | 'limit' | 'cursor'>, prepare: Prepare): { clauses: string[]; params: SqlValue[]; from: string } {
  const clauses = ['d.collection = ?'];
  const params: SqlValue[] = [query.collection];
  if (query.orgIds !== undefined) {
    // A document without an org has org_id NULL, which IN never matches.
    clauses.push('d.org_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(query.orgIds));
  }
  if (query.from !== undefined) {
    clauses.push('d.sort_key >= ?');
    params.push(query.from);
  }
  if (query.to !== undefined) {
    clauses.push('d.sort_key < ?');
    params.push(query.to);
  }
  let rarest: { key: string; terms: string; held: number } | undefined;
  for (const [key, value] of Object.entries(query.where ?? {})) {
    if (value === null) {
      clauses.push(MATCH_NONE);
      params.push(jsonPath(key));
    } else {
      const values = Array.isArray(value) ? (value as readonly (string | number)[]) : [value as string | number | boolean];
      const spellings = values.map(forms);
      clauses.push(MATCH_ANY);
      params.push(jsonPath(key), JSON.stringify(spellings));
      const terms = JSON.stringify(spellings.flatMap((f) => whereTerms(...f)));
      const held = (prepare(COUNT_TERMS).get(query.collection, key, terms) as { n: number }).n;
      if (held <= TERM_LOOKUP_MAX && (rarest === undefined || held < rarest.held)) rarest = { key, terms, held };
    }
  }
  if (rarest === undefined) return { clauses, params, from: 'documents d' };
  // The term index finds the candidates; the exact test above still decides.
  clauses.push(MATCH_TERMS);
  params.push(query.collection, rarest.key, rarest.terms);
  return { clauses, params, from: BY_ID };
}

/** The spellings a where value matches: as text, as a number, as a JSON boolean type. */
function forms(value: string | number | boolean): [string, number | null, string | null] {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/.test(value) ? Number(value) : null;
  const boolean = typeof value === 'boolean' ? String(value) : value === 'true' || value === 'false' ? value : null;
  return [String(value), number, boolean];
}

/** An index key as a JSON path naming one member: `asset.zone` -> `$."asset.zone"` (keys are checked: no quotes). */
function jsonPath(key: string): string {
  return `$."${key}"`;
}

function keyOf(row: CountRow): DocumentCount['key'] {
  if (row.t === 'null') return null;
  if (row.t === 'true') return true;
  if (row.t === 'false') return false;
  return row.v;
}

function fromRow<T>(collection: string, row: DocumentRow): StoredDocument<T> {
  return storedDocument<T>({
    collection,
    id: row.id,
    orgId: row.org_id,
    sortKey: row.sort_key,
    index: JSON.parse(row.idx) as Record<string, IndexValue>,
    body: JSON.parse(row.body) as T,
    version: row.version,
    updatedAt: row.updated_at,
  });
}
