/**
 * A link with more than one secret, as during a rotation: the parent
 * (requireLink over a real listener, IPv4 and IPv6) accepts a request signed
 * with the current or a previous secret and signs its answer with that same
 * secret, so the child on either trusts it; a secret no longer listed is
 * refused with 401; the operator is told (once, not per request) that a
 * link still signs with a previous secret.
 */
import { expect } from 'chai';
import express from 'express';
import { createServer, type Server } from 'node:http';
import { closeListener, hostPort, listenOn } from '../../../collector/sources/listen.js';
import {
  checkRequestSignature, signRequest, verifyRequestHeaders, verifyResponse, type CheckedHeaders,
} from '../../../core/federation/link-auth.js';
import { LinkAuthError, LinkClient } from '../../../core/federation/link-client.js';
import { InMemoryNonceStore } from '../../../core/federation/nonce-store.js';
import { JsonLogger } from '../../../core/telemetry.js';
import { linkOf, requireLink, type LinkRefusal } from '../../../console/federation/link-auth-middleware.js';

const LINK = 'js-jinling-motor';
const OLD = 'jinling-link-secret-old-0123456789abcdef';
const NEW = 'jinling-link-secret-new-0123456789abcdef';
const HELLO = '/federation/v1/hello';

type Json = Record<string, unknown>;

describe('federation link secret rotation', function () {
  this.timeout(20_000);

  describe('checkRequestSignature', () => {
    const NOW = Date.parse('2026-11-25T10:00:00.000Z');

    async function checked(secrets: readonly string[], signedWith: string): Promise<{ headers: CheckedHeaders }> {
      const headers = signRequest({ linkId: LINK, secret: signedWith, method: 'GET', path: HELLO, now: NOW });
      const result = await verifyRequestHeaders({ headers, lookupSecret: () => secrets, now: NOW });
      if (!result.ok) throw new Error(result.detail);
      return { headers: result };
    }

    it('names the secret that signed the request: 0 for the current one, 1 for the previous one', async () => {
      const current = checkRequestSignature((await checked([NEW, OLD], NEW)).headers, { method: 'GET', path: HELLO });
      expect(current).to.deep.equal({ ok: true, secret: NEW, secretIndex: 0 });
      const previous = checkRequestSignature((await checked([NEW, OLD], OLD)).headers, { method: 'GET', path: HELLO });
      expect(previous).to.deep.equal({ ok: true, secret: OLD, secretIndex: 1 });
    });

    it('refuses a secret the link does not list', async () => {
      const result = checkRequestSignature((await checked([NEW], OLD)).headers, { method: 'GET', path: HELLO });
      expect(result).to.include({ ok: false, reason: 'bad-signature', linkId: LINK });
    });

    it('treats an empty list as an unknown link', async () => {
      const headers = signRequest({ linkId: LINK, secret: OLD, method: 'GET', path: HELLO, now: NOW });
      expect(await verifyRequestHeaders({ headers, lookupSecret: () => [], now: NOW })).to.include({ ok: false, reason: 'unknown-link' });
    });

    it('refuses to run with a previous secret that is too short, naming it', async () => {
      const headers = signRequest({ linkId: LINK, secret: NEW, method: 'GET', path: HELLO, now: NOW });
      let error: unknown;
      await verifyRequestHeaders({ headers, lookupSecret: () => [NEW, 'short'], now: NOW }).catch((e: unknown) => { error = e; });
      expect(String(error)).to.match(/previous secret 1 of link "js-jinling-motor" must be a string of at least 32 characters/);
    });
  });

  describe('requireLink with several secrets', () => {
    let secrets: string[];
    let logs: Json[];
    let refusals: LinkRefusal[];
    const servers: Server[] = [];

    /** A parent: one route behind requireLink, on a dual-stack listener; answers its port. */
    async function startParent(extra: Partial<Parameters<typeof requireLink>[0]> = {}): Promise<number> {
      const log = new JsonLogger('info', {}, (line) => logs.push(JSON.parse(line) as Json));
      const app = express();
      app.use('/federation', requireLink({
        lookupSecret: (id) => (id === LINK ? secrets : undefined), nonces: new InMemoryNonceStore(), log, onRefused: (r) => { refusals.push(r); }, ...extra,
      }));
      app.get(HELLO, (_req, res) => { res.json({ link: linkOf(res).linkId }); });
      const server = createServer(app);
      servers.push(server);
      await listenOn(server, { host: '::', port: 0 });
      return (server.address() as { port: number }).port;
    }

    let port: number;
    before(async () => { port = await startParent(); });
    after(async () => {
      for (const server of servers) {
        const closed = closeListener(server);
        server.closeAllConnections();
        await closed;
      }
    });
    beforeEach(() => {
      secrets = [NEW, OLD];
      logs = [];
      refusals = [];
    });

    const client = (host: string, secret: string, p = port) => new LinkClient({ parentUrl: `http://${hostPort(host, p)}`, linkId: LINK, secret, timeoutMs: 5000 });

    for (const host of ['127.0.0.1', '::1']) {
      it(`accepts the current and the previous secret over ${host}, each child trusting its answer`, async () => {
        expect(await client(host, OLD).request('GET', HELLO)).to.deep.equal({ link: LINK });
        expect(await client(host, NEW).request('GET', HELLO)).to.deep.equal({ link: LINK });
        expect(refusals).to.deep.equal([]);
      });

      it(`refuses the old secret with 401 over ${host} once it is no longer listed, and the new one still passes`, async () => {
        secrets = [NEW];
        const err = await client(host, OLD).request('GET', HELLO).then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(LinkAuthError);
        expect((err as LinkAuthError).status).to.equal(401);
        expect(refusals.map((r) => [r.reason, r.linkId])).to.deep.equal([['bad-signature', LINK]]);
        expect(await client(host, NEW).request('GET', HELLO)).to.deep.equal({ link: LINK });
      });
    }

    it('signs the answer with the secret the request was signed with', async () => {
      const headers = signRequest({ linkId: LINK, secret: OLD, method: 'GET', path: HELLO });
      const res = await fetch(`http://${hostPort('::1', port)}${HELLO}`, { headers });
      const body = Buffer.from(await res.arrayBuffer());
      const signature = res.headers.get('x-iisa-signature');
      const under = (secret: string) => verifyResponse({ secret, status: res.status, requestNonce: headers['x-iisa-nonce'], body, signature }).ok;
      expect(res.status).to.equal(200);
      expect(under(OLD)).to.equal(true);
      expect(under(NEW)).to.equal(false);
    });

    it('tells the operator that a link still signs with a previous secret, once per interval, never for the current one', async () => {
      let offsetMs = 0;
      const own = await startParent({ clock: () => Date.now() + offsetMs, previousSecretLogMs: 60_000 });
      const told = () => logs.filter((l) => l.msg === 'federation link signs with a previous secret');
      await client('::1', NEW, own).request('GET', HELLO);
      expect(told()).to.deep.equal([]);
      for (let i = 0; i < 3; i++) await client('127.0.0.1', OLD, own).request('GET', HELLO);
      expect(told().map((l) => [l.linkId, l.previousSecret])).to.deep.equal([[LINK, 1]]);
      // A minute on (still well inside the clock window), it says so again.
      offsetMs = 61_000;
      await client('::1', OLD, own).request('GET', HELLO);
      expect(told()).to.have.length(2);
      expect(JSON.stringify(logs)).to.not.include(OLD);
      expect(JSON.stringify(logs)).to.not.include(NEW);
    });
  });
});
