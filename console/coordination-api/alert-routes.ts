/**
 * The alert routes: the list and one alert with its audit trail, for every
 * tier as far as it sees; triage (status, assignee, comments) and
 * suppressions, for the enterprise that owns the alerts.
 */
import { z } from 'zod';
import type { Alert } from '../../core/alert.js';
import { Collections } from '../../core/store/documents.js';
import { AccessDenied, scopeFor, type Access } from '../access.js';
import { notFound, type ApiRoutes } from '../api-routes.js';
import { ApiProblem } from '../api-support.js';
import type { CoordinationApiDeps } from '../coordination-api.js';
import { alertChanged } from '../coordination/escalation.js';
import { visibleAlert } from '../live/visibility.js';
import { PageParams, pageOfItems } from './paging.js';
import {
  AlertListParams, AlertSchema, AssignBody, AuditEntrySchema, CommentBody, NextCursor, StatusBody, SuppressionBody, SuppressionSchema,
} from './schemas.js';
import { escalationFor, refusal, requireEnterprise } from './scoping.js';

const AlertAnswer = z.strictObject({ alert: AlertSchema });

const TRIAGE_DESCRIPTION = 'Only the enterprise that owns the alert, and only at the node that raised it: elsewhere the alert is a copy that follows its origin (409). Regulators and the national center read only.';

export function addAlertRoutes(routes: ApiRoutes, deps: CoordinationApiDeps): void {
  const { alerts, coordination } = deps;
  const { store } = coordination.ctx;

  routes.add({
    method: 'get', path: '/alerts', tag: 'alerts', summary: 'Alerts the caller sees, newest first, one page at a time',
    description: 'An enterprise sees all of its own alerts; a provincial regulator the alerts of the enterprises it oversees that were escalated to the province; the national center the alerts escalated to it, everywhere. `org` narrows within what the caller sees (an org outside it is a 403).',
    query: AlertListParams,
    response: z.strictObject({ alerts: z.array(AlertSchema), nextCursor: NextCursor }),
    handle: async ({ access, query: q }) => {
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
      return { alerts: page.documents.map((d) => d.body), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  });

  routes.add({
    method: 'get', path: '/alerts/:id', tag: 'alerts', summary: 'One alert with its audit trail, oldest entry first',
    description: 'The alerts the list shows the caller, and its own org\'s; any other is a 404.',
    response: z.strictObject({ alert: AlertSchema, audit: z.array(AuditEntrySchema) }),
    handle: async ({ access, path }) => {
      const doc = await alerts.get(path.id);
      if (!doc || !visibleAlert(access, doc.body)) throw notFound('alert', path.id);
      const audit = await alerts.auditTrail(doc.id);
      return { alert: doc.body, audit };
    },
  });

  /** Triage: the owning enterprise changes its alert at the node that raised it, and the escalation path hears of it. */
  const triage = async (access: Access, id: string, what: string, change: () => Promise<Alert>): Promise<{ alert: Alert }> => {
    requireEnterprise(access, what);
    // One node owns an alert's lifecycle, the one that raised it; the copies above follow it by revision.
    const current = await alerts.get(id, [access.org.id]);
    if (current && current.body.originNode !== coordination.ctx.nodeId) {
      throw new ApiProblem(409, 'conflict', `alert ${id} was raised at node ${current.body.originNode}: triage it there (this copy follows it)`);
    }
    const alert = await change().catch(refusal);
    await alertChanged(coordination.ctx, alert);
    return { alert };
  };

  routes.add({
    method: 'post', path: '/alerts/:id/status', tag: 'alerts', summary: 'Move an alert to another status, with an optional comment',
    description: TRIAGE_DESCRIPTION,
    body: StatusBody,
    refusals: { 409: 'the alert\'s status does not allow the change, it changed under this one, or it was raised at another node' },
    response: AlertAnswer,
    authorize: (a) => requireEnterprise(a, 'changing an alert\'s status'),
    handle: async ({ access, path, body }) => triage(access, path.id, 'changing an alert\'s status', () =>
      alerts.changeStatus(path.id, body.status, access.principal.tokenId, [access.org.id], body.comment)),
  });

  routes.add({
    method: 'post', path: '/alerts/:id/assign', tag: 'alerts', summary: 'Assign an alert to a person (an empty assignee unassigns)',
    description: TRIAGE_DESCRIPTION,
    body: AssignBody,
    refusals: { 409: 'the alert changed under this one, or it was raised at another node' },
    response: AlertAnswer,
    authorize: (a) => requireEnterprise(a, 'assigning an alert'),
    handle: async ({ access, path, body }) => triage(access, path.id, 'assigning an alert', () =>
      alerts.assign(path.id, body.assignee, access.principal.tokenId, [access.org.id])),
  });

  routes.add({
    method: 'post', path: '/alerts/:id/comments', tag: 'alerts', summary: 'Comment on an alert (kept in its audit trail)',
    description: TRIAGE_DESCRIPTION,
    body: CommentBody,
    refusals: { 409: 'the alert changed under this one, or it was raised at another node' },
    response: AlertAnswer,
    authorize: (a) => requireEnterprise(a, 'commenting on an alert'),
    handle: async ({ access, path, body }) => triage(access, path.id, 'commenting on an alert', () =>
      alerts.comment(path.id, body.text, access.principal.tokenId, [access.org.id])),
  });

  routes.add({
    method: 'post', path: '/suppressions', tag: 'alerts', summary: 'Suppress an org\'s alerts of a rule or a match until a time',
    description: 'An enterprise, for its own alerts only: hits matching the rule and the match (a subset of the group key) raise no alert until it expires. Regulators and the national center cannot.',
    body: SuppressionBody,
    status: 201,
    response: z.strictObject({ suppression: SuppressionSchema }),
    authorize: (a) => requireEnterprise(a, 'suppressing alerts'),
    handle: async ({ access, body: b }) => {
      requireEnterprise(access, 'suppressing alerts');
      if (b.org !== undefined && b.org !== access.org.id) throw new AccessDenied(`${access.org.id} can suppress its own alerts only`);
      const suppression = await alerts.suppress({
        orgId: access.org.id, ...(b.ruleId ? { ruleId: b.ruleId } : {}), match: b.match, reason: b.reason, expiresAt: b.expiresAt,
      }, access.principal.tokenId).catch(refusal);
      return { suppression };
    },
  });

  routes.add({
    method: 'get', path: '/suppressions', tag: 'alerts', summary: 'The caller\'s suppressions in force, newest first, one page at a time',
    description: 'An enterprise, its own; regulators and the national center have none (403). `from` and `to` range over when a suppression was made.',
    query: z.strictObject({
      ...PageParams,
      from: PageParams.from.describe('made at or after: ISO time, now, or -15m / -2h / -7d'),
      to: PageParams.to.describe('made before'),
    }),
    response: z.strictObject({ suppressions: z.array(SuppressionSchema), nextCursor: NextCursor }),
    authorize: (a) => requireEnterprise(a, 'reading suppressions'),
    handle: async ({ access, query }) => {
      requireEnterprise(access, 'reading suppressions');
      const page = pageOfItems(await alerts.activeSuppressions(access.org.id), 'suppressions', query, (s) => ({ at: s.createdAt, id: s.id }));
      return { suppressions: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  });
}
