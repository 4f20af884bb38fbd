/**
 * What crosses a federation link, and nothing else: the zod schemas are the
 * contract between a child node and its parent. There is deliberately no
 * item that carries events or log lines: a regulator gets alerts its
 * enterprises' grading policy escalates, aggregates and answers, never raw
 * data (DESIGN.md, the provincial tier).
 *
 * Every item has an id, and applying the same item twice changes nothing:
 * outboxes retry until the other side confirms, so delivery is at least
 * once and its effect exactly once.
 */
import { z } from 'zod';
import { AlertSchema, GradeSchema } from '../alert.js';
import { Categories, Industries } from '../orgs.js';

const IsoTime = z.iso.datetime({ offset: true });
const Text = (max: number) => z.string().max(max);

// ---- downlink: from a parent to the nodes below it ----

/**
 * Who an advisory is for. Each list narrows (an enterprise must match every
 * list given); an empty or absent list does not narrow; `orgs` names
 * enterprises outright (they match whatever the other lists say).
 */
export const TargetsSchema = z.strictObject({
  industries: z.array(z.enum(Industries)).default([]),
  categories: z.array(z.enum(Categories)).default([]),
  grades: z.array(z.number().int().min(1).max(3)).default([]),
  provinces: z.array(z.string().regex(/^[A-Z]{2}$/)).default([]),
  orgs: z.array(z.string()).default([]),
});
export type Targets = z.output<typeof TargetsSchema>;

/** Indicators of compromise; each kind becomes a detection on the nodes that receive the advisory. */
export const IndicatorsSchema = z.strictObject({
  ips: z.array(z.string()).default([]).describe('IPv4/IPv6 addresses or CIDR ranges'),
  identifiers: z.array(z.string().min(1)).default([]).describe('industrial identifiers (idres.identifier), or prefixes ending in /*'),
  domains: z.array(z.string().min(1)).default([]),
  hashes: z.array(z.string().regex(/^[0-9a-fA-F]{32,128}$/, 'a hex MD5, SHA-1 or SHA-256 hash')).default([]),
  sigma: z.array(z.string().min(1)).default([]).describe('Sigma rules as YAML text'),
});
export type Indicators = z.output<typeof IndicatorsSchema>;

export const AdvisorySchema = z.strictObject({
  id: z.string().min(1),
  /** Org that issued it (the national center or a provincial regulator). */
  issuer: z.string().min(1),
  issuerNode: z.string().min(1),
  title: Text(300).min(3),
  grade: GradeSchema,
  text: Text(20_000),
  targets: TargetsSchema,
  indicators: IndicatorsSchema,
  issuedAt: IsoTime,
});
export type Advisory = z.output<typeof AdvisorySchema>;

export const TaskSchema = z.strictObject({
  id: z.string().min(1),
  issuer: z.string().min(1),
  issuerNode: z.string().min(1),
  title: Text(300).min(3),
  text: Text(20_000),
  grade: GradeSchema.optional(),
  /** Enterprises that must act. */
  targetOrgs: z.array(z.string().min(1)).min(1),
  deadline: IsoTime,
  requiredActions: z.array(Text(1000).min(1)).min(1),
  /** The advisory the task follows up, if any. */
  advisoryId: z.string().optional(),
  issuedAt: IsoTime,
});
export type Task = z.output<typeof TaskSchema>;

export const DownlinkItemSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('advisory'), id: z.string().min(1), advisory: AdvisorySchema }),
  z.strictObject({ type: z.literal('task'), id: z.string().min(1), task: TaskSchema }),
]);
export type DownlinkItem = z.output<typeof DownlinkItemSchema>;


// ---- uplink: from a child to its parent ----

/** A target's answer to an advisory or a task: it arrived (automatic), a person acknowledged it. */
export const ReceiptSchema = z.strictObject({
  subject: z.enum(['advisory', 'task']),
  subjectId: z.string().min(1),
  orgId: z.string().min(1),
  state: z.enum(['delivered', 'acknowledged']),
  at: IsoTime,
  by: z.string().min(1),
});
export type Receipt = z.output<typeof ReceiptSchema>;

/** Task status as the target reports it; `overdue` is decided by the nodes above, by the deadline. */
export const ReportedTaskStatuses = ['accepted', 'in_progress', 'done'] as const;
export const TaskStatuses = ['pending', ...ReportedTaskStatuses, 'overdue'] as const;
export type TaskStatus = (typeof TaskStatuses)[number];

export const TaskStatusUpdateSchema = z.strictObject({
  taskId: z.string().min(1),
  orgId: z.string().min(1),
  status: z.enum(ReportedTaskStatuses),
  /** What was done; required with `done`. */
  report: Text(20_000).optional(),
  at: IsoTime,
  by: z.string().min(1),
  /** +1 per update from the target: a parent keeps the highest, so a late retry cannot undo a newer status. */
  revision: z.number().int().min(1),
}).refine((u) => u.status !== 'done' || (u.report?.trim().length ?? 0) > 0, { message: 'a task reported done needs a report', path: ['report'] });
export type TaskStatusUpdate = z.output<typeof TaskStatusUpdateSchema>;

const CountsSchema = z.record(z.string(), z.number().int().min(0));

/** An org's posture over one period: aggregates only. */
export const PostureSchema = z.strictObject({
  orgId: z.string().min(1),
  node: z.string().min(1),
  periodStart: IsoTime,
  periodEnd: IsoTime,
  alerts: z.strictObject({
    /** Alerts first seen in the period. */
    new: z.number().int().min(0),
    /** Alerts not closed at the end of the period. */
    open: z.number().int().min(0),
    byGrade: CountsSchema,
    byRule: CountsSchema,
    byTechnique: CountsSchema,
    byCategory: CountsSchema,
  }),
  sources: z.array(z.strictObject({
    name: z.string(),
    lastSeen: IsoTime.optional(),
    events: z.number().int().min(0),
    silent: z.boolean(),
  })),
  tasks: z.strictObject({ open: z.number().int().min(0), overdue: z.number().int().min(0), done: z.number().int().min(0) }),
  events: z.number().int().min(0),
});
export type Posture = z.output<typeof PostureSchema>;

export const UplinkItemSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('alert'), id: z.string().min(1), orgId: z.string().min(1), alert: AlertSchema }),
  z.strictObject({ type: z.literal('posture'), id: z.string().min(1), orgId: z.string().min(1), posture: PostureSchema }),
  z.strictObject({ type: z.literal('receipt'), id: z.string().min(1), orgId: z.string().min(1), receipt: ReceiptSchema }),
  z.strictObject({ type: z.literal('task-status'), id: z.string().min(1), orgId: z.string().min(1), update: TaskStatusUpdateSchema }),
]);
export type UplinkItem = z.output<typeof UplinkItemSchema>;

export const UplinkBatchSchema = z.strictObject({ items: z.array(z.unknown()).max(500) });

/** The parent's answer: each item applied (or already applied before) or refused with why. */
export const UplinkResultSchema = z.strictObject({
  accepted: z.array(z.string()),
  refused: z.array(z.strictObject({ id: z.string(), reason: z.string() })),
});
export type UplinkResult = z.output<typeof UplinkResultSchema>;

/** The org an uplink item speaks for: it must be one the link serves. */
export function itemOrgs(item: UplinkItem): string[] {
  switch (item.type) {
    case 'alert': return [item.orgId, item.alert.orgId];
    case 'posture': return [item.orgId, item.posture.orgId];
    case 'receipt': return [item.orgId, item.receipt.orgId];
    case 'task-status': return [item.orgId, item.update.orgId];
  }
}
