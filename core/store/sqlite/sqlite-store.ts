/**
 * The embedded Store: one SQLite file (better-sqlite3, WAL mode).
 *
 * Events are kept as JSON in `events.doc`, with the columns queries need to
 * be fast pulled out on insert: `ts` (epoch ms of `@timestamp`), `org_id`
 * and a few hot fields (see HOT_COLUMNS). Any other dotted field is reached
 * through `json_each`/`json_extract` on the document. Text search uses a
 * contentless FTS5 index over `message` and `event.original`, filled by
 * appendEvents (only for rows actually inserted) and emptied by a delete
 * trigger (migrations.ts).
 *
 * better-sqlite3 is synchronous: each async method does its work at once on
 * the calling turn. Caller-supplied field names are checked against a strict
 * pattern and only ever reach SQL as bound JSON paths; values are always
 * bound parameters.
 *
 * Documents (the Store's document methods) live in one table of their own;
 * see documents.ts beside this file.
 *
 * Field lookups follow the nested document: a flattened key such as
 * `{"source.ip": ...}` is not found by a `source.ip` filter (the schema
 * produces nested objects, so stored events do not have them), except for
 * the hot columns, which are read with `getField` on insert.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { getField } from '../../event.js';
import type { EcsEvent } from '../../event.js';
import { canonicalIp } from '../../ip.js';
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
  AppendResult,
  DeadLetter,
  DeadLetterQuery,
  EventPage,
  EventQuery,
  FieldFilter,
  RetentionResult,
  RuleHit,
  RuleHitQuery,
  Store,
} from '../store.js';
import { aggregateLimit, recordLimit } from '../store.js';
import { SqliteDocuments } from './documents.js';
import { migrate } from './migrations.js';

/** Dotted ECS fields stored in their own column (all hold text), and that column. */
const HOT_COLUMNS: ReadonlyMap<string, string> = new Map([
  ['event.id', 'id'],
  ['org.id', 'org_id'],
  ['event.dataset', 'dataset'],
  ['event.action', 'action'],
  ['event.module', 'module'],
  ['source.ip', 'source_ip'],
  ['destination.ip', 'destination_ip'],
  ['user.name', 'user_name'],
]);

/** Columns filled from the event on insert, in insert order (after id, ts, ingested). */
const EXTRACTED: readonly (readonly [column: string, field: string])[] = [
  ['org_id', 'org.id'],
  ['dataset', 'event.dataset'],
  ['action', 'event.action'],
  ['module', 'event.module'],
  ['source_ip', 'source.ip'],
  ['destination_ip', 'destination.ip'],
  ['user_name', 'user.name'],
];
const INSERT_COLUMNS = ['id', 'ts', 'ingested', ...EXTRACTED.map(([column]) => column), 'doc'];

/** Rows per multi-row INSERT; 100 x 11 bound values stays far below SQLite's variable limit. */
const INSERT_CHUNK = 100;
/** Rows per retention DELETE, so one run never holds the write lock for long. */
const DELETE_CHUNK = 2000;
/** Distinct query shapes kept prepared; shapes come from code paths, so this is generous. */
const STATEMENT_CACHE_SIZE = 256;

const FIELD_PATTERN = /^[A-Za-z0-9_@]+(?:\.[A-Za-z0-9_@]+)*$/;
const MAX_FIELD_LENGTH = 256;
const NUMERIC_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
/** A word takes part in text search only if it has a letter or digit; `"`, `*`, `-` alone carry nothing to find. */
const SEARCHABLE_WORD = /[\p{L}\p{N}]/u;

const OpenOptionsSchema = z.strictObject({
  path: z.string().min(1),
  /** `full` (default) survives power loss; `normal` survives a process crash and is faster. */
  synchronous: z.enum(['full', 'normal']).optional(),
});
export type SqliteStoreOptions = z.input<typeof OpenOptionsSchema>;

const CursorSchema = z.strictObject({
  o: z.enum(['asc', 'desc']),
  t: z.number().int(),
  r: z.number().int().positive(),
});
type Cursor = z.infer<typeof CursorSchema>;

