/**
 * Where a parent remembers the nonces of federation requests it accepted, so
 * that a captured request cannot be sent again while its timestamp is still
 * fresh (./link-auth.ts). Async so that a durable implementation on the Store
 * can replace the in-memory one without changing callers.
 */

export interface NonceStore {
  /**
   * Record `nonce` for `linkId` until `expiresAtMs` (ms since epoch).
   * Resolves true if it was new, false if it was already recorded and has not
   * expired (a replay). Nonces of different links never collide. Rejects with
   * `NonceStoreFullError` (or the durable store's own error) when it cannot
   * record the nonce: the caller must then refuse the request, because
   * accepting it unrecorded would let it be replayed.
   */
  remember(linkId: string, nonce: string, expiresAtMs: number): Promise<boolean>;
}

/** The store holds its maximum of unexpired nonces; retry once some expire. */
export class NonceStoreFullError extends Error {
  override readonly name = 'NonceStoreFullError';
  readonly retriable = true;
}

export interface InMemoryNonceStoreOptions {
  /**
   * Most unexpired nonces held, over all links. Entries live about maxSkew
   * past their request (up to twice that for a sender clock running ahead),
   * so the default allows a few hundred requests a second at a 5-minute skew.
   */
  readonly maxEntries?: number;
  /** How often expired entries are dropped while the store is not full. */
  readonly sweepIntervalMs?: number;
  /** The clock that decides expiry; the verifier's clock in production. */
  readonly clock?: () => number;
}

export class InMemoryNonceStore implements NonceStore {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly sweepIntervalMs: number;
  private readonly clock: () => number;
  private nextSweepAt: number;
  /** Earliest expiry held: when the store is full and this is still ahead, a sweep cannot free anything. */
  private earliestExpiry = Infinity;

  constructor(options: InMemoryNonceStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
    this.clock = options.clock ?? Date.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    if (!(this.sweepIntervalMs > 0)) throw new RangeError('sweepIntervalMs must be positive');
    this.nextSweepAt = this.clock() + this.sweepIntervalMs;
  }

  /** Unexpired (or not yet swept) entries held. */
  get size(): number {
    return this.entries.size;
  }

  async remember(linkId: string, nonce: string, expiresAtMs: number): Promise<boolean> {
    const now = this.clock();
    if (now >= this.nextSweepAt) this.sweep(now);
    // Link ids and nonces contain no spaces (link-auth validates both), so the key is unambiguous.
    const key = `${linkId} ${nonce}`;
    const held = this.entries.get(key);
    if (held !== undefined && held > now) return false;
    if (held !== undefined) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries && now >= this.earliestExpiry) this.sweep(now);
    if (this.entries.size >= this.maxEntries) {
      // Never evict an unexpired nonce to make room: forgetting it would let
      // its request be replayed. A full store refuses new requests instead
      // (the parent answers "try later"), which fails closed.
      throw new NonceStoreFullError(`nonce store holds its maximum of ${this.maxEntries} unexpired nonces`);
    }
    this.entries.set(key, expiresAtMs);
    if (expiresAtMs < this.earliestExpiry) this.earliestExpiry = expiresAtMs;
    return true;
  }

  private sweep(now: number): void {
    let earliest = Infinity;
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt <= now) this.entries.delete(key);
      else if (expiresAt < earliest) earliest = expiresAt;
    }
    this.earliestExpiry = earliest;
    this.nextSweepAt = now + this.sweepIntervalMs;
  }
}
