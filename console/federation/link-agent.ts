/**
 * The child's side of the link to its parent, two loops:
 *   push  the outbox, oldest first, in batches; an item leaves the outbox
 *         only once the parent answered for it (accepted, or refused, which
 *         is logged: retrying a refused item can never succeed). A batch the
 *         parent finds too large (413) is halved for the next round, down to
 *         one item; an item refused as too large on its own is dropped and
 *         recorded. The batch grows back after rounds that went through.
 *   pull  the parent's feed for this link from the saved cursor; each item
 *         is applied (idempotently) before the cursor moves past it. An item
 *         that can never be applied (it does not parse, or applying it fails
 *         its checks) is set aside: logged, recorded in the security log, and
 *         passed, so it cannot hold up the feed. Any other failure (the store
 *         away) ends the round with the cursor where it was.
 * Both back off exponentially (with jitter) while the parent is away and
 * start again at once when it answers. Nothing is lost meanwhile: the
 * outbox and the cursor are documents in the node's store.
 */
import { z, ZodError } from 'zod';
import type { Logger } from '../../collector/sources/types.js';
import { describeIssues } from '../../core/config.js';
import { DownlinkItemSchema, UplinkResultSchema, type DownlinkItem, type UplinkItem } from '../../core/federation/messages.js';
import { LinkAuthError, LinkHttpError, type LinkClient } from '../../core/federation/link-client.js';
import { Collections, type DocumentStore, type StoredDocument } from '../../core/store/documents.js';
import { CoordinationError } from '../coordination/context.js';
import { IndicatorError } from '../coordination/indicators.js';
import type { Outbox } from './outbox.js';
import { SecurityLog } from './security-log.js';
import { itemIdOf } from './uplink-receiver.js';

export interface LinkAgentOptions {
  readonly linkId: string;
  readonly client: Pick<LinkClient, 'request'>;
  readonly outbox: Outbox;
  readonly store: DocumentStore;
  readonly apply: (item: DownlinkItem) => Promise<void>;
  readonly log: Logger;
  /** Pause between rounds when there was nothing to do. */
  readonly idleMs: number;
  /** First and largest pause after a failure. */
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /** Items per uplink batch and downlink page; default 100. */
  readonly batchSize?: number;
  /**
   * An item larger than this (JSON bytes) is dropped here, logged, instead
   * of being sent: the parent would refuse its request body unsigned
   * (before it knows who sends it), and an item no request can carry would
   * block the outbox. Default 4 MiB, under the parent's 5 MiB body limit.
   */
  readonly maxItemBytes?: number;
  /** Where set-aside downlink items and dropped uplink items are recorded; default one on `store`. */
  readonly security?: SecurityLog;
}

interface CursorState {
  readonly cursor: string;
}

/**
 * The page as read before its items are: a parent newer than this node may
 * add fields, and one item this node cannot read must not hide the others.
 */
const LenientDownlinkPageSchema = z.object({
  items: z.array(z.object({ cursor: z.string().min(1), item: z.unknown() })),
});
type LenientEntry = z.output<typeof LenientDownlinkPageSchema>['items'][number];

/**
 * Errors that say a downlink item itself cannot be applied (malformed,
 * failing its checks, a bad indicator): trying again cannot help. Anything
 * else is taken for trouble of this node that passes.
 */
export function isItemError(err: unknown): err is Error {
  return err instanceof ZodError || err instanceof TypeError || err instanceof RangeError
    || err instanceof IndicatorError || err instanceof CoordinationError;
}

export class LinkAgent {
  private stopped = false;
  /** One wake per sleep in progress; a sleep removes its own when it ends. */
  private readonly wakes = new Set<() => void>();
  /** Failures already logged where they were understood; the loop does not log them again. */
  private readonly reported = new WeakSet<object>();
  private readonly loops: Promise<void>[] = [];
  private readonly security: SecurityLog;
  private readonly batchSize: number;
  /** Uplink batch size now: halved on 413, grown back to batchSize after rounds that went through. */
  private pushSize: number;
  private pushedTotal = 0;
  private pulledTotal = 0;
  private setAsideTotal = 0;
  private droppedTotal = 0;

