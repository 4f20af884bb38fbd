/**
 * API tokens: bearer secrets for scripts and for the roles' own tests, each
 * speaking for one org of the registry (what that org may see follows from
 * its tier, see ./access.ts).
 *
 *   - { id: soc-script, org: js-jinling-motor, sha256: 9f86d0... }
 *   - { id: accounts-bot, org: ncisc, roles: [node-admin], sha256: ... }
 *
 * `roles` (optional) says what the token may change (./accounts/roles.ts);
 * without it a token holds its org tier's standard role, what every token
 * could do before roles existed. People log in with accounts
 * (./accounts/); tokens are for automation. The list can be swapped while
 * the console runs (`replaceWith`): a node reloads its token file without a
 * restart.
 */
import { z } from 'zod';
import { loadConfigFile, parseConfigText, validateConfig } from '../core/config.js';
import type { OrgRegistry } from '../core/orgs.js';
import { SecretFields, SecretTable, exactlyOneSecret, uniqueIds } from '../core/secret-table.js';
import type { Principal } from './access.js';
import { normalRoles, RoleSchema, roleProblems } from './accounts/roles.js';

export const ApiTokenSchema = z
  .strictObject({
    id: z.string().min(1),
    org: z.string().min(1).describe('the org the token speaks for'),
    roles: z.array(RoleSchema).min(1).optional().describe('what the token may change; default the standard role of its org\'s tier'),
    ...SecretFields,
  })
  .refine(exactlyOneSecret.check, { message: exactlyOneSecret.message });

export const ApiTokenListSchema = z.array(ApiTokenSchema).superRefine(uniqueIds);

export interface ApiPrincipal extends Principal {
  readonly kind: 'token';
}

export class ApiTokens {
  private table = new SecretTable<ApiPrincipal>('API token');

  /**
   * Validates `list`; every token's org must exist in `registry` (a token
   * for nobody is a config error). With `onlyOrgs`, tokens of other orgs are
   * left out: a node answers only the orgs it serves, so a token file shared
   * between nodes never lets an enterprise act on a regulator's copy of its
   * alerts, or the national center read an enterprise's raw events.
   */
  constructor(list: unknown, registry: OrgRegistry, onlyOrgs?: ReadonlySet<string>) {
    const unknown: string[] = [];
    const misfits: string[] = [];
    for (const t of ApiTokenListSchema.parse(list)) {
      if (onlyOrgs && !onlyOrgs.has(t.org)) continue;
      const org = registry.get(t.org);
      if (!org) unknown.push(`${t.id} -> ${t.org}`);
      else if (t.roles) misfits.push(...roleProblems(t.roles, org).map((p) => `${t.id}: ${p}`));
      this.table.add(t, { kind: 'token', tokenId: t.id, orgId: t.org, ...(t.roles ? { roles: normalRoles(t.roles) } : {}) });
    }
    if (unknown.length) throw new Error(`API tokens name orgs missing from the registry: ${unknown.join(', ')}`);
    if (misfits.length) throw new Error(`API tokens with roles that do not fit their org: ${misfits.join('; ')}`);
  }

  static load(file: string, registry: OrgRegistry, onlyOrgs?: ReadonlySet<string>): ApiTokens {
    return new ApiTokens(loadConfigFile(file, ApiTokenListSchema), registry, onlyOrgs);
  }

  /** Like `load`, from the text of `file` already read. */
  static parse(text: string, file: string, registry: OrgRegistry, onlyOrgs?: ReadonlySet<string>): ApiTokens {
    return new ApiTokens(validateConfig(parseConfigText(text, file), ApiTokenListSchema, file), registry, onlyOrgs);
  }

  /**
   * Put `next`'s tokens in force in place of these (a reload): the next
   * request is checked against them. Answers the ids of the tokens withdrawn
   * (gone, given another secret, or speaking for another org or roles).
   */
  replaceWith(next: ApiTokens): string[] {
    const withdrawn = this.table.withdrawnIn(next.table);
    this.table = next.table;
    return withdrawn;
  }

  /** Number of tokens in force. */
  get size(): number {
    return this.table.size;
  }

  verify(secret: string): ApiPrincipal | undefined {
    return this.table.verify(secret);
  }
}
