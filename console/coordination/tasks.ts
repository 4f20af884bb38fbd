/**
 * Emergency-response tasks at one node: issued here or received from the
 * parent, relayed to the children serving the target enterprises, answered
 * by the targets (accepted, in progress, done with a report), and marked
 * overdue by every node above once the deadline passes unanswered. Each
 * node keeps its own copy of the status per target, fed by the updates
 * flowing up, so a province and the national center both see who is late.
 */
import { uuidv7 } from '../../core/ids.js';
import { Collections } from '../../core/store/documents.js';
import { updateDocument } from '../../core/store/document-update.js';
import {
  TaskSchema, TaskStatusUpdateSchema, type Receipt, type Task, type TaskStatus, type TaskStatusUpdate,
} from '../../core/federation/messages.js';
import { receiptId } from './advisories.js';
import { CoordinationError, type NodeContext } from './context.js';

export interface TargetStatus {
  status: TaskStatus;
  /** Revision of the last update from the target (0: none yet). */
  revision: number;
  report?: string;
  updatedAt?: string;
  updatedBy?: string;
  delivered?: string;
  acknowledged?: string;
  /** When this node marked it overdue. */
  overdueAt?: string;
  /** When this node reminded the target of the deadline. */
  remindedAt?: string;
}

export interface TaskRecord {
  readonly task: Task;
  readonly receivedFrom: string;
  readonly receivedAt: string;
  readonly targets: Record<string, TargetStatus>;
  readonly relayedTo: string[];
}

export type TaskInput = Omit<Task, 'id' | 'issuedAt' | 'issuerNode'>;

/** Statuses a target can still move out of by reporting. */
const OPEN: readonly TaskStatus[] = ['pending', 'accepted', 'in_progress', 'overdue'];

export class TaskBook {
  constructor(private readonly ctx: NodeContext) {}

  async issue(input: TaskInput): Promise<TaskRecord> {
    const task = TaskSchema.parse({ ...input, id: uuidv7(), issuerNode: this.ctx.nodeId, issuedAt: this.ctx.now().toISOString() });
    const unknown = task.targetOrgs.filter((id) => this.ctx.registry.get(id)?.tier !== 'enterprise');
    if (unknown.length) throw new CoordinationError(`targetOrgs must be enterprises of the registry: ${unknown.join(', ')}`, 'invalid');
    if (task.deadline <= task.issuedAt) throw new CoordinationError('the deadline must be in the future', 'invalid');
    return this.accept(task, 'local');
  }

  async receive(task: Task, fromLink: string): Promise<TaskRecord> {
    return (await this.get(task.id)) ?? this.accept(task, fromLink);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    return (await this.ctx.store.getDocument<TaskRecord>(Collections.tasks, id))?.body;
  }

  async list(visible: (record: TaskRecord) => boolean, limit = 100): Promise<TaskRecord[]> {
    const page = await this.ctx.store.queryDocuments<TaskRecord>({ collection: Collections.tasks, order: 'desc', limit: 10_000 });
    return page.documents.map((d) => d.body).filter(visible).slice(0, limit);
  }

  /** A target reports progress (at the target's own node): recorded here and sent up. */
  async report(id: string, orgId: string, status: TaskStatusUpdate['status'], by: string, report?: string): Promise<TaskRecord> {
    if (!this.ctx.servedOrgs.has(orgId)) throw new CoordinationError(`${orgId} reports on its tasks at its own node, not at ${this.ctx.nodeId}`, 'forbidden');
    let update: TaskStatusUpdate | undefined;
    let problem: string | undefined;
    // The revision is taken inside the compare-and-set, so two reports at once are two revisions, never one lost.
    await updateDocument<TaskRecord>(this.ctx.store, Collections.tasks, id, (doc) => {
      const target = doc?.body.targets[orgId];
      if (!doc || !target) return undefined;
      const parsed = TaskStatusUpdateSchema.safeParse({
        taskId: id, orgId, status, ...(report !== undefined ? { report } : {}), at: this.ctx.now().toISOString(), by, revision: target.revision + 1,
      });
      if (!parsed.success) {
        problem = parsed.error.issues.map((i) => i.message).join('; ');
        return undefined;
      }
      update = parsed.data;
      return withTargets(doc.body, { ...doc.body.targets, [orgId]: applied(target, parsed.data) });
    });
    if (problem) throw new CoordinationError(problem, 'invalid');
    if (!update) throw new CoordinationError(`no task ${id} for ${orgId}`, 'not-found');
    const record = (await this.get(id))!;
    this.announce(record);
    if (record.receivedFrom !== 'local') await this.ctx.uplink?.({ type: 'task-status', id: statusItemId(update), orgId, update });
    return record;
  }

