/**
 * The posture summary of one enterprise over one period, and the job that
 * computes it for every enterprise the node serves, keeps it and sends it
 * up. Aggregates only (counts, source names and times): a summary never
 * carries an event, an alert or a field value, which is what lets it cross
 * a federation link (core/federation/messages.ts).
 */
import { storePosture } from '../coordination/posture-store.js';
import { Collections, type DocumentCount } from '../../core/store/documents.js';
import { PostureSchema, type Posture, type TaskStatus } from '../../core/federation/messages.js';
import type { OrgRegistry } from '../../core/orgs.js';
import type { Store } from '../../core/store/store.js';
import type { NodeContext } from '../coordination/context.js';
import type { TaskRecord } from '../coordination/tasks.js';
import { eventsPerDataset, sourceActivity } from './source-activity.js';

export interface PostureQuery {
  readonly store: Store;
  readonly registry: OrgRegistry;
  /** The node that computes it (the summary's `node`). */
  readonly nodeId: string;
  readonly orgId: string;
  /** [periodStart, periodEnd): alerts first seen and events in it are counted. */
  readonly periodStart: Date;
  readonly periodEnd: Date;
  /** A source that sent nothing for this long before periodEnd is silent. */
  readonly silenceMs: number;
  /** How far back before periodEnd a source counts as one (default 24 h). */
  readonly lookbackMs?: number;
}

const DAY_MS = 86_400_000;

const TaskBuckets: Readonly<Record<TaskStatus, 'open' | 'overdue' | 'done'>> = {
  pending: 'open', accepted: 'open', in_progress: 'open', overdue: 'overdue', done: 'done',
};

/** Counts by key, without the null group (a missing index key). */
function countsOf(rows: readonly DocumentCount[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) if (row.key !== null) out[String(row.key)] = (out[String(row.key)] ?? 0) + row.count;
  return out;
}

/** The org's posture over the period, checked against PostureSchema. */
export async function computePosture(query: PostureQuery): Promise<Posture> {
  const { store, registry, nodeId, orgId, periodStart, periodEnd, silenceMs } = query;
  const org = registry.get(orgId);
  if (!org) throw new Error(`posture: org ${orgId} is not in the registry`);
  const from = periodStart.toISOString();
  const to = periodEnd.toISOString();
  const scope = { collection: Collections.alerts, orgIds: [orgId] };

  // Alerts are documents sorted by firstSeen: "new in the period" is a sort-key range.
  const byGrade = countsOf(await store.countDocuments({ ...scope, from, to, groupBy: 'grade' }));
  const byRule = countsOf(await store.countDocuments({ ...scope, from, to, groupBy: 'ruleId' }));
  const byTechnique = countsOf(await store.countDocuments({ ...scope, from, to, groupBy: 'techniques' }));
  const newAlerts = Object.values(byGrade).reduce((sum, n) => sum + n, 0);
  const open = (await store.countDocuments({ ...scope, to, where: { open: true }, groupBy: 'open' })).reduce((sum, row) => sum + row.count, 0);

  const events = await store.countEvents({ orgIds: [orgId], from: periodStart, to: periodEnd });
  const activity = await sourceActivity(store, { orgId, now: periodEnd, lookbackMs: query.lookbackMs ?? DAY_MS, silenceMs });
  const inPeriod = await eventsPerDataset(store, orgId, periodStart, periodEnd);
  const sources: Posture['sources'] = activity.map((a) => ({ name: a.dataset, lastSeen: a.lastBucket, events: inPeriod.get(a.dataset) ?? 0, silent: a.silent }));
  // A period longer than the lookback can hold sources the lookback no longer sees.
  for (const [dataset, count] of inPeriod) if (!activity.some((a) => a.dataset === dataset)) sources.push({ name: dataset, events: count, silent: false });

  return PostureSchema.parse({
    orgId, node: nodeId, periodStart: from, periodEnd: to,
    alerts: {
      new: newAlerts, open, byGrade, byRule, byTechnique,
      // The regulator adds these up over its enterprises: one key, the org's category.
      byCategory: { [org.category ?? 'uncategorized']: newAlerts },
    },
    sources,
    tasks: await taskCounts(store, orgId),
    events,
  });
}

/**
 * Tasks addressed to the org, by the status this node holds for it. Task
 * documents belong to their issuer, so every task is read and the org's
 * target entry looked up.
 */
async function taskCounts(store: Store, orgId: string): Promise<Posture['tasks']> {
  const counts = { open: 0, overdue: 0, done: 0 };
  let cursor: string | undefined;
  do {
    const page = await store.queryDocuments<TaskRecord>({ collection: Collections.tasks, limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const doc of page.documents) {
      const target = doc.body.targets[orgId];
      if (target) counts[TaskBuckets[target.status]]++;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return counts;
}

export interface PostureJobDeps {
  readonly ctx: NodeContext;
  /** Length of the period each summary covers; periods end on multiples of it (epoch time). */
  readonly periodMs: number;
  readonly silenceMs: number;
  readonly lookbackMs: number;
}

export interface PostureJobResult {
  readonly periodStart: string;
  readonly periodEnd: string;
  /** Orgs summarised. */
  readonly orgs: string[];
  /** Summaries queued for the parent (0 without one). */
  readonly sent: number;
}


/**
 * For every enterprise the node serves: the summary of the last full
 * period, stored (Collections.posture, as the parent stores what it
 * receives) and queued for the parent when there is one.
 */
export async function postureJob(deps: PostureJobDeps): Promise<PostureJobResult> {
  const { ctx } = deps;
  const endMs = Math.floor(ctx.now().getTime() / deps.periodMs) * deps.periodMs;
  const periodEnd = new Date(endMs);
  const periodStart = new Date(endMs - deps.periodMs);
  const orgs = ctx.registry.enterprises().map((o) => o.id).filter((id) => ctx.servedOrgs.has(id));
  let sent = 0;
  for (const orgId of orgs) {
    const posture = await computePosture({
      store: ctx.store, registry: ctx.registry, nodeId: ctx.nodeId, orgId, periodStart, periodEnd,
      silenceMs: deps.silenceMs, lookbackMs: deps.lookbackMs,
    });
    const id = await storePosture(ctx.store, posture);
    ctx.publish?.({ kind: 'posture', posture });
    if (ctx.uplink) {
      await ctx.uplink({ type: 'posture', id, orgId, posture });
      sent++;
    }
  }
  return { periodStart: periodStart.toISOString(), periodEnd: periodEnd.toISOString(), orgs, sent };
}