type SqlValue = string | number | null;

interface Where {
  readonly sql: string;
  readonly params: SqlValue[];
}

interface EventRow {
  rid: number;
  ts: number;
  doc: string;
}

interface DeadLetterRow {
  id: string;
  received: number;
  org_id: string | null;
  source: string;
  parser: string | null;
  code: string;
  reason: string;
  raw: string;
}

type GroupRow = Record<string, SqlValue>;

/** The embedded SQLite implementation of the Store contract. */
export class SqliteStore implements Store {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly documents: SqliteDocuments;
  private closed = false;
  /** The write batch in progress (see batchWrites): its token, and when it is over. */
  private batch: { readonly token: object; readonly over: Promise<void> } | undefined;
  /** Which async chain a write comes from: the batch's own writes carry its token. */
  private readonly batchScope = new AsyncLocalStorage<object>();

  private constructor(
    private readonly db: Database.Database,
    /** Where the database lives, for messages. */
    readonly path: string,
  ) {
    this.documents = new SqliteDocuments(db, (sql) => this.statement(sql));
  }

  /**
   * Open (creating if needed, with its parent directory) the database at
   * `path`, switch it to WAL and bring its schema up to date. Throws if the
   * database was written by a newer iisa (SchemaTooNewError) or WAL cannot be
   * enabled.
   */
  static open(options: SqliteStoreOptions): SqliteStore {
    const { path, synchronous = 'full' } = OpenOptionsSchema.parse(options);
    const inMemory = path === ':memory:';
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (!inMemory && mode !== 'wal') {
        throw new Error(`SQLite store ${path}: could not enable WAL (journal_mode is ${String(mode)}); is it on a network filesystem?`);
      }
      db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      // Another process (a CLI hunt, a backup) may hold the lock briefly.
      db.pragma('busy_timeout = 5000');
      migrate(db, path);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteStore(db, path);
  }

