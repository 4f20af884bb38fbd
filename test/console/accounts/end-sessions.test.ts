/**
 * Ending sessions, which is how they are rotated (a session is a random
 * secret kept hashed, and no key signs it): an admin logs one user out
 * everywhere, or every user within its reach at once, and those sessions'
 * cookies are refused from then on while the accounts stay usable. An
 * enterprise admin reaches its own org's users whose roles it may grant,
 * and no further; a node admin reaches every user of the node.
 */
import { expect } from 'chai';
import { DEMO_PASSWORDS, ENTERPRISE_ADMIN_TOKEN, NODE_ADMIN_TOKEN, startConsoleFixture, type ConsoleFixture } from './console-fixture.js';

const ANALYST = 'js-jinling-motor-analyst';
const JINLING_ADMIN = 'js-jinling-motor-admin'; // enterprise-admin and node-admin: beyond an enterprise admin's reach
const OFFICER = 'ncisc-officer';

describe('ending sessions', function () {
  this.timeout(60_000);
  let fx: ConsoleFixture;

  before(async () => {
    fx = await startConsoleFixture();
  });
  after(() => fx.close());

  const live = async (secret: string, host?: string): Promise<boolean> => {
    const status = (await fx.call('GET', '/api/v1/me', { session: secret, ...(host ? { host } : {}) })).status;
    if (status !== 200 && status !== 401) throw new Error(`GET /api/v1/me answered ${status}`);
    return status === 200;
  };

  describe('POST /api/v1/users/:id/end-sessions', () => {
    it('logs a user out everywhere, IPv4 and IPv6 sessions alike, and leaves others logged in', async () => {
      const first = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const second = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise, '[::1]');
      const officer = await fx.login(OFFICER, DEMO_PASSWORDS.national);
      const res = await fx.call('POST', `/api/v1/users/${ANALYST}/end-sessions`, { token: ENTERPRISE_ADMIN_TOKEN, host: '[::1]' });
      expect(res.status).to.equal(200);
      expect(res.body.sessionsEnded).to.equal(2);
      expect((res.body.user as { id: string }).id).to.equal(ANALYST);
      expect(await live(first.secret)).to.equal(false);
      expect(await live(second.secret, '[::1]')).to.equal(false);
      expect(await live(officer.secret)).to.equal(true);
      // The account is not disabled: the user logs in again.
      const again = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      expect(await live(again.secret)).to.equal(true);
    });

    it('works from a session too, with its CSRF header', async () => {
      const admin = await fx.login('ncisc-admin', DEMO_PASSWORDS.nodeAdmin);
      const analyst = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      expect((await fx.call('POST', `/api/v1/users/${ANALYST}/end-sessions`, { session: admin.secret })).status).to.equal(403);
      expect(await live(analyst.secret)).to.equal(true);
      const res = await fx.call('POST', `/api/v1/users/${ANALYST}/end-sessions`, { session: admin.secret, csrf: admin.csrf });
      expect(res.status).to.equal(200);
      expect(await live(analyst.secret)).to.equal(false);
    });

    it('refuses an enterprise admin a user beyond its reach (403) and another org\'s user (404)', async () => {
      const jinlingAdmin = await fx.login(JINLING_ADMIN, DEMO_PASSWORDS.enterprise);
      const officer = await fx.login(OFFICER, DEMO_PASSWORDS.national);
      expect((await fx.call('POST', `/api/v1/users/${JINLING_ADMIN}/end-sessions`, { token: ENTERPRISE_ADMIN_TOKEN })).status).to.equal(403);
      expect((await fx.call('POST', `/api/v1/users/${OFFICER}/end-sessions`, { token: ENTERPRISE_ADMIN_TOKEN })).status).to.equal(404);
      expect(await live(jinlingAdmin.secret)).to.equal(true);
      expect(await live(officer.secret)).to.equal(true);
    });
  });

  describe('POST /api/v1/users/end-sessions', () => {
    it('lets an enterprise admin log out its own org\'s users within its reach, and no one else', async () => {
      const analyst = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const jinlingAdmin = await fx.login(JINLING_ADMIN, DEMO_PASSWORDS.enterprise);
      const officer = await fx.login(OFFICER, DEMO_PASSWORDS.national);
      expect((await fx.call('POST', '/api/v1/users/end-sessions', { token: ENTERPRISE_ADMIN_TOKEN, body: { org: ['ncisc'] } })).status).to.equal(403);
      const res = await fx.call('POST', '/api/v1/users/end-sessions', { token: ENTERPRISE_ADMIN_TOKEN, body: {} });
      expect(res.status).to.equal(200);
      expect(res.body.sessionsEnded).to.be.at.least(1);
      expect(await live(analyst.secret)).to.equal(false);
      expect(await live(jinlingAdmin.secret)).to.equal(true);
      expect(await live(officer.secret)).to.equal(true);
    });

    it('lets a node admin log out the users of the orgs it names', async () => {
      const analyst = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const officer = await fx.login(OFFICER, DEMO_PASSWORDS.national);
      const res = await fx.call('POST', '/api/v1/users/end-sessions', { token: NODE_ADMIN_TOKEN, body: { org: ['ncisc'] } });
      expect(res.status).to.equal(200);
      expect(await live(officer.secret)).to.equal(false);
      expect(await live(analyst.secret)).to.equal(true);
    });

    it('lets a node admin log out everyone at once, without a body, its own session included', async () => {
      const sessions = [
        await fx.login(ANALYST, DEMO_PASSWORDS.enterprise),
        await fx.login(JINLING_ADMIN, DEMO_PASSWORDS.enterprise, '[::1]'),
        await fx.login(OFFICER, DEMO_PASSWORDS.national),
      ];
      const admin = await fx.login('ncisc-admin', DEMO_PASSWORDS.nodeAdmin);
      const res = await fx.call('POST', '/api/v1/users/end-sessions', { session: admin.secret, csrf: admin.csrf });
      expect(res.status).to.equal(200);
      expect(res.body.sessionsEnded).to.be.at.least(sessions.length + 1);
      expect(res.body.users).to.be.at.least(4);
      for (const s of [...sessions, admin]) expect(await live(s.secret)).to.equal(false);
    });

    it('is refused to a caller without manage-users (403)', async () => {
      const analyst = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const res = await fx.call('POST', '/api/v1/users/end-sessions', { session: analyst.secret, csrf: analyst.csrf, body: {} });
      expect(res.status).to.equal(403);
      expect(res.body.message).to.match(/missing permission "manage-users"/);
      expect(await live(analyst.secret)).to.equal(true);
    });
  });
});
