/**
 * The SQLite store's event writer thread, from the store's side.
 *
 * Inserting events (the rows, four indexes and the full-text index) is most
 * of what an embedded node spends its one JavaScript thread on. A worker
 * thread with a connection of its own does it instead, so parsing, detection
 * and alerting go on while a batch is written: two cores where there was
 * one. The store still decides when it writes (./sqlite-store.ts gives an
 * append the same exclusive turn as its own writes), so the two connections
 * never wait on SQLite's lock. An append resolves once its transaction has
 * committed, as the store's own writes do, so acknowledged still means stored.
 */
import { Worker } from 'node:worker_threads';
import type { EventRowData } from './event-rows.js';
import type { WriterReply, WriterRequest, WriterSettings } from './event-writer-protocol.js';

interface Pending {
  readonly resolve: (inserted: number) => void;
  readonly reject: (error: Error) => void;
}

/** A write the thread refused, with SQLite's code (SQLITE_FULL...) so callers can tell a full disk from a fault. */
export class EventWriteError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'EventWriteError';
  }
}

export class EventWriterThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the thread is gone (closed or crashed): no more appends. */
  private gone: Error | undefined;
  private closing: Promise<void> | undefined;

  /** Starts the thread; it opens its connection with the first append. */
  constructor(settings: WriterSettings) {
    this.worker = new Worker(new URL('./event-writer-thread.js', import.meta.url), { workerData: settings });
    // An idle writer keeps no process alive; one with appends in flight does (see append).
    this.worker.unref();
    this.worker.on('message', (reply: WriterReply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(new EventWriteError(`SQLite event writer thread failed: ${error.message}`)));
    this.worker.on('exit', (code) => this.fail(new EventWriteError(`SQLite event writer thread exited (code ${code})`)));
  }

  /** Whether the thread can take appends (false once closed or crashed). */
  get usable(): boolean {
    return this.gone === undefined && this.closing === undefined;
  }

  /** Insert `rows` in one transaction on the thread; resolves with the count of new rows once committed. */
  append(rows: readonly EventRowData[]): Promise<number> {
    if (!this.usable) return Promise.reject(this.gone ?? new EventWriteError('SQLite event writer thread is closed'));
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'append', id, rows } satisfies WriterRequest);
    });
  }

  /** Let the appends sent finish, then close the thread's connection and end it. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.gone) return;
      this.worker.ref();
      const closed = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.postMessage({ type: 'close' } satisfies WriterRequest);
      await closed;
    })();
    return this.closing;
  }

  private settle(reply: WriterReply): void {
    if (reply.type === 'closed') return;
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0 && !this.closing) this.worker.unref();
    if (reply.type === 'appended') waiting.resolve(reply.inserted);
    else waiting.reject(new EventWriteError(reply.message, reply.code));
  }

  private fail(error: Error): void {
    this.gone ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