  async appendEvents(events: readonly EcsEvent[]): Promise<AppendResult> {
    this.assertOpen();
    for (let wait = this.turnBlocked(); wait; wait = this.turnBlocked()) await wait;
    if (events.length === 0) return { inserted: 0 };
    const rows = events.map((event, index) => eventRow(event, index));
    const width = INSERT_COLUMNS.length;
    const write = this.db.transaction(() => {
      let inserted = 0;
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        const values = `(${new Array<string>(width).fill('?').join(', ')})`;
        const sql = `INSERT OR IGNORE INTO events (${INSERT_COLUMNS.join(', ')}) VALUES ${new Array<string>(chunk.length).fill(values).join(', ')} RETURNING rid, id`;
        // A re-sent event (same id) is ignored and returns no row, so it gets no second text entry.
        const added = this.statement(sql).all(...chunk.flatMap((row) => row.values)) as { rid: number; id: string }[];
        if (added.length === 0) continue;
        const textOf = new Map(chunk.map((row) => [row.values[0], row.text]));
        const fts = `INSERT INTO events_fts (rowid, message, original) VALUES ${new Array<string>(added.length).fill('(?, ?, ?)').join(', ')}`;
        this.statement(fts).run(...added.flatMap((row) => [row.rid, ...textOf.get(row.id)!]));
        inserted += added.length;
      }
      return inserted;
    });
    return { inserted: write.immediate() };
  }

  async appendDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    this.assertOpen();
    for (let wait = this.turnBlocked(); wait; wait = this.turnBlocked()) await wait;
    if (letters.length === 0) return;
    const rows = letters.map((letter, index) => deadLetterRow(letter, index));
    const insert = this.statement(
      'INSERT OR IGNORE INTO dead_letters (id, received, org_id, source, parser, code, reason, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const row of rows) insert.run(...row);
    }).immediate();
  }

  async searchEvents(query: EventQuery): Promise<EventPage> {
    this.assertOpen();
    if (query.orgIds?.length === 0) return { events: [] };
    const order = query.order ?? 'desc';
    const limit = recordLimit(query.limit);
    const where = eventWhere(query);
    const clauses = where.sql === '' ? [] : [where.sql];
    const params = [...where.params];
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, order);
      // Written as a range on ts plus a tie-break so the (org_id, ts) and
      // (ts) indexes, whose entries end in rid, serve both seek and order.
      clauses.push(order === 'desc' ? 'e.ts <= ? AND (e.ts < ? OR e.rid < ?)' : 'e.ts >= ? AND (e.ts > ? OR e.rid > ?)');
      params.push(cursor.t, cursor.t, cursor.r);
    }
    const direction = order === 'desc' ? 'DESC' : 'ASC';
    const sql =
      `SELECT e.rid, e.ts, e.doc FROM events e${clauses.length ? ` WHERE ${clauses.join(' AND ')}` : ''}` +
      ` ORDER BY e.ts ${direction}, e.rid ${direction} LIMIT ?`;
    const rows = this.statement(sql).all(...params, limit + 1) as EventRow[];
    const page = rows.slice(0, limit);
    const events = page.map((row) => JSON.parse(row.doc) as EcsEvent);
    if (rows.length <= limit) return { events };
    const last = page[page.length - 1];
    return { events, nextCursor: encodeCursor({ o: order, t: last.ts, r: last.rid }) };
  }

  async countEvents(query: Omit<EventQuery, 'limit' | 'order' | 'cursor'>): Promise<number> {
    this.assertOpen();
    if (query.orgIds?.length === 0) return 0;
    const where = eventWhere(query);
    const sql = `SELECT count(*) AS n FROM events e${where.sql ? ` WHERE ${where.sql}` : ''}`;
    return (this.statement(sql).get(...where.params) as { n: number }).n;
  }

  /**
   * Counts per distinct `groupBy` values (and time bucket). An array field
   * counts the event once under each element, as Elasticsearch's terms
   * aggregation does. Rows come largest count first, then by key ascending
   * (null before numbers before text), then bucket.
   */
  async aggregateEvents(query: AggregateQuery): Promise<AggregateRow[]> {
    this.assertOpen();
    if (query.orgIds?.length === 0) return [];
    const limit = aggregateLimit(query.limit);
    const select: string[] = [];
    const joins: string[] = [];
    const group: string[] = [];
    const selectParams: SqlValue[] = [];
    const joinParams: SqlValue[] = [];
    query.groupBy.forEach((field, i) => {
      checkField(field);
      const column = HOT_COLUMNS.get(field);
      if (column !== undefined) {
        select.push(`e.${column} AS v${i}`, `'text' AS t${i}`);
        group.push(`v${i}`);
      } else {
        // LEFT JOIN json_each: a scalar gives one row, an array one row per
        // element, a missing field one row of NULLs. Object members (text
        // keys) are not values of the field.
        joins.push(`LEFT JOIN json_each(e.doc, ?) k${i} ON (k${i}.key IS NULL OR typeof(k${i}.key) = 'integer')`);
        joinParams.push(jsonPath(field));
        select.push(`k${i}.value AS v${i}`, `k${i}.type AS t${i}`);
        group.push(`v${i}`, `t${i}`);
      }
    });
    let bucketMs: number | undefined;
    if (query.bucketSeconds !== undefined) {
      if (!Number.isFinite(query.bucketSeconds) || query.bucketSeconds <= 0) {
        throw new RangeError(`bucketSeconds must be a positive number, got ${query.bucketSeconds}`);
      }
      bucketMs = Math.max(1, Math.round(query.bucketSeconds * 1000));
      // Floor division that stays right for times before 1970.
      select.push('e.ts - (((e.ts % ?) + ?) % ?) AS b');
      selectParams.push(bucketMs, bucketMs, bucketMs);
      group.push('b');
    }
    const where = eventWhere(query);
    const orderBy = ['c DESC', ...query.groupBy.map((_, i) => `v${i}`), ...(bucketMs === undefined ? [] : ['b'])];
    const sql =
      `SELECT ${[...select, 'count(*) AS c'].join(', ')} FROM events e ${joins.join(' ')}` +
      `${where.sql ? ` WHERE ${where.sql}` : ''}${group.length ? ` GROUP BY ${group.join(', ')}` : ''}` +
      ` ORDER BY ${orderBy.join(', ')} LIMIT ?`;
    const rows = this.statement(sql).all(...selectParams, ...joinParams, ...where.params, limit) as GroupRow[];
    const result: AggregateRow[] = [];
    for (const row of rows) {
      const count = Number(row.c);
      if (count === 0) continue; // an ungrouped count(*) over no rows
      const key = query.groupBy.map((_, i) => jsonValue(row[`v${i}`], row[`t${i}`]));
      result.push(bucketMs === undefined ? { key, count } : { key, bucket: new Date(Number(row.b)).toISOString(), count });
    }
    return result;
  }

  async appendRuleHits(hits: readonly RuleHit[]): Promise<void> {
    this.assertOpen();
    for (let wait = this.turnBlocked(); wait; wait = this.turnBlocked()) await wait;
    if (hits.length === 0) return;
    const insert = this.statement('INSERT OR IGNORE INTO rule_hits (id, ts, org_id, rule_id, kind, doc) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const hit of hits) insert.run(hit.id, epochMs(new Date(hit.time), 'time'), hit.orgId, hit.ruleId, hit.kind, JSON.stringify(hit));
    })();
  }

  /** Newest first. */
  async searchRuleHits(query: RuleHitQuery): Promise<RuleHit[]> {
    this.assertOpen();
    if (query.orgIds?.length === 0) return [];
    const { clauses, params } = whereClauses('ts', query, { rule_id: query.ruleId, kind: query.kind });
    const sql = `SELECT doc FROM rule_hits${clauses.length ? ` WHERE ${clauses.join(' AND ')}` : ''} ORDER BY ts DESC, rid DESC LIMIT ?`;
    const rows = this.statement(sql).all(...params, recordLimit(query.limit)) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as RuleHit);
  }

  /**
   * Newest first. A letter without an org (sender not identified) is seen
   * only by unscoped callers (`orgIds` undefined).
   */
  async searchDeadLetters(query: DeadLetterQuery): Promise<DeadLetter[]> {
    this.assertOpen();
    if (query.orgIds?.length === 0) return [];
    const { clauses, params } = whereClauses('received', query, { source: query.source, code: query.code });
    const sql =
      `SELECT id, received, org_id, source, parser, code, reason, raw FROM dead_letters` +
      `${clauses.length ? ` WHERE ${clauses.join(' AND ')}` : ''} ORDER BY received DESC, rid DESC LIMIT ?`;
    const rows = this.statement(sql).all(...params, recordLimit(query.limit)) as DeadLetterRow[];
    return rows.map(fromDeadLetterRow);
  }

  /**
   * Deletes in chunks of DELETE_CHUNK rows, each its own transaction, and
   * yields to the event loop between chunks so appends interleave. Stops
   * early (with the counts so far) if the store is closed meanwhile.
   */
  async deleteOlderThan(cutoff: Date): Promise<RetentionResult> {
    this.assertOpen();
    const before = epochMs(cutoff, 'cutoff');
    const events = await this.deleteChunked('DELETE FROM events WHERE rid IN (SELECT rid FROM events WHERE ts < ? ORDER BY ts LIMIT ?)', before);
    const deadLetters = await this.deleteChunked(
      'DELETE FROM dead_letters WHERE rid IN (SELECT rid FROM dead_letters WHERE received < ? ORDER BY received LIMIT ?)',
      before,
    );
    const ruleHits = await this.deleteChunked('DELETE FROM rule_hits WHERE rid IN (SELECT rid FROM rule_hits WHERE ts < ? ORDER BY ts LIMIT ?)', before);
    return { events, deadLetters, ruleHits };
  }

  async putDocument<T>(collection: string, doc: DocumentInput<T>, options?: PutOptions): Promise<number> {
    this.assertOpen();
    for (let wait = this.turnBlocked(); wait; wait = this.turnBlocked()) await wait;
    return this.documents.putDocument(collection, doc, options);
  }

  async getDocument<T>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    this.assertOpen();
    return this.documents.getDocument<T>(collection, id);
  }

  async queryDocuments<T>(query: DocumentQuery): Promise<DocumentPage<T>> {
    this.assertOpen();
    return this.documents.queryDocuments<T>(query);
  }

  async countDocuments(query: DocumentCountQuery): Promise<DocumentCount[]> {
    this.assertOpen();
    return this.documents.countDocuments(query);
  }

  async deleteDocument(collection: string, id: string, options?: PutOptions): Promise<boolean> {
    this.assertOpen();
    for (let wait = this.turnBlocked(); wait; wait = this.turnBlocked()) await wait;
    return this.documents.deleteDocument(collection, id, options);
  }

  async deleteDocumentsBefore(collection: string, before: string): Promise<number> {
    this.assertOpen();
    for (let wait = this.turnBlocked(); wait; wait = this.turnBlocked()) await wait;
    return this.documents.deleteDocumentsBefore(collection, before);
  }

  /**
   * Run `work` with every write it makes in one transaction, committed (and
   * so durable) once when it resolves, instead of a commit per write; rolled
   * back if it throws. For a writer that makes many small writes in a row
   * (the alert book: an alert, a link and an audit entry per rule hit), each
   * commit being an fsync. Writes from anywhere else wait until the batch is
   * committed, so nothing else can resolve (and be acknowledged) before its
   * data is durable. A batch inside a batch is part of the outer one.
   */
  async batchWrites<T>(work: () => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.batch && this.batchScope.getStore() === this.batch.token) return work();
    for (let wait = this.turnBlocked(); wait; wait = this.turnBlocked()) await wait;
    const token = {};
    let end!: () => void;
    this.batch = { token, over: new Promise<void>((resolve) => { end = resolve; }) };
    try {
      this.db.exec('BEGIN IMMEDIATE');
      const result = await this.batchScope.run(token, work);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.batch = undefined;
      end();
    }
  }

  /**
   * Undefined when this caller may write now (no batch is open, or the caller
   * is part of it); else what to await before asking again. Callers ask in a
   * loop and write in the same synchronous run as the last answer: several
   * may wake when a batch ends, and the first to go may open the next one.
   */
  private turnBlocked(): Promise<void> | undefined {
    if (this.closed) return undefined; // the write itself says the store is closed
    return this.batch && this.batchScope.getStore() !== this.batch.token ? this.batch.over : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }

  private async deleteChunked(sql: string, before: number): Promise<number> {
    let total = 0;
    while (!this.closed) {
      for (let wait = this.turnBlocked(); wait; wait = this.turnBlocked()) await wait;
      if (this.closed) break;
      const changes = this.statement(sql).run(before, DELETE_CHUNK).changes;
      total += changes;
      if (changes < DELETE_CHUNK) break;
      await nextTurn();
    }
    return total;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        // Maps iterate in insertion order: drop the oldest shape.
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`SQLite store ${this.path} is closed`);
  }
}

