/**
 * Login sessions over HTTP: the cookie and its flags, who is logged in,
 * logout, idle and absolute expiry on an injected clock, the CSRF header on
 * changes, and that the store keeps only the secret's hash.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Collections } from '../../../core/store/documents.js';
import { sessionAuthenticator } from '../../../console/accounts/session-auth.js';
import { haveOpenssl, makeLinkPki } from '../federation/link-pki.js';
import { cookieSecret, DEMO_PASSWORDS, startConsoleFixture, tokenOf, type ConsoleFixture } from './console-fixture.js';

const ANALYST = 'js-jinling-motor-analyst';

describe('console sessions', function () {
  this.timeout(30_000);
  let fx: ConsoleFixture;

  before(async () => {
    fx = await startConsoleFixture({ config: { sessions: { idleMinutes: 30, absoluteHours: 8, liveCheckSeconds: 15 } } });
  });
  after(() => fx.close());

  describe('POST /api/v1/auth/login', () => {
    it('sets an HttpOnly, SameSite=Strict session cookie and answers the user, org and CSRF token', async () => {
      const { answer, secret, csrf } = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise, '[::1]');
      const cookie = answer.headers.get('set-cookie')!;
      expect(cookie).to.match(/^iisa_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
      expect(cookie).to.not.match(/Secure/);
      expect(answer.body).to.deep.include({ user: { id: ANALYST, displayName: 'Jinling Motor SOC analyst', roles: ['enterprise-analyst'] } });
      expect(answer.body.org).to.deep.equal({ id: 'js-jinling-motor', name: 'Jinling Motor Works Co., Ltd.', tier: 'enterprise' });
      expect(answer.body.permissions).to.have.members(['triage', 'suppress', 'respond']);
      expect(csrf).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(answer.body).to.not.have.property('passwordHash');
      const me = await fx.call('GET', '/api/v1/me', { session: secret });
      expect(me.status).to.equal(200);
      expect(me.body).to.include({ token: ANALYST, kind: 'user', org: 'js-jinling-motor', records: true });
    });

    it('keeps only the SHA-256 of the session secret in the store', async () => {
      const { secret } = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const hash = createHash('sha256').update(secret).digest('hex');
      const doc = await fx.store.getDocument<Record<string, unknown>>(Collections.sessions, hash);
      expect(doc?.body).to.include({ userId: ANALYST, orgId: 'js-jinling-motor' });
      expect(JSON.stringify(doc)).to.not.include(secret);
      expect(await fx.store.getDocument(Collections.sessions, secret)).to.equal(undefined);
    });

    it('answers 400 naming the field for a malformed body', async () => {
      const res = await fx.call('POST', '/api/v1/auth/login', { body: { user: ANALYST } });
      expect(res.status).to.equal(400);
      expect(res.body.message).to.match(/password/);
    });
  });

  describe('GET /api/v1/auth/session', () => {
    it('says who is logged in and repeats the CSRF token; 401 without a session', async () => {
      const { secret, csrf } = await fx.login('ncisc-officer', DEMO_PASSWORDS.national);
      const res = await fx.call('GET', '/api/v1/auth/session', { session: secret });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ csrfToken: csrf });
      expect(res.body.user).to.deep.include({ id: 'ncisc-officer', roles: ['national-officer'] });
      expect((await fx.call('GET', '/api/v1/auth/session')).status).to.equal(401);
      expect((await fx.call('GET', '/api/v1/auth/session', { session: 'A'.repeat(43) })).status).to.equal(401);
      // A token is not a login session.
      expect((await fx.call('GET', '/api/v1/auth/session', { token: tokenOf('ncisc') })).status).to.equal(401);
    });
  });

  describe('POST /api/v1/auth/logout', () => {
    it('ends the session, clears the cookie and deletes the stored session', async () => {
      const { secret, csrf } = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const hash = createHash('sha256').update(secret).digest('hex');
      const out = await fx.call('POST', '/api/v1/auth/logout', { session: secret, csrf });
      expect(out.status).to.equal(200);
      expect(out.body).to.deep.equal({ loggedOut: true, user: ANALYST });
      expect(out.headers.get('set-cookie')).to.match(/^iisa_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
      expect(await fx.store.getDocument(Collections.sessions, hash)).to.equal(undefined);
      const after = await fx.call('GET', '/api/v1/alerts', { session: secret });
      expect(after.status).to.equal(401);
      expect(after.body.message).to.match(/session has ended/);
      expect((await fx.call('POST', '/api/v1/auth/logout', { session: secret, csrf })).status).to.equal(401);
    });
  });

  describe('expiry', () => {
    it('ends a session left idle longer than idleMinutes, and keeps one in use', async () => {
      const { secret } = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      for (let i = 0; i < 3; i++) {
        fx.clock.now += 20 * 60_000; // each request within 30 minutes of the previous one
        expect((await fx.call('GET', '/api/v1/alerts', { session: secret })).status, `request ${i}`).to.equal(200);
      }
      fx.clock.now += 31 * 60_000;
      expect((await fx.call('GET', '/api/v1/alerts', { session: secret })).status).to.equal(401);
      expect(await fx.store.getDocument(Collections.sessions, createHash('sha256').update(secret).digest('hex'))).to.equal(undefined);
    });

    it('ends a session at its absolute expiry however busy it is', async () => {
      const { secret } = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const session = await fx.call<{ expiresAt: string }>('GET', '/api/v1/auth/session', { session: secret });
      expect(Date.parse(session.body.expiresAt) - fx.clock.now).to.equal(8 * 3_600_000);
      for (let elapsed = 0; elapsed < 8 * 60; elapsed += 25) {
        fx.clock.now += 25 * 60_000;
        const res = await fx.call('GET', '/api/v1/me', { session: secret });
        expect(res.status, `after ${elapsed + 25} minutes`).to.equal(elapsed + 25 < 8 * 60 ? 200 : 401);
      }
    });

    it('tells a live session from an ended one without counting the asking as a use (isLive, for open live views)', async () => {
      const { secret, csrf } = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const id = createHash('sha256').update(secret).digest('hex');
      const { sessions } = fx.accounts;
      expect(await sessions.isLive(id)).to.equal(true);
      fx.clock.now += 20 * 60_000;
      expect(await sessions.isLive(id)).to.equal(true);
      fx.clock.now += 11 * 60_000; // 31 minutes since its last request: asking did not restart the idle clock
      expect(await sessions.isLive(id)).to.equal(false);

      const busy = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const busyId = createHash('sha256').update(busy.secret).digest('hex');
      for (let elapsed = 0; elapsed < 8 * 60; elapsed += 25) {
        fx.clock.now += 25 * 60_000;
        await fx.call('GET', '/api/v1/me', { session: busy.secret });
        expect(await sessions.isLive(busyId), `after ${elapsed + 25} minutes`).to.equal(elapsed + 25 < 8 * 60);
      }

      const again = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const againId = createHash('sha256').update(again.secret).digest('hex');
      expect((await fx.call('POST', '/api/v1/auth/logout', { session: again.secret, csrf: again.csrf })).status).to.equal(200);
      expect(await sessions.isLive(againId)).to.equal(false);
      expect(await sessions.isLive(createHash('sha256').update(csrf).digest('hex')), 'an id no session has').to.equal(false);
    });

    it('ends the sessions of a user who is disabled', async () => {
      const { secret } = await fx.login('gd-gearcloud-analyst', DEMO_PASSWORDS.enterprise);
      await fx.accounts.users.setDisabled('gd-gearcloud-analyst', true);
      expect((await fx.call('GET', '/api/v1/me', { session: secret })).status).to.equal(401);
      await fx.accounts.users.setDisabled('gd-gearcloud-analyst', false);
    });
  });

  describe('CSRF defence', () => {
    it('refuses a cookie-authenticated change without the x-iisa-csrf header, or with a wrong one', async () => {
      const { secret, csrf } = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const other = await fx.login('js-jinling-motor-admin', DEMO_PASSWORDS.enterprise);
      const change = { ruleId: 'r-noisy', reason: 'known scanner', expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
      for (const bad of [undefined, 'x'.repeat(43), other.csrf]) {
        const res = await fx.call('POST', '/api/v1/suppressions', { session: secret, ...(bad ? { csrf: bad } : {}), body: change });
        expect(res.status, String(bad)).to.equal(403);
        expect(res.body).to.include({ error: 'csrf' });
        expect(res.body.message).to.match(/x-iisa-csrf/);
      }
      expect((await fx.call('POST', '/api/v1/auth/logout', { session: secret })).status).to.equal(403);
      const ok = await fx.call('POST', '/api/v1/suppressions', { session: secret, csrf, body: change });
      expect(ok.status).to.equal(201);
      // Reads need no token, and a bearer token is no ambient credential: no CSRF token needed.
      expect((await fx.call('GET', '/api/v1/suppressions', { session: secret })).status).to.equal(200);
      expect((await fx.call('POST', '/api/v1/suppressions', { token: tokenOf('js-jinling-motor'), body: change })).status).to.equal(201);
    });
  });

  describe('sessionAuthenticator (WebSocket upgrades)', () => {
    it('knows the caller by its cookie, and refuses an upgrade another site\'s page started', async () => {
      const { secret, csrf } = await fx.login(ANALYST, DEMO_PASSWORDS.enterprise);
      const authenticate = sessionAuthenticator({ registry: fx.registry, accounts: fx.accounts });
      const upgrade = (headers: Record<string, string>) => authenticate({ headers: { host: `127.0.0.1:${fx.port}`, ...headers } } as unknown as IncomingMessage);
      const cookie = `other=1; iisa_session=${secret}`;
      expect((await upgrade({ cookie }))?.principal).to.deep.include({ kind: 'user', tokenId: ANALYST });
      expect((await upgrade({ cookie, origin: `http://127.0.0.1:${fx.port}` }))?.org.id).to.equal('js-jinling-motor');
      expect(await upgrade({ cookie, origin: 'https://evil.example' })).to.equal(undefined);
      expect(await upgrade({ cookie, origin: 'not a url' })).to.equal(undefined);
      expect(await upgrade({})).to.equal(undefined);
      await fx.call('POST', '/api/v1/auth/logout', { session: secret, csrf });
      expect(await upgrade({ cookie })).to.equal(undefined);
    });
  });

  describe('over TLS', () => {
    it('marks the cookie Secure and tells browsers to keep to TLS (HSTS)', async function () {
      if (!haveOpenssl()) this.skip();
      const pki = makeLinkPki();
      const tls = await startConsoleFixture({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca } });
      try {
        const res = await tls.call('POST', '/api/v1/auth/login', { body: { user: ANALYST, password: DEMO_PASSWORDS.enterprise } });
        expect(res.status).to.equal(200);
        expect(res.headers.get('set-cookie')).to.match(/; HttpOnly; SameSite=Strict; Secure$/);
        expect(res.headers.get('strict-transport-security')).to.equal('max-age=31536000');
        expect((await tls.call('GET', '/api/v1/me', { session: cookieSecret(res.headers)! })).status).to.equal(200);
      } finally {
        await tls.close();
      }
    });
  });
});
