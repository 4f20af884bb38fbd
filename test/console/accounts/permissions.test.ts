/**
 * Roles decide who may change what: analysts triage and answer,
 * regulators and officers issue, admins manage users within their reach,
 * and a refusal names the missing permission. Logged-in users and API
 * tokens with roles alike.
 */
import { expect } from 'chai';
import type { Alert } from '../../../core/alert.js';
import type { RuleHit } from '../../../core/store/store.js';
import { DEMO_PASSWORDS, ENTERPRISE_NODE_ADMIN_TOKEN, NODE_ADMIN_TOKEN, startConsoleFixture, tokenOf, type ConsoleFixture } from './console-fixture.js';

const JINLING = 'js-jinling-motor';
const YANGTZE = 'js-yangtze-petro';

function hit(id: string, orgId: string, level: string): RuleHit {
  const time = new Date(Date.now() - 60_000).toISOString();
  return { id, kind: 'detection', ruleId: `rule-${id}`, ruleTitle: `A ${level} rule`, level, tags: [], orgId, time, detectedAt: time, eventIds: [`event-${id}`] };
}

interface Session { secret: string; csrf: string }

describe('console permissions', function () {
  this.timeout(60_000);
  let fx: ConsoleFixture;
  let alert: Alert;
  const sessions: Record<string, Session> = {};

  before(async () => {
    fx = await startConsoleFixture();
    const outcome = await fx.alerts.recordHit(hit('p1', JINLING, 'high'));
    if (outcome.kind !== 'created') throw new Error(outcome.kind);
    alert = outcome.alert;
    for (const [name, password] of [
      ['js-jinling-motor-analyst', DEMO_PASSWORDS.enterprise], ['js-industry-officer', DEMO_PASSWORDS.provincial],
      ['ncisc-officer', DEMO_PASSWORDS.national], ['ncisc-admin', DEMO_PASSWORDS.nodeAdmin],
    ] as const) {
      const { secret, csrf } = await fx.login(name, password);
      sessions[name] = { secret, csrf };
    }
  });
  after(() => fx.close());

  const as = (user: string, method: string, path: string, body?: unknown) =>
    fx.call(method, path, { session: sessions[user].secret, csrf: sessions[user].csrf, ...(body !== undefined ? { body } : {}) });

  describe('triage', () => {
    it('lets an enterprise analyst change its alert', async () => {
      const res = await as('js-jinling-motor-analyst', 'POST', `/api/v1/alerts/${alert.id}/status`, { status: 'acknowledged', comment: 'looking' });
      expect(res.status).to.equal(200);
      expect((res.body.alert as Alert).status).to.equal('acknowledged');
      // The actor on the alert's trail is the person.
      const detail = await as('js-jinling-motor-analyst', 'GET', `/api/v1/alerts/${alert.id}`);
      expect(JSON.stringify(detail.body.audit)).to.include('js-jinling-motor-analyst');
    });

    it('refuses a regulator, a node admin and a node-admin token, naming the missing permission', async () => {
      for (const user of ['js-industry-officer', 'ncisc-officer', 'ncisc-admin']) {
        const res = await as(user, 'POST', `/api/v1/alerts/${alert.id}/assign`, { assignee: 'me' });
        expect(res.status, user).to.equal(403);
        expect(res.body.message, user).to.match(/^missing permission "triage": it comes with the roles enterprise-analyst, enterprise-admin/);
      }
      // Same org as the alert, but node-admin is no analyst.
      const token = await fx.call('POST', `/api/v1/alerts/${alert.id}/comments`, { token: ENTERPRISE_NODE_ADMIN_TOKEN, body: { text: 'hi' } });
      expect(token.status).to.equal(403);
      expect(token.body.message).to.match(/missing permission "triage".*token token-jinling-node-admin has node-admin/);
    });

    it('checks the permission before the body, so a refused caller learns nothing from validation', async () => {
      const res = await as('js-industry-officer', 'POST', `/api/v1/alerts/${alert.id}/status`, { status: 'no-such-status' });
      expect(res.status).to.equal(403);
    });
  });

  describe('issuing and answering', () => {
    it('lets regulators and officers issue and refuses an analyst, naming "issue"', async () => {
      const advisory = await as('js-industry-officer', 'POST', '/api/v1/advisories', { title: 'Patch the PLCs', grade: 'III', targets: { orgs: [JINLING] } });
      expect(advisory.status).to.equal(201);
      const task = await as('ncisc-officer', 'POST', '/api/v1/tasks', {
        title: 'Check exposure', targetOrgs: [JINLING], deadline: new Date(Date.now() + 86_400_000).toISOString(), requiredActions: ['report'],
      });
      expect(task.status).to.equal(201);
      const refused = await as('js-jinling-motor-analyst', 'POST', '/api/v1/advisories', { title: 'Not mine', grade: 'IV' });
      expect(refused.status).to.equal(403);
      expect(refused.body.message).to.match(/^missing permission "issue": it comes with the roles provincial-regulator, national-officer/);
      expect((await as('ncisc-admin', 'POST', '/api/v1/advisories', { title: 'Not an officer', grade: 'IV' })).status).to.equal(403);
      // An analyst answers what it was sent.
      const id = (advisory.body.advisory as { advisory: { id: string } }).advisory.id;
      expect((await as('js-jinling-motor-analyst', 'POST', `/api/v1/advisories/${id}/ack`)).status).to.equal(200);
      expect((await as('js-industry-officer', 'POST', `/api/v1/advisories/${id}/ack`)).body.message).to.match(/missing permission "respond"/);
    });

    it('keeps the powers of a token file without roles', async () => {
      const res = await fx.call('POST', '/api/v1/advisories', { token: tokenOf('ncisc'), body: { title: 'From a script', grade: 'IV' } });
      expect(res.status).to.equal(201);
      expect((await fx.call('GET', '/api/v1/me', { token: tokenOf(JINLING) })).body).to.deep.include({ roles: ['enterprise-analyst'] });
    });
  });

  describe('managing users', () => {
    let lead: Session;

    before(async () => {
      // An enterprise admin without node-admin: the demo admins hold both.
      const made = await as('ncisc-admin', 'POST', '/api/v1/users', {
        id: 'yangtze-lead', org: YANGTZE, displayName: 'Yangtze security lead', roles: ['enterprise-admin'], password: 'lead-password-1',
      });
      expect(made.status).to.equal(201);
      expect(made.body.user).to.deep.include({ id: 'yangtze-lead', org: YANGTZE, roles: ['enterprise-admin'], disabled: false });
      expect(made.body.user).to.not.have.property('passwordHash');
      lead = await fx.login('yangtze-lead', 'lead-password-1');
    });

    const asLead = (method: string, path: string, body?: unknown) =>
      fx.call(method, path, { session: lead.secret, csrf: lead.csrf, ...(body !== undefined ? { body } : {}) });

    it('lets an enterprise admin add users to its own org, with enterprise roles only', async () => {
      const analyst = await asLead('POST', '/api/v1/users', { id: 'yangtze-night', displayName: 'Night shift', password: 'night-shift-password' });
      expect(analyst.status).to.equal(201);
      expect(analyst.body.user).to.deep.include({ org: YANGTZE, roles: ['enterprise-analyst'] });
      const elsewhere = await asLead('POST', '/api/v1/users', { id: 'intruder', org: JINLING, displayName: 'x', password: 'intruder-password' });
      expect(elsewhere.status).to.equal(403);
      expect(elsewhere.body.message).to.match(/own org only/);
      const escalate = await asLead('POST', '/api/v1/users', { id: 'yangtze-root', displayName: 'x', roles: ['node-admin'], password: 'escalate-password' });
      expect(escalate.status).to.equal(403);
      expect(escalate.body.message).to.match(/may grant enterprise-analyst, enterprise-admin only/);
    });

    it('shows an enterprise admin its own org\'s users only, and hides the others', async () => {
      const list = await asLead('GET', '/api/v1/users');
      expect(list.status).to.equal(200);
      const users = list.body.users as { id: string; org: string; passwordHash?: string }[];
      expect([...new Set(users.map((u) => u.org))]).to.deep.equal([YANGTZE]);
      expect(users.map((u) => u.id)).to.include.members(['yangtze-lead', 'yangtze-night', 'js-yangtze-petro-analyst']);
      expect(users.every((u) => u.passwordHash === undefined)).to.equal(true);
      expect((await asLead('GET', `/api/v1/users?org=${JINLING}`)).status).to.equal(403);
      expect((await asLead('GET', '/api/v1/users/js-jinling-motor-analyst')).status).to.equal(404);
      // The node admin sees every org.
      const all = await as('ncisc-admin', 'GET', '/api/v1/users?limit=1000');
      expect(new Set((all.body.users as { org: string }[]).map((u) => u.org)).size).to.be.greaterThan(5);
    });

    it('refuses an enterprise admin taking over its org\'s node-admin account', async () => {
      const res = await asLead('POST', '/api/v1/users/js-yangtze-petro-admin/password', { password: 'taken-over-password' });
      expect(res.status).to.equal(403);
      expect(res.body.message).to.match(/holds roles enterprise-admin, node-admin/);
      expect((await fx.login('js-yangtze-petro-admin', DEMO_PASSWORDS.enterprise)).answer.status).to.equal(200);
    });

    it('refuses an analyst, naming "manage-users"', async () => {
      const res = await as('js-jinling-motor-analyst', 'GET', '/api/v1/users');
      expect(res.status).to.equal(403);
      expect(res.body.message).to.match(/^missing permission "manage-users": it comes with the roles enterprise-admin, node-admin/);
    });

    it('refuses a role its org\'s tier cannot hold, and a weak password, with a 400 saying why', async () => {
      const national = await as('ncisc-admin', 'POST', '/api/v1/users', { id: 'odd-one', org: 'ncisc', displayName: 'x', roles: ['enterprise-analyst'], password: 'odd-one-password' });
      expect(national.status).to.equal(400);
      expect(national.body.message).to.equal('role enterprise-analyst is for enterprise orgs, and ncisc is national');
      const weak = await asLead('POST', '/api/v1/users', { id: 'weak-one', displayName: 'x', password: 'short' });
      expect(weak.status).to.equal(400);
      expect(weak.body.message).to.match(/password.*at least 10/);
      const taken = await asLead('POST', '/api/v1/users', { id: 'yangtze-night', displayName: 'x', password: 'another-password' });
      expect(taken.status).to.equal(409);
    });

    it('disables a user: its sessions end and it cannot log in; re-enabled it can', async () => {
      const night = await fx.login('yangtze-night', 'night-shift-password');
      expect((await asLead('POST', '/api/v1/users/yangtze-night/disable')).body).to.deep.include({ sessionsEnded: 1 });
      expect((await fx.call('GET', '/api/v1/me', { session: night.secret })).status).to.equal(401);
      expect((await fx.call('POST', '/api/v1/auth/login', { body: { user: 'yangtze-night', password: 'night-shift-password' } })).status).to.equal(401);
      expect((await asLead('POST', '/api/v1/users/yangtze-night/enable')).status).to.equal(200);
      expect((await fx.login('yangtze-night', 'night-shift-password')).answer.status).to.equal(200);
      const self = await asLead('POST', '/api/v1/users/yangtze-lead/disable');
      expect(self.status).to.equal(409);
    });

    it('resets a password: the old one and its sessions stop working', async () => {
      const before = await fx.login('yangtze-night', 'night-shift-password');
      const reset = await asLead('POST', '/api/v1/users/yangtze-night/password', { password: 'a-brand-new-password' });
      expect(reset.status).to.equal(200);
      expect((await fx.call('GET', '/api/v1/me', { session: before.secret })).status).to.equal(401);
      expect((await fx.call('POST', '/api/v1/auth/login', { body: { user: 'yangtze-night', password: 'night-shift-password' } })).status).to.equal(401);
      expect((await fx.login('yangtze-night', 'a-brand-new-password')).answer.status).to.equal(200);
    });

    it('lets a node-admin token manage users too', async () => {
      const res = await fx.call('POST', '/api/v1/users', { token: NODE_ADMIN_TOKEN, body: { id: 'gd-officer-2', org: 'gd-industry-regulator', displayName: 'Second officer', password: 'second-officer-pw' } });
      expect(res.status).to.equal(201);
      expect(res.body.user).to.deep.include({ roles: ['provincial-regulator'] });
    });
  });
});
