/**
 * The coordination API under /api/v1: alerts (list, detail with the audit
 * trail, triage), suppressions, advisories and tasks (issue, list, answer),
 * and the posture summaries that came up from below. Every route knows the
 * caller from its token (./api-support.ts) and shows it what its tier may
 * see:
 *   enterprise   its own alerts (all grades), triage, suppressions; the
 *                advisories and tasks addressed to it, which it answers
 *   provincial   alerts its enterprises escalated to the province, their
 *                posture and receipts; issues advisories and tasks within
 *                what it oversees
 *   national     alerts escalated to the national center, everyone's
 *                posture and receipts; issues advisories and tasks
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { AlertStatuses, GradeSchema, type Alert } from '../core/alert.js';
import { IndicatorsSchema, ReportedTaskStatuses, TargetsSchema, type Targets } from '../core/federation/messages.js';
import { Collections } from '../core/store/documents.js';
import type { AlertBook } from '../detector/alerts/alert-book.js';
import { AlertChangeError } from '../detector/alerts/alert-book.js';
import type { Access } from './access.js';
import { AccessDenied, scopeFor } from './access.js';
import { ApiProblem, authenticate, body, params, route } from './api-support.js';
import type { ApiDeps } from './api.js';
import { CoordinationError } from './coordination/context.js';
import type { Coordination } from './coordination/coordination.js';
import { IndicatorError } from './coordination/indicators.js';
import { alertChanged } from './coordination/escalation.js';
import { latestPosture } from './coordination/posture-store.js';
import { advisoryToStix, stixToAdvisoryInput } from './coordination/stix.js';
import { visibleAdvisory, visibleAlert, visibleTask } from './live/visibility.js';
import { Limit, List, Time } from './query-schemas.js';

export interface CoordinationApiDeps {
  readonly alerts: AlertBook;
  readonly coordination: Coordination;
}

const AlertListParams = z.strictObject({
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

const StatusBody = z.strictObject({ status: z.enum(AlertStatuses), comment: z.string().max(5000).optional() });
const AssignBody = z.strictObject({ assignee: z.string().max(200) });
const CommentBody = z.strictObject({ text: z.string().min(1).max(5000) });
const SuppressionBody = z.strictObject({
  ruleId: z.string().min(1).optional(),
  match: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  reason: z.string().min(3).max(2000),
  expiresAt: z.iso.datetime({ offset: true }),
  org: z.string().optional().describe('defaults to the caller\'s org'),
}).refine((s) => s.ruleId !== undefined || Object.keys(s.match).length > 0, { message: 'a suppression needs a ruleId or a match (never everything)' });

const AdvisoryBody = z.strictObject({
  title: z.string().min(3).max(300),
  grade: GradeSchema,
  text: z.string().max(20_000).default(''),
  targets: TargetsSchema.default({ industries: [], categories: [], grades: [], provinces: [], orgs: [] }),
  indicators: IndicatorsSchema.default({ ips: [], identifiers: [], domains: [], hashes: [], sigma: [] }),
});

const TaskBody = z.strictObject({
  title: z.string().min(3).max(300),
  text: z.string().max(20_000).default(''),
  grade: GradeSchema.optional(),
  targetOrgs: z.array(z.string().min(1)).min(1),
  deadline: z.iso.datetime({ offset: true }),
  requiredActions: z.array(z.string().min(1).max(1000)).min(1),
  advisoryId: z.string().optional(),
});

const StixImportBody = z.strictObject({
  bundle: z.unknown().describe('a STIX 2.1 bundle'),
  grade: GradeSchema.optional().describe('when the bundle does not say (x_iisa_grade)'),
  targets: TargetsSchema.optional().describe('when the bundle does not say (x_iisa_targets)'),
});

const TaskReportBody = z.strictObject({ status: z.enum(ReportedTaskStatuses), report: z.string().max(20_000).optional() });

/** Which escalated alerts a tier sees beyond its own org's: the ones escalated to it. */
function escalationFor(access: Access): 'provincial' | 'national' | undefined {
  return access.org.tier === 'enterprise' ? undefined : access.org.tier;
}

