/**
 * The embedded store's ceiling, for bench/e2e's "what bounds it": SQLite
 * alone, on one thread, storing the same kind of events as the end-to-end
 * run, twice over:
 *
 * - iisa's schema: `SqliteStore.appendEvents` as the node calls it (hot
 *   columns, the unique event id, indexes on org and time, time, source IP
 *   and destination IP, and the FTS5 index of message and original line);
 * - the dedupe key only: the same JSON documents into a table with nothing
 *   but the unique event id (what exactly-once storage cannot do without),
 *   which is the "batched SQLite inserts" ceiling.
 *
 * Both with WAL and synchronous=full, 1,000 events a transaction, fresh ids
 * each time, into a fresh file. The runs are short next to the end-to-end
 * run (the store slows as it grows), so their rates are upper bounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EcsEvent } from '../core/event.js';
import { uuidv7 } from '../core/ids.js';
import { SqliteStore } from '../core/store/sqlite/sqlite-store.js';

const BATCH = 1000;

/** How fast one way of storing went. */
export interface Throughput {
  /** Events a second, wall clock. */
  readonly rowsPerSecond: number;
  /** CPU (user + system) per event, µs: what another thread could not use. */
  readonly cpuUs: number;
}

export interface StoreCeiling {
  readonly rows: number;
  /** Through iisa's SqliteStore. */
  readonly schema: Throughput;
  /** Into a table with only the unique event id. */
  readonly keyOnly: Throughput;
}

/** Wall-clock rate and CPU µs per row of `work` storing `rows` rows. */
async function timed(rows: number, work: () => Promise<void> | void): Promise<Throughput> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { rowsPerSecond: rows / seconds, cpuUs: (used.user + used.system) / rows };
}

/** Batches of `events` with fresh ids and the current time, `rows` events in all. */
function* batches(events: readonly EcsEvent[], rows: number): Generator<EcsEvent[]> {
  for (let n = 0; n < rows; n += BATCH) {
    const timestamp = new Date().toISOString();
    const batch: EcsEvent[] = [];
    for (let i = 0; i < BATCH; i++) {
      const event = events[(n + i) % events.length]!;
      batch.push({ ...event, '@timestamp': timestamp, event: { ...event.event, id: uuidv7() } });
    }
    yield batch;
  }
}

async function throughSchema(dir: string, events: readonly EcsEvent[], rows: number): Promise<Throughput> {
  const store = SqliteStore.open({ path: join(dir, 'schema.db'), synchronous: 'full' });
  try {
    return await timed(rows, async () => {
      for (const batch of batches(events, rows)) await store.appendEvents(batch);
    });
  } finally {
    await store.close();
  }
}

async function keyOnly(dir: string, events: readonly EcsEvent[], rows: number): Promise<Throughput> {
  const db = new Database(join(dir, 'key-only.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE events (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)');
    const insert = db.prepare('INSERT OR IGNORE INTO events (id, doc) VALUES (?, ?)');
    const write = db.transaction((batch: readonly EcsEvent[]) => {
      for (const event of batch) insert.run(event.event!.id, JSON.stringify(event));
    });
    return await timed(rows, () => {
      for (const batch of batches(events, rows)) write.immediate(batch);
    });
  } finally {
    db.close();
  }
}

export async function measureStoreCeiling(events: readonly EcsEvent[], rows: number): Promise<StoreCeiling> {
  const dir = mkdtempSync(join(tmpdir(), 'iisa-bench-store-'));
  try {
    return { rows, schema: await throughSchema(dir, events, rows), keyOnly: await keyOnly(dir, events, rows) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
