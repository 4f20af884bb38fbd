/**
 * Schema migrations for the embedded SQLite store, oldest first.
 *
 * The schema version lives in `PRAGMA user_version`. Opening a database
 * applies every migration above its version, each in its own transaction
 * together with the version bump, so a crash mid-upgrade leaves the database
 * at the last whole version. A migration, once released, is never edited:
 * changes go in a new entry at the end.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { IndexValue } from '../documents.js';
import { writeTerms } from './document-terms.js';

export interface Migration {
  /** 1, 2, 3, ... with no gaps; the database's `user_version` after this migration ran. */
  readonly version: number;
  readonly description: string;
  /** Runs inside a transaction; throw to abort the upgrade. */
  up(db: Database): void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'events with hot columns and FTS5, dead letters',
    up(db) {
      // `rid` is the rowid alias the FTS index points at: an explicit INTEGER
      // PRIMARY KEY keeps rowids stable across VACUUM, which an implicit rowid
      // does not. `id` (event.id) is the dedupe key.
      db.exec(`
        CREATE TABLE events (
          rid            INTEGER PRIMARY KEY,
          id             TEXT NOT NULL UNIQUE,
          ts             INTEGER NOT NULL,
          ingested       INTEGER NOT NULL,
          org_id         TEXT,
          dataset        TEXT,
          action         TEXT,
          module         TEXT,
          source_ip      TEXT,
          destination_ip TEXT,
          user_name      TEXT,
          doc            TEXT NOT NULL
        );
        CREATE INDEX events_org_ts ON events (org_id, ts);
        CREATE INDEX events_ts ON events (ts);
        CREATE INDEX events_source_ip ON events (source_ip, ts);
        CREATE INDEX events_destination_ip ON events (destination_ip, ts);

        -- Contentless: the text already lives in events.doc. contentless_delete
        -- lets retention remove rows by rowid alone.
        CREATE VIRTUAL TABLE events_fts USING fts5 (
          message, original,
          content = '', contentless_delete = 1,
          tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
          INSERT INTO events_fts (rowid, message, original)
          VALUES (new.rid, json_extract(new.doc, '$.message'), json_extract(new.doc, '$.event.original'));
        END;
        CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
          DELETE FROM events_fts WHERE rowid = old.rid;
        END;

        CREATE TABLE dead_letters (
          rid      INTEGER PRIMARY KEY,
          id       TEXT NOT NULL UNIQUE,
          received INTEGER NOT NULL,
          org_id   TEXT,
          source   TEXT NOT NULL,
          parser   TEXT,
          code     TEXT NOT NULL,
          reason   TEXT NOT NULL,
          raw      TEXT NOT NULL
        );
        CREATE INDEX dead_letters_received ON dead_letters (received);
        CREATE INDEX dead_letters_org_received ON dead_letters (org_id, received);
      `);
    },
  },
  {
    version: 2,
    description: 'rule hits',
    up(db) {
      // The whole hit is kept as JSON; the columns are what queries filter and sort on.
      db.exec(`
        CREATE TABLE rule_hits (
          rid      INTEGER PRIMARY KEY,
          id       TEXT NOT NULL UNIQUE,
          ts       INTEGER NOT NULL,
          org_id   TEXT NOT NULL,
          rule_id  TEXT NOT NULL,
          kind     TEXT NOT NULL,
          doc      TEXT NOT NULL
        );
        CREATE INDEX rule_hits_org_ts ON rule_hits (org_id, ts);
        CREATE INDEX rule_hits_ts ON rule_hits (ts);
        CREATE INDEX rule_hits_rule_ts ON rule_hits (rule_id, ts);
      `);
    },
  },
  {
    version: 3,
    description: 'documents',
    up(db) {
      // Every collection in one table (core/store/documents.ts). `idx` holds
      // the writer's index keys as a JSON object, reached by json_each;
      // `body` is JSON kept only to be given back. The indexes end in `id`
      // because pages are ordered and resumed on (sort_key, id).
      db.exec(`
        CREATE TABLE documents (
          collection TEXT NOT NULL,
          id         TEXT NOT NULL,
          org_id     TEXT,
          sort_key   TEXT NOT NULL,
          version    INTEGER NOT NULL,
          updated_at TEXT NOT NULL,
          idx        TEXT NOT NULL,
          body       TEXT NOT NULL,
          PRIMARY KEY (collection, id)
        );
        CREATE INDEX documents_sort ON documents (collection, sort_key, id);
        CREATE INDEX documents_org_sort ON documents (collection, org_id, sort_key, id);
      `);
    },
  },
  {
    version: 4,
    description: 'the store fills the full-text index itself',
    up(db) {
      // The insert trigger had SQLite parse each event's JSON twice (json_extract) for
      // text the writer already holds; appendEvents now inserts the FTS row itself,
      // in the same transaction. Deletes still go through events_fts_delete.
      db.exec('DROP TRIGGER events_fts_insert');
    },
  },
  {
    version: 5,
    description: 'a term index of documents, for where lookups',
    up(db) {
      // One row per (document, index key, value): a where lookup reads the
      // documents holding the value instead of every document's idx JSON
      // (./document-terms.ts). Puts write the terms; any delete (by id, by
      // sort key, retention) takes them along through the trigger.
      db.exec(`
        CREATE TABLE document_terms (
          collection TEXT NOT NULL,
          key        TEXT NOT NULL,
          term       TEXT NOT NULL,
          id         TEXT NOT NULL,
          PRIMARY KEY (collection, key, term, id)
        ) WITHOUT ROWID;
        CREATE INDEX document_terms_doc ON document_terms (collection, id);
        CREATE TRIGGER documents_terms_delete AFTER DELETE ON documents BEGIN
          DELETE FROM document_terms WHERE collection = old.collection AND id = old.id;
        END;
      `);
      const prepared = new Map<string, Statement>();
      const prepare = (sql: string): Statement => {
        let statement = prepared.get(sql);
        if (!statement) prepared.set(sql, statement = db.prepare(sql));
        return statement;
      };
      // All at once: better-sqlite3 runs no other statement while one is being iterated.
      const rows = db.prepare('SELECT collection, id, idx FROM documents').all() as { collection: string; id: string; idx: string }[];
      for (const row of rows) writeTerms(prepare, row.collection, row.id, JSON.parse(row.idx) as Record<string, IndexValue>);
    },
  },
];

/** The schema version this code writes. */
export const latestVersion = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;

/** Thrown when a database was written by a newer iisa than this one. */
export class SchemaTooNewError extends Error {
  constructor(readonly path: string, readonly found: number, readonly known: number) {
    super(
      `SQLite store ${path} has schema version ${found}, but this iisa knows versions up to ${known}; ` +
        'run a newer iisa or point the store at another path',
    );
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Bring `db` up to `latestVersion`. Returns the versions before and after.
 * Throws SchemaTooNewError (and changes nothing) when the database is newer.
 */
export function migrate(db: Database, path: string): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > latestVersion) throw new SchemaTooNewError(path, from, latestVersion);
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      migration.up(db);
      // The version is an integer we own, never caller input.
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return { from, to: Math.max(from, latestVersion) };
}
