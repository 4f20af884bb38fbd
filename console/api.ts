/**
 * The console's HTTP API under /api/v1, assembled: every route is declared
 * on the route registry (./api-routes.ts), which checks its query, body and
 * answer by zod and describes it in /api/v1/openapi.json (./openapi.ts).
 * Every request is authenticated by an API token or a login session and
 * scoped to what the caller's org may see (./access.ts).
 *
 * Before any route: the audit log's recorder, the session cookie (with its
 * CSRF check) and the permission gate of the state-changing routes
 * (./accounts/). Then the read routes (./read-api.ts), the accounts routes
 * (login, users, audit log), the rule page's and the coordination routes;
 * the federation's link endpoints; the web console's page; one JSON 404 and
 * one error handler (./api-errors.ts).
 */
import express from 'express';
import type { Express, Request, Response, Router } from 'express';
import type { OrgRegistry } from '../core/orgs.js';
import type { Store } from '../core/store/store.js';
import type { Logger } from '../collector/sources/types.js';
import { z } from 'zod';
import { Accounts } from './accounts/accounts.js';
import { addAccountRoutes } from './accounts/accounts-api.js';
import { auditMiddleware } from './accounts/audit-middleware.js';
import { permissionGate } from './accounts/change-routes.js';
import type { ApiTokens } from './api-tokens.js';
import { apiErrorHandler } from './api-errors.js';
import { apiHeaders } from './api-headers.js';
import { ApiRoutes } from './api-routes.js';
import { authenticate, sessionMiddleware } from './api-support.js';
import { addCoordinationRoutes, type CoordinationApiDeps } from './coordination-api.js';
import { addRuleRoutes, type RulesApiDeps } from './rules-api.js';
import { openApiDocument, type OpenApiInfo } from './openapi.js';
import { addReadRoutes } from './read-api.js';
import { webConsoleHandler } from './web/static.js';

export interface ApiDeps {
  readonly store: Store;
  readonly registry: OrgRegistry;
  readonly tokens: ApiTokens;
  readonly log: Logger;
  /** Alerts, advisories, tasks and posture (./coordination-api.ts), when the node runs them. */
  readonly coordination?: CoordinationApiDeps;
  /** The rule page's routes (./rules-api.ts), when the node runs rules. */
  readonly rules?: RulesApiDeps;
  /** The /federation/v1 link endpoints, when children link to this node on the console listener. */
  readonly federation?: Router;
  /**
   * Users, sessions, login limits and the audit log (./accounts/accounts.ts,
   * `Accounts.open` with the console section). Absent: built over `store`
   * with default settings and no users seeded.
   */
  readonly accounts?: Accounts;
}

const OPENAPI_INFO: OpenApiInfo = {
  title: 'iisa console API',
  version: '1',
  description: 'Alerts, events, advisories, tasks, posture, rules and accounts of one iisa node, scoped to the caller\'s org and tier.',
};

export function createConsoleApi(deps: ApiDeps): Express {
  const { store, registry } = deps;
  const accounts = deps.accounts ?? new Accounts({ store, registry, log: deps.log });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use('/api/v1', apiHeaders());

  // Before the audit log and the session: a probe is neither a change nor a person.
  const probes = new ApiRoutes(express.Router(), deps, deps.log);
  probes.add({
    method: 'get', path: '/health', tag: 'access', summary: 'Whether the console answers (no credential needed)', public: true,
    response: z.strictObject({ status: z.literal('ok') }),
    handle: async () => ({ status: 'ok' as const }),
  });
  app.use('/api/v1', probes.router);

  app.use('/api/v1', auditMiddleware({ audit: accounts.audit, log: deps.log }));
  app.use('/api/v1', sessionMiddleware({ registry, accounts }));
  app.use('/api/v1', permissionGate((req) => authenticate(req, deps)));

  const api = new ApiRoutes(express.Router(), deps, deps.log);
  addReadRoutes(api, deps);
  api.add({
    method: 'get', path: '/openapi.json', tag: 'access', summary: 'This description: every route, its parameters, body and answers',
    response: z.strictObject({
      openapi: z.literal('3.1.0'),
      info: z.strictObject({ title: z.string(), version: z.string(), description: z.string() }),
      paths: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))),
      components: z.record(z.string(), z.unknown()),
    }),
    handle: async () => description,
  });
  addAccountRoutes(api, deps, accounts);
  if (deps.rules) addRuleRoutes(api, deps, deps.rules);
  if (deps.coordination) addCoordinationRoutes(api, deps, deps.coordination);
  app.use('/api/v1', api.router);
  // Before any body parser: the link signature covers the raw body.
  if (deps.federation) app.use('/federation/v1', deps.federation);

  // Declared last: the description lists every route above, once.
  const description = openApiDocument([...probes.routes(), ...api.routes()], OPENAPI_INFO);

  // The web console's page and bundle (./web/static.ts): GET / and /assets/* only, everything else passes on.
  app.use(webConsoleHandler());

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not-found', message: 'no such endpoint under /api/v1' });
  });

  app.use(apiErrorHandler(deps.log));
  return app;
}