  /** A status update from a target (here or from a child): the newest revision wins; passed up when the task came from above. */
  async applyStatus(update: TaskStatusUpdate): Promise<boolean> {
    let forward = false;
    const written = await updateDocument<TaskRecord>(this.ctx.store, Collections.tasks, update.taskId, (doc) => {
      const target = doc?.body.targets[update.orgId];
      if (!doc || !target || update.revision <= target.revision) return undefined;
      forward = doc.body.receivedFrom !== 'local';
      return withTargets(doc.body, { ...doc.body.targets, [update.orgId]: applied(target, update) });
    });
    if (written) this.announce(written.body);
    if (written && forward && this.ctx.uplink) await this.ctx.uplink({ type: 'task-status', id: statusItemId(update), orgId: update.orgId, update });
    return written !== undefined;
  }

  /** A receipt for a task (delivered / acknowledged), recorded and passed up like a status. */
  async applyReceipt(receipt: Receipt): Promise<boolean> {
    let forward = false;
    const written = await updateDocument<TaskRecord>(this.ctx.store, Collections.tasks, receipt.subjectId, (doc) => {
      const target = doc?.body.targets[receipt.orgId];
      if (!doc || !target || target[receipt.state] !== undefined) return undefined;
      forward = doc.body.receivedFrom !== 'local';
      return withTargets(doc.body, { ...doc.body.targets, [receipt.orgId]: { ...target, [receipt.state]: receipt.at } });
    });
    if (written) this.announce(written.body);
    if (written && forward && this.ctx.uplink) await this.ctx.uplink({ type: 'receipt', id: receiptId(receipt), orgId: receipt.orgId, receipt });
    return written !== undefined;
  }

  /** Acknowledge a task at a target's node (a person has seen it). */
  async acknowledge(id: string, orgId: string, by: string): Promise<TaskRecord> {
    if (!this.ctx.servedOrgs.has(orgId)) throw new CoordinationError(`${orgId} acknowledges at its own node, not at ${this.ctx.nodeId}`, 'forbidden');
    const record = await this.get(id);
    if (!record?.targets[orgId]) throw new CoordinationError(`no task ${id} for ${orgId}`, 'not-found');
    await this.applyReceipt({ subject: 'task', subjectId: id, orgId, state: 'acknowledged', at: this.ctx.now().toISOString(), by });
    return (await this.get(id))!;
  }

  /**
   * The deadline job: every target not done by the deadline turns overdue
   * here (each node decides by its own clock; nothing needs to travel for
   * it). Resolves with the (task, org) pairs marked this time.
   */
  async markOverdue(): Promise<{ taskId: string; orgId: string }[]> {
    const now = this.ctx.now().toISOString();
    const marked: { taskId: string; orgId: string }[] = [];
    for (const record of await this.list(() => true, 10_000)) {
      if (record.task.deadline > now) continue;
      const late = Object.entries(record.targets).filter(([, t]) => t.status !== 'done' && t.status !== 'overdue').map(([org]) => org);
      if (!late.length) continue;
      const markedDoc = await updateDocument<TaskRecord>(this.ctx.store, Collections.tasks, record.task.id, (doc) => {
        if (!doc) return undefined;
        const targets = { ...doc.body.targets };
        for (const org of late) {
          const t = targets[org];
          if (t.status === 'done' || t.status === 'overdue') continue;
          targets[org] = { ...t, status: 'overdue', overdueAt: now };
        }
        return withTargets(doc.body, targets);
      });
      if (markedDoc) this.announce(markedDoc.body);
      for (const orgId of late) {
        marked.push({ taskId: record.task.id, orgId });
        this.ctx.log.warn('task overdue', { task: record.task.id, org: orgId, deadline: record.task.deadline });
      }
    }
    return marked;
  }

