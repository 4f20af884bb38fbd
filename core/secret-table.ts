/**
 * Bearer secrets mapped to what they grant, keeping only SHA-256 hashes.
 *
 * Used for ingest tokens (a sender -> org + parser) and API tokens (a script
 * -> org). A token list entry gives its secret in clear (`token`) or already
 * hashed (`sha256`), never both. Verification hashes the presented secret,
 * finds the entry by hash and confirms it with a constant-time comparison.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** The secret fields every token list entry has: exactly one of them. */
export const SecretFields = {
  /** The secret in clear. Prefer `sha256` in files that are shared or committed. */
  token: z.string().min(1).optional(),
  /** Hex SHA-256 of the secret. */
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hex digits').optional(),
};

export const exactlyOneSecret = {
  check: (t: { token?: string; sha256?: string }): boolean => (t.token === undefined) !== (t.sha256 === undefined),
  message: 'give exactly one of "token" and "sha256"',
} as const;

/** Refines a token list: ids are unique. */
export function uniqueIds(tokens: readonly { id: string }[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  tokens.forEach((t, i) => {
    const prior = seen.get(t.id);
    if (prior !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate token id "${t.id}" (also at [${prior}])` });
    else seen.set(t.id, i);
  });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class SecretTable<G extends { readonly tokenId: string }> {
  private readonly byHash = new Map<string, { readonly hash: Buffer; readonly grant: G }>();

  /** `kind` names the tokens in errors ("ingest token"). */
  constructor(private readonly kind: string) {}

  /** Add one entry; throws if another entry has the same secret. */
  add(secret: { token?: string; sha256?: string }, grant: G): void {
    const hash = secret.sha256 !== undefined ? Buffer.from(secret.sha256, 'hex') : sha256(secret.token ?? '');
    const key = hash.toString('hex');
    const other = this.byHash.get(key);
    if (other) throw new Error(`${this.kind} "${grant.tokenId}" has the same secret as "${other.grant.tokenId}"`);
    this.byHash.set(key, { hash, grant: Object.freeze(grant) });
  }

  /**
   * The token ids of this table that `next` withdraws: their secret is gone
   * from it, or grants something else there. What a reload revokes.
   */
  withdrawnIn(next: SecretTable<G>): string[] {
    const ids = new Set<string>();
    for (const [key, entry] of this.byHash) {
      const kept = next.byHash.get(key);
      if (!kept || JSON.stringify(kept.grant) !== JSON.stringify(entry.grant)) ids.add(entry.grant.tokenId);
    }
    return [...ids];
  }

  grants(): G[] {
    return [...this.byHash.values()].map((e) => e.grant);
  }

  get size(): number {
    return this.byHash.size;
  }

  verify(secret: string): G | undefined {
    if (secret === '') return undefined;
    const hash = sha256(secret);
    const entry = this.byHash.get(hash.toString('hex'));
    // The map lookup is keyed by a hash of the secret, which leaks nothing useful;
    // the final comparison is constant-time all the same.
    if (!entry || !timingSafeEqual(entry.hash, hash)) return undefined;
    return entry.grant;
  }
}
