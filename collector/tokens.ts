/**
 * Ingest tokens: bearer secrets that bind a sender to one org and parser.
 *
 *   - { id: gw-01, org: ent-sh-001, parser: iptables, sha256: 9f86d0...}
 *
 * Only SHA-256 hashes are kept in memory; a config may give the token in
 * clear (`token`) or already hashed (`sha256`), never both. Verification
 * hashes the presented token, finds the entry by hash and confirms it with a
 * constant-time comparison.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { loadConfigFile } from '../core/config.js';
import type { TokenGrant, TokenVerifier } from './sources/types.js';

export const IngestTokenSchema = z
  .strictObject({
    id: z.string().min(1),
    org: z.string().min(1),
    parser: z.string().min(1),
    /** The secret in clear. Prefer `sha256` in files that are shared or committed. */
    token: z.string().min(1).optional(),
    /** Hex SHA-256 of the secret. */
    sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hex digits').optional(),
  })
  .refine((t) => (t.token === undefined) !== (t.sha256 === undefined), {
    message: 'give exactly one of "token" and "sha256"',
  });

export const IngestTokenListSchema = z.array(IngestTokenSchema).superRefine((tokens, ctx) => {
  const seen = new Map<string, number>();
  tokens.forEach((t, i) => {
    const prior = seen.get(t.id);
    if (prior !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate token id "${t.id}" (also at [${prior}])` });
    else seen.set(t.id, i);
  });
});

export type IngestTokenConfig = z.output<typeof IngestTokenSchema>;

interface Entry {
  readonly hash: Buffer;
  readonly grant: TokenGrant;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A TokenVerifier over a validated token list. */
export class IngestTokens implements TokenVerifier {
  private readonly byHash = new Map<string, Entry>();

  /** Validates `list` (throws a ZodError listing every problem) and keeps only hashes. */
  constructor(list: unknown) {
    for (const t of IngestTokenListSchema.parse(list)) {
      const hash = t.sha256 !== undefined ? Buffer.from(t.sha256, 'hex') : sha256(t.token as string);
      const key = hash.toString('hex');
      if (this.byHash.has(key)) throw new Error(`ingest token "${t.id}" has the same secret as "${this.byHash.get(key)?.grant.tokenId}"`);
      this.byHash.set(key, { hash, grant: Object.freeze({ tokenId: t.id, orgId: t.org, parser: t.parser }) });
    }
  }

  /** Load a YAML/JSON file holding the list; throws ConfigError naming the file and every problem. */
  static load(file: string): IngestTokens {
    return new IngestTokens(loadConfigFile(file, IngestTokenListSchema));
  }

  /** The grants of all known tokens (no secrets), e.g. to check their orgs exist. */
  grants(): TokenGrant[] {
    return [...this.byHash.values()].map((e) => e.grant);
  }

  /** Number of tokens known. */
  get size(): number {
    return this.byHash.size;
  }

  verify(token: string): TokenGrant | undefined {
    if (token === '') return undefined;
    const hash = sha256(token);
    const entry = this.byHash.get(hash.toString('hex'));
    // The map lookup is keyed by a hash of the secret, which leaks nothing useful;
    // the final comparison is constant-time all the same.
    if (!entry || !timingSafeEqual(entry.hash, hash)) return undefined;
    return entry.grant;
  }
}
