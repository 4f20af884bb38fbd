/**
 * The task routes: emergency-response tasks issued by the national center
 * or a provincial regulator (to the enterprises it oversees), answered by
 * the target enterprises at their own nodes, and followed by everyone above
 * them (per target, and rolled up per province).
 */
import { z } from 'zod';
import { Collections } from '../../core/store/documents.js';
import { AccessDenied } from '../access.js';
import { notFound, type ApiRoutes } from '../api-routes.js';
import type { ApiDeps } from '../api.js';
import type { CoordinationApiDeps } from '../coordination-api.js';
import type { TaskRecord } from '../coordination/tasks.js';
import { visibleTask, type TaskView } from '../live/visibility.js';
import { PageParams, pageOfDocuments } from './paging.js';
import { NextCursor, TaskBody, TaskReportBody, TaskViewSchema } from './schemas.js';
import { ownView, refusal, requireEnterprise, requireIssuer } from './scoping.js';

const TaskAnswer = z.strictObject({ task: TaskViewSchema });

const WHO_SEES = 'The national center sees every task whole; another org, the tasks it issued or that target an org it sees, with the targets of the orgs it sees only (an enterprise: its own) and the rollup over those. Any other task is a 404.';

const TARGET_ONLY = 'A target enterprise, at its own node (the answer travels up to the issuer). Regulators and the national center cannot (403).';

export function addTaskRoutes(routes: ApiRoutes, api: ApiDeps, deps: CoordinationApiDeps): void {
  const { registry } = api;
  const { coordination } = deps;
  const visibility = { provinceOf: (org: string) => registry.get(org)?.province };

  routes.add({
    method: 'post', path: '/tasks', tag: 'tasks', summary: 'Issue a task to enterprises, with the actions required and a deadline',
    description: 'The national center, to any enterprise; a provincial regulator, to the enterprises it oversees (any other is a 403). The deadline must be in the future.',
    body: TaskBody,
    status: 201,
    response: TaskAnswer,
    authorize: (a) => requireIssuer(a, 'tasks'),
    handle: async ({ access, body: b }) => {
      requireIssuer(access, 'tasks');
      const visible = access.visible;
      const outside = visible === undefined ? [] : b.targetOrgs.filter((o) => !visible.includes(o));
      if (outside.length) throw new AccessDenied(`not overseen by ${access.org.id}: ${outside.join(', ')}`);
      const record = await coordination.tasks.issue({ ...b, issuer: access.org.id }).catch(refusal);
      return { task: ownView(visibleTask(access, record, visibility), 'task') };
    },
  });

  routes.add({
    method: 'get', path: '/tasks', tag: 'tasks', summary: 'Tasks the caller issued or is a target of, newest first, one page at a time',
    description: `${WHO_SEES} \`from\` and \`to\` range over when a task was issued.`,
    query: z.strictObject(PageParams),
    response: z.strictObject({ tasks: z.array(TaskViewSchema), nextCursor: NextCursor }),
    handle: async ({ access, query }) => {
      const page = await pageOfDocuments<TaskRecord, TaskView>(
        coordination.ctx.store, Collections.tasks, 'tasks', query, (r) => visibleTask(access, r, visibility));
      return { tasks: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  });

  routes.add({
    method: 'get', path: '/tasks/:id', tag: 'tasks', summary: 'One task with the status of each target',
    description: WHO_SEES,
    response: TaskAnswer,
    handle: async ({ access, path }) => {
      const record = await coordination.tasks.get(path.id);
      const view = record && visibleTask(access, record, visibility);
      if (!view) throw notFound('task', path.id);
      return { task: view };
    },
  });

  routes.add({
    method: 'post', path: '/tasks/:id/status', tag: 'tasks', summary: 'Report on a task: accepted, in progress, or done (with a report)',
    description: TARGET_ONLY,
    body: TaskReportBody,
    response: TaskAnswer,
    authorize: (a) => requireEnterprise(a, 'reporting on a task'),
    handle: async ({ access, path, body: b }) => {
      requireEnterprise(access, 'reporting on a task');
      const record = await coordination.tasks.report(path.id, access.org.id, b.status, access.principal.tokenId, b.report).catch(refusal);
      return { task: ownView(visibleTask(access, record, visibility), 'task') };
    },
  });

  routes.add({
    method: 'post', path: '/tasks/:id/ack', tag: 'tasks', summary: 'Acknowledge a task: a person at the enterprise has seen it',
    description: TARGET_ONLY,
    response: TaskAnswer,
    handle: async ({ access, path }) => {
      requireEnterprise(access, 'acknowledging a task');
      const record = await coordination.tasks.acknowledge(path.id, access.org.id, access.principal.tokenId).catch(refusal);
      return { task: ownView(visibleTask(access, record, visibility), 'task') };
    },
  });
}