  constructor(private readonly options: LinkAgentOptions) {
    this.security = options.security ?? new SecurityLog(options.store, options.log);
    this.batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${this.batchSize}`);
    this.pushSize = this.batchSize;
  }

  start(): void {
    this.loops.push(this.loop('push', () => this.pushOnce()), this.loop('pull', () => this.pullOnce()));
  }

  /** Run a round now instead of waiting for the idle pause (new outbox item, tests). */
  nudge(): void {
    for (const wake of [...this.wakes]) wake();
  }

  get stats(): { pushed: number; pulled: number; setAside: number; dropped: number; pushSize: number } {
    return { pushed: this.pushedTotal, pulled: this.pulledTotal, setAside: this.setAsideTotal, dropped: this.droppedTotal, pushSize: this.pushSize };
  }

  /** Sleeps in progress (at most one per loop): what a nudge would wake. */
  get pendingWakes(): number {
    return this.wakes.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.nudge();
    await Promise.allSettled(this.loops);
  }

  /** Push one batch; resolves with whether there may be more. */
  async pushOnce(): Promise<boolean> {
    const size = this.pushSize;
    const docs = await this.options.outbox.next(size);
    if (docs.length === 0) return false;
    const limit = this.options.maxItemBytes ?? 4 * 1024 * 1024;
    const oversized = docs.filter((d) => Buffer.byteLength(JSON.stringify(d.body)) > limit);
    for (const doc of oversized) {
      this.options.log.error('uplink item larger than any request may be; it is dropped', { link: this.options.linkId, item: doc.body.id, type: doc.body.type, limit });
      await this.security.record({ linkId: this.options.linkId, reason: 'too-large', item: doc.body.id, detail: `${doc.body.type} ${doc.body.id} dropped: over ${limit} bytes` });
      await this.options.outbox.delivered(doc);
      this.droppedTotal++;
    }
    if (oversized.length) return true;
    let raw: unknown;
    try {
      raw = await this.options.client.request('POST', '/federation/v1/uplink', { items: docs.map((d) => d.body) });
    } catch (err) {
      if (tooLarge(err)) return this.tooLarge(docs, err);
      if (err instanceof LinkHttpError && !err.retriable) {
        // The parent refuses the batch as a whole: say why every time, it will not mend itself.
        this.options.log.error('parent refused the uplink batch; retrying', {
          link: this.options.linkId, status: err.status, code: err.code, message: err.serverMessage, items: docs.length,
        });
        this.reported.add(err);
      }
      throw err;
    }
    const answer = UplinkResultSchema.parse(raw);
    const answered = new Set([...answer.accepted, ...answer.refused.map((r) => r.id)]);
    for (const r of answer.refused) this.options.log.error('parent refused an uplink item; it is dropped', { link: this.options.linkId, item: r.id, reason: r.reason });
    for (const doc of docs) if (answered.has(doc.body.id)) await this.options.outbox.delivered(doc);
    this.pushedTotal += answer.accepted.length;
    this.pushSize = Math.min(this.batchSize, this.pushSize * 2);
    return docs.length === size;
  }

  /** Pull and apply one page; resolves with whether there may be more. */
  async pullOnce(): Promise<boolean> {
    const size = this.batchSize;
    const state = await this.options.store.getDocument<CursorState>(Collections.linkState, this.stateId());
    const cursor = state?.body.cursor ?? '';
    const query = new URLSearchParams({ after: cursor, limit: String(size) });
    const page = LenientDownlinkPageSchema.parse(await this.options.client.request('GET', `/federation/v1/downlink?${query}`));
    for (const entry of page.items) {
      const parsed = DownlinkItemSchema.safeParse(entry.item);
      if (!parsed.success) {
        await this.setAside(entry, `invalid item: ${describeIssues(parsed.error).join('; ')}`);
      } else {
        try {
          await this.options.apply(parsed.data);
          this.pulledTotal++;
        } catch (err) {
          if (!isItemError(err)) throw err;
          await this.setAside(entry, `${err.name}: ${err.message}`);
        }
      }
      await this.options.store.putDocument<CursorState>(Collections.linkState, { id: this.stateId(), sortKey: entry.cursor, body: { cursor: entry.cursor } });
    }
    return page.items.length === size;
  }

  /** A downlink item that can never be applied: kept in the security log (before the cursor passes it), then skipped. */
  private async setAside(entry: LenientEntry, error: string): Promise<void> {
    const id = itemIdOf(entry.item);
    const type = typeof entry.item === 'object' && entry.item !== null ? String((entry.item as { type?: unknown }).type ?? '?').slice(0, 40) : typeof entry.item;
    this.options.log.error('downlink item set aside: it cannot be applied', { link: this.options.linkId, item: id, type, cursor: entry.cursor, error });
    await this.security.record({
      linkId: this.options.linkId, reason: 'bad-downlink-item', item: id === '(no id)' ? `cursor:${entry.cursor}` : id,
      detail: `${type} ${id} at cursor ${entry.cursor}: ${error}`.slice(0, 4000),
    });
    this.setAsideTotal++;
  }

  /** 413: send half as many next time; a single item too large is dropped, when the parent provably said so. */
  private async tooLarge(docs: readonly StoredDocument<UplinkItem>[], err: LinkHttpError | LinkAuthError): Promise<boolean> {
    const { linkId, log } = this.options;
    const message = err instanceof LinkHttpError ? err.serverMessage : err.message;
    if (docs.length > 1) {
      this.pushSize = Math.max(1, Math.floor(docs.length / 2));
      log.warn('uplink batch too large for the parent; sending smaller ones', { link: linkId, items: docs.length, next: this.pushSize, message });
      return true;
    }
    if (!(err instanceof LinkHttpError)) {
      // An unsigned 413 may come from anyone on the path: shrinking is harmless, dropping is not.
      this.reported.add(err);
      log.error('uplink item refused as too large by an unsigned answer; kept and retried', { link: linkId, item: docs[0].body.id, message });
      throw err;
    }
    const doc = docs[0];
    log.error('uplink item too large for the parent even alone; it is dropped', { link: linkId, item: doc.body.id, type: doc.body.type, message });
    await this.security.record({ linkId, reason: 'too-large', item: doc.body.id, detail: `${doc.body.type} ${doc.body.id} dropped: ${message}` });
    await this.options.outbox.delivered(doc);
    this.droppedTotal++;
    return true;
  }

  private stateId(): string {
    return `downlink-cursor:${this.options.linkId}`;
  }

  private async loop(name: string, round: () => Promise<boolean>): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let pause = this.options.idleMs;
      try {
        const more = await round();
        if (failures > 0) this.options.log.info('parent link back', { link: this.options.linkId, loop: name, after: failures });
        failures = 0;
        if (more) pause = 0;
      } catch (error) {
        failures++;
        const { initialMs, maxMs } = this.options.backoff;
        const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 20));
        // Full jitter: children that lost the parent together do not all come back in the same instant.
        pause = Math.max(initialMs / 2, Math.random() * ceiling);
        // The first failure and then every 20th: a parent down for hours must not flood the log.
        const reported = typeof error === 'object' && error !== null && this.reported.has(error);
        if (!reported && (failures === 1 || failures % 20 === 0)) this.options.log.warn('parent link round failed; retrying', { link: this.options.linkId, loop: name, failures, retryInMs: Math.round(pause), error: String(error) });
      }
      // Even a pause of 0 goes through the event loop: a round that finds its store answers synchronously must not starve the process.
      if (!this.stopped) await this.sleep(pause);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wakes = this.wakes;
      const timer = ms > 0 ? setTimeout(done, ms) : undefined;
      const immediate = ms > 0 ? undefined : setImmediate(done);
      function done(): void {
        clearTimeout(timer);
        clearImmediate(immediate);
        wakes.delete(done);
        resolve();
      }
      wakes.add(done);
    });
  }
}

function tooLarge(err: unknown): err is LinkHttpError | LinkAuthError {
  return (err instanceof LinkHttpError || err instanceof LinkAuthError) && err.status === 413;
}
