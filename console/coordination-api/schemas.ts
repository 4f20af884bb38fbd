/**
 * The zod schemas of the coordination API: what its routes read (queries
 * and bodies) and what they answer. The answers are built from the schemas
 * of the records themselves (core/alert.ts, core/federation/messages.ts);
 * the node-side records that have only a TypeScript interface (advisory and
 * task records, a task's view, security log entries) get their schema here,
 * with a compile-time check that schema and interface stay the same shape,
 * since every answer is checked against its schema before it is sent.
 */
import { z } from 'zod';
import { AlertSchema, AlertStatuses, AuditEntrySchema, GradeSchema } from '../../core/alert.js';
import {
  AdvisorySchema, IndicatorsSchema, PostureSchema, ReportedTaskStatuses, TargetsSchema, TaskSchema, TaskStatuses,
} from '../../core/federation/messages.js';
import type { AdvisoryRecord, ReceiptState } from '../coordination/advisories.js';
import type { TargetStatus, TaskRecord } from '../coordination/tasks.js';
import type { SecurityEntry } from '../federation/security-log.js';
import type { TaskView } from '../live/visibility.js';
import { Limit, List, Time } from '../query-schemas.js';

export { AlertSchema, AuditEntrySchema, PostureSchema };
export { SuppressionSchema } from '../../core/alert.js';

const IsoTime = z.iso.datetime({ offset: true });

// ---- queries and bodies ----

export const AlertListParams = z.strictObject({
  status: List.pipe(z.array(z.enum(AlertStatuses))).optional(),
  grade: List.pipe(z.array(GradeSchema)).optional(),
  org: List.optional(),
  ruleId: z.string().min(1).optional(),
  open: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  from: Time.optional().describe('first seen at or after'),
  to: Time.optional().describe('first seen before'),
  limit: Limit.optional(),
  cursor: z.string().min(1).max(4096).optional(),
});

export const StatusBody = z.strictObject({ status: z.enum(AlertStatuses), comment: z.string().max(5000).optional() });
export const AssignBody = z.strictObject({ assignee: z.string().max(200) });
export const CommentBody = z.strictObject({ text: z.string().min(1).max(5000) });

export const SuppressionBody = z.strictObject({
  ruleId: z.string().min(1).optional(),
  match: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  reason: z.string().min(3).max(2000),
  expiresAt: z.iso.datetime({ offset: true }),
  org: z.string().optional().describe('defaults to the caller\'s org'),
}).refine((s) => s.ruleId !== undefined || Object.keys(s.match).length > 0, { message: 'a suppression needs a ruleId or a match (never everything)' });

export const AdvisoryBody = z.strictObject({
  title: z.string().min(3).max(300),
  grade: GradeSchema,
  text: z.string().max(20_000).default(''),
  targets: TargetsSchema.default({ industries: [], categories: [], grades: [], provinces: [], orgs: [] }),
  indicators: IndicatorsSchema.default({ ips: [], identifiers: [], domains: [], hashes: [], sigma: [] }),
});

export const TaskBody = z.strictObject({
  title: z.string().min(3).max(300),
  text: z.string().max(20_000).default(''),
  grade: GradeSchema.optional(),
  targetOrgs: z.array(z.string().min(1)).min(1),
  deadline: z.iso.datetime({ offset: true }),
  requiredActions: z.array(z.string().min(1).max(1000)).min(1),
  advisoryId: z.string().optional(),
});

export const StixImportBody = z.strictObject({
  bundle: z.unknown().describe('a STIX 2.1 bundle'),
  grade: GradeSchema.optional().describe('when the bundle does not say (x_iisa_grade)'),
  targets: TargetsSchema.optional().describe('when the bundle does not say (x_iisa_targets)'),
});

export const TaskReportBody = z.strictObject({ status: z.enum(ReportedTaskStatuses), report: z.string().max(20_000).optional() });

export const PostureParams = z.strictObject({ org: List.optional(), limit: Limit.optional().describe('at most this many orgs\' summaries (default: every org the caller sees)') });
export const PostureHistoryParams = z.strictObject({
  org: List.optional(),
  from: Time.optional().describe('periods ending at or after (default -24h)'),
  to: Time.optional().describe('periods ending before'),
  limit: Limit.default(2000),
  cursor: z.string().min(1).max(4096).optional().describe('nextCursor of the previous page'),
});
export const SecurityLogParams = z.strictObject({ limit: Limit.optional().describe('newest entries, default 100') });

