/**
 * The SourceContext of a forwarding collector: sources hand their records to
 * the disk spool instead of the pipeline. `emit` resolves once the records
 * are on disk, so a source acknowledges (saves a file offset, answers 200,
 * sends PUBACK) only what survives a crash. When the spool is full, `emit`
 * waits for room (file tail, TCP, MQTT are held back) or, asked not to wait,
 * rejects with SpoolFullError (HTTP ingest answers 503 with Retry-After). A
 * batch is appended in pieces of at most a quarter of the spool, so no
 * source batch is too large for it; a crash between pieces leaves the first
 * ones spooled and the source reads or receives them again (a file's records
 * keep their ids, so the remote stores them once).
 *
 * Records a source refuses itself (`deadLetter`) go through the spool too and
 * land in the remote's dead-letter table, when their org and parser have a
 * token; one without (an unknown sender: no org) is logged here and counted,
 * as is one past the first thousand waiting for room in a full spool.
 * The end of a stream (a rotated file, a closed connection) is spooled in
 * order with the records, so the remote forgets that stream's parser state.
 */
import { PendingWork } from '../sources/pending-work.js';
import type { EmitOptions, EmitResult, IngestRecord, Logger, Metrics, RejectedRecord, SourceContext, TokenVerifier } from '../sources/types.js';
import { FRAME_HEADER_BYTES } from './frames.js';
import type { Spool } from './spool.js';
import { ForwardMetric } from './telemetry.js';
import { deadLetterEntry, endStreamEntry, recordEntry } from './wire.js';

/** Refused records that may wait for room in a full spool at once; more are logged and counted instead. */
const MAX_WAITING_LETTERS = 1000;

export interface ForwardingContextOptions {
  readonly spool: Spool;
  /** True when forward.tokens has a token for this org and parser. */
  readonly forwardable: (org: string, parser: string) => boolean;
  readonly dataDir: string;
  /** The local ingest tokens (for this collector's own http source). */
  readonly tokens: TokenVerifier;
  readonly log: Logger;
  readonly metrics: Metrics;
}

export class ForwardingContext implements SourceContext {
  readonly dataDir: string;
  readonly tokens: TokenVerifier;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The org and parser each live stream last sent with, to address its end-of-stream. */
  private readonly streams = new Map<string, { org: string; parser: string }>();
  private readonly endings = new PendingWork();
  private waitingLetters = 0;
  private saidLettersDropped = false;

  constructor(private readonly options: ForwardingContextOptions) {
    this.dataDir = options.dataDir;
    this.tokens = options.tokens;
    this.log = options.log;
    this.metrics = options.metrics;
  }

  async emit(records: readonly IngestRecord[], emitOptions: EmitOptions = {}): Promise<EmitResult> {
    const payloads: Buffer[] = [];
    const rejected: RejectedRecord[] = [];
    records.forEach((record, index) => {
      const { orgId, parser } = record;
      if (orgId === undefined || parser === undefined) {
        rejected.push({ index, code: 'unknown-sender', reason: `no org and parser are configured for records from ${record.origin}` });
        return;
      }
      if (!this.options.forwardable(orgId, parser)) {
        rejected.push({ index, code: 'no-forward-token', reason: `forward.tokens has no token for org ${orgId} and parser ${parser}` });
        return;
      }
      payloads.push(recordEntry({ ...record, orgId, parser }));
      this.streams.set(record.stream, { org: orgId, parser });
    });
    for (const r of rejected) {
      // Nowhere to keep them: the config check at start makes this a gap in that check, so say it loudly.
      this.log.error('forward: a record cannot be forwarded and is dropped', { origin: records[r.index].origin, code: r.code, reason: r.reason });
    }
    let heldBack = false;
    for (const [i, chunk] of this.chunks(payloads).entries()) {
      // Only the first piece may be refused: once part of a batch is in, the rest waits rather than leave it half taken.
      const wait = i > 0 || emitOptions.waitForRoom !== false;
      try {
        heldBack = (await this.options.spool.append(chunk, { wait })).heldBack || heldBack;
      } catch (err) {
        if ((err as { retriable?: unknown }).retriable === true) this.metrics.increment(ForwardMetric.spoolFull, { outcome: 'refused' });
        throw err;
      }
    }
    if (heldBack) this.metrics.increment(ForwardMetric.spoolFull, { outcome: 'waited' });
    this.metrics.increment(ForwardMetric.recordsSpooled, {}, payloads.length);
    return { accepted: payloads.length, rejected };
  }

  async deadLetter(letter: Parameters<SourceContext['deadLetter']>[0]): Promise<void> {
    const { orgId, parser } = letter;
    if (orgId === undefined || parser === undefined || !this.options.forwardable(orgId, parser)) {
      this.metrics.increment(ForwardMetric.deadLettersNotForwarded, { reason: letter.code });
      this.log.warn('forward: a record refused at the collector has no org with a forward token; not forwarded', {
        origin: letter.origin, code: letter.code, reason: letter.reason, ...(orgId ? { org: orgId } : {}), ...(parser ? { parser } : {}),
      });
      return;
    }
    if (this.waitingLetters >= MAX_WAITING_LETTERS) {
      // A flood of refused UDP datagrams while the spool is full must not pile up in memory.
      this.metrics.increment(ForwardMetric.deadLettersNotForwarded, { reason: letter.code });
      if (!this.saidLettersDropped) this.log.warn('forward: too many refused records wait for room in the spool; further ones are logged here only', { waiting: this.waitingLetters });
      this.saidLettersDropped = true;
      return;
    }
    this.waitingLetters++;
    try {
      await this.options.spool.append([deadLetterEntry({ ...letter, orgId, parser })], { wait: true });
    } finally {
      this.waitingLetters--;
      if (this.waitingLetters === 0) this.saidLettersDropped = false;
    }
    this.metrics.increment(ForwardMetric.recordsSpooled, {}, 1);
  }

  endStream(stream: string): void {
    const owner = this.streams.get(stream);
    if (!owner) return;
    this.streams.delete(stream);
    // Queued now, so it lands after the records the stream emitted before it.
    this.endings.add(this.options.spool.append([endStreamEntry(owner.org, owner.parser, stream)], { wait: true }).then(() => {}, (err: unknown) => {
      this.log.warn('forward: could not spool the end of a stream', { stream, error: String(err) });
    }));
  }

  /**
   * A batch cut into appends of at most a quarter of the spool: a source's
   * batch may be larger than the spool could ever hold at once, and a
   * quarter fits again soon after the remote is back.
   */
  private chunks(payloads: readonly Buffer[]): Buffer[][] {
    const limit = this.options.spool.maxBytes / 4;
    const chunks: Buffer[][] = [];
    let current: Buffer[] = [];
    let bytes = 0;
    for (const payload of payloads) {
      const size = payload.length + FRAME_HEADER_BYTES;
      if (current.length > 0 && bytes + size > limit) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(payload);
      bytes += size;
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  /** Wait for end-of-stream entries still being written. */
  async settled(): Promise<void> {
    await this.endings.settled();
  }
}