// ------------------------------------------------------------------ helpers

/** An event's column values, and what the full-text index holds of it (`message`, `event.original`). */
interface EventRowData {
  readonly values: SqlValue[];
  readonly text: [SqlValue, SqlValue];
}

function eventRow(event: EcsEvent, index: number): EventRowData {
  const id = event.event?.id;
  if (typeof id !== 'string' || id === '') throw new TypeError(`event ${index} of the batch has no event.id; the pipeline must stamp one`);
  const ts = Date.parse(event['@timestamp']);
  if (!Number.isFinite(ts)) throw new TypeError(`event ${index} (${id}) has an unreadable @timestamp: ${JSON.stringify(event['@timestamp'])}`);
  const ingestedAt = typeof event.event.ingested === 'string' ? Date.parse(event.event.ingested) : NaN;
  const extracted = EXTRACTED.map(([, field]) => {
    const value = getField(event, field);
    return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
  });
  const message = typeof event.message === 'string' ? event.message : null;
  const original = typeof event.event.original === 'string' ? event.event.original : null;
  return { values: [id, ts, Number.isFinite(ingestedAt) ? ingestedAt : Date.now(), ...extracted, JSON.stringify(event)], text: [message, original] };
}

function deadLetterRow(letter: DeadLetter, index: number): SqlValue[] {
  if (typeof letter.id !== 'string' || letter.id === '') throw new TypeError(`dead letter ${index} has no id`);
  const received = Date.parse(letter.receivedAt);
  if (!Number.isFinite(received)) throw new TypeError(`dead letter ${index} (${letter.id}) has an unreadable receivedAt: ${JSON.stringify(letter.receivedAt)}`);
  return [letter.id, received, letter.orgId ?? null, letter.source, letter.parser ?? null, letter.code, letter.reason, letter.raw];
}

