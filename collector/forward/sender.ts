/**
 * Delivering the spool to the remote node, oldest first.
 *
 * A round reads the next window from the spool (`batch.maxRecords` /
 * `batch.maxBytes`), splits it by org + parser (each has its own remote
 * token), posts each part in order of first appearance, and acknowledges
 * the window to the spool once every part has been answered for. One
 * request is in flight at a time, so records of one source reach the remote
 * in the order the source emitted them (splitting by org + parser only
 * reorders records of different orgs or formats, which the remote keeps
 * apart anyway).
 *
 * Answers:
 *   200                 delivered
 *   422                 delivered: the remote stored the rest and keeps the listed records as dead letters
 *   413                 the part is halved and sent again at once (a single record: like 400 below)
 *   5xx, 429, 408,
 *   no answer           retried with capped exponential backoff and jitter, never sooner than Retry-After
 *   other 4xx (401...)  logged as an error naming the status and what to fix, retried every retry.maxDelayMs:
 *                       the records stay in the spool until the operator fixes the token or the remote
 * Nothing is ever skipped: a part that cannot be delivered holds back the
 * ones behind it (the spool fills and then holds the sources back).
 *
 * An outage is logged at attempts 1, 2, 4, 8, ..., so a long one leaves a
 * few lines, not one per retry; a refusal at every (slow) attempt; the
 * recovery once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger, Metrics } from '../sources/types.js';
import { backoffDelayMs, retryDelayMs, type BackoffPolicy } from './backoff.js';
import { IngestTransportError, type IngestAnswer, type IngestClient } from './ingest-client.js';
import type { Spool, SpoolBatch } from './spool.js';
import { ForwardMetric } from './telemetry.js';
import { decodeEntry } from './wire.js';

export interface ForwardSenderOptions {
  readonly spool: Spool;
  readonly client: Pick<IngestClient, 'post' | 'url'>;
  /** The remote token for an org and parser, or undefined if none is configured. */
  readonly tokenFor: (org: string, parser: string) => string | undefined;
  readonly batch: { readonly maxRecords: number; readonly maxBytes: number; readonly maxDelayMs: number };
  readonly retry: BackoffPolicy;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** [0, 1); injected by tests. */
  readonly random?: () => number;
}

interface Part {
  readonly org: string;
  readonly parser: string;
  readonly lines: string[];
  /** Records among the lines (end-of-stream lines are not). */
  readonly records: number;
}

type Verdict =
  | { readonly kind: 'delivered'; readonly rejected: number }
  | { readonly kind: 'split' }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly reason: string; readonly detail: string; readonly refused: boolean };

class Stopped extends Error {}

export class ForwardSender {
  private readonly stopper = new AbortController();
  private running: Promise<void> | undefined;
  /** Attempts that failed since the last delivery: drives the backoff and the log thinning. */
  private failures = 0;
  /** Resolves on stop; one promise, so idle rounds do not pile listeners on the signal. */
  private readonly stopped: Promise<void>;

