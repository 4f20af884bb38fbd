/**
 * Ingest tokens: bearer secrets that bind a sender to one org and parser.
 *
 *   - { id: gw-01, org: ent-sh-001, parser: iptables, sha256: 9f86d0...}
 *
 * Only SHA-256 hashes are kept in memory; a config may give the token in
 * clear (`token`) or already hashed (`sha256`), never both. Verification
 * hashes the presented token, finds the entry by hash and confirms it with a
 * constant-time comparison. The list can be swapped while senders use it
 * (`replaceWith`): a node reloads its token file without a restart.
 */
import { z } from 'zod';
import { loadConfigFile, parseConfigText, validateConfig } from '../core/config.js';
import { SecretFields, SecretTable, exactlyOneSecret, uniqueIds } from '../core/secret-table.js';
import type { TokenGrant, TokenVerifier } from './sources/types.js';

export const IngestTokenSchema = z
  .strictObject({
    id: z.string().min(1),
    org: z.string().min(1),
    parser: z.string().min(1),
    ...SecretFields,
  })
  .refine(exactlyOneSecret.check, { message: exactlyOneSecret.message });

export const IngestTokenListSchema = z.array(IngestTokenSchema).superRefine(uniqueIds);

export type IngestTokenConfig = z.output<typeof IngestTokenSchema>;

/** A TokenVerifier over a validated token list. */
export class IngestTokens implements TokenVerifier {
  private table = new SecretTable<TokenGrant>('ingest token');

  /** Validates `list` (throws a ZodError listing every problem) and keeps only hashes. */
  constructor(list: unknown) {
    for (const t of IngestTokenListSchema.parse(list)) this.table.add(t, { tokenId: t.id, orgId: t.org, parser: t.parser });
  }

  /** Like `load`, from the text of `file` already read. */
  static parse(text: string, file: string, onlyOrgs?: ReadonlySet<string>): IngestTokens {
    const list = validateConfig(parseConfigText(text, file), IngestTokenListSchema, file);
    return new IngestTokens(onlyOrgs ? list.filter((t) => onlyOrgs.has(t.org)) : list);
  }

  /**
   * Put `next`'s tokens in force in place of these (a reload): the next
   * request is checked against them. Answers the ids of the tokens withdrawn
   * (gone, given another secret, or bound to another org or parser).
   */
  replaceWith(next: IngestTokens): string[] {
    const withdrawn = this.table.withdrawnIn(next.table);
    this.table = next.table;
    return withdrawn;
  }

  /**
   * Load a YAML/JSON file holding the list; throws ConfigError naming the
   * file and every problem. With `onlyOrgs`, tokens of other orgs are left
   * out: a node never takes data for an org it does not serve, even from a
   * token file shared between nodes.
   */
  static load(file: string, onlyOrgs?: ReadonlySet<string>): IngestTokens {
    const list = loadConfigFile(file, IngestTokenListSchema);
    return new IngestTokens(onlyOrgs ? list.filter((t) => onlyOrgs.has(t.org)) : list);
  }

  /** The grants of all known tokens (no secrets), e.g. to check their orgs exist. */
  grants(): TokenGrant[] {
    return this.table.grants();
  }

  /** Number of tokens known. */
  get size(): number {
    return this.table.size;
  }

  verify(token: string): TokenGrant | undefined {
    return this.table.verify(token);
  }
}
