/**
 * What a caller may read, from the tier of the org it speaks for
 * (DESIGN.md: an enterprise sees its enterprise, a provincial regulator sees
 * aggregates of the enterprises it oversees, the national center sees all).
 *
 * Every store read of the API goes through `scopeFor`, so a route cannot
 * forget the org restriction: it gets the org ids to pass, or a refusal.
 */
import type { Org, OrgRegistry } from '../core/orgs.js';
import { permissionsOf, RoleTiers, rolesWith, StandardRoles, type Permission, type Role } from './accounts/roles.js';

/** Records one by one (events, rule hits, dead letters), or only counts over them. */
export type ReadKind = 'records' | 'aggregates';

export class AccessDenied extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessDenied';
  }
}

/** A refusal for want of a permission; its message names the permission and the roles that have it. */
export class PermissionDenied extends AccessDenied {
  constructor(readonly permission: Permission, message: string) {
    super(message);
    this.name = 'PermissionDenied';
  }
}

/** Who is calling: an API token (scripts) or a logged-in user (a session cookie). */
export interface Principal {
  readonly kind: 'token' | 'user';
  /**
   * The token id or the user name: the actor that audit trails record.
   * (Named for the routes written when tokens were the only callers.)
   */
  readonly tokenId: string;
  readonly orgId: string;
  /** Roles as the credential gives them; none: the standard role of the org's tier. */
  readonly roles?: readonly Role[];
}

export interface Access {
  readonly principal: Principal;
  readonly org: Org;
  /** Orgs visible at all; undefined = every org (national). */
  readonly visible: readonly string[] | undefined;
  readonly records: boolean;
  /** The principal's roles that fit its org's tier. */
  readonly roles: readonly Role[];
  readonly permissions: ReadonlySet<Permission>;
}

export function accessOf(principal: Principal, registry: OrgRegistry): Access {
  const org = registry.get(principal.orgId);
  // Credentials are checked against the registry when made; a registry reload could still drop the org.
  if (!org) throw new AccessDenied(`the org of ${principal.kind} "${principal.tokenId}" is no longer in the registry`);
  // Roles were checked against the tier when given; an org that changed tier since keeps only those that still fit.
  const roles = (principal.roles ?? [StandardRoles[org.tier]]).filter((r) => RoleTiers[r].includes(org.tier));
  return { principal, org, visible: registry.visibleTo(org.id), records: org.tier !== 'provincial', roles, permissions: permissionsOf(roles) };
}

/** Refuse (403) unless the caller's roles grant `permission`. */
export function requirePermission(access: Access, permission: Permission): void {
  if (access.permissions.has(permission)) return;
  const roles = access.roles.length ? access.roles.join(', ') : 'none';
  throw new PermissionDenied(permission, `missing permission "${permission}": it comes with the role${rolesWith(permission).length > 1 ? 's' : ''} ${rolesWith(permission).join(', ')}; ${access.principal.kind} ${access.principal.tokenId} has ${roles}`);
}

/**
 * The org ids to pass to the store for a read of `kind`, narrowed to
 * `requested` when the caller asks for some orgs. Asking for an org outside
 * the caller's view is refused (not answered with an empty list), so a
 * mistyped org id is told apart from a quiet one.
 */
export function scopeFor(access: Access, kind: ReadKind, requested?: readonly string[]): readonly string[] | undefined {
  if (kind === 'records' && !access.records) {
    throw new AccessDenied(`${access.org.tier} accounts see aggregates only; ask for /api/v1/events/aggregate or /api/v1/events/count`);
  }
  if (requested === undefined || requested.length === 0) return access.visible;
  if (access.visible !== undefined) {
    const visible = new Set(access.visible);
    const outside = requested.filter((id) => !visible.has(id));
    if (outside.length) throw new AccessDenied(`not visible to ${access.org.id}: ${outside.join(', ')}`);
  }
  return [...new Set(requested)];
}

/**
 * Fields an aggregates-only caller (a provincial regulator) may group and
 * filter by: who, what kind and how it went, never values from inside a
 * record (user names, addresses, command lines), which grouping would
 * hand back as bucket keys one by one.
 */
export const AGGREGATE_FIELDS: ReadonlySet<string> = new Set([
  'org.id', 'org.tier', 'org.province', 'org.industry', 'org.category', 'org.grade',
  'event.dataset', 'event.module', 'event.kind', 'event.category', 'event.type', 'event.action', 'event.outcome',
  'ics.protocol', 'observer.type', 'network.transport', 'network.protocol',
]);

/**
 * Refuse an aggregate or count that would let an aggregates-only caller
 * read record contents: grouping or filtering by a field outside
 * AGGREGATE_FIELDS, or a full-text search (an oracle for guessing values).
 */
export function checkAggregateQuery(access: Access, query: { groupBy?: readonly string[]; filters?: readonly { field: string }[]; text?: string }): void {
  if (access.records) return;
  const fields = [...(query.groupBy ?? []), ...(query.filters ?? []).map((f) => f.field)];
  const refused = [...new Set(fields.filter((f) => !AGGREGATE_FIELDS.has(f)))];
  if (refused.length) {
    throw new AccessDenied(`${access.org.tier} accounts may group and filter by ${[...AGGREGATE_FIELDS].join(', ')} only, not ${refused.join(', ')}`);
  }
  if (query.text !== undefined) throw new AccessDenied(`${access.org.tier} accounts cannot search record text`);
}