/** Triage is the owning enterprise's work; regulators read. */
function requireEnterprise(access: Access, what: string): void {
  if (access.org.tier !== 'enterprise') throw new AccessDenied(`${what} is done by the enterprise that owns the alert; ${access.org.tier} accounts read only`);
}

function requireIssuer(access: Access, what: string): void {
  if (access.org.tier === 'enterprise') throw new AccessDenied(`${what} are issued by the national center or a provincial regulator`);
}

/** A province speaks to its own province, and to the categories it oversees; asking for more is refused. */
function provincialTargets(access: Access, targets: Targets): Targets {
  const oversees = access.org.oversees ?? [];
  const province = access.org.province;
  if (province === undefined) throw new AccessDenied(`${access.org.id} has no province in the registry`);
  if (targets.categories.some((c) => !oversees.includes(c))) throw new AccessDenied(`${access.org.id} oversees ${oversees.join(', ')} only`);
  return {
    ...targets, provinces: [province],
    categories: targets.categories.length ? targets.categories : [...oversees],
    orgs: targets.orgs.filter((o) => access.visible === undefined || access.visible.includes(o)),
  };
}

/** Map the services' refusals onto HTTP. */
function refusal(err: unknown): never {
  if (err instanceof AlertChangeError || err instanceof CoordinationError) {
    // A transition the alert's state does not allow is a conflict with that state, not a malformed request.
    const status = err.code === 'not-found' ? 404 : err.code === 'forbidden' ? 403 : err.code === 'conflict' || err.code === 'transition' ? 409 : 400;
    throw new ApiProblem(status, err.code === 'transition' ? 'conflict' : err.code, err.message);
  }
  if (err instanceof IndicatorError) throw new ApiProblem(400, 'bad-request', err.message);
  if (err instanceof z.ZodError) throw new ApiProblem(400, 'bad-request', err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  throw err;
}

export function coordinationRouter(api: ApiDeps, deps: CoordinationApiDeps): Router {
  const { registry } = api;
  const { alerts, coordination } = deps;
  const { store } = coordination.ctx;
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  const visibility = { provinceOf: (org: string) => registry.get(org)?.province };

  router.get('/alerts', route(async (req, res) => {
    const access = authenticate(req, api);
    const q = params(AlertListParams, req);
    const orgIds = scopeFor(access, 'aggregates', q.org);
    const tier = escalationFor(access);
    const page = await store.queryDocuments<Alert>({
      collection: Collections.alerts,
      ...(orgIds ? { orgIds } : {}),
      where: {
        ...(q.status ? { status: q.status } : {}),
        ...(q.grade ? { grade: q.grade } : {}),
        ...(q.ruleId ? { ruleId: q.ruleId } : {}),
        ...(q.open !== undefined ? { open: q.open } : {}),
        ...(tier ? { escalateTo: tier } : {}),
      },
      ...(q.from ? { from: q.from.toISOString() } : {}),
      ...(q.to ? { to: q.to.toISOString() } : {}),
      order: 'desc', limit: q.limit ?? 100, ...(q.cursor ? { cursor: q.cursor } : {}),
    });
    res.json({ alerts: page.documents.map((d) => d.body), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  }));

  router.get('/alerts/:id', route(async (req, res) => {
    const access = authenticate(req, api);
    const doc = await alerts.get(String(req.params.id));
    if (!doc || !visibleAlert(access, doc.body)) throw new ApiProblem(404, 'not-found', `no alert ${String(req.params.id)}`);
    const audit = await alerts.auditTrail(doc.id);
    res.json({ alert: doc.body, audit });
  }));

  const triage = (what: string, change: (id: string, access: Access, req: express.Request) => Promise<Alert>) => route(async (req, res) => {
    const access = authenticate(req, api);
    requireEnterprise(access, what);
    const id = String(req.params.id);
    // One node owns an alert's lifecycle, the one that raised it; the copies above follow it by revision.
    const current = await alerts.get(id, [access.org.id]);
    if (current && current.body.originNode !== coordination.ctx.nodeId) {
      throw new ApiProblem(409, 'conflict', `alert ${id} was raised at node ${current.body.originNode}: triage it there (this copy follows it)`);
    }
    const alert = await change(id, access, req).catch(refusal);
    await onAlertChanged(coordination, alert);
    res.json({ alert });
  });

  router.post('/alerts/:id/status', triage('changing an alert\'s status', (id, access, req) => {
    const b = body(StatusBody, req);
    return alerts.changeStatus(id, b.status, access.principal.tokenId, [access.org.id], b.comment);
  }));
  router.post('/alerts/:id/assign', triage('assigning an alert', (id, access, req) =>
    alerts.assign(id, body(AssignBody, req).assignee, access.principal.tokenId, [access.org.id])));
  router.post('/alerts/:id/comments', triage('commenting on an alert', (id, access, req) =>
    alerts.comment(id, body(CommentBody, req).text, access.principal.tokenId, [access.org.id])));

  router.post('/suppressions', route(async (req, res) => {
    const access = authenticate(req, api);
    requireEnterprise(access, 'suppressing alerts');
    const b = body(SuppressionBody, req);
    if (b.org !== undefined && b.org !== access.org.id) throw new AccessDenied(`${access.org.id} can suppress its own alerts only`);
    const suppression = await alerts.suppress({
      orgId: access.org.id, ...(b.ruleId ? { ruleId: b.ruleId } : {}), match: b.match, reason: b.reason, expiresAt: b.expiresAt,
    }, access.principal.tokenId).catch(refusal);
    res.status(201).json({ suppression });
  }));

  router.get('/suppressions', route(async (req, res) => {
    const access = authenticate(req, api);
    requireEnterprise(access, 'reading suppressions');
    res.json({ suppressions: await alerts.activeSuppressions(access.org.id) });
  }));

  router.post('/advisories', route(async (req, res) => {
    const access = authenticate(req, api);
    requireIssuer(access, 'advisories');
    const b = body(AdvisoryBody, req);
    const targets = access.org.tier === 'provincial' ? provincialTargets(access, b.targets) : b.targets;
    const record = await coordination.advisories.issue({ ...b, targets, issuer: access.org.id }).catch(refusal);
    res.status(201).json({ advisory: visibleAdvisory(access, record) });
  }));

  router.get('/advisories', route(async (req, res) => {
    const access = authenticate(req, api);
    const records = await coordination.advisories.list((r) => visibleAdvisory(access, r) !== undefined);
    res.json({ advisories: records.map((r) => visibleAdvisory(access, r)) });
  }));

  // STIX 2.1 bundles, what MISP and OpenCTI speak: an advisory out, a bundle in as a new advisory.
  router.get('/advisories/:id/stix', route(async (req, res) => {
    const access = authenticate(req, api);
    const record = await coordination.advisories.get(String(req.params.id));
    const view = record && visibleAdvisory(access, record);
    if (!view) throw new ApiProblem(404, 'not-found', `no advisory ${String(req.params.id)}`);
    res.json(advisoryToStix(view.advisory, registry.get(view.advisory.issuer)?.name));
  }));

  router.post('/advisories/stix', route(async (req, res) => {
    const access = authenticate(req, api);
    requireIssuer(access, 'advisories');
    const b = body(StixImportBody, req);
    const imported = (() => {
      try {
        return stixToAdvisoryInput(b.bundle, { ...(b.grade ? { grade: b.grade } : {}), ...(b.targets ? { targets: b.targets } : {}) });
      } catch (err) {
        return refusal(err);
      }
    })();
    const input = access.org.tier === 'provincial' ? { ...imported.input, targets: provincialTargets(access, imported.input.targets) } : imported.input;
    const record = await coordination.advisories.issue({ ...input, issuer: access.org.id }).catch(refusal);
    res.status(201).json({ advisory: visibleAdvisory(access, record), skipped: imported.skipped });
  }));

  router.get('/advisories/:id', route(async (req, res) => {
    const access = authenticate(req, api);
    const record = await coordination.advisories.get(String(req.params.id));
    const view = record && visibleAdvisory(access, record);
    if (!view) throw new ApiProblem(404, 'not-found', `no advisory ${String(req.params.id)}`);
    res.json({ advisory: view });
  }));

  router.post('/advisories/:id/ack', route(async (req, res) => {
    const access = authenticate(req, api);
    requireEnterprise(access, 'acknowledging an advisory');
    const record = await coordination.advisories.acknowledge(String(req.params.id), access.org.id, access.principal.tokenId).catch(refusal);
    res.json({ advisory: visibleAdvisory(access, record) });
  }));

  router.post('/tasks', route(async (req, res) => {
    const access = authenticate(req, api);
    requireIssuer(access, 'tasks');
    const b = body(TaskBody, req);
    const outside = access.visible === undefined ? [] : b.targetOrgs.filter((o) => !access.visible!.includes(o));
    if (outside.length) throw new AccessDenied(`not overseen by ${access.org.id}: ${outside.join(', ')}`);
    const record = await coordination.tasks.issue({ ...b, issuer: access.org.id }).catch(refusal);
    res.status(201).json({ task: visibleTask(access, record, visibility) });
  }));

  router.get('/tasks', route(async (req, res) => {
    const access = authenticate(req, api);
    const records = await coordination.tasks.list((r) => visibleTask(access, r, visibility) !== undefined);
    res.json({ tasks: records.map((r) => visibleTask(access, r, visibility)) });
  }));

  router.get('/tasks/:id', route(async (req, res) => {
    const access = authenticate(req, api);
    const record = await coordination.tasks.get(String(req.params.id));
    const view = record && visibleTask(access, record, visibility);
    if (!view) throw new ApiProblem(404, 'not-found', `no task ${String(req.params.id)}`);
    res.json({ task: view });
  }));

  router.post('/tasks/:id/status', route(async (req, res) => {
    const access = authenticate(req, api);
    requireEnterprise(access, 'reporting on a task');
    const b = body(TaskReportBody, req);
    const record = await coordination.tasks.report(String(req.params.id), access.org.id, b.status, access.principal.tokenId, b.report).catch(refusal);
    res.json({ task: visibleTask(access, record, visibility) });
  }));

  router.post('/tasks/:id/ack', route(async (req, res) => {
    const access = authenticate(req, api);
    requireEnterprise(access, 'acknowledging a task');
    const record = await coordination.tasks.acknowledge(String(req.params.id), access.org.id, access.principal.tokenId).catch(refusal);
    res.json({ task: visibleTask(access, record, visibility) });
  }));

  router.get('/posture', route(async (req, res) => {
    const access = authenticate(req, api);
    const q = params(z.strictObject({ org: List.optional(), limit: Limit.optional() }), req);
    const orgIds = scopeFor(access, 'aggregates', q.org);
    res.json({ posture: await latestPosture(store, orgIds) });
  }));

  router.get('/federation/security-log', route(async (req, res) => {
    const access = authenticate(req, api);
    if (access.org.tier === 'enterprise') throw new AccessDenied('the federation security log is for the regulators running parent nodes');
    const q = params(z.strictObject({ limit: Limit.optional() }), req);
    res.json({ entries: await coordination.security.list(q.limit ?? 100) });
  }));

  return router;
}

/** A person changed an alert: its escalation path hears of it too. */
async function onAlertChanged(coordination: Coordination, alert: Alert): Promise<void> {
  await alertChanged(coordination.ctx, alert);
}
