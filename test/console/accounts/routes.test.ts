/**
 * Across every route of the console API: each refuses a caller with no
 * credential or an ended session (401), each state-changing route is in
 * the permission table (./console/accounts/change-routes.ts), and the
 * scoping of reads holds for logged-in users as for tokens: an enterprise
 * never reads another's alerts or events, a regulator never reads raw
 * events.
 */
import { expect } from 'chai';
import type { Alert } from '../../../core/alert.js';
import { ChangeRoutes, matchChangeRoute } from '../../../console/accounts/change-routes.js';
import { makeEvent } from '../../helpers/events.js';
import { DEMO_PASSWORDS, routesOf, startConsoleFixture, type ConsoleFixture } from './console-fixture.js';

const JINLING = 'js-jinling-motor';
const YANGTZE = 'js-yangtze-petro';

describe('console routes', function () {
  this.timeout(60_000);
  let fx: ConsoleFixture;
  let routes: { method: string; path: string }[];
  let yangtzeAlert: Alert;

  before(async () => {
    fx = await startConsoleFixture();
    routes = routesOf(fx.app);
    const time = new Date(Date.now() - 60_000).toISOString();
    const outcome = await fx.alerts.recordHit({ id: 'y1', kind: 'detection', ruleId: 'r-y', ruleTitle: 'Yangtze only', level: 'critical', tags: [], orgId: YANGTZE, time, detectedAt: time, eventIds: ['e'] });
    if (outcome.kind !== 'created') throw new Error(outcome.kind);
    yangtzeAlert = outcome.alert;
    await fx.store.appendEvents([
      makeEvent({ '@timestamp': '2026-11-25T10:00:00.000Z', org: { id: JINLING }, source: { ip: '2001:db8:10::5' }, message: 'jinling secret' }),
      makeEvent({ '@timestamp': '2026-11-25T10:00:01.000Z', org: { id: YANGTZE }, source: { ip: '10.11.2.50' }, message: 'yangtze secret' }),
    ]);
  });
  after(() => fx.close());

  it('finds the routes it is about to check', () => {
    expect(routes.length).to.be.greaterThan(25);
    expect(routes).to.deep.include({ method: 'POST', path: '/api/v1/alerts/:id/status' });
    expect(routes).to.deep.include({ method: 'GET', path: '/api/v1/audit-log' });
  });

  it('refuses every route but health and login without a credential, and with an ended session, over IPv4 and IPv6', async () => {
    const ended = await fx.login('js-jinling-motor-analyst', DEMO_PASSWORDS.enterprise);
    await fx.call('POST', '/api/v1/auth/logout', { session: ended.secret, csrf: ended.csrf });
    for (const { method, path } of routes) {
      if (path === '/api/v1/health' || path === '/api/v1/auth/login') continue;
      const url = path.replace(/:[a-z]+/gi, 'some-id');
      for (const host of ['127.0.0.1', '[::1]']) {
        const none = await fx.call(method, url, { host, ...(method === 'GET' ? {} : { body: {} }) });
        expect(none.status, `${method} ${url} without a credential`).to.equal(401);
        const stale = await fx.call(method, url, { host, session: ended.secret, csrf: ended.csrf, ...(method === 'GET' ? {} : { body: {} }) });
        expect(stale.status, `${method} ${url} with an ended session`).to.equal(401);
      }
    }
    expect((await fx.call('POST', '/api/v1/auth/login', { body: { user: 'x', password: 'y' } })).status).to.equal(401);
  });

  it('has every state-changing route in the permission table, and no entry without a route', () => {
    const changing = routes.filter((r) => r.method !== 'GET');
    for (const { method, path } of changing) {
      expect(matchChangeRoute(method, path.slice('/api/v1'.length)), `${method} ${path}`).to.not.equal(undefined);
    }
    for (const entry of ChangeRoutes) {
      expect(changing, `${entry.method} ${entry.path}`).to.deep.include({ method: entry.method, path: `/api/v1${entry.path}` });
    }
  });

  describe('scoping for logged-in users', () => {
    it('keeps another enterprise\'s alerts and events from an enterprise user, by id and by search', async () => {
      const { secret } = await fx.login('js-jinling-motor-analyst', DEMO_PASSWORDS.enterprise);
      expect((await fx.call('GET', `/api/v1/alerts/${yangtzeAlert.id}`, { session: secret })).status).to.equal(404);
      expect((await fx.call('GET', `/api/v1/alerts?org=${YANGTZE}`, { session: secret })).status).to.equal(403);
      const mine = await fx.call<{ alerts: Alert[] }>('GET', '/api/v1/alerts', { session: secret });
      expect(mine.body.alerts.map((a) => a.orgId)).to.not.include(YANGTZE);
      expect((await fx.call('GET', `/api/v1/events?org=${YANGTZE}`, { session: secret })).status).to.equal(403);
      const text = await fx.call<{ events: { org: { id: string } }[] }>('GET', '/api/v1/events?text=secret', { session: secret });
      expect(text.body.events.map((e) => e.org.id)).to.deep.equal([JINLING]);
      expect((await fx.call('GET', `/api/v1/events/count?org=${YANGTZE}`, { session: secret })).status).to.equal(403);
      const yangtze = await fx.login('js-yangtze-petro-analyst', DEMO_PASSWORDS.enterprise);
      expect((await fx.call('GET', `/api/v1/alerts/${yangtzeAlert.id}`, { session: yangtze.secret })).status).to.equal(200);
    });

    it('gives a provincial regulator aggregates, never raw events', async () => {
      const { secret } = await fx.login('js-industry-officer', DEMO_PASSWORDS.provincial);
      for (const path of ['/api/v1/events', '/api/v1/rule-hits', '/api/v1/dead-letters', '/api/v1/events?text=secret']) {
        const res = await fx.call('GET', path, { session: secret });
        expect(res.status, path).to.equal(403);
      }
      const agg = await fx.call<{ rows: { key: string[]; count: number }[] }>('GET', '/api/v1/events/aggregate?groupBy=org.id', { session: secret });
      expect(agg.status).to.equal(200);
      expect(agg.body.rows).to.deep.equal([{ key: [JINLING], count: 1 }, { key: [YANGTZE], count: 1 }]);
      expect((await fx.call('GET', '/api/v1/events/aggregate?groupBy=source.ip', { session: secret })).status).to.equal(403);
    });
  });
});
