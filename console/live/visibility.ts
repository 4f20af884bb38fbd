/**
 * What a live client may see of each kind of change, and in what shape:
 * one function per kind, keyed by kind in `LiveVisibility`. Each answers the
 * change as the caller may see it, or undefined when it may not see it at
 * all. The REST routes (../coordination-api/) answer through the same
 * functions, so that a socket never shows what the API would refuse:
 *   alert     an enterprise its own; a regulator or the national center
 *             alerts of orgs it sees that were escalated to its tier (and
 *             its own org's)
 *   posture   summaries of the orgs the caller sees
 *   advisory  issued by the caller, or addressed to an org it sees; the
 *             receipts and targets of other orgs left out
 *   task      the same, with the per-province rollup over what remains
 */
import type { Alert } from '../../core/alert.js';
import type { Posture } from '../../core/federation/messages.js';
import type { Access } from '../access.js';
import type { AdvisoryRecord } from '../coordination/advisories.js';
import { rollupByProvince, type TaskRecord } from '../coordination/tasks.js';

/** A change to push, as the books and stages publish it. */
export type LiveChange =
  | { readonly kind: 'alert'; readonly alert: Alert }
  | { readonly kind: 'posture'; readonly posture: Posture }
  | { readonly kind: 'advisory'; readonly record: AdvisoryRecord }
  | { readonly kind: 'task'; readonly record: TaskRecord };

export type LiveChangeKind = LiveChange['kind'];
type ChangeOf<K extends LiveChangeKind> = Extract<LiveChange, { kind: K }>;

/** The views a client subscribes to, and the kind of change each carries. */
export const LiveViews = ['alerts', 'posture', 'advisories', 'tasks'] as const;
export type LiveView = (typeof LiveViews)[number];

export const ViewOfKind: Readonly<Record<LiveChangeKind, LiveView>> = {
  alert: 'alerts',
  posture: 'posture',
  advisory: 'advisories',
  task: 'tasks',
};

/** What the visibility rules need beyond the caller: the province of an org (task rollups). */
export interface VisibilityContext {
  readonly provinceOf: (orgId: string) => string | undefined;
}

function sees(access: Access, orgId: string): boolean {
  return access.visible === undefined || access.visible.includes(orgId);
}

/** Beyond its own org, a regulator sees what was escalated to its tier. */
export function visibleAlert(access: Access, alert: Alert): Alert | undefined {
  if (!sees(access, alert.orgId)) return undefined;
  const tier = access.org.tier;
  if (tier === 'enterprise' || alert.orgId === access.org.id || alert.escalateTo.includes(tier)) return alert;
  return undefined;
}

/** The summaries of the orgs the caller sees (as GET /posture, scopeFor 'aggregates'). */
export function visiblePosture(access: Access, posture: Posture): Posture | undefined {
  return sees(access, posture.orgId) ? posture : undefined;
}

/** Only the entries of orgs the caller may see. */
function visibleEntries<T>(access: Access, entries: Record<string, T>): Record<string, T> {
  if (access.visible === undefined) return entries;
  return Object.fromEntries(Object.entries(entries).filter(([org]) => sees(access, org)));
}

function visibleIds(access: Access, ids: readonly string[]): string[] {
  return ids.filter((id) => sees(access, id));
}

/** Issued by the caller or addressed to an org it sees; receipts and target orgs of the others left out. */
export function visibleAdvisory(access: Access, record: AdvisoryRecord): AdvisoryRecord | undefined {
  const { advisory } = record;
  const own = advisory.issuer === access.org.id;
  if (!(access.visible === undefined || own || Object.keys(record.receipts).some((org) => sees(access, org)))) return undefined;
  return {
    ...record,
    advisory: { ...advisory, targets: { ...advisory.targets, orgs: visibleIds(access, advisory.targets.orgs) } },
    receipts: visibleEntries(access, record.receipts),
    // Which nodes it went through is the issuer's to see.
    relayedTo: own || access.visible === undefined ? record.relayedTo : [],
  };
}

/** A task as the caller may see it, with the rollup over the targets it sees. */
export type TaskView = TaskRecord & { readonly rollup: ReturnType<typeof rollupByProvince> };

/** As for advisories, with the per-province rollup over the targets the caller sees. */
export function visibleTask(access: Access, record: TaskRecord, ctx: VisibilityContext): TaskView | undefined {
  const own = record.task.issuer === access.org.id;
  if (!(access.visible === undefined || own || Object.keys(record.targets).some((org) => sees(access, org)))) return undefined;
  const targets = visibleEntries(access, record.targets);
  return {
    ...record,
    task: { ...record.task, targetOrgs: visibleIds(access, record.task.targetOrgs) },
    targets,
    relayedTo: own || access.visible === undefined ? record.relayedTo : [],
    rollup: rollupByProvince({ ...record, targets }, ctx.provinceOf),
  };
}

/**
 * The change as `access` may see it, or undefined: per kind, the rule above.
 * An alert or posture change comes back as the same object when shown, so
 * one serialisation serves every client that sees it.
 */
export const LiveVisibility: { readonly [K in LiveChangeKind]: (access: Access, change: ChangeOf<K>, ctx: VisibilityContext) => LiveChange | undefined } = {
  alert: (access, change) => (visibleAlert(access, change.alert) ? change : undefined),
  posture: (access, change) => (visiblePosture(access, change.posture) ? change : undefined),
  advisory: (access, change) => {
    const record = visibleAdvisory(access, change.record);
    return record && { kind: 'advisory', record };
  },
  task: (access, change, ctx) => {
    const record = visibleTask(access, change.record, ctx);
    return record && { kind: 'task', record };
  },
};

/** `LiveVisibility` for any change. */
export function visibleChange(access: Access, change: LiveChange, ctx: VisibilityContext): LiveChange | undefined {
  // The table is indexed by the change's own kind; TypeScript cannot correlate the two through a union.
  const rule = LiveVisibility[change.kind] as (access: Access, change: LiveChange, ctx: VisibilityContext) => LiveChange | undefined;
  return rule(access, change, ctx);
}
