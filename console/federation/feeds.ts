/**
 * The parent's side of the downlink: one feed per child link, an append-only
 * list of advisories and tasks the child pulls from its cursor on. A child
 * that was away for hours pulls everything it missed, in order; an item
 * appended twice (a relay retried) is kept once.
 *
 * A child moves its cursor past everything it was served, so an item must
 * never appear below a cursor after the fact. Two guards:
 *   - settle: an item's key is taken before it is written, so an append still
 *     in flight (or not yet searchable, on Elasticsearch) could be overtaken
 *     by a later one; only items whose key time is `settleMs` behind the
 *     feed's clock are served;
 *   - floor: new keys are always above the highest key in the collection,
 *     loaded once per process, so a parent restarted with its clock set back
 *     does not write below the children's cursors. The feed's clock then runs
 *     from that highest key on (wall clock plus the difference found at
 *     load), so items are not held back until the wall clock catches up.
 */
import { Collections, DocumentConflictError, type DocumentStore } from '../../core/store/documents.js';
import type { DownlinkItem } from '../../core/federation/messages.js';
import { nextSequence, parseSequence, sequenceFloorOf } from './sequence.js';

export interface FeedEntry {
  readonly cursor: string;
  readonly item: DownlinkItem;
}

export interface FeedsOptions {
  /** How long after its key was taken an item is first served (ms); default 2000; 0 serves whatever is stored. */
  readonly settleMs?: number;
  /** ms since epoch; tests move it. */
  readonly now?: () => number;
}

interface FeedClock {
  /** Highest key in the feed collection (loaded, then every key this instance gave); undefined: none yet. */
  floor: string | undefined;
  /** How far the feed's clock runs ahead of the wall clock (ms, >= 0). */
  readonly aheadMs: number;
}

export const DEFAULT_SETTLE_MS = 2000;

export class Feeds {
  private readonly settleMs: number;
  private readonly now: () => number;
  private clock: Promise<FeedClock> | undefined;

  constructor(private readonly store: DocumentStore, options: FeedsOptions = {}) {
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    if (!(this.settleMs >= 0)) throw new RangeError(`settleMs must be >= 0, got ${this.settleMs}`);
    this.now = options.now ?? Date.now;
  }

  /** Append to a child's feed; false when the item was already there. */
  async append(linkId: string, item: DownlinkItem): Promise<boolean> {
    const clock = await this.feedClock();
    const sortKey = nextSequence(this.now() + clock.aheadMs, clock.floor ?? sequenceFloorOf(0));
    clock.floor = sortKey;
    try {
      await this.store.putDocument<DownlinkItem>(Collections.feed, {
        id: `${linkId}|${item.id}`, sortKey, index: { linkId, type: item.type }, body: item,
      }, { expectVersion: 0 });
      return true;
    } catch (err) {
      if (err instanceof DocumentConflictError) return false;
      throw err;
    }
  }

  /**
   * Settled items of a child's feed after `cursor` (exclusive; '' for the
   * start), oldest first.
   */
  async after(linkId: string, cursor: string, limit: number): Promise<FeedEntry[]> {
    const from = cursor ? `${cursor}\u0000` : undefined;
    let to: string | undefined;
    if (this.settleMs > 0) {
      const clock = await this.feedClock();
      to = sequenceFloorOf(this.now() + clock.aheadMs - this.settleMs);
      if (from !== undefined && from >= to) return [];
    }
    const page = await this.store.queryDocuments<DownlinkItem>({
      collection: Collections.feed, where: { linkId }, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), order: 'asc', limit,
    });
    return page.documents.map((d) => ({ cursor: d.sortKey, item: d.body }));
  }

  /** Loaded once; a failed load (store away) is tried again on the next call. */
  private feedClock(): Promise<FeedClock> {
    this.clock ??= this.loadClock().catch((err: unknown) => {
      this.clock = undefined;
      throw err;
    });
    return this.clock;
  }

  private async loadClock(): Promise<FeedClock> {
    const page = await this.store.queryDocuments({ collection: Collections.feed, order: 'desc', limit: 1 });
    const floor = page.documents[0]?.sortKey;
    const aheadMs = floor === undefined ? 0 : Math.max(0, parseSequence(floor).ms - this.now());
    return { floor, aheadMs };
  }
}