  /**
   * The reminder job at the targets' node: a target still open within
   * `aheadMs` of the deadline is reminded once (logged and recorded, so the
   * console can show it).
   */
  async remind(aheadMs: number): Promise<{ taskId: string; orgId: string }[]> {
    const now = this.ctx.now();
    const horizon = new Date(now.getTime() + aheadMs).toISOString();
    const reminded: { taskId: string; orgId: string }[] = [];
    for (const record of await this.list(() => true, 10_000)) {
      if (record.task.deadline > horizon || record.task.deadline <= now.toISOString()) continue;
      const due = Object.entries(record.targets)
        .filter(([org, t]) => this.ctx.servedOrgs.has(org) && OPEN.includes(t.status) && t.status !== 'overdue' && !t.remindedAt)
        .map(([org]) => org);
      if (!due.length) continue;
      const remindedDoc = await updateDocument<TaskRecord>(this.ctx.store, Collections.tasks, record.task.id, (doc) => {
        if (!doc) return undefined;
        const targets = { ...doc.body.targets };
        for (const org of due) targets[org] = { ...targets[org], remindedAt: now.toISOString() };
        return withTargets(doc.body, targets);
      });
      if (remindedDoc) this.announce(remindedDoc.body);
      for (const orgId of due) {
        reminded.push({ taskId: record.task.id, orgId });
        this.ctx.log.warn('task deadline approaching', { task: record.task.id, org: orgId, deadline: record.task.deadline });
      }
    }
    return reminded;
  }

  /** Live views hear of every change (console/live). */
  private announce(record: TaskRecord): void {
    this.ctx.publish?.({ kind: 'task', record });
  }

  private async accept(task: Task, from: string): Promise<TaskRecord> {
    const now = this.ctx.now().toISOString();
    const relayedTo = await this.ctx.relay({ type: 'task', id: task.id, task }, task.targetOrgs);
    const record: TaskRecord = {
      task, receivedFrom: from, receivedAt: now, relayedTo,
      targets: Object.fromEntries(task.targetOrgs.map((org) => [org, { status: 'pending' as TaskStatus, revision: 0 }])),
    };
    const written = await updateDocument<TaskRecord>(this.ctx.store, Collections.tasks, task.id, (doc) => (doc ? undefined : withTargets(record, record.targets)));
    if (written) {
      this.announce(written.body);
      for (const orgId of task.targetOrgs.filter((id) => this.ctx.servedOrgs.has(id))) {
        await this.applyReceipt({ subject: 'task', subjectId: task.id, orgId, state: 'delivered', at: now, by: `node:${this.ctx.nodeId}` });
      }
      this.ctx.log.info('task accepted', { task: task.id, from, targets: task.targetOrgs.join(','), relayedTo: relayedTo.join(',') });
    }
    return (await this.get(task.id))!;
  }
}

function applied(target: TargetStatus, update: TaskStatusUpdate): TargetStatus {
  return {
    ...target, status: update.status, revision: update.revision, updatedAt: update.at, updatedBy: update.by,
    ...(update.report !== undefined ? { report: update.report } : {}),
  };
}

/** One outbox item per status revision: every step of a task reaches the issuer, in order. */
function statusItemId(update: TaskStatusUpdate): string {
  return `task-status:${update.taskId}:${update.orgId}:${update.revision}`;
}

/** Status counts per province of the targets: the roll-up a regulator reads. */
export function rollupByProvince(record: TaskRecord, provinceOf: (orgId: string) => string | undefined): Record<string, Record<TaskStatus, number>> {
  const out: Record<string, Record<TaskStatus, number>> = {};
  for (const [org, t] of Object.entries(record.targets)) {
    const province = provinceOf(org) ?? 'unknown';
    out[province] ??= { pending: 0, accepted: 0, in_progress: 0, done: 0, overdue: 0 };
    out[province][t.status]++;
  }
  return out;
}

function withTargets(record: TaskRecord, targets: Record<string, TargetStatus>) {
  const body: TaskRecord = { ...record, targets };
  const statuses = [...new Set(Object.values(targets).map((t) => t.status))];
  return { id: record.task.id, orgId: record.task.issuer, sortKey: record.task.issuedAt, index: { issuer: record.task.issuer, deadline: record.task.deadline, statuses }, body };
}
