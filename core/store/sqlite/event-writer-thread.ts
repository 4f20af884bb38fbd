/**
 * The event writer thread's side (see ./event-writer.ts): its own connection
 * to the store's file, inserting the batches of rows it is sent, one at a
 * time, each in one transaction, and answering each with the count of new
 * rows or the error. Nothing else writes through it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { z } from 'zod';
import { insertEventRows, type EventRowData } from './event-rows.js';
import { WriterSettingsSchema, type WriterReply, type WriterRequest } from './event-writer-protocol.js';

/** Distinct insert shapes (rows per chunk) kept prepared. */
const STATEMENT_CACHE_SIZE = 256;

function serve(port: NonNullable<typeof parentPort>, settings: z.infer<typeof WriterSettingsSchema>): void {
  let db: Database.Database | undefined;
  const statements = new Map<string, Database.Statement>();
  const statement = (sql: string): Database.Statement => {
    let s = statements.get(sql);
    if (s === undefined) {
      s = db!.prepare(sql);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
      statements.set(sql, s);
    }
    return s;
  };
  const open = (): Database.Database => {
    if (db) return db;
    const opened = new Database(settings.path, { fileMustExist: true });
    try {
      // The store's own connection made the file WAL and migrated it before this thread was started.
      opened.pragma(`synchronous = ${settings.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      opened.pragma('busy_timeout = 5000');
    } catch (error) {
      opened.close();
      throw error;
    }
    db = opened;
    return db;
  };

  // Requests come only from the store in this process (event-writer.ts), which builds them; rows are checked there.
  port.on('message', (request: WriterRequest) => {
    if (request.type === 'close') {
      db?.close();
      db = undefined;
      port.postMessage({ type: 'closed' } satisfies WriterReply);
      port.close();
      return;
    }
    let reply: WriterReply;
    try {
      reply = { type: 'appended', id: request.id, inserted: insertEventRows(open(), statement, request.rows as EventRowData[]) };
    } catch (error) {
      const { message, code } = error as { message?: unknown; code?: unknown };
      reply = {
        type: 'failed', id: request.id,
        message: typeof message === 'string' ? message : String(error),
        ...(typeof code === 'string' ? { code } : {}),
      };
    }
    port.postMessage(reply);
  });
}

if (!parentPort) throw new Error('event-writer-thread.js runs as a worker thread of the SQLite store');
serve(parentPort, WriterSettingsSchema.parse(workerData));
