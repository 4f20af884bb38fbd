/**
 * The access-control matrix: every route of the console API (as the route
 * table lists them, so a new route cannot skip it) against every kind of
 * caller. A cell the table allows must get past access control (any answer
 * but 401 and 403: a 400 for the empty request, a 404 for a made-up id);
 * a cell it does not allow must be refused with 403, whatever the request
 * holds. A route missing from the table fails the test.
 *
 * What a caller then sees inside an allowed route (its own org's records
 * only, aggregates only for a regulator) is tested per route elsewhere
 * (api.test.ts, coordination-api.test.ts, accounts/routes.test.ts).
 */
import { expect } from 'chai';
import {
  ENTERPRISE_ADMIN_TOKEN, ENTERPRISE_NODE_ADMIN_TOKEN, NODE_ADMIN_TOKEN, routesOf, startConsoleFixture, tokenOf, type ConsoleFixture,
} from './accounts/console-fixture.js';

/** The kinds of caller, each an API token of the role it names. */
const Callers = {
  analyst: tokenOf('js-jinling-motor'), // enterprise-analyst: triage, suppress, respond
  entAdmin: ENTERPRISE_ADMIN_TOKEN, // enterprise-admin: the analyst's, plus users and audit of its own org
  entNodeAdmin: ENTERPRISE_NODE_ADMIN_TOKEN, // node-admin at an enterprise: users and audit, no triage
  regulator: tokenOf('js-industry-regulator'), // provincial-regulator: issue; aggregates only
  national: tokenOf('ncisc'), // national-officer: issue; every org's records
  nodeAdmin: NODE_ADMIN_TOKEN, // node-admin at the national center: users and audit, no issuing
} as const;
type Caller = keyof typeof Callers;
const Everyone: readonly Caller[] = Object.keys(Callers) as Caller[];

const but = (...out: Caller[]): Caller[] => Everyone.filter((c) => !out.includes(c));
/** Who reads records (events, hits, dead letters, hunting): everyone but a regulator. */
const RecordReaders = but('regulator');
const Triage: Caller[] = ['analyst', 'entAdmin'];
const Issuers: Caller[] = ['regulator', 'national'];
const Admins: Caller[] = ['entAdmin', 'entNodeAdmin', 'nodeAdmin'];
const EnterpriseTier: Caller[] = ['analyst', 'entAdmin', 'entNodeAdmin'];

/** Who may call each route: "METHOD /path" as the route table has it (relative to /api/v1). */
const Matrix: Readonly<Record<string, readonly Caller[] | 'public'>> = {
  'GET /health': 'public',
  'POST /auth/login': 'public',
  'POST /auth/logout': 'public',
  'GET /auth/session': 'public',
  'GET /me': Everyone,
  'GET /orgs': Everyone,
  'GET /openapi.json': Everyone,
  'GET /events': RecordReaders,
  'GET /events/count': Everyone,
  'GET /events/aggregate': Everyone,
  'GET /rule-hits': RecordReaders,
  'GET /dead-letters': RecordReaders,
  'GET /users': Admins,
  'GET /users/:id': Admins,
  'POST /users': Admins,
  'POST /users/:id/disable': Admins,
  'POST /users/:id/enable': Admins,
  'POST /users/:id/password': Admins,
  'POST /users/:id/end-sessions': Admins,
  'POST /users/end-sessions': Admins,
  'GET /audit-log': Admins,
  'GET /rules': Everyone,
  'POST /hunt': RecordReaders,
  'GET /alerts': Everyone,
  'GET /alerts/:id': Everyone,
  'POST /alerts/:id/status': Triage,
  'POST /alerts/:id/assign': Triage,
  'POST /alerts/:id/comments': Triage,
  'POST /suppressions': Triage,
  'GET /suppressions': EnterpriseTier,
  'POST /advisories': Issuers,
  'GET /advisories': Everyone,
  'GET /advisories/:id/stix': Everyone,
  'POST /advisories/stix': Issuers,
  'GET /advisories/:id': Everyone,
  'POST /advisories/:id/ack': Triage,
  'POST /tasks': Issuers,
  'GET /tasks': Everyone,
  'GET /tasks/:id': Everyone,
  'POST /tasks/:id/status': Triage,
  'POST /tasks/:id/ack': Triage,
  'GET /posture': Everyone,
  'GET /posture/history': Everyone,
  'GET /federation/security-log': ['regulator', 'national', 'nodeAdmin'],
};

describe('access-control matrix over every route and kind of caller', function () {
  this.timeout(60_000);
  let fx: ConsoleFixture;
  let routes: { method: string; path: string }[];

  before(async () => {
    fx = await startConsoleFixture();
    routes = routesOf(fx.app).map((r) => ({ method: r.method, path: r.path.slice('/api/v1'.length) }));
  });
  after(() => fx.close());

  it('has a row for every route the console answers, and no row without a route', () => {
    const answered = routes.map((r) => `${r.method} ${r.path}`).sort();
    expect(answered.length).to.be.greaterThan(35);
    expect(Object.keys(Matrix).sort()).to.deep.equal(answered);
  });

  it('lets exactly the allowed cells past access control, with an empty body and with a malformed one', async () => {
    const wrong: string[] = [];
    let cells = 0;
    for (const { method, path } of routes) {
      const allowed = Matrix[`${method} ${path}`];
      if (allowed === undefined || allowed === 'public') continue;
      const url = `/api/v1${path.replace(/:[a-z]+/gi, 'no-such-id')}`;
      for (const caller of Everyone) {
        // An empty body, and for a change an absurd one: neither may turn a refusal into anything else.
        const bodies = method === 'GET' ? [undefined] : [{}, { org: 'gd-pearl-electronics', status: 'resolved', x: 'y'.repeat(100) }];
        for (const body of bodies) {
          const answer = await fx.call(method, url, { token: Callers[caller], ...(body === undefined ? {} : { body }) });
          cells++;
          const passed = answer.status !== 401 && answer.status !== 403;
          if (allowed.includes(caller) !== passed) {
            wrong.push(`${caller} ${method} ${path}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)} (${allowed.includes(caller) ? 'allowed' : 'refused'} by the matrix)`);
          } else if (!passed && answer.status !== 403) {
            wrong.push(`${caller} ${method} ${path}: ${answer.status}, a refusal must be 403`);
          }
        }
      }
    }
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
    expect(cells).to.be.greaterThan(250);
  });

  it('refuses every route but the public ones to a caller without a credential and to an unknown token (401)', async () => {
    for (const { method, path } of routes) {
      if (Matrix[`${method} ${path}`] === 'public') continue;
      const url = `/api/v1${path.replace(/:[a-z]+/gi, 'no-such-id')}`;
      for (const token of [undefined, 'not-a-token-at-all-000000']) {
        const answer = await fx.call(method, url, { ...(token ? { token } : {}), ...(method === 'GET' ? {} : { body: {} }) });
        expect(answer.status, `${method} ${path} with ${token ?? 'no credential'}`).to.equal(401);
      }
    }
  });
});