function fromDeadLetterRow(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    receivedAt: new Date(row.received).toISOString(),
    ...(row.org_id === null ? {} : { orgId: row.org_id }),
    source: row.source,
    ...(row.parser === null ? {} : { parser: row.parser }),
    code: row.code,
    reason: row.reason,
    raw: row.raw,
  };
}

/** WHERE conditions (joined by AND, without the keyword) shared by search, count and aggregate. */
function eventWhere(query: Omit<EventQuery, 'limit' | 'order' | 'cursor'>): Where {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  if (query.orgIds !== undefined) {
    // One statement shape for any number of orgs; the planner still seeks (org_id, ts).
    clauses.push('e.org_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(query.orgIds));
  }
  if (query.from !== undefined) {
    clauses.push('e.ts >= ?');
    params.push(epochMs(query.from, 'from'));
  }
  if (query.to !== undefined) {
    clauses.push('e.ts < ?');
    params.push(epochMs(query.to, 'to'));
  }
  for (const filter of query.filters ?? []) {
    const condition = filterCondition(filter);
    clauses.push(condition.sql);
    params.push(...condition.params);
  }
  const match = query.text === undefined ? '' : ftsQuery(query.text);
  if (match !== '') {
    clauses.push('e.rid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)');
    params.push(match);
  }
  return { sql: clauses.join(' AND '), params };
}

function filterCondition(filter: FieldFilter): Where {
  checkField(filter.field);
  const raw = filter.value;
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    throw new TypeError(`filter on ${filter.field}: value must be a string, number or boolean`);
  }
  const value = typeof raw === 'string' && isIpField(filter.field) ? ipQueryValue(raw) : raw;
  const column = HOT_COLUMNS.get(filter.field);
  const text = String(value);
  switch (filter.op) {
    case 'eq':
      if (column !== undefined) return { sql: `e.${column} = ?`, params: [text] };
      // Each element of an array (or the one scalar) is compared; a value
      // matches its own JSON type and the other spellings Elasticsearch
      // coerces (502 and "502", true and "true").
      return {
        sql:
          'EXISTS (SELECT 1 FROM json_each(e.doc, ?) j WHERE (j.key IS NULL OR typeof(j.key) = \'integer\') AND ' +
          "((j.type = 'text' AND j.value = ?) OR (j.type IN ('integer', 'real') AND j.value = ?) OR j.type = ?))",
        params: [jsonPath(filter.field), text, numericForm(value), booleanForm(value)],
      };
    case 'prefix': {
      // LIKE narrows (and escapes its wildcards); substr makes it case-sensitive.
      const like = `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const chars = [...text].length;
      if (column !== undefined) {
        return { sql: `(e.${column} LIKE ? ESCAPE '\\' AND substr(e.${column}, 1, ?) = ?)`, params: [like, chars, text] };
      }
      return {
        sql:
          'EXISTS (SELECT 1 FROM json_each(e.doc, ?) j WHERE (j.key IS NULL OR typeof(j.key) = \'integer\') AND ' +
          "j.type = 'text' AND j.value LIKE ? ESCAPE '\\' AND substr(j.value, 1, ?) = ?)",
        params: [jsonPath(filter.field), like, chars, text],
      };
    }
    default:
      throw new TypeError(`filter on ${filter.field}: unknown op ${JSON.stringify(filter.op as string)}`);
  }
}

function numericForm(value: string | number | boolean): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return typeof value === 'string' && NUMERIC_TEXT.test(value) ? Number(value) : null;
}

function booleanForm(value: string | number | boolean): string | null {
  if (typeof value === 'boolean') return String(value);
  return value === 'true' || value === 'false' ? value : null;
}

/**
 * Stored IPs are canonical (IpSchema: lower-case hex), so a query value on an
 * IP field must be too. A whole address is canonicalised; a partial one (a
 * `prefix` such as `2001:DB8:`) cannot be, but lower-casing it is what makes
 * its hex digits compare equal to the stored ones.
 */
function ipQueryValue(raw: string): string {
  return canonicalIp(raw) ?? raw.toLowerCase();
}

/** IP-valued ECS fields: `*.ip`, `*_ip` (dns.resolved_ip) and `related.ip`. */
function isIpField(field: string): boolean {
  const last = field.slice(field.lastIndexOf('.') + 1);
  return last === 'ip' || last.endsWith('_ip');
}

/** Throws unless `field` is a dotted path of `[A-Za-z0-9_@]` segments. */
function checkField(field: string): void {
  if (typeof field !== 'string' || field.length > MAX_FIELD_LENGTH || !FIELD_PATTERN.test(field)) {
    throw new TypeError(`invalid field name ${JSON.stringify(field)}: use dotted segments of letters, digits, _ and @`);
  }
}

/** `source.ip` -> `$."source"."ip"`; quoting every segment makes `@timestamp` safe too. */
function jsonPath(field: string): string {
  return `$.${field.split('.').map((segment) => `"${segment}"`).join('.')}`;
}

/**
 * Every whitespace-separated word becomes an FTS5 string (double quotes
 * doubled), so operators and punctuation in user input are only text; the
 * words are ANDed. Words with no letter or digit are dropped; if none is
 * left the search does not restrict by text.
 */
function ftsQuery(text: string): string {
  return text
    .split(/\s+/u)
    .filter((word) => SEARCHABLE_WORD.test(word))
    .map((word) => `"${word.replace(/"/g, '""')}"`)
    .join(' ');
}

