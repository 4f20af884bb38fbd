/**
 * The shapes the console API answers with, as the page reads them.
 *
 * Alerts come from the schema itself (core/alert.ts needs only zod, so its
 * types check here too). The federation messages' module pulls in the org
 * registry and Node's fs, which a page cannot type-check, so advisories,
 * tasks and posture are restated below from core/federation/messages.ts and
 * console/coordination/: the fields the page reads, nothing more.
 */
import type { Alert, AlertStatus, AuditEntry, Grade } from '../../../core/alert.js';

export type { Alert, AlertStatus, AuditEntry, Grade };

// The same data the node checks against (zod-free modules, bundled as they are).
export { AlertStatuses, AlertTransitions, ClosedStatuses, Grades } from '../../../core/alert-states.js';
export { Categories, Industries } from '../../../core/org-kinds.js';

export type Tier = 'enterprise' | 'provincial' | 'national';

/** POST /api/v1/auth/login and GET /api/v1/auth/session. */
export interface SessionView {
  readonly user: { readonly id: string; readonly displayName: string; readonly roles: readonly string[] };
  readonly org: { readonly id: string; readonly name: string; readonly tier: Tier };
  readonly permissions: readonly string[];
  readonly csrfToken: string;
  readonly expiresAt: string;
}

/** One row of GET /api/v1/orgs: an org the caller sees, with what the heat maps group by. */
export interface OrgInfo {
  readonly id: string;
  readonly name: string;
  readonly tier: Tier;
  readonly province?: string;
  readonly provinceName?: string;
  readonly industry?: string;
  readonly category?: string;
  readonly grade?: number;
}

/** GET /api/v1/me. */
export interface Me {
  readonly org: string;
  readonly tier: Tier;
  readonly visibleOrgs: readonly string[];
  /** May read events (not a provincial regulator). */
  readonly records: boolean;
}

export interface Posture {
  readonly orgId: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly alerts: {
    readonly new: number;
    readonly open: number;
    readonly byGrade: Readonly<Record<string, number>>;
    readonly byRule: Readonly<Record<string, number>>;
    readonly byTechnique: Readonly<Record<string, number>>;
    readonly byCategory: Readonly<Record<string, number>>;
  };
  readonly sources: readonly { readonly name: string; readonly lastSeen?: string; readonly events: number; readonly silent: boolean }[];
  readonly tasks: { readonly open: number; readonly overdue: number; readonly done: number };
  readonly events: number;
}

export interface Targets {
  readonly industries: readonly string[];
  readonly categories: readonly string[];
  readonly grades: readonly number[];
  readonly provinces: readonly string[];
  readonly orgs: readonly string[];
}

export interface Indicators {
  readonly ips: readonly string[];
  readonly identifiers: readonly string[];
  readonly domains: readonly string[];
  readonly hashes: readonly string[];
  readonly sigma: readonly string[];
}

export interface ReceiptState {
  readonly delivered?: string;
  readonly acknowledged?: string;
  readonly acknowledgedBy?: string;
}

export interface AdvisoryRecord {
  readonly advisory: {
    readonly id: string;
    readonly issuer: string;
    readonly title: string;
    readonly grade: Grade;
    readonly text: string;
    readonly targets: Targets;
    readonly indicators: Indicators;
    readonly issuedAt: string;
  };
  readonly receivedFrom: string;
  readonly receipts: Readonly<Record<string, ReceiptState>>;
}

export const TaskStatuses = ['pending', 'accepted', 'in_progress', 'done', 'overdue'] as const;
export type TaskStatus = (typeof TaskStatuses)[number];

export interface TargetStatus {
  readonly status: TaskStatus;
  readonly report?: string;
  readonly updatedAt?: string;
  readonly delivered?: string;
  readonly acknowledged?: string;
}

export interface TaskRecord {
  readonly task: {
    readonly id: string;
    readonly issuer: string;
    readonly title: string;
    readonly text: string;
    readonly grade?: Grade;
    readonly targetOrgs: readonly string[];
    readonly deadline: string;
    readonly requiredActions: readonly string[];
    readonly issuedAt: string;
  };
  readonly receivedFrom: string;
  readonly targets: Readonly<Record<string, TargetStatus>>;
  /** Per province, how many targets are in each status. */
  readonly rollup?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface RuleSummary {
  readonly id: string;
  readonly title: string;
  readonly kind: 'detection' | 'correlation';
  readonly level?: string;
  readonly tags: readonly string[];
  readonly file: string;
  readonly scheduled?: string;
  readonly hits: number;
}

/** A stored ECS event: the fields the tables show; the rest is shown as JSON. */
export interface EcsEvent {
  readonly '@timestamp': string;
  readonly message?: string;
  readonly event: { readonly id?: string; readonly dataset?: string; readonly action?: string; readonly original?: string; readonly outcome?: string };
  readonly source?: { readonly ip?: string; readonly port?: number };
  readonly destination?: { readonly ip?: string; readonly port?: number };
  readonly [field: string]: unknown;
}

/** What the live socket pushes (console/live/visibility.ts LiveChange). */
export type LiveChange =
  | { readonly kind: 'alert'; readonly alert: Alert }
  | { readonly kind: 'posture'; readonly posture: Posture }
  | { readonly kind: 'advisory'; readonly record: AdvisoryRecord }
  | { readonly kind: 'task'; readonly record: TaskRecord };

export type LiveView = 'alerts' | 'posture' | 'advisories' | 'tasks';
