/**
 * The user list a node creates at start (`console.accounts`), e.g.
 * seeds/demo/accounts.yaml:
 *
 *   - { id: ncisc-officer, org: ncisc, displayName: NCISC duty officer,
 *       roles: [national-officer], passwordHash: '$scrypt$ln=15,r=8,p=3$...' }
 *
 * Passwords are given as scrypt hashes only (./password.ts): a list that is
 * committed or shared then holds nothing to log in with. A user already in
 * the store is left alone (its password may have been reset, it may have
 * been disabled), so the file bootstraps accounts and never overrides them.
 */
import { z } from 'zod';
import { loadConfigFile } from '../../core/config.js';
import type { OrgRegistry } from '../../core/orgs.js';
import { PasswordHashSchema } from './password.js';
import { RoleSchema, roleProblems, StandardRoles, type Role } from './roles.js';
import { UserIdSchema } from './users.js';

export const SeedUserSchema = z.strictObject({
  id: UserIdSchema,
  org: z.string().min(1),
  displayName: z.string().min(1).max(200),
  roles: z.array(RoleSchema).min(1).optional().describe('default: the standard role of the org\'s tier'),
  passwordHash: PasswordHashSchema,
});

export const SeedUserListSchema = z.array(SeedUserSchema).superRefine((users, ctx) => {
  const seen = new Map<string, number>();
  users.forEach((u, i) => {
    const prior = seen.get(u.id);
    if (prior !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate user ${u.id} (also at [${prior}])` });
    else seen.set(u.id, i);
  });
});

export interface SeedUser {
  readonly id: string;
  readonly org: string;
  readonly displayName: string;
  readonly roles: readonly Role[];
  readonly passwordHash: string;
}

/**
 * The users of `list` whose orgs `served` holds, roles defaulted; throws
 * naming every user whose org is unknown or whose roles do not fit its tier.
 */
export function seedUsers(list: unknown, registry: OrgRegistry, served?: ReadonlySet<string>, file = 'accounts'): SeedUser[] {
  const problems: string[] = [];
  const users: SeedUser[] = [];
  for (const u of SeedUserListSchema.parse(list)) {
    const org = registry.get(u.org);
    if (!org) {
      problems.push(`${u.id}: no org ${u.org} in the registry`);
      continue;
    }
    const roles = u.roles ?? [StandardRoles[org.tier]];
    problems.push(...roleProblems(roles, org).map((p) => `${u.id}: ${p}`));
    if (!served || served.has(u.org)) users.push({ ...u, roles });
  }
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
  return users;
}

export function loadSeedUsers(file: string, registry: OrgRegistry, served?: ReadonlySet<string>): SeedUser[] {
  return seedUsers(loadConfigFile(file, SeedUserListSchema), registry, served, file);
}