function jsonValue(value: SqlValue | undefined, type: SqlValue | undefined): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (type === 'true') return true;
  if (type === 'false') return false;
  return value;
}

function epochMs(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new TypeError(`${name} must be a valid Date`);
  return ms;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string, order: 'asc' | 'desc'): Cursor {
  let cursor: Cursor;
  try {
    cursor = CursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new TypeError('invalid cursor: pass back nextCursor exactly as a previous page returned it');
  }
  if (cursor.o !== order) throw new TypeError(`cursor was made for order ${cursor.o}, not ${order}`);
  return cursor;
}

/**
 * WHERE clauses of the side tables (dead letters, rule hits): a time range
 * on `timeColumn`, the org scope, and equality on the given columns (those
 * whose value is undefined are left out). Column names are ours, never input.
 */
function whereClauses(
  timeColumn: string,
  query: { readonly from?: Date; readonly to?: Date; readonly orgIds?: readonly string[] },
  equal: Readonly<Record<string, string | undefined>>,
): { clauses: string[]; params: SqlValue[] } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  if (query.from !== undefined) {
    clauses.push(`${timeColumn} >= ?`);
    params.push(epochMs(query.from, 'from'));
  }
  if (query.to !== undefined) {
    clauses.push(`${timeColumn} < ?`);
    params.push(epochMs(query.to, 'to'));
  }
  if (query.orgIds !== undefined) {
    clauses.push('org_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(query.orgIds));
  }
  for (const [column, value] of Object.entries(equal)) {
    if (value === undefined) continue;
    clauses.push(`${column} = ?`);
    params.push(value);
  }
  return { clauses, params };
}
