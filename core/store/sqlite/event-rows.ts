/**
 * Events as rows of the `events` table, and the one insert that writes them
 * with their full-text entries. Shared by the store's own connection and
 * the event writer thread (./event-writer.ts), so both write the same rows.
 */
import type Database from 'better-sqlite3';
import type { EcsEvent } from '../../event.js';
import { getField } from '../../event.js';

export type SqlValue = string | number | null;

/** Columns filled from the event on insert, in insert order (after id, ts, ingested). */
export const EXTRACTED: readonly (readonly [column: string, field: string])[] = [
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

/** An event's column values, and what the full-text index holds of it (`message`, `event.original`). */
export interface EventRowData {
  readonly values: SqlValue[];
  readonly text: [SqlValue, SqlValue];
}

/** The row of one event; throws TypeError naming the event's place in its batch when it has no id or time. */
export function eventRow(event: EcsEvent, index: number): EventRowData {
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

/**
 * Insert `rows` and their full-text entries in one immediate transaction;
 * returns how many were new (a re-sent event, same id, is ignored and gets
 * no second text entry). `statement` prepares (and may cache) SQL.
 */
export function insertEventRows(db: Database.Database, statement: (sql: string) => Database.Statement, rows: readonly EventRowData[]): number {
  const width = INSERT_COLUMNS.length;
  const write = db.transaction(() => {
    let inserted = 0;
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const chunk = rows.slice(start, start + INSERT_CHUNK);
      const values = `(${new Array<string>(width).fill('?').join(', ')})`;
      const sql = `INSERT OR IGNORE INTO events (${INSERT_COLUMNS.join(', ')}) VALUES ${new Array<string>(chunk.length).fill(values).join(', ')} RETURNING rid, id`;
      const added = statement(sql).all(...chunk.flatMap((row) => row.values)) as { rid: number; id: string }[];
      if (added.length === 0) continue;
      const textOf = new Map(chunk.map((row) => [row.values[0], row.text]));
      const fts = `INSERT INTO events_fts (rowid, message, original) VALUES ${new Array<string>(added.length).fill('(?, ?, ?)').join(', ')}`;
      statement(fts).run(...added.flatMap((row) => [row.rid, ...textOf.get(row.id)!]));
      inserted += added.length;
    }
    return inserted;
  });
  return write.immediate();
}
