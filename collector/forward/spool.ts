/**
 * The forwarder's disk spool: a FIFO of records that survives the process.
 *
 *   <dir>/00000000000000000001.seg   append-only segments of framed records (./frames.ts)
 *   <dir>/00000000000000000002.seg   the last one is written to; a new one starts past segmentBytes
 *   <dir>/cursor.json                { segment, offset }: everything before it was delivered
 *
 * `append` resolves only once its records are on disk (written, then
 * fdatasync; a new segment's directory entry synced too), so a source that
 * acknowledges after it (a saved file offset, a 200) loses nothing to a
 * SIGKILL or a power cut. Appends are written in arrival order, several at a
 * time with one sync (group commit).
 *
 * `read` hands out the next durable records from an in-memory read position;
 * `ack` moves the persisted cursor there once the remote has answered for
 * them and deletes the segments wholly behind it. After a restart reading
 * starts again at the cursor: records sent but not acknowledged are sent
 * again (the remote drops the copies by their ids).
 *
 * Bounded: the segment files never hold more than `maxBytes`. An append that
 * does not fit waits for deliveries to make room (`wait: true`: the source
 * stops reading meanwhile) or is refused at once with SpoolFullError
 * (`wait: false`: HTTP ingest answers 503). After `admitWaiting()` (shutdown)
 * waiting appends are taken over the bound, so sources can finish the
 * batches they hold instead of losing them.
 *
 * On open, the last segment (the only one a crash can tear) is checked frame
 * by frame and cut back to its last valid frame, with a warning naming the
 * bytes dropped: they were never acknowledged. A bad frame found later in an
 * older segment (the disk damaged it) is logged as an error and the rest of
 * that segment skipped.
 */
import { mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises';
import type { Logger } from '../sources/types.js';
import { loadCursor, saveCursor, type SpoolPosition } from './cursor-file.js';
import { encodeFrame, FRAME_HEADER_BYTES } from './frames.js';
import { listSegments, readFrames, segmentPath, syncDirectory } from './segment-files.js';

export type { SpoolPosition } from './cursor-file.js';

const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;


export interface SpoolOptions {
  readonly dir: string;
  /** Bound on the bytes of all segment files. */
  readonly maxBytes: number;
  /** A segment is closed and a new one started once it would grow past this. */
  readonly segmentBytes: number;
  readonly log: Logger;
  /** Largest record; a longer frame length on disk is taken for corruption. */
  readonly maxFrameBytes?: number;
}

export interface SpoolBatch {
  readonly payloads: readonly Buffer[];
  readonly bytes: number;
  /** Pass to `ack` once the remote has answered for these records. */
  readonly end: SpoolPosition;
}

/** The spool has no room now and the caller asked not to wait. */
export class SpoolFullError extends Error {
  override readonly name = 'SpoolFullError';
  readonly retriable = true;
}

/** The spool cannot take this append at all (larger than maxBytes, closed, or its disk failed). */
export class SpoolError extends Error {
  override readonly name = 'SpoolError';
  readonly retriable = false;
}

interface Segment {
  readonly seq: number;
  /** Durable bytes: written and synced. */
  size: number;
}

/** How an append went. */
export interface AppendOutcome {
  /** It had to wait for deliveries to make room: the source was held back. */
  readonly heldBack: boolean;
}

interface PendingAppend {
  readonly frames: Buffer[];
  readonly bytes: number;
  readonly records: number;
  heldBack: boolean;
  readonly resolve: (outcome: AppendOutcome) => void;
  readonly reject: (err: Error) => void;
}

export class Spool {
  private readonly maxFrameBytes: number;
  private readonly queue: PendingAppend[] = [];
  private writing = false;
  /** Bytes of the write in progress, not yet in a segment's size. */
  private writingBytes = 0;
  private overflow = false;
  private blocked = false;
  private saidFull = false;
  private closed = false;
  private broken: Error | undefined;
  private writeDone: Promise<void> = Promise.resolve();
  private readPos: SpoolPosition;
  private reader: { seq: number; handle: FileHandle } | undefined;
  private readableWaiters: (() => void)[] = [];
  private acking: Promise<void> = Promise.resolve();
  private unread = 0;

  private constructor(
    private readonly options: SpoolOptions,
    private readonly segments: Segment[],
    private writer: FileHandle,
    private cursor: SpoolPosition,
    private unackedRecords: number,
  ) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.readPos = cursor;
    this.unread = unackedRecords;
  }

  /** Open (creating) the spool in `options.dir`, repairing a torn tail. */
  static async open(options: SpoolOptions): Promise<Spool> {
    if (options.segmentBytes > options.maxBytes) throw new SpoolError(`segmentBytes (${options.segmentBytes}) must not exceed maxBytes (${options.maxBytes})`);
    const { dir, log } = options;
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    await mkdir(dir, { recursive: true });
    let seqs = await listSegments(dir);
    let cursor = await loadCursor(dir, log) ?? { segment: seqs[0] ?? 1, offset: 0 };

    // Segments wholly before the cursor were delivered; a crash may have kept them from being deleted.
    for (const seq of seqs.filter((s) => s < cursor.segment)) await rm(segmentPath(dir, seq), { force: true });
    seqs = seqs.filter((s) => s >= cursor.segment);
    if (seqs.length === 0) {
      // Numbers only grow: a cursor past data that is gone starts the next segment.
      if (cursor.offset > 0) cursor = { segment: cursor.segment + 1, offset: 0 };
    } else if (seqs[0] !== cursor.segment) {
      cursor = { segment: seqs[0], offset: 0 };
    }

    const segments: Segment[] = [];
    for (const seq of seqs) segments.push({ seq, size: (await stat(segmentPath(dir, seq))).size });
    if (segments.length === 0) {
      segments.push({ seq: cursor.segment, size: 0 });
      await (await open(segmentPath(dir, cursor.segment), 'a')).close();
      await syncDirectory(dir);
    }

    const last = segments[segments.length - 1];
    const writer = await open(segmentPath(dir, last.seq), 'r+');
    try {
      const scan = await readFrames(writer, 0, last.size, { maxRecords: Infinity, maxBytes: Infinity, maxFrameBytes, collect: false });
      if (scan.corrupt) {
        log.warn('forward spool: cutting a torn or corrupt tail off the last segment (records never acknowledged)', {
          segment: last.seq, validBytes: scan.end, droppedBytes: last.size - scan.end, reason: scan.corrupt,
        });
        await writer.truncate(scan.end);
        await writer.sync();
        last.size = scan.end;
      }
      const cursorSegment = segments.find((s) => s.seq === cursor.segment);
      if (cursorSegment && cursor.offset > cursorSegment.size) {
        log.warn('forward spool: the cursor points past the end of its segment; reading on from the end', { ...cursor, size: cursorSegment.size });
        cursor = { segment: cursor.segment, offset: cursorSegment.size };
      }
      await saveCursor(dir, cursor);
      const unacked = await countRecords(dir, segments, cursor, maxFrameBytes);
      const spool = new Spool(options, segments, writer, cursor, unacked);
      if (unacked > 0) log.info('forward spool: records from before the restart wait to be delivered', { records: unacked, bytes: spool.usedBytes });
      return spool;
    } catch (err) {
      await writer.close();
      throw err;
    }
  }

  /** The bound on the segment files. */
  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** Bytes in segment files now. */
  get usedBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  /** Records appended and not yet acknowledged. */
  get pendingRecords(): number {
    return this.unackedRecords;
  }

  /**
   * Append records (each payload one record) in one go; resolves once they
   * are durable. Queued synchronously, so calls are written in call order.
   */
  append(payloads: readonly Buffer[], options: { readonly wait: boolean }): Promise<AppendOutcome> {
    if (payloads.length === 0) return Promise.resolve({ heldBack: false });
    if (this.closed) return Promise.reject(new SpoolError('the forward spool is closed'));
    if (this.broken) return Promise.reject(this.broken);
    const oversized = payloads.find((p) => p.length > this.maxFrameBytes);
    if (oversized) return Promise.reject(new SpoolError(`a record of ${oversized.length} bytes is larger than the spool takes (${this.maxFrameBytes})`));
    const frames = payloads.map((p) => encodeFrame(p));
    const bytes = frames.reduce((sum, f) => sum + f.length, 0);
    if (bytes > this.options.maxBytes) {
      return Promise.reject(new SpoolError(`a batch of ${bytes} bytes can never fit the forward spool (spool.maxBytes ${this.options.maxBytes})`));
    }
    const queued = this.queue.reduce((sum, q) => sum + q.bytes, 0);
    if (!options.wait && (this.blocked || !this.fits(this.writingBytes + queued + bytes))) {
      return Promise.reject(new SpoolFullError(`the forward spool is full (${this.usedBytes} of ${this.options.maxBytes} bytes) while the remote node is away; try again later`));
    }
    return new Promise<AppendOutcome>((resolve, reject) => {
      this.queue.push({ frames, bytes, records: payloads.length, heldBack: false, resolve, reject });
      this.kick();
    });
  }

  /** True while appends wait for deliveries to make room (sources are held back). */
  get full(): boolean {
    return this.blocked;
  }

  /**
   * Shutdown: take appends that wait for room even over the bound, so sources
   * finishing their in-flight batches do not lose them.
   */
  admitWaiting(): void {
    this.overflow = true;
    this.kick();
  }

  /** The next durable records after the read position, or undefined when there are none. One reader (the sender) at a time. */
  async read(limits: { readonly maxRecords: number; readonly maxBytes: number }): Promise<SpoolBatch | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const index = this.segments.findIndex((s) => s.seq === this.readPos.segment);
      if (index < 0) {
        // The segment read to its end was acknowledged and deleted: go on with the next.
        const next = this.segments.find((s) => s.seq > this.readPos.segment);
        if (!next) return undefined;
        this.readPos = { segment: next.seq, offset: 0 };
        continue;
      }
      const segment = this.segments[index];
      const isLast = index === this.segments.length - 1;
      if (this.readPos.offset >= segment.size) {
        if (isLast) {
          // Whatever the count says (a damaged segment skipped), nothing is left: do not let whenReadable spin.
          this.unread = 0;
          return undefined;
        }
        this.readPos = { segment: this.segments[index + 1].seq, offset: 0 };
        continue;
      }
      const handle = await this.readerFor(segment.seq);
      const got = await readFrames(handle, this.readPos.offset, segment.size, { ...limits, maxFrameBytes: this.maxFrameBytes });
      if (got.corrupt) {
        this.options.log.error('forward spool: a damaged record on disk; skipping the rest of its segment', {
          segment: segment.seq, offset: got.end, skippedBytes: segment.size - got.end, reason: got.corrupt,
        });
      }
      const end = got.corrupt && !isLast ? { segment: this.segments[index + 1].seq, offset: 0 }
        : got.corrupt ? { segment: segment.seq, offset: segment.size } : { segment: segment.seq, offset: got.end };
      this.readPos = end;
      if (got.payloads.length === 0) continue;
      this.unread = Math.max(0, this.unread - got.payloads.length);
      return { payloads: got.payloads, bytes: got.bytes, end };
    }
  }

  /** Resolves once records past the read position may be durable (or the spool closed). */
  whenReadable(): Promise<void> {
    if (this.unread > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.readableWaiters.push(resolve));
  }

  /** Persist the cursor at `end` (from a read whose records were delivered) and drop what is behind it. */
  ack(end: SpoolPosition, records: number): Promise<void> {
    // A failed ack (disk full) must not block the ones after it: each runs after the previous settled.
    const done = this.acking.catch(() => {}).then(() => this.doAck(end, records));
    this.acking = done;
    return done;
  }

  /** Refuse appends still queued, wait for the write in progress, close the files. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new SpoolError('the forward spool closed before the records could be written'));
    await this.writeDone;
    await this.acking.catch(() => {});
    this.wakeReaders();
    await this.reader?.handle.close();
    this.reader = undefined;
    await this.writer.close();
  }

  private async doAck(end: SpoolPosition, records: number): Promise<void> {
    let cursor = end;
    const index = this.segments.findIndex((s) => s.seq === end.segment);
    // A sealed segment read to its end is done: the cursor moves to the next one so that it can go.
    if (index >= 0 && index < this.segments.length - 1 && end.offset >= this.segments[index].size) {
      cursor = { segment: this.segments[index + 1].seq, offset: 0 };
    }
    await saveCursor(this.options.dir, cursor);
    this.cursor = cursor;
    this.unackedRecords = Math.max(0, this.unackedRecords - records);
    while (this.segments.length > 1 && this.segments[0].seq < cursor.segment) {
      const gone = this.segments.shift() as Segment;
      if (this.reader?.seq === gone.seq) {
        await this.reader.handle.close();
        this.reader = undefined;
      }
      await rm(segmentPath(this.options.dir, gone.seq), { force: true });
    }
    this.kick();
  }

  private fits(bytes: number): boolean {
    return this.usedBytes - this.reclaimable() + bytes <= this.options.maxBytes;
  }

  /** Bytes of the write segment that a roll would free: all of it, when every record in it was delivered. */
  private reclaimable(): number {
    const last = this.segments[this.segments.length - 1];
    return this.segments.length === 1 && this.cursor.segment === last.seq && this.cursor.offset >= last.size ? last.size : 0;
  }

  private kick(): void {
    if (this.writing || this.closed || this.queue.length === 0) return;
    const take: PendingAppend[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (!this.overflow && !this.fits(bytes + head.bytes)) break;
      take.push(head);
      bytes += head.bytes;
      this.queue.shift();
    }
    // Nothing fits: the next ack kicks again.
    if (take.length === 0) {
      this.queue[0].heldBack = true;
      this.blocked = true;
      if (!this.saidFull) this.options.log.warn('forward spool full: holding sources back until the remote takes records', { bytes: this.usedBytes, maxBytes: this.options.maxBytes, records: this.unackedRecords });
      this.saidFull = true;
      return;
    }
    this.blocked = false;
    // Said once it has drained to half: a spool kept just full by a slow remote must not log every batch.
    if (this.saidFull && this.usedBytes <= this.options.maxBytes / 2) {
      this.options.log.info('forward spool has room again', { bytes: this.usedBytes, maxBytes: this.options.maxBytes });
      this.saidFull = false;
    }
    this.writing = true;
    this.writingBytes = bytes;
    this.writeDone = this.write(take, bytes).finally(() => {
      this.writing = false;
      this.writingBytes = 0;
      this.kick();
    });
  }

  private async write(take: PendingAppend[], bytes: number): Promise<void> {
    try {
      await this.rollIfNeeded(bytes);
      const segment = this.segments[this.segments.length - 1];
      const frames = take.flatMap((t) => t.frames);
      try {
        await writeAllAt(this.writer, frames, segment.size);
        await this.writer.datasync();
      } catch (err) {
        // A partial write (disk full) must not stay in front of the next frames: cut it off.
        await this.writer.truncate(segment.size).catch((cutErr: unknown) => {
          this.broken = new SpoolError(`the forward spool cannot repair ${segmentPath(this.options.dir, segment.seq)} after a failed write: ${String(cutErr)}`);
        });
        throw err;
      }
      segment.size += bytes;
      const records = take.reduce((sum, t) => sum + t.records, 0);
      this.unackedRecords += records;
      this.unread += records;
      for (const t of take) t.resolve({ heldBack: t.heldBack });
      this.wakeReaders();
    } catch (err) {
      const failure = err instanceof SpoolError ? err : new SpoolError(`the forward spool could not write to ${this.options.dir}: ${String(err)}`);
      this.options.log.error('forward spool write failed; the records were not taken', { dir: this.options.dir, error: failure.message });
      for (const t of take) t.reject(failure);
    }
  }

  /** Start a new segment when this write would carry the current one past segmentBytes, or the current one is all delivered and in the way. */
  private async rollIfNeeded(bytes: number): Promise<void> {
    const last = this.segments[this.segments.length - 1];
    if (last.size === 0) return;
    const full = last.size + bytes > this.options.segmentBytes;
    const delivered = this.reclaimable() > 0;
    if (!full && !(delivered && this.usedBytes + bytes > this.options.maxBytes)) return;
    const seq = last.seq + 1;
    const handle = await open(segmentPath(this.options.dir, seq), 'w+');
    await syncDirectory(this.options.dir);
    await this.writer.close();
    this.writer = handle;
    this.segments.push({ seq, size: 0 });
    if (delivered) {
      // Everything in the old segment was delivered: the cursor moves into the new one and the old file goes.
      await this.ack({ segment: last.seq, offset: last.size }, 0).catch(() => {});
    }
  }

  private async readerFor(seq: number): Promise<FileHandle> {
    if (this.reader?.seq === seq) return this.reader.handle;
    await this.reader?.handle.close();
    this.reader = { seq, handle: await open(segmentPath(this.options.dir, seq), 'r') };
    return this.reader.handle;
  }

  private wakeReaders(): void {
    for (const wake of this.readableWaiters.splice(0)) wake();
  }
}

async function writeAllAt(handle: FileHandle, frames: Buffer[], position: number): Promise<void> {
  const data = frames.length === 1 ? frames[0] : Buffer.concat(frames);
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written, position + written);
    written += bytesWritten;
  }
}

/** Records from the cursor to the end of the spool (at start, for the log and the metrics). */
async function countRecords(dir: string, segments: readonly Segment[], cursor: SpoolPosition, maxFrameBytes: number): Promise<number> {
  let count = 0;
  for (const segment of segments) {
    const from = segment.seq === cursor.segment ? cursor.offset : 0;
    if (from >= segment.size) continue;
    const handle = await open(segmentPath(dir, segment.seq), 'r');
    try {
      // Only the count is wanted; frames are small next to the header, so this reads rather than skips.
      const got = await readFrames(handle, from, segment.size, { maxRecords: Infinity, maxBytes: Infinity, maxFrameBytes, collect: false });
      count += countFrames(got.bytes, got.end - from);
    } finally {
      await handle.close();
    }
  }
  return count;
}

/** Frames in a run of `span` bytes holding `payloadBytes` of payload. */
function countFrames(payloadBytes: number, span: number): number {
  return (span - payloadBytes) / FRAME_HEADER_BYTES;
}