// ---- answers ----

const ReceiptStateSchema = z.strictObject({
  delivered: IsoTime.optional(),
  acknowledged: IsoTime.optional(),
  acknowledgedBy: z.string().optional(),
});

export const AdvisoryRecordSchema = z.strictObject({
  advisory: AdvisorySchema,
  receivedFrom: z.string().describe('`local` when issued at this node, else the parent link it came over'),
  receivedAt: IsoTime,
  receipts: z.record(z.string(), ReceiptStateSchema).describe('per targeted enterprise the caller sees: when it was delivered and acknowledged'),
  relayedTo: z.array(z.string()).describe('child links it was relayed to (the issuer\'s and the national center\'s to see; empty for others)'),
});

const TargetStatusSchema = z.strictObject({
  status: z.enum(TaskStatuses),
  revision: z.number().int().min(0).describe('of the last update from the target; 0 before any'),
  report: z.string().optional(),
  updatedAt: IsoTime.optional(),
  updatedBy: z.string().optional(),
  delivered: IsoTime.optional(),
  acknowledged: IsoTime.optional(),
  overdueAt: IsoTime.optional().describe('when this node marked it overdue'),
  remindedAt: IsoTime.optional().describe('when this node reminded the target of the deadline'),
});

export const TaskRecordSchema = z.strictObject({
  task: TaskSchema,
  receivedFrom: z.string().describe('`local` when issued at this node, else the parent link it came over'),
  receivedAt: IsoTime,
  targets: z.record(z.string(), TargetStatusSchema).describe('per target enterprise the caller sees'),
  relayedTo: z.array(z.string()).describe('child links it was relayed to (the issuer\'s and the national center\'s to see; empty for others)'),
});

/** A task as the caller sees it (live/visibility.ts `visibleTask`): the targets it sees, and the rollup over them. */
export const TaskViewSchema = TaskRecordSchema.extend({
  // The targets the caller sees, which may be none of them (its own task, after the registry changed).
  task: TaskSchema.extend({ targetOrgs: z.array(z.string().min(1)).describe('the target enterprises the caller sees') }),
  rollup: z.record(z.string(), z.record(z.enum(TaskStatuses), z.number().int().min(0))).describe('target statuses counted per province'),
});

export const SecurityEntrySchema = z.strictObject({
  at: IsoTime,
  linkId: z.string().optional(),
  reason: z.string().describe('missing-headers, unknown-link, bad-signature, stale, replayed, malformed, wrong-org, not-escalated-here, invalid-item, bad-downlink-item, too-large'),
  detail: z.string(),
  remote: z.string().optional(),
  item: z.string().optional().describe('the refused item\'s id, for item refusals'),
  repeats: z.number().int().min(1).optional().describe('refusals of the same kind since the previous entry that were not stored themselves'),
});

/** A STIX 2.1 bundle as exported: checked for its frame only, as STIX objects carry properties of their own. */
export const StixBundleSchema = z.looseObject({
  type: z.literal('bundle'),
  id: z.string(),
  objects: z.array(z.looseObject({ type: z.string(), id: z.string() })),
});

export const StixSkipSchema = z.strictObject({ id: z.string().describe('the STIX object left out'), reason: z.string() });

export const NextCursor = z.string().optional().describe('pass back as `cursor` for the next page; absent on the last page');

// ---- the schemas above and the interfaces they describe, the same shape both ways ----

/**
 * True when each of A and B is assignable to the other and they name the same
 * keys: assignability alone lets an optional key on one side only pass, and
 * the strict schemas would refuse a record carrying it at run time. Nested
 * records are checked each on its own below.
 */
type SameShape<A, B> = [A] extends [B]
  ? [B] extends [A] ? [keyof A] extends [keyof B] ? [keyof B] extends [keyof A] ? true : false : false : false
  : false;

const _receiptState: SameShape<z.output<typeof ReceiptStateSchema>, ReceiptState> = true;
const _advisoryRecord: SameShape<z.output<typeof AdvisoryRecordSchema>, AdvisoryRecord> = true;
const _targetStatus: SameShape<z.output<typeof TargetStatusSchema>, TargetStatus> = true;
const _taskRecord: SameShape<z.output<typeof TaskRecordSchema>, TaskRecord> = true;
const _taskView: SameShape<z.output<typeof TaskViewSchema>, TaskView> = true;
const _securityEntry: SameShape<z.output<typeof SecurityEntrySchema>, SecurityEntry> = true;
