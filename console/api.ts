/**
 * The console's read API under /api/v1: events, counts and aggregates, rule
 * hits and dead letters from the Store, each request authenticated by an API
 * token or a login session and scoped to what the caller's org may see
 * (./access.ts). Query strings are checked by zod (./query-schemas.ts); a
 * bad one is a 400 naming the parameter.
 *
 * Before any route: the audit log's recorder, the session cookie (with its
 * CSRF check) and the permission gate of the state-changing routes
 * (./accounts/). Then the accounts routes (login, users, audit log), the
 * rule page's and the coordination routes.
 */
import express from 'express';
import type { Express, NextFunction, Request, Response, Router } from 'express';
import type { OrgRegistry } from '../core/orgs.js';
import type { Store } from '../core/store/store.js';
import type { Logger } from '../collector/sources/types.js';
import { AccessDenied, checkAggregateQuery, scopeFor } from './access.js';
import { Accounts } from './accounts/accounts.js';
import { accountsRouter } from './accounts/accounts-api.js';
import { auditMiddleware } from './accounts/audit-middleware.js';
import { permissionGate } from './accounts/change-routes.js';
import type { ApiTokens } from './api-tokens.js';
import { ApiProblem, authenticate, params, route, sessionMiddleware } from './api-support.js';
import { coordinationRouter, type CoordinationApiDeps } from './coordination-api.js';
import { rulesRouter, type RulesApiDeps } from './rules-api.js';
import { AggregateParams, DeadLetterParams, EventCountParams, EventSearchParams, RuleHitParams } from './query-schemas.js';
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

export function createConsoleApi(deps: ApiDeps): Express {
  const { store, registry } = deps;
  const accounts = deps.accounts ?? new Accounts({ store, registry, log: deps.log });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/api/v1/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use('/api/v1', auditMiddleware({ audit: accounts.audit, log: deps.log }));
  app.use('/api/v1', sessionMiddleware({ registry, accounts }));
  app.use('/api/v1', permissionGate((req) => authenticate(req, deps)));

  app.get('/api/v1/me', route(async (req, res) => {
    const access = authenticate(req, deps);
    res.json({
      // `token` names the caller whichever kind it is (scripts read it since before accounts).
      token: access.principal.tokenId, kind: access.principal.kind, org: access.org.id, tier: access.org.tier,
      roles: access.roles, permissions: [...access.permissions],
      visibleOrgs: access.visible ?? registry.all().map((o) => o.id), records: access.records,
    });
  }));

  app.get('/api/v1/events', route(async (req, res) => {
    const access = authenticate(req, deps);
    const q = params(EventSearchParams, req);
    const page = await store.searchEvents({
      orgIds: scopeFor(access, 'records', q.org), from: q.from, to: q.to, filters: q.filter, text: q.text,
      limit: q.limit, order: q.order, cursor: q.cursor,
    });
    res.json(page);
  }));

  app.get('/api/v1/events/count', route(async (req, res) => {
    const access = authenticate(req, deps);
    const q = params(EventCountParams, req);
    checkAggregateQuery(access, { filters: q.filter, text: q.text });
    const count = await store.countEvents({ orgIds: scopeFor(access, 'aggregates', q.org), from: q.from, to: q.to, filters: q.filter, text: q.text });
    res.json({ count });
  }));

  app.get('/api/v1/events/aggregate', route(async (req, res) => {
    const access = authenticate(req, deps);
    const q = params(AggregateParams, req);
    checkAggregateQuery(access, { groupBy: q.groupBy, filters: q.filter, text: q.text });
    const rows = await store.aggregateEvents({
      orgIds: scopeFor(access, 'aggregates', q.org), from: q.from, to: q.to, filters: q.filter, text: q.text,
      groupBy: q.groupBy, bucketSeconds: q.bucketSeconds, limit: q.limit,
    });
    res.json({ rows });
  }));

  app.get('/api/v1/rule-hits', route(async (req, res) => {
    const access = authenticate(req, deps);
    const q = params(RuleHitParams, req);
    const hits = await store.searchRuleHits({ orgIds: scopeFor(access, 'records', q.org), from: q.from, to: q.to, ruleId: q.ruleId, kind: q.kind, limit: q.limit });
    res.json({ hits });
  }));

  app.get('/api/v1/dead-letters', route(async (req, res) => {
    const access = authenticate(req, deps);
    const q = params(DeadLetterParams, req);
    const letters = await store.searchDeadLetters({ orgIds: scopeFor(access, 'records', q.org), from: q.from, to: q.to, source: q.source, code: q.code, limit: q.limit });
    res.json({ deadLetters: letters });
  }));

  app.use('/api/v1', accountsRouter(deps, accounts));
  if (deps.rules) app.use('/api/v1', rulesRouter(deps, deps.rules));
  if (deps.coordination) app.use('/api/v1', coordinationRouter(deps, deps.coordination));
  // Before any body parser: the link signature covers the raw body.
  if (deps.federation) app.use('/federation/v1', deps.federation);

  // The web console's page and bundle (./web/static.ts): GET / and /assets/* only, everything else passes on.
  app.use(webConsoleHandler());

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not-found', message: 'no such endpoint under /api/v1' });
  });

  // Express recognises an error handler by its four parameters.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    if (err instanceof ApiProblem) {
      res.set(err.headers).status(err.status).json({ error: err.code, message: err.message });
      return;
    }
    if (err instanceof AccessDenied) {
      res.status(403).json({ error: 'forbidden', message: err.message });
      return;
    }
    // Body parser refusals (malformed JSON, too large) carry their 4xx status.
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: 'bad-request', message: `request body: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    // Stores refuse a malformed query (bad cursor, field name, bucket size) with a TypeError or RangeError saying why.
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof TypeError || err instanceof RangeError) {
      res.status(400).json({ error: 'bad-request', message });
      return;
    }
    deps.log.error('console api failed', { error: message });
    res.status(503).json({ error: 'unavailable', message: 'the store did not answer; try again shortly' });
  });
  return app;
}
