/**
 * The audit log: every change that succeeded and every refusal for want of
 * a permission is on record (who, org, route pattern, target, status,
 * address) before the answer leaves; malformed requests are not; a node
 * admin reads it all, an enterprise admin its own org's entries, by time
 * range and page.
 */
import { expect } from 'chai';
import type { Alert } from '../../../core/alert.js';
import type { AuditEntry } from '../../../console/accounts/audit-log.js';
import { DEMO_PASSWORDS, startConsoleFixture, tokenOf, type ConsoleFixture } from './console-fixture.js';

const JINLING = 'js-jinling-motor';

describe('console audit log', function () {
  this.timeout(60_000);
  let fx: ConsoleFixture;
  let alert: Alert;
  let analyst: { secret: string; csrf: string };
  let officer: { secret: string; csrf: string };
  let admin: { secret: string; csrf: string };
  let jinlingAdmin: { secret: string; csrf: string };

  before(async () => {
    fx = await startConsoleFixture();
    const time = new Date(Date.now() - 60_000).toISOString();
    const outcome = await fx.alerts.recordHit({ id: 'a1', kind: 'detection', ruleId: 'r-audit', ruleTitle: 'Audit me', level: 'high', tags: [], orgId: JINLING, time, detectedAt: time, eventIds: ['e1'] });
    if (outcome.kind !== 'created') throw new Error(outcome.kind);
    alert = outcome.alert;
    analyst = await fx.login('js-jinling-motor-analyst', DEMO_PASSWORDS.enterprise, '[::1]');
    officer = await fx.login('js-industry-officer', DEMO_PASSWORDS.provincial);
    admin = await fx.login('ncisc-admin', DEMO_PASSWORDS.nodeAdmin);
    jinlingAdmin = await fx.login('js-jinling-motor-admin', DEMO_PASSWORDS.enterprise);
  });
  after(() => fx.close());

  async function entries(query = ''): Promise<AuditEntry[]> {
    const res = await fx.call<{ entries: AuditEntry[] }>('GET', `/api/v1/audit-log?limit=1000${query}`, { session: admin.secret });
    expect(res.status).to.equal(200);
    return res.body.entries;
  }

  it('records a change with who, from where, the route pattern and the target, before answering', async () => {
    const res = await fx.call('POST', `/api/v1/alerts/${alert.id}/status`, { session: analyst.secret, csrf: analyst.csrf, body: { status: 'acknowledged' }, host: '[::1]' });
    expect(res.status).to.equal(200);
    // No waiting: the entry was written before the answer was sent.
    const [entry] = await entries(`&actor=js-jinling-motor-analyst&outcome=ok`);
    expect(entry).to.deep.include({
      actor: 'js-jinling-motor-analyst', actorKind: 'user', org: JINLING, method: 'POST', route: '/api/v1/alerts/:id/status',
      target: alert.id, status: 200, outcome: 'ok', remote: '::1',
    });
    expect(Date.parse(entry.at)).to.equal(fx.clock.now);
  });

  it('records a refusal for permission with its reason, and a CSRF refusal', async () => {
    const refused = await fx.call('POST', `/api/v1/alerts/${alert.id}/assign`, { session: officer.secret, csrf: officer.csrf, body: { assignee: 'x' } });
    expect(refused.status).to.equal(403);
    const noCsrf = await fx.call('POST', '/api/v1/advisories', { session: officer.secret, body: { title: 'No header', grade: 'IV' } });
    expect(noCsrf.status).to.equal(403);
    const [csrf, perm] = await entries('&actor=js-industry-officer&outcome=refused');
    expect(perm).to.deep.include({ actor: 'js-industry-officer', org: 'js-industry-regulator', route: '/api/v1/alerts/:id/assign', target: alert.id, status: 403, remote: '127.0.0.1' });
    expect(perm.reason).to.match(/missing permission "triage"/);
    expect(csrf).to.deep.include({ route: '/api/v1/advisories', status: 403, outcome: 'refused' });
    expect(csrf.reason).to.match(/x-iisa-csrf/);
  });

  it('records what a token changed, with the id the answer gave', async () => {
    const res = await fx.call<{ advisory: { advisory: { id: string } } }>('POST', '/api/v1/advisories', { token: tokenOf('ncisc'), body: { title: 'From a script', grade: 'IV' } });
    expect(res.status).to.equal(201);
    const [entry] = await entries('&actor=token-ncisc');
    expect(entry).to.deep.include({ actorKind: 'token', org: 'ncisc', route: '/api/v1/advisories', target: res.body.advisory.advisory.id, status: 201 });
  });

  it('records logins and logouts, and leaves out malformed requests, conflicts and unknown paths', async () => {
    const before = (await entries()).length;
    expect((await fx.call('POST', `/api/v1/alerts/${alert.id}/status`, { session: analyst.secret, csrf: analyst.csrf, body: { status: 'bogus' } })).status).to.equal(400);
    expect((await fx.call('POST', `/api/v1/alerts/${alert.id}/status`, { session: analyst.secret, csrf: analyst.csrf, body: { status: 'acknowledged' } })).status).to.equal(409);
    expect((await fx.call('POST', '/api/v1/no-such-thing', { session: analyst.secret, csrf: analyst.csrf, body: {} })).status).to.equal(404);
    expect((await fx.call('POST', '/api/v1/auth/login', { body: { user: 'gd-gearcloud-analyst', password: 'wrong-password' } })).status).to.equal(401);
    expect(await entries()).to.have.length(before);
    const session = await fx.login('gd-gearcloud-analyst', DEMO_PASSWORDS.enterprise);
    await fx.call('POST', '/api/v1/auth/logout', { session: session.secret, csrf: session.csrf });
    const [logout, login] = await entries('&actor=gd-gearcloud-analyst');
    expect(login).to.deep.include({ route: '/api/v1/auth/login', target: 'gd-gearcloud-analyst', org: 'gd-gearcloud', status: 200 });
    expect(logout).to.deep.include({ route: '/api/v1/auth/logout', target: 'gd-gearcloud-analyst', status: 200 });
  });

  it('shows an enterprise admin its own org\'s entries, including a node admin\'s change to its users', async () => {
    const made = await fx.call('POST', '/api/v1/users', { session: admin.secret, csrf: admin.csrf, body: { id: 'jinling-temp', org: JINLING, displayName: 'Temp', password: 'temporary-password' } });
    expect(made.status).to.equal(201);
    // The demo Jinling admin also holds node-admin; an enterprise-admin-only account has the org reach.
    await fx.call('POST', '/api/v1/users', { session: admin.secret, csrf: admin.csrf, body: { id: 'jinling-lead', org: JINLING, displayName: 'Lead', roles: ['enterprise-admin'], password: 'jinling-lead-password' } });
    const lead = await fx.login('jinling-lead', 'jinling-lead-password');
    const res = await fx.call<{ entries: AuditEntry[] }>('GET', '/api/v1/audit-log?limit=1000', { session: lead.secret });
    expect(res.status).to.equal(200);
    expect(res.body.entries.length).to.be.greaterThan(3);
    expect(res.body.entries.every((e) => e.org === JINLING || e.targetOrg === JINLING)).to.equal(true);
    expect(res.body.entries.some((e) => e.actor === 'ncisc-admin' && e.target === 'jinling-temp' && e.targetOrg === JINLING)).to.equal(true);
    expect((await fx.call('GET', '/api/v1/audit-log?org=ncisc', { session: lead.secret })).status).to.equal(403);
    // The node admin sees the others' too.
    expect((await entries()).some((e) => e.org === 'js-industry-regulator')).to.equal(true);
    expect((await fx.call('GET', '/api/v1/audit-log', { session: jinlingAdmin.secret })).status).to.equal(200);
  });

  it('refuses readers without read-audit, naming it', async () => {
    const res = await fx.call('GET', '/api/v1/audit-log', { session: analyst.secret });
    expect(res.status).to.equal(403);
    expect(res.body.message).to.match(/^missing permission "read-audit"/);
  });

  it('answers a time range, newest first, a page at a time', async () => {
    const start = fx.clock.now + 3_600_000;
    fx.clock.now = start;
    // An hour on, the morning's sessions have gone idle.
    analyst = await fx.login('js-jinling-motor-analyst', DEMO_PASSWORDS.enterprise);
    admin = await fx.login('ncisc-admin', DEMO_PASSWORDS.nodeAdmin);
    for (let i = 0; i < 5; i++) {
      fx.clock.now = start + i * 60_000;
      const res = await fx.call('POST', '/api/v1/suppressions', {
        session: analyst.secret, csrf: analyst.csrf,
        body: { ruleId: `r-${i}`, reason: 'paging test', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
      });
      expect(res.status).to.equal(201);
    }
    const from = new Date(start + 60_000).toISOString();
    const to = new Date(start + 4 * 60_000).toISOString();
    const page1 = await fx.call<{ entries: AuditEntry[]; nextCursor?: string }>('GET', `/api/v1/audit-log?from=${from}&to=${to}&limit=2`, { session: admin.secret });
    expect(page1.body.entries.map((e) => e.at)).to.deep.equal([start + 3 * 60_000, start + 2 * 60_000].map((t) => new Date(t).toISOString()));
    expect(page1.body.entries.every((e) => e.route === '/api/v1/suppressions' && typeof e.target === 'string')).to.equal(true);
    const page2 = await fx.call<{ entries: AuditEntry[]; nextCursor?: string }>('GET', `/api/v1/audit-log?from=${from}&to=${to}&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor!)}`, { session: admin.secret });
    expect(page2.body.entries.map((e) => e.at)).to.deep.equal([new Date(start + 60_000).toISOString()]);
    expect(page2.body.nextCursor).to.equal(undefined);
    const bad = await fx.call('GET', '/api/v1/audit-log?from=yesterday-ish', { session: admin.secret });
    expect(bad.status).to.equal(400);
    expect(bad.body.message).to.match(/from/);
  });
});
