/**
 * What a caller may read, from the tier of the org it speaks for
 * (DESIGN.md: an enterprise sees its enterprise, a provincial regulator sees
 * aggregates of the enterprises it oversees, the national center sees all).
 *
 * Every store read of the API goes through `scopeFor`, so a route cannot
 * forget the org restriction: it gets the org ids to pass, or a refusal.
 */
import type { Org, OrgRegistry } from '../core/orgs.js';
import type { ApiPrincipal } from './api-tokens.js';

/** Records one by one (events, rule hits, dead letters), or only counts over them. */
export type ReadKind = 'records' | 'aggregates';

export class AccessDenied extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessDenied';
  }
}

export interface Access {
  readonly principal: ApiPrincipal;
  readonly org: Org;
  /** Orgs visible at all; undefined = every org (national). */
  readonly visible: readonly string[] | undefined;
  readonly records: boolean;
}

export function accessOf(principal: ApiPrincipal, registry: OrgRegistry): Access {
  const org = registry.get(principal.orgId);
  // Tokens are checked against the registry at load; a registry reload could still drop the org.
  if (!org) throw new AccessDenied(`the org of token "${principal.tokenId}" is no longer in the registry`);
  return { principal, org, visible: registry.visibleTo(org.id), records: org.tier !== 'provincial' };
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