  constructor(private readonly options: ForwardSenderOptions) {
    this.stopped = new Promise((resolve) => this.stopper.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  /** Begin delivering in the background. */
  start(): void {
    if (this.running) throw new Error('forward sender already started');
    this.running = this.loop().catch((err: unknown) => {
      if (!(err instanceof Stopped)) this.options.log.error('forward sender stopped on an unexpected error', { error: String(err) });
    });
  }

  /** Stop: a request in flight is abandoned (its records stay in the spool and go again next time). Idempotent. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  private get signal(): AbortSignal {
    return this.stopper.signal;
  }

  private async loop(): Promise<void> {
    const { spool, batch } = this.options;
    // Kept across a failure to read or acknowledge, so a window is never skipped, nor sent twice by this process.
    let window: SpoolBatch | undefined;
    let delivered = false;
    while (!this.signal.aborted) {
      try {
        window ??= await spool.read({ maxRecords: batch.maxRecords, maxBytes: batch.maxBytes });
        if (!window) {
          await Promise.race([spool.whenReadable(), this.stopped]);
          // After a quiet spell, let a batch gather instead of sending the first record alone.
          if (batch.maxDelayMs > 0) await this.pause(batch.maxDelayMs);
          continue;
        }
        if (!delivered) {
          for (const part of this.partsOf(window.payloads)) await this.deliver(part);
          delivered = true;
        }
        await spool.ack(window.end, window.payloads.length);
        window = undefined;
        delivered = false;
      } catch (err) {
        if (err instanceof Stopped) throw err;
        this.options.log.error('forward: the spool could not be read or advanced; trying again', { error: String(err) });
        await this.pause(this.options.retry.maxDelayMs);
      }
    }
  }

  /** The window's entries grouped by org + parser, in order of first appearance. */
  private partsOf(payloads: readonly Buffer[]): Part[] {
    const parts = new Map<string, { org: string; parser: string; lines: string[]; records: number }>();
    for (const payload of payloads) {
      const entry = decodeEntry(payload);
      if (!entry) {
        // The CRC matched, so this is a bug in what was written, not damage; it cannot be sent as it is.
        this.options.log.error('forward spool: an entry that is not a record; skipped', { bytes: payload.length });
        continue;
      }
      const key = `${entry.org}\u0000${entry.parser}`;
      let part = parts.get(key);
      if (!part) {
        part = { org: entry.org, parser: entry.parser, lines: [], records: 0 };
        parts.set(key, part);
      }
      part.lines.push(JSON.stringify(entry.record));
      if (!('endStream' in entry.record)) part.records++;
    }
    return [...parts.values()];
  }

  /** Send one part until the remote has answered for it; throws Stopped on stop. */
  private async deliver(whole: Part): Promise<void> {
    const queue: Part[] = this.byBytes(whole);
    while (queue.length > 0) {
      const part = queue[0];
      const verdict = await this.attempt(part);
      if (verdict.kind === 'delivered') {
        queue.shift();
        this.delivered(part, verdict.rejected);
      } else if (verdict.kind === 'split') {
        const half = Math.ceil(part.lines.length / 2);
        queue.splice(0, 1, slice(part, 0, half), slice(part, half, part.lines.length));
      } else {
        this.failed(part, verdict);
        await this.pause(verdict.delayMs);
      }
    }
  }

  private async attempt(part: Part): Promise<Verdict> {
    if (this.signal.aborted) throw new Stopped();
    const token = this.options.tokenFor(part.org, part.parser);
    if (token === undefined) {
      return {
        kind: 'retry', delayMs: this.options.retry.maxDelayMs, reason: 'no-token', refused: true,
        detail: `forward.tokens has no token for org ${part.org} and parser ${part.parser}; add one and restart (the records wait in the spool)`,
      };
    }
    let answer: IngestAnswer;
    try {
      answer = await this.options.client.post(token, part.lines.join('\n'), this.signal);
    } catch (err) {
      if (this.signal.aborted) throw new Stopped();
      const reason = err instanceof IngestTransportError ? err.reason : 'network';
      return { kind: 'retry', delayMs: backoffDelayMs(this.failures, this.options.retry, this.options.random), reason, detail: (err as Error).message, refused: false };
    }
    return this.judge(answer, part);
  }

  private judge(answer: IngestAnswer, part: Part): Verdict {
    const { status } = answer;
    if (status >= 200 && status < 300) return { kind: 'delivered', rejected: 0 };
    const rejected = (answer.json as { rejected?: unknown } | undefined)?.rejected;
    if (status === 422 && Array.isArray(rejected)) return { kind: 'delivered', rejected: rejected.length };
    if (status === 413 && part.lines.length > 1) return { kind: 'split' };
    const reason = `status-${status}`;
    if (status >= 500 || status === 429 || status === 408) {
      return {
        kind: 'retry', reason, refused: false, detail: answer.text,
        delayMs: retryDelayMs(this.failures, this.options.retry, answer.retryAfterMs, this.options.random),
      };
    }
    const hint = status === 401 ? `the remote refused the token for org ${part.org} and parser ${part.parser}: fix forward.tokens or the remote's ingest tokens`
      : status === 413 ? 'one record is larger than the remote takes: raise its maxBodyBytes'
        : 'the remote refused the batch';
    return { kind: 'retry', reason, refused: true, delayMs: this.options.retry.maxDelayMs, detail: `${hint}; it answered ${status}: ${answer.text}` };
  }

  private delivered(part: Part, rejected: number): void {
    const { log, metrics } = this.options;
    if (this.failures > 0) log.info('forward: delivering again', { url: this.options.client.url, failedAttempts: this.failures });
    this.failures = 0;
    metrics.increment(ForwardMetric.recordsDelivered, {}, part.records);
    if (rejected > 0) {
      metrics.increment(ForwardMetric.recordsRejectedRemotely, {}, rejected);
      log.warn('forward: the remote refused some records and keeps them as dead letters', { org: part.org, parser: part.parser, rejected });
    }
  }

  private failed(part: Part, verdict: Extract<Verdict, { kind: 'retry' }>): void {
    this.failures++;
    this.options.metrics.increment(ForwardMetric.sendFailures, { reason: verdict.reason });
    // An outage is logged at attempts 1, 2, 4, 8, ...: hours of it leave a dozen lines. A refusal is paced at
    // retry.maxDelayMs already and needs the operator: said every time.
    if (!verdict.refused && (this.failures & (this.failures - 1)) !== 0) return;
    const fields = {
      url: this.options.client.url, org: part.org, parser: part.parser, records: part.records,
      attempt: this.failures, retryInMs: verdict.delayMs, reason: verdict.reason, error: verdict.detail,
      spooledRecords: this.options.spool.pendingRecords, spoolBytes: this.options.spool.usedBytes,
    };
    if (verdict.refused) this.options.log.error('forward: the remote refuses the batch; it stays in the spool and is tried again', fields);
    else this.options.log.warn('forward: the remote is not answering; records wait in the spool', fields);
  }

  /** Sleep unless stopped; throws Stopped when stopped. */
  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.signal });
    } catch {
      throw new Stopped();
    }
  }

  /** A part cut into pieces of at most batch.maxBytes of body (a single longer line goes alone). */
  private byBytes(part: Part): Part[] {
    const pieces: Part[] = [];
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < part.lines.length; i++) {
      const size = Buffer.byteLength(part.lines[i], 'utf8') + 1;
      if (i > start && bytes + size > this.options.batch.maxBytes) {
        pieces.push(slice(part, start, i));
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (start < part.lines.length) pieces.push(slice(part, start, part.lines.length));
    return pieces;
  }
}

function slice(part: Part, from: number, to: number): Part {
  const lines = part.lines.slice(from, to);
  return { org: part.org, parser: part.parser, lines, records: lines.filter((l) => !l.startsWith('{"endStream"')).length };
}
