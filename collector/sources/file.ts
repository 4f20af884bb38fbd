/**
 * Tailing a log file.
 *
 *   { type: file, path: /var/log/gw/fw.log, org: ent-sh-001, parser: iptables, startAt: beginning }
 *
 * Progress is kept in `<dataDir>/offsets/<sha256([path, org, parser])>.json`
 * (one per source, so two sources on one file for different orgs or parsers
 * never share it): the file's identity (device, inode, birth time), a
 * fingerprint of its head, and the byte offset up to which every line has
 * been made durable by `ctx.emit`. It is written only after the emit for the
 * lines before it resolved, atomically (temp file + rename), so after a crash
 * reading resumes exactly there: nothing skipped, and a line read twice keeps
 * its `stableId` (derived from org, parser, file identity and offset), so the
 * store keeps one copy.
 *
 * Rotation by rename: the open descriptor is read to its end (the last line
 * even without its newline), then the new file at the path is read from 0.
 * If the rotation happened while the source was down, start looks for the
 * saved file under another name in the same directory and finishes it first.
 * Copytruncate: the first bytes already read (up to 1 KiB) are compared with
 * the file each poll and at start; if they changed, or the file shrank below
 * the read position, it was truncated or rewritten in place and is read
 * again from 0 (a new generation, so the new lines get new ids). Comparing
 * the head, not only the size, catches a truncation followed by writes past
 * the old offset before the next poll.
 * A partial last line is not emitted until its newline arrives.
 * `fs.watch` only hints that something changed; polling every
 * `pollIntervalMs` is what is relied on.
 */
import { createHash } from 'node:crypto';
import { watch, type BigIntStats, type FSWatcher } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { stableId } from '../../core/ids.js';
import { LineSplitter, type LineSplitterFrame } from '../framing/lines.js';
import { SourceMetric } from './telemetry.js';
import type { IngestRecord, Source, SourceContext, SourceUnit } from './types.js';

const TYPE = 'file';
const READ_CHUNK_BYTES = 64 * 1024;
const DEAD_LETTER_RAW_BYTES = 1024;
/** How much of the file's start is fingerprinted to notice it being rewritten in place. */
const HEAD_BYTES = 1024;

export const FileConfigSchema = z.strictObject({
  /** Optional here so the schema accepts a config entry with or without its `type` key. */
  type: z.literal(TYPE).optional(),
  path: z.string().min(1),
  org: z.string().min(1),
  parser: z.string().min(1),
  /** Where to begin a file never read before: its first byte, or its current end. */
  startAt: z.enum(['beginning', 'end']).default('beginning'),
  pollIntervalMs: z.number().int().positive().default(1000),
  maxLineBytes: z.number().int().positive().default(64 * 1024),
  batchMaxRecords: z.number().int().positive().default(500),
});

export type FileConfig = z.output<typeof FileConfigSchema>;

/** Identifies one file across renames; all decimal strings (inode numbers can exceed 2^53). */
interface FileIdentity {
  readonly dev: string;
  readonly ino: string;
  /** Birth time in ns, '0' where the filesystem has none: tells a new file from an old one that reused its inode. */
  readonly birth: string;
}

const OffsetStateSchema = z.object({
  path: z.string(),
  org: z.string(),
  parser: z.string(),
  dev: z.string(),
  ino: z.string(),
  birth: z.string(),
  /** Times the file was found truncated in place: keeps ids of rewritten offsets distinct. */
  generation: z.number().int().min(0),
  offset: z.number().int().min(0),
  /** Bytes of the file's start that `head` covers: min(offset, HEAD_BYTES) when written. */
  headLength: z.number().int().min(0),
  /** SHA-256 (hex) of the first `headLength` bytes. */
  head: z.string(),
}).refine((state) => state.headLength <= Math.min(state.offset, HEAD_BYTES), 'headLength beyond the offset');

type OffsetState = z.output<typeof OffsetStateSchema>;

interface OpenFile {
  readonly handle: FileHandle;
  readonly identity: FileIdentity;
}

class EmitFailed extends Error {}

