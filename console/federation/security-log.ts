/**
 * Refused federation requests and items, kept as documents so a node's
 * operators (and tests) can see every forged, replayed or out-of-scope
 * attempt, not only the process log.
 *
 * Anyone who reaches the port can cause a refusal, so refusals are
 * throttled: per key (reason, link, remote address, item) at most one entry
 * is stored and one line logged per window (a minute). The refusals of the
 * same key swallowed in a window are counted in memory and written as
 * `repeats` into the next entry of that key; keys that do not come back
 * have theirs written as an entry of their own when the window is swept
 * (at the next refusal of any key after it ended). Item refusals carry the
 * item id in their key, so every refused item is kept.
 */
import { uuidv7 } from '../../core/ids.js';
import { Collections, type DocumentStore } from '../../core/store/documents.js';
import type { Logger } from '../../collector/sources/types.js';

export interface SecurityEntry {
  readonly at: string;
  readonly linkId?: string;
  /**
   * missing-headers, unknown-link, bad-signature, stale, replayed, malformed
   * (requests); wrong-org, not-escalated-here, invalid-item (uplink items);
   * bad-downlink-item, too-large (a child's own link agent).
   */
  readonly reason: string;
  readonly detail: string;
  readonly remote?: string;
  /** The refused item's id, for item refusals. */
  readonly item?: string;
  /** Refusals of the same key since the previous stored entry that were not stored themselves. */
  readonly repeats?: number;
}

export interface SecurityLogOptions {
  /** Length of a throttle window (ms); default 60 000. */
  readonly windowMs?: number;
  /** Keys tracked at once; refusals beyond share one key per reason. Default 10 000. */
  readonly maxKeys?: number;
}

interface Window {
  readonly startedAt: number;
  /** The entry stored at the window's start, for a summary of its repeats. */
  readonly first: Omit<SecurityEntry, 'at' | 'repeats'>;
  readonly firstAt: string;
  suppressed: number;
}

export class SecurityLog {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private lastSweep = 0;

  constructor(
    private readonly store: DocumentStore,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
    options: SecurityLogOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Record a refusal: stored and logged unless one of its key already was in this window. */
  async record(entry: Omit<SecurityEntry, 'at' | 'repeats'>): Promise<void> {
    const t = this.now().getTime();
    let key = throttleKey(entry);
    // The bookkeeping is synchronous, so concurrent refusals of one key cannot both pass.
    const summaries = this.sweep(t, key);
    // Bounded memory however many addresses an attacker uses: overflow keys share one per reason.
    if (!this.windows.has(key) && this.windows.size >= this.maxKeys) key = throttleKey({ reason: entry.reason });
    const window = this.windows.get(key);
    if (window && t - window.startedAt < this.windowMs) {
      window.suppressed++;
    } else {
      const at = new Date(t).toISOString();
      this.windows.set(key, { startedAt: t, first: entry, firstAt: at, suppressed: 0 });
      // A window of this key that ended: its count goes into this entry.
      summaries.push({ at, ...entry, ...(window?.suppressed ? { repeats: window.suppressed } : {}) });
    }
    for (const summary of summaries) await this.write(summary);
  }

  async list(limit = 100): Promise<SecurityEntry[]> {
    const page = await this.store.queryDocuments<SecurityEntry>({ collection: Collections.securityLog, order: 'desc', limit });
    return page.documents.map((d) => d.body);
  }

  /**
   * Forget ended windows (but `keep`'s, which the caller settles), at most
   * once per window length; resolves with the entries counting the refusals
   * those windows swallowed.
   */
  private sweep(t: number, keep: string): SecurityEntry[] {
    if (t - this.lastSweep < this.windowMs) return [];
    this.lastSweep = t;
    const at = new Date(t).toISOString();
    const summaries: SecurityEntry[] = [];
    for (const [key, window] of this.windows) {
      if (key === keep || t - window.startedAt < this.windowMs) continue;
      this.windows.delete(key);
      if (window.suppressed === 0) continue;
      summaries.push({
        ...window.first, at, repeats: window.suppressed,
        detail: `${window.suppressed} more like the refusal at ${window.firstAt}: ${window.first.detail}`,
      });
    }
    return summaries;
  }

  private async write(entry: SecurityEntry): Promise<void> {
    this.log.warn('federation refused', { ...entry });
    const id = uuidv7();
    await this.store.putDocument<SecurityEntry>(Collections.securityLog, {
      id, sortKey: `${entry.at}|${id}`, index: { reason: entry.reason, linkId: entry.linkId ?? '' }, body: entry,
    }, { expectVersion: 0 });
  }
}

function throttleKey(entry: Pick<SecurityEntry, 'reason' | 'linkId' | 'remote' | 'item'>): string {
  return JSON.stringify([entry.reason, entry.linkId ?? '', entry.remote ?? '', entry.item ?? '']);
}
