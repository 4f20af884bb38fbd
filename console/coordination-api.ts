/**
 * The coordination API under /api/v1: alerts (list, detail with the audit
 * trail, triage), suppressions, advisories and tasks (issue, list, answer),
 * and the posture summaries that came up from below. Every route knows the
 * caller (./api-routes.ts `call.access`) and shows it what its tier may
 * see:
 *   enterprise   its own alerts (all grades), triage, suppressions; the
 *                advisories and tasks addressed to it, which it answers
 *   provincial   alerts its enterprises escalated to the province, their
 *                posture and receipts; issues advisories and tasks within
 *                what it oversees
 *   national     alerts escalated to the national center, everyone's
 *                posture and receipts; issues advisories and tasks
 * The routes of each subject are in ./coordination-api/, with their
 * schemas (schemas.ts), the tier rules (scoping.ts) and the paging of the
 * lists (paging.ts).
 */
import { z } from 'zod';
import type { AlertBook } from '../detector/alerts/alert-book.js';
import { AccessDenied, scopeFor } from './access.js';
import type { ApiRoutes } from './api-routes.js';
import type { ApiDeps } from './api.js';
import { addAdvisoryRoutes } from './coordination-api/advisory-routes.js';
import { addAlertRoutes } from './coordination-api/alert-routes.js';
import { PostureHistoryParams, PostureParams, PostureSchema, SecurityEntrySchema, SecurityLogParams } from './coordination-api/schemas.js';
import { addTaskRoutes } from './coordination-api/task-routes.js';
import type { Coordination } from './coordination/coordination.js';
import { latestPosture, postureHistory } from './coordination/posture-store.js';

const DAY_MS = 86_400_000;

export interface CoordinationApiDeps {
  readonly alerts: AlertBook;
  readonly coordination: Coordination;
}

export function addCoordinationRoutes(routes: ApiRoutes, api: ApiDeps, deps: CoordinationApiDeps): void {
  const { coordination } = deps;
  addAlertRoutes(routes, deps);
  addAdvisoryRoutes(routes, api, deps);
  addTaskRoutes(routes, api, deps);

  routes.add({
    method: 'get', path: '/posture', tag: 'posture', summary: 'The newest posture summary of each org the caller sees',
    description: 'Aggregates only (alert, source and task counts per period), which every tier may read: an enterprise its own, a provincial regulator the enterprises it oversees, the national center every org. `org` narrows within that (an org outside it is a 403).',
    query: PostureParams,
    response: z.strictObject({ posture: z.array(PostureSchema) }),
    handle: async ({ access, query: q }) => {
      const orgIds = scopeFor(access, 'aggregates', q.org);
      const posture = await latestPosture(coordination.ctx.store, orgIds);
      return { posture: q.limit === undefined ? posture : posture.slice(0, q.limit) };
    },
  });

  routes.add({
    method: 'get', path: '/posture/history', tag: 'posture', summary: 'Every period\'s posture summary of the orgs the caller sees, oldest first',
    description: 'What the overviews add up over a day (top rules and techniques, grade counts over time): the same aggregates as GET /posture, one summary per org and period (5 minutes by default).',
    query: PostureHistoryParams,
    response: z.strictObject({ posture: z.array(PostureSchema), nextCursor: z.string().optional().describe('pass back as `cursor` for the next page; absent on the last page') }),
    handle: async ({ access, query: q }) => {
      const orgIds = scopeFor(access, 'aggregates', q.org);
      const to = q.to ?? new Date();
      const from = q.from ?? new Date(to.getTime() - DAY_MS);
      return postureHistory(coordination.ctx.store, { orgIds, from, ...(q.to ? { to: q.to } : {}), limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
    },
  });

  routes.add({
    method: 'get', path: '/federation/security-log', tag: 'federation', summary: 'Refused federation requests and items, newest first',
    description: 'For the regulators and the national center, who run parent nodes: forged, replayed and out-of-scope link requests and items, one entry per kind of refusal and minute with a count of the repeats. Enterprises are refused (403).',
    query: SecurityLogParams,
    response: z.strictObject({ entries: z.array(SecurityEntrySchema) }),
    authorize: (access) => {
      if (access.org.tier === 'enterprise') throw new AccessDenied('the federation security log is for the regulators running parent nodes');
    },
    handle: async ({ query: q }) => ({ entries: await coordination.security.list(q.limit ?? 100) }),
  });
}
