/**
 * Whether the store can take writes, as its writers last found it. When the
 * disk under the store fills, every write fails until space returns; the
 * sources should then stop taking data in (HTTP answers 503 with
 * Retry-After, TCP and file sources wait) rather than hold ever more of it
 * in memory or acknowledge what cannot be kept. The failed batch itself
 * stays with the bus, which retries it; its first success reopens ingest,
 * so nothing needs a restart when space returns.
 */

/** The store is out of space: take nothing in for now (the sender may try again later). */
export class StoreFullError extends Error {
  /** Sources read this to answer "come back later" (HTTP 503) rather than report a fault. */
  readonly retriable = true;

  constructor(readonly since: Date, readonly reason: string) {
    super(`the store is out of disk space since ${since.toISOString()} (${reason}); nothing was taken in, send it again later`);
    this.name = 'StoreFullError';
  }
}

/** Error codes meaning "no space left" from SQLite (better-sqlite3) and the file system. */
const OUT_OF_SPACE_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);

/**
 * True for errors that say the store's disk is full: SQLite's SQLITE_FULL,
 * ENOSPC, and Elasticsearch's flood-stage block (it makes indices read-only
 * while a disk is over its watermark). Causes are followed, since adapters wrap.
 */
export function isOutOfSpace(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && OUT_OF_SPACE_CODES.has(code)) return true;
    if (typeof message === 'string' && /flood[- ]stage|disk usage exceeded|read-only-allow-delete|index read-only \/ allow delete/i.test(message)) return true;
  }
  return false;
}

export interface OutOfSpace {
  readonly since: Date;
  readonly reason: string;
}

export class StoreWriteHealth {
  private full: OutOfSpace | undefined;
  private waiting: (() => void)[] = [];

  constructor(private readonly onChange: (full: OutOfSpace | undefined) => void = () => undefined) {}

  /** Set when the last write failed for want of space, until a write succeeds. */
  get outOfSpace(): OutOfSpace | undefined {
    return this.full;
  }

  /** A write failed: if for want of space, ingest closes until a write succeeds. */
  failed(error: unknown, now = new Date()): void {
    if (this.full || !isOutOfSpace(error)) return;
    this.full = { since: now, reason: error instanceof Error ? error.message : String(error) };
    this.onChange(this.full);
  }

  /** A write succeeded: space is back, if it was ever gone. */
  succeeded(): void {
    if (!this.full) return;
    this.full = undefined;
    this.onChange(undefined);
    const waiting = this.waiting;
    this.waiting = [];
    for (const resume of waiting) resume();
  }

  /** Throws StoreFullError while out of space. */
  assertWritable(): void {
    if (this.full) throw new StoreFullError(this.full.since, this.full.reason);
  }

  /** Resolves at once when writable, else once a write succeeds. */
  whenWritable(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
