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
