/**
 * Roles and what they permit, in one table.
 *
 * A role fits orgs of some tiers only (an enterprise role on the national
 * center's account is refused). What a caller may *read* follows from its
 * org's tier (../access.ts); what it may *change* follows from its roles:
 *
 *   permission     roles                                   routes
 *   triage         enterprise-analyst, enterprise-admin    alert status, assign, comment
 *   suppress       enterprise-analyst, enterprise-admin    create a suppression
 *   respond        enterprise-analyst, enterprise-admin    acknowledge advisories and tasks, report on tasks
 *   issue          provincial-regulator, national-officer  advisories (also from STIX), tasks
 *   manage-users   node-admin (every org the node serves), enterprise-admin (its own org)
 *   read-audit     node-admin (every entry), enterprise-admin (its own org's entries)
 *
 * Analysts may suppress: the issue lists suppression among the analyst's
 * triage actions, and a suppression is bounded (it must expire, it never
 * covers everything, it is audited), so asking an admin at 3 a.m. would
 * only push analysts towards resolving the same noise by hand.
 *
 * node-admin runs the installation (accounts, audit) and triages or issues
 * nothing by itself; it fits an org of any tier, the one operating the node.
 */
import { z } from 'zod';
import type { Org } from '../../core/orgs.js';

export type Tier = Org['tier'];

export const Roles = ['enterprise-analyst', 'enterprise-admin', 'provincial-regulator', 'national-officer', 'node-admin'] as const;
export type Role = (typeof Roles)[number];
export const RoleSchema = z.enum(Roles);

export const Permissions = ['triage', 'suppress', 'respond', 'issue', 'manage-users', 'read-audit'] as const;
export type Permission = (typeof Permissions)[number];

/** The tiers of the orgs a role may be held in. */
export const RoleTiers: Readonly<Record<Role, readonly Tier[]>> = {
  'enterprise-analyst': ['enterprise'],
  'enterprise-admin': ['enterprise'],
  'provincial-regulator': ['provincial'],
  'national-officer': ['national'],
  'node-admin': ['enterprise', 'provincial', 'national'],
};

/** Who may change what: the one table every permission check reads. */
export const RolePermissions: Readonly<Record<Role, readonly Permission[]>> = {
  'enterprise-analyst': ['triage', 'suppress', 'respond'],
  'enterprise-admin': ['triage', 'suppress', 'respond', 'manage-users', 'read-audit'],
  'provincial-regulator': ['issue'],
  'national-officer': ['issue'],
  'node-admin': ['manage-users', 'read-audit'],
};

/**
 * The role a credential without roles gets: what an API token of that tier
 * could do before roles existed (token files without `roles` keep working).
 */
export const StandardRoles: Readonly<Record<Tier, Role>> = {
  enterprise: 'enterprise-analyst',
  provincial: 'provincial-regulator',
  national: 'national-officer',
};

/**
 * How far an administrator's manage-users and read-audit reach: every org
 * the node serves (node-admin) or its own org (enterprise-admin), and the
 * roles it may grant. An org-wide admin cannot mint a node-admin.
 */
export interface AdminReach {
  readonly scope: 'node' | 'org';
  readonly grants: readonly Role[];
}

export function adminReachOf(roles: readonly Role[]): AdminReach | undefined {
  if (roles.includes('node-admin')) return { scope: 'node', grants: Roles };
  if (roles.includes('enterprise-admin')) return { scope: 'org', grants: ['enterprise-analyst', 'enterprise-admin'] };
  return undefined;
}

export function permissionsOf(roles: readonly Role[]): ReadonlySet<Permission> {
  return new Set(roles.flatMap((r) => RolePermissions[r]));
}

/** The roles that grant `permission`, for refusals that say who may. */
export function rolesWith(permission: Permission): Role[] {
  return Roles.filter((r) => RolePermissions[r].includes(permission));
}

/** Why `roles` cannot be held in an org of `tier`, one line per misfit; [] when they fit. */
export function roleProblems(roles: readonly Role[], org: Pick<Org, 'id' | 'tier'>): string[] {
  const problems = roles
    .filter((r) => !RoleTiers[r].includes(org.tier))
    .map((r) => `role ${r} is for ${RoleTiers[r].join(' or ')} orgs, and ${org.id} is ${org.tier}`);
  if (roles.length === 0) problems.push('give at least one role');
  return problems;
}

/** Roles deduplicated, in table order. */
export function normalRoles(roles: readonly Role[]): Role[] {
  return Roles.filter((r) => roles.includes(r));
}
