/**
 * Who an advisory or task is for, resolved against the org registry: the
 * enterprises it targets, and which of them a node or a link covers.
 */
import type { Org, OrgRegistry } from '../../core/orgs.js';
import type { Targets } from '../../core/federation/messages.js';

/** Whether an enterprise is targeted: named outright, or matching every list given. */
export function targets(t: Targets, org: Org): boolean {
  if (org.tier !== 'enterprise') return false;
  if (t.orgs.includes(org.id)) return true;
  const narrowed = t.industries.length + t.categories.length + t.grades.length + t.provinces.length > 0;
  // Naming orgs and nothing else is a list of recipients, not "everyone".
  if (!narrowed && t.orgs.length) return false;
  return (t.industries.length === 0 || (org.industry !== undefined && t.industries.includes(org.industry)))
    && (t.categories.length === 0 || (org.category !== undefined && t.categories.includes(org.category)))
    && (t.grades.length === 0 || (org.grade !== undefined && t.grades.includes(org.grade)))
    && (t.provinces.length === 0 || (org.province !== undefined && t.provinces.includes(org.province)));
}

/** Targeted enterprises, by id. */
export function targetedOrgs(t: Targets, registry: OrgRegistry): string[] {
  return registry.enterprises().filter((o) => targets(t, o)).map((o) => o.id);
}

/**
 * The orgs a set of served orgs stands for: an enterprise itself, a
 * provincial regulator the enterprises it oversees (and itself), the
 * national center everything. A link or a node serving a regulator speaks
 * for that regulator's enterprises.
 */
export function coveredOrgs(served: readonly string[], registry: OrgRegistry): Set<string> {
  const out = new Set<string>();
  for (const id of served) {
    const visible = registry.visibleTo(id);
    for (const org of visible ?? registry.all().map((o) => o.id)) out.add(org);
  }
  return out;
}