function identityOf(st: BigIntStats): FileIdentity {
  return { dev: st.dev.toString(), ino: st.ino.toString(), birth: st.birthtimeNs.toString() };
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.birth === b.birth;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The first `length` bytes of the file (fewer if it is shorter). */
async function readHead(handle: FileHandle, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** Where the offset of the source tailing `path` for `org` with `parser` is kept under `dataDir`. */
export function offsetFilePath(dataDir: string, source: { readonly path: string; readonly org: string; readonly parser: string }): string {
  return join(dataDir, 'offsets', `${sha256(JSON.stringify([resolve(source.path), source.org, source.parser]))}.json`);
}

/** A running file tail. */
export class FileSource implements Source {
  private readonly path: string;
  private readonly origin: string;
  private readonly stream: string;
  private readonly offsetFile: string;
  private file: OpenFile | undefined;
  private saved: OffsetState | undefined;
  private generation = 0;
  /** Next byte to read. */
  private readOffset = 0;
  /** Every line before this byte is durable. */
  private committed = 0;
  /** The file's bytes [0, min(readOffset, HEAD_BYTES)) as read: what a rewrite in place would change. */
  private head: Buffer = Buffer.alloc(0);
  private splitter: LineSplitter;
  private pending: IngestRecord[] = [];
  private polling: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private started = false;
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly config: FileConfig, private readonly ctx: SourceContext) {
    this.path = resolve(config.path);
    this.origin = `file:${this.path}`;
    this.stream = this.origin;
    this.offsetFile = offsetFilePath(ctx.dataDir, { path: this.path, org: config.org, parser: config.parser });
    this.splitter = new LineSplitter({ maxLineBytes: config.maxLineBytes });
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('file source already started');
    this.started = true;
    await mkdir(dirname(this.offsetFile), { recursive: true });
    this.saved = await this.loadOffset();
    // Position before resolving (so lines appended right after start are not skipped with startAt: end);
    // the reading itself goes on in the background.
    try {
      if (!(await this.resumeRotated())) await this.openAtPath(true);
    } catch (err) {
      this.ctx.log.error('file source could not open its file; will retry', { path: this.path, error: String(err) });
    }
    this.timer = setInterval(() => void this.poll(), this.config.pollIntervalMs);
    try {
      this.watcher = watch(dirname(this.path), (_event, name) => {
        if (name === null || name === basename(this.path)) void this.poll();
      });
      this.watcher.on('error', () => this.closeWatcher());
    } catch {
      // The directory may not exist yet; polling finds the file when it appears.
    }
    void this.poll();
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.closeWatcher();
    await this.polling;
    await this.file?.handle.close();
    this.file = undefined;
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Runs one poll at a time; a request during a poll runs another right after it. */
  private poll(): Promise<void> {
    if (this.polling) {
      this.again = true;
      return this.polling;
    }
    this.polling = (async () => {
      do {
        this.again = false;
        try {
          await this.pollOnce();
        } catch (err) {
          this.recover(err);
        }
      } while (this.again && !this.stopping);
    })().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    if (this.stopping) return;
    if (!this.file && !(await this.openAtPath(false))) return;
    const file = this.file as OpenFile;
    // Before reading on: bytes past the old offset of a rewritten file would be read as if they continued it.
    if (await this.rewrittenInPlace(file)) await this.readFromStart(file);
    await this.readToEnd();

    const current = await stat(this.path, { bigint: true }).catch((err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    if (current && !sameFile(identityOf(current), file.identity)) {
      // Rotated: the old file is complete once read to its end, last line included.
      await this.readToEnd();
      this.emitFrames(this.splitter.flush(), file);
      await this.flush(this.readOffset);
      if (this.stopping) return;
      await file.handle.close();
      this.file = undefined;
      this.ctx.endStream(this.stream);
      this.ctx.log.info('file rotated; following the new file', { path: this.path });
      if (await this.openAtPath(false)) await this.readToEnd();
      return;
    }
    // Gone without a successor yet: keep the descriptor, the writer may still be appending to it.
    if (!current) return;

    if (await this.rewrittenInPlace(file)) {
      await this.readFromStart(file);
      await this.readToEnd();
    }
  }

  /** Truncated (copytruncate) or rewritten in place: shorter than what was read, or a different head. */
  private async rewrittenInPlace(file: OpenFile): Promise<boolean> {
    const size = (await file.handle.stat({ bigint: true })).size;
    if (size < BigInt(this.readOffset)) return true;
    if (this.head.length === 0) return false;
    return !(await readHead(file.handle, this.head.length)).equals(this.head);
  }

  private async readFromStart(file: OpenFile): Promise<void> {
    this.ctx.log.info('file truncated or rewritten in place; reading it again from the start', { path: this.path });
    this.generation++;
    this.ctx.endStream(this.stream);
    this.position(0, Buffer.alloc(0));
    await this.save(file.identity, 0);
  }

  /**
   * The head of the file `handle` is open on if it is the saved file, still
   * holding at least the saved offset with the head it had: resuming there
   * is safe. Undefined otherwise.
   */
  private async verifySaved(handle: FileHandle, saved: OffsetState): Promise<Buffer | undefined> {
    const st = await handle.stat({ bigint: true });
    if (!sameFile(identityOf(st), saved) || st.size < BigInt(saved.offset)) return undefined;
    const head = await readHead(handle, Math.min(saved.offset, HEAD_BYTES));
    if (head.length < Math.min(saved.offset, HEAD_BYTES)) return undefined;
    return sha256(head.subarray(0, saved.headLength)) === saved.head ? head : undefined;
  }

  /**
   * At start: if the file at the path is not the one read before (it was
   * rotated by rename while the source was down), find that one in the same
   * directory and resume it at its saved offset. The poll then sees the path
   * holding another file, finishes this one and follows the new one from 0,
   * as for a rotation while running. False if there is nothing to resume.
   */
  private async resumeRotated(): Promise<boolean> {
    const saved = this.saved;
    if (!saved) return false;
    const atPath = await stat(this.path, { bigint: true }).catch((err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    if (atPath && sameFile(identityOf(atPath), saved)) return false;
    const dir = dirname(this.path);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
    for (const name of names) {
      const candidate = join(dir, name);
      if (candidate === this.path) continue;
      const st = await stat(candidate, { bigint: true }).catch(() => undefined);
      if (!st?.isFile() || !sameFile(identityOf(st), saved)) continue;
      const handle = await open(candidate, 'r').catch(() => undefined);
      if (!handle) continue;
      const head = await this.verifySaved(handle, saved).catch(() => undefined);
      if (!head) {
        await handle.close();
        continue;
      }
      this.ctx.log.info('file rotated while stopped; finishing the rotated file first', { path: this.path, rotated: candidate, offset: saved.offset });
      this.file = { handle, identity: identityOf(st) };
      this.generation = saved.generation;
      this.position(saved.offset, head);
      return true;
    }
    this.ctx.log.info('the file read before the restart is no longer in its directory; following the file at the path', { path: this.path });
    return false;
  }

  /** Open the file now at the path and decide where to start. False if there is none. */
  private async openAtPath(first: boolean): Promise<boolean> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r');
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
    const st = await handle.stat({ bigint: true });
    const identity = identityOf(st);
    const size = Number(st.size);
    const saved = this.saved;
    let offset: number;
    let head: Buffer;
    if (saved && sameFile(saved, identity)) {
      const verified = await this.verifySaved(handle, saved);
      this.generation = saved.generation;
      offset = saved.offset;
      head = verified ?? Buffer.alloc(0);
      if (!verified) {
        this.ctx.log.info('file truncated or rewritten in place while stopped; reading it from the start', { path: this.path });
        this.generation++;
        offset = 0;
      }
    } else {
      this.generation = 0;
      // "end" is for a file that was there when we started; one that appears later is read whole.
      offset = !saved && first && this.config.startAt === 'end' ? size : 0;
      head = await readHead(handle, Math.min(offset, HEAD_BYTES));
    }
    this.file = { handle, identity };
    this.position(offset, head);
    if (!saved || !sameFile(saved, identity) || saved.offset !== offset || saved.generation !== this.generation) {
      await this.save(identity, offset);
    }
    return true;
  }

  /** Read on from `offset`; `head` holds (at least) the file's first min(offset, HEAD_BYTES) bytes. */
  private position(offset: number, head: Buffer): void {
    this.readOffset = offset;
    this.committed = offset;
    this.head = head.subarray(0, Math.min(offset, HEAD_BYTES));
    this.pending = [];
    this.splitter = new LineSplitter({ maxLineBytes: this.config.maxLineBytes, headBytes: DEAD_LETTER_RAW_BYTES, startOffset: offset });
  }

  /** Read what the descriptor has, emitting in batches and saving the offset after each. */
  private async readToEnd(): Promise<void> {
    const file = this.file;
    if (!file) return;
    const buffer = Buffer.alloc(READ_CHUNK_BYTES);
    while (!this.stopping) {
      const { bytesRead } = await file.handle.read(buffer, 0, buffer.length, this.readOffset);
      if (bytesRead === 0) break;
      if (this.readOffset < HEAD_BYTES) {
        // Reads are sequential, so head ends exactly at readOffset here.
        this.head = Buffer.concat([this.head, buffer.subarray(0, Math.min(bytesRead, HEAD_BYTES - this.readOffset))]);
      }
      this.readOffset += bytesRead;
      // The splitter may keep slices of the chunk, and the buffer is reused: copy.
      const frames = this.splitter.push(Buffer.from(buffer.subarray(0, bytesRead)));
      await this.handleFrames(frames, file);
    }
    await this.flush(this.splitter.consumedOffset);
  }

  private async handleFrames(frames: LineSplitterFrame[], file: OpenFile): Promise<void> {
    for (const frame of frames) {
      if (frame.type === 'oversized') {
        // Everything before it must be durable first, or the saved offset could pass unstored lines.
        await this.flush(frame.start);
        this.ctx.metrics.increment(SourceMetric.recordsReceived, { source: TYPE });
        this.ctx.metrics.increment(SourceMetric.recordsDropped, { source: TYPE, reason: 'too-large' });
        await this.ctx.deadLetter({
          origin: this.origin, orgId: this.config.org, parser: this.config.parser, code: 'too-large',
          reason: `line at offset ${frame.start} longer than maxLineBytes (${this.config.maxLineBytes}); first bytes kept`,
          raw: frame.head, receivedAt: new Date(), stableId: this.frameId(file, frame.start),
        });
        continue;
      }
      this.emitFrames([frame], file);
      if (this.pending.length >= this.config.batchMaxRecords) await this.flush(frame.end);
    }
  }

  /** The id of the record at `start` of the file: the same on every read of it, so the store keeps one copy (of its event or its dead letter). */
  private frameId(file: OpenFile, start: number): string {
    // Org and parser too: sources on one file for different orgs or parsers must not collide in the store.
    return stableId(this.config.org, this.config.parser, file.identity.dev, file.identity.ino, start, file.identity.birth, this.generation);
  }

  /** Queue line frames as records (oversized frames cannot occur from `flush()`). */
  private emitFrames(frames: LineSplitterFrame[], file: OpenFile): void {
    const receivedAt = new Date();
    for (const frame of frames) {
      if (frame.type !== 'line' || frame.text.trim() === '') continue;
      this.ctx.metrics.increment(SourceMetric.recordsReceived, { source: TYPE });
      this.pending.push({
        text: frame.text,
        receivedAt,
        orgId: this.config.org,
        parser: this.config.parser,
        stream: this.stream,
        stableId: this.frameId(file, frame.start),
        origin: this.origin,
        extra: { 'log.file.path': this.path, 'log.offset': frame.start, 'input.type': 'file' },
      });
    }
  }

  /** Emit what is pending, then record `commitTo` as durable. */
  private async flush(commitTo: number): Promise<void> {
    const file = this.file;
    if (!file) return;
    if (this.pending.length > 0) {
      const records = this.pending;
      this.pending = [];
      try {
        await this.ctx.emit(records);
      } catch (err) {
        throw new EmitFailed(String(err));
      }
    }
    if (commitTo > this.committed) {
      this.committed = commitTo;
      await this.save(file.identity, commitTo);
    }
  }

  /** After a failure, forget everything not durable and read it again on the next poll. */
  private recover(err: unknown): void {
    if (err instanceof EmitFailed) {
      this.ctx.metrics.increment(SourceMetric.recordsDropped, { source: TYPE, reason: 'emit-failed' });
      this.ctx.log.error('file batch could not be stored; will read it again', { path: this.path, offset: this.committed, error: err.message });
    } else {
      this.ctx.log.error('file source error; will retry', { path: this.path, error: String(err) });
    }
    if (this.file) {
      this.ctx.endStream(this.stream);
      this.position(this.committed, this.head);
    }
  }

  private async loadOffset(): Promise<OffsetState | undefined> {
    let text: string;
    try {
      text = await readFile(this.offsetFile, 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    let parsed: ReturnType<typeof OffsetStateSchema.safeParse>;
    try {
      parsed = OffsetStateSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = OffsetStateSchema.safeParse(undefined);
    }
    if (!parsed.success) {
      this.ctx.log.warn('ignoring an unreadable offset file', { file: this.offsetFile });
      return undefined;
    }
    return parsed.data;
  }

  private async save(identity: FileIdentity, offset: number): Promise<void> {
    const headLength = Math.min(offset, HEAD_BYTES, this.head.length);
    const state: OffsetState = {
      path: this.path, org: this.config.org, parser: this.config.parser, ...identity,
      generation: this.generation, offset, headLength, head: sha256(this.head.subarray(0, headLength)),
    };
    const temp = `${this.offsetFile}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(state));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.offsetFile);
    this.saved = state;
  }
}

export const fileSource: SourceUnit<typeof FileConfigSchema> = {
  type: TYPE,
  configSchema: FileConfigSchema,
  build: (config, ctx) => new FileSource(config, ctx),
};
