/**
 * The alert: graded, deduplicated, with a lifecycle. Rule hits become alerts
 * in detector/alerts/; the console changes their status; escalated alerts
 * travel up federation links. One schema for all three, so what a child
 * sends is checked against the same shape the parent stores.
 */
import { z } from 'zod';
import { AlertStatuses, ClosedStatuses, Grades, UpperTiers } from './alert-states.js';

export * from './alert-states.js';
export const GradeSchema = z.enum(Grades);

const IsoTime = z.iso.datetime({ offset: true });

export const AlertSchema = z.strictObject({
  id: z.string().min(1),
  orgId: z.string().min(1),
  /** Node that raised it (an alert received over a link keeps its origin). */
  originNode: z.string().min(1),
  ruleId: z.string().min(1),
  ruleTitle: z.string(),
  level: z.string().optional(),
  kind: z.enum(['detection', 'correlation']),
  tags: z.array(z.string()),
  /** ATT&CK (for ICS) technique ids from the tags, e.g. t0855. */
  techniques: z.array(z.string()),
  /** What hits of one rule and org are grouped by (the hit's group key). */
  groupKey: z.record(z.string(), z.unknown()),
  /** Hash of rule, org and group key: alerts with one key within the window are one alert. */
  dedupKey: z.string().min(1),
  /** 1 for the first alert of its dedup key, +1 for each later one (after a close or a quiet window); part of the id. */
  generation: z.number().int().min(1),
  grade: GradeSchema,
  score: z.number(),
  /** Why it got its grade, one sentence per factor. */
  gradeReasons: z.array(z.string()),
  escalateTo: z.array(z.enum(UpperTiers)),
  assets: z.array(z.string()),
  status: z.enum(AlertStatuses),
  assignee: z.string().optional(),
  /** Rule hits counted (a re-delivered hit is counted once). */
  count: z.number().int().min(1),
  firstSeen: IsoTime,
  lastSeen: IsoTime,
  /** The most recent hit ids, newest last (bounded). */
  hitIds: z.array(z.string()),
  /** Events behind the hits, newest last (bounded). */
  eventIds: z.array(z.string()),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  /** +1 on every change; a receiver keeps the highest it has seen, so updates applied out of order cannot roll an alert back. */
  revision: z.number().int().min(1),
});
export type Alert = z.output<typeof AlertSchema>;

/** ATT&CK technique ids from Sigma tags (`attack.t0855` -> `t0855`, sub-techniques kept). */
export function techniquesOf(tags: readonly string[]): string[] {
  const out = new Set<string>();
  for (const tag of tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(tag);
    if (m) out.add(m[1].toLowerCase());
  }
  return [...out].sort();
}

/** The index keys alerts are queried by (core/store/documents.ts). */
export function alertIndex(alert: Alert): Record<string, string | number | boolean | readonly string[]> {
  return {
    status: alert.status,
    open: !ClosedStatuses.includes(alert.status),
    grade: alert.grade,
    ruleId: alert.ruleId,
    dedupKey: alert.dedupKey,
    techniques: alert.techniques,
    escalateTo: alert.escalateTo,
    assignee: alert.assignee ?? '',
    originNode: alert.originNode,
    lastSeen: alert.lastSeen,
  };
}

export const AuditActions = ['created', 'status', 'assign', 'comment', 'suppress', 'received'] as const;

/** One line of an alert's audit trail: written once, never changed. */
export const AuditEntrySchema = z.strictObject({
  id: z.string(),
  alertId: z.string(),
  orgId: z.string(),
  at: IsoTime,
  /** User id, `system` for the alert stage, `link:<id>` for a federation link. */
  actor: z.string().min(1),
  action: z.enum(AuditActions),
  from: z.string().optional(),
  to: z.string().optional(),
  comment: z.string().optional(),
});
export type AuditEntry = z.output<typeof AuditEntrySchema>;

/**
 * A suppression: hits of an org matching it raise no alert until it
 * expires. `match` is a subset of the group key (e.g. one source IP of a
 * known scanner); an empty match with a rule suppresses the rule for the org.
 */
export const SuppressionSchema = z.strictObject({
  id: z.string(),
  orgId: z.string().min(1),
  ruleId: z.string().min(1).optional(),
  match: z.record(z.string(), z.union([z.string(), z.number()])),
  reason: z.string().min(3, 'say why hits are suppressed (at least 3 characters)'),
  createdBy: z.string().min(1),
  createdAt: IsoTime,
  expiresAt: IsoTime,
  /** Hits it has swallowed, so a suppression that hides a lot stands out. */
  suppressedCount: z.number().int().min(0),
  lastSuppressedAt: IsoTime.optional(),
});
export type Suppression = z.output<typeof SuppressionSchema>;
