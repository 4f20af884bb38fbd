/**
 * Federation links end to end: a real express app behind requireLink on a
 * dual-stack listener, driven by the child's LinkClient over IPv4 and IPv6
 * and by hand-made requests. Forged, replayed, wrongly keyed and stale
 * requests never reach a route and leave a log entry with the reason; the
 * client believes no answer its parent did not sign for that very request;
 * with mutual TLS only holders of a link CA certificate can connect.
 */
import { expect } from 'chai';
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import { closeListener, hostPort, listenOn } from '../../../collector/sources/listen.js';
import { signRequest, verifyResponse } from '../../../core/federation/link-auth.js';
import { LinkAuthError, LinkClient, LinkHttpError, LinkTransportError } from '../../../core/federation/link-client.js';
import { InMemoryNonceStore } from '../../../core/federation/nonce-store.js';
import { JsonLogger } from '../../../core/telemetry.js';
import { linkOf, requireLink, type LinkRefusal } from '../../../console/federation/link-auth-middleware.js';
import { createLinkTlsServer } from '../../../console/federation/tls-listener.js';
import { haveOpenssl, makeLinkPki, type LinkPki } from './link-pki.js';

const LINK = 'js-jinling-motor';
const SECRET = 'jinling-link-secret-0123456789abcdef';
const SECRETS: Record<string, string> = { [LINK]: SECRET };
const HOSTS = ['127.0.0.1', '::1'];
const UPLINK = '/federation/v1/uplink';

type Json = Record<string, unknown>;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, got an answer');
}

async function listen(server: Server | TlsServer): Promise<number> {
  await listenOn(server, { host: '::', port: 0 });
  return (server.address() as { port: number }).port;
}

async function close(server: Server | TlsServer): Promise<void> {
  const closed = closeListener(server);
  server.closeAllConnections();
  await closed;
}

describe('federation link authentication over HTTP', function () {
  this.timeout(20_000);
  let server: Server;
  let port: number;
  let logs: Json[];
  let refusals: LinkRefusal[];
  let received: unknown[];

  /** The parent: link routes behind requireLink, as a console would mount them. */
  function parentApp(): Express {
    const log = new JsonLogger('warn', {}, (line) => logs.push(JSON.parse(line) as Json));
    const link = (extra: Partial<Parameters<typeof requireLink>[0]> = {}) => requireLink({
      lookupSecret: (id) => SECRETS[id], nonces: new InMemoryNonceStore(), log, onRefused: (r) => { refusals.push(r); }, ...extra,
    });
    const app = express();
    app.use('/federation', link());
    app.use('/small', link({ maxBodyBytes: 64 }));
    app.use('/crowded', link({ nonces: new InMemoryNonceStore({ maxEntries: 1 }) }));
    app.post([UPLINK, '/small/uplink', '/crowded/uplink'], (req, res) => {
      received.push(req.body);
      const body = req.body as { items: unknown[] };
      res.json({ accepted: body.items.length, link: linkOf(res).linkId });
    });
    app.get('/federation/v1/downlink', (req, res) => {
      received.push(req.query);
      res.json({ items: [{ id: 'advisory-1' }], since: req.query.since, link: linkOf(res).linkId });
    });
    app.post('/federation/v1/refuse', (_req, res) => {
      res.status(422).json({ error: 'rejected', message: 'item 2 has no id' });
    });
    app.get('/federation/v1/boom', () => {
      throw new Error('handler failed');
    });
    // Like the console API's error handler; an unmatched route still falls to express's own final handler.
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ error: 'internal', message: err.message });
    });
    return app;
  }

  function url(host: string, p = port): string {
    return `http://${hostPort(host, p)}`;
  }

  function client(host: string, overrides: Partial<ConstructorParameters<typeof LinkClient>[0]> = {}): LinkClient {
    return new LinkClient({ parentUrl: url(host), linkId: LINK, secret: SECRET, timeoutMs: 5_000, ...overrides });
  }

  /** A hand-made request, to send exact headers (twice, forged, stale). */
  async function send(host: string, headers: Record<string, string>, body: string, path = UPLINK): Promise<{ status: number; body: Json; signature: string | null }> {
    const res = await fetch(`${url(host)}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as Json, signature: res.headers.get('x-iisa-signature') };
  }

  function signed(body: string, overrides: Partial<Parameters<typeof signRequest>[0]> = {}): Record<string, string> {
    return { ...signRequest({ linkId: LINK, secret: SECRET, method: 'POST', path: UPLINK, body, ...overrides }) };
  }

  function refusalLogs(): Json[] {
    return logs.filter((l) => l.msg === 'federation request refused');
  }

  before(async () => {
    server = createServer(parentApp());
    port = await listen(server);
  });

  after(async () => {
    await close(server);
  });

  beforeEach(() => {
    logs = [];
    refusals = [];
    received = [];
  });

  describe('a signed request', () => {
    for (const host of HOSTS) {
      it(`passes over ${host}; the route sees the JSON body and the link`, async () => {
        const items = [{ id: 'hit-1' }, { id: 'hit-2' }];
        expect(await client(host).request('POST', UPLINK, { items })).to.deep.equal({ accepted: 2, link: LINK });
        expect(received).to.deep.equal([{ items }]);
        const answer = await client(host).request('GET', '/federation/v1/downlink?since=2026-11-25T10:00:00Z&tag=a b');
        expect(answer).to.deep.equal({ items: [{ id: 'advisory-1' }], since: '2026-11-25T10:00:00Z', link: LINK });
        expect(received[1]).to.deep.include({ tag: 'a b' });
        expect(refusalLogs()).to.deep.equal([]);
      });
    }

    it('gets signed error answers, which the client reports as LinkHttpError with the status and message', async () => {
      const c = client('127.0.0.1');
      const refused = await rejection(c.request('POST', '/federation/v1/refuse', { items: [] }));
      expect(refused).to.be.instanceOf(LinkHttpError);
      expect(refused).to.include({ status: 422, code: 'rejected', serverMessage: 'item 2 has no id', retriable: false });
      // Express's own final handlers (a thrown route, no route at all) answer through the signed response too.
      const boom = await rejection(c.request('GET', '/federation/v1/boom'));
      expect(boom).to.be.instanceOf(LinkHttpError).and.include({ status: 500, retriable: true });
      const missing = await rejection(c.request('GET', '/federation/v1/no-such-route'));
      expect(missing).to.be.instanceOf(LinkHttpError).and.include({ status: 404 });
    });

    it('with invalid JSON behind a valid signature gets a signed 400', async () => {
      const headers = signed('{"items": [');
      const res = await send('127.0.0.1', headers, '{"items": [');
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid-json');
      const verdict = verifyResponse({ secret: SECRET, status: 400, requestNonce: headers['x-iisa-nonce'], body: JSON.stringify(res.body), signature: res.signature });
      expect(verdict).to.deep.equal({ ok: true });
      expect(received).to.deep.equal([]);
    });

    it('over the body limit gets 413 unsigned (nothing was verified), which the client does not trust', async () => {
      const err = await rejection(client('127.0.0.1').request('POST', '/small/uplink', { items: ['x'.repeat(100)] }));
      expect(err).to.be.instanceOf(LinkAuthError).and.include({ status: 413, reason: 'missing-signature' });
      expect(received).to.deep.equal([]);
    });

    it('is refused with a signed, retriable 503 when the nonce store is full, never let through unrecorded', async () => {
      const c = client('127.0.0.1');
      expect(await c.request('POST', '/crowded/uplink', { items: [] })).to.deep.equal({ accepted: 0, link: LINK });
      const err = await rejection(c.request('POST', '/crowded/uplink', { items: [] }));
      expect(err).to.be.instanceOf(LinkHttpError).and.include({ status: 503, retriable: true });
      expect(received).to.have.length(1);
    });
  });

  describe('refused requests', () => {
    for (const host of HOSTS) {
      it(`a forged signature over ${host}: 401 unsigned, logged with the reason and the peer, never routed`, async () => {
        const body = JSON.stringify({ items: [{ id: 'forged' }] });
        const headers = signed(body);
        const last = headers['x-iisa-signature'].slice(-1);
        headers['x-iisa-signature'] = headers['x-iisa-signature'].slice(0, -1) + (last === '0' ? '1' : '0');
        const res = await send(host, headers, body);
        expect(res.status).to.equal(401);
        expect(res.body).to.include({ error: 'bad-signature' });
        expect(res.body.message).to.be.a('string').and.not.equal('');
        expect(res.signature).to.equal(null);
        expect(received).to.deep.equal([]);
        expect(refusalLogs()).to.have.length(1);
        expect(refusalLogs()[0]).to.include({ level: 'warn', reason: 'bad-signature', linkId: LINK, remote: host });
        expect(refusals).to.have.length(1);
        expect(refusals[0]).to.include({ reason: 'bad-signature', linkId: LINK, remote: host, method: 'POST', path: UPLINK });
      });
    }

    it('the exact same request sent twice: the second is refused as replayed', async () => {
      const body = JSON.stringify({ items: [{ id: 'once' }] });
      const headers = signed(body);
      const first = await send('127.0.0.1', headers, body);
      expect(first.status).to.equal(200);
      expect(verifyResponse({ secret: SECRET, status: 200, requestNonce: headers['x-iisa-nonce'], body: JSON.stringify(first.body), signature: first.signature }).ok).to.equal(true);
      const again = await send('::1', headers, body);
      expect(again.status).to.equal(401);
      expect(again.body.error).to.equal('replayed');
      expect(received).to.have.length(1);
      expect(refusalLogs().map((l) => l.reason)).to.deep.equal(['replayed']);
    });

    it('a request signed with the wrong secret: the client gets LinkAuthError carrying the unsigned refusal', async () => {
      const err = await rejection(client('::1', { secret: 'not-the-jinling-secret-0123456789ab' }).request('POST', UPLINK, { items: [] }));
      expect(err).to.be.instanceOf(LinkAuthError).and.include({ status: 401, reason: 'missing-signature', retriable: false });
      expect((err as LinkAuthError).claimed).to.include('bad-signature');
      expect(received).to.deep.equal([]);
      expect(refusalLogs()).to.have.length(1);
      expect(refusalLogs()[0]).to.include({ reason: 'bad-signature', remote: '::1' });
    });

    it('a stale timestamp, past or future', async () => {
      const body = JSON.stringify({ items: [] });
      for (const offset of [-6 * 60_000, 6 * 60_000]) {
        const res = await send('127.0.0.1', signed(body, { now: Date.now() + offset }), body);
        expect(res.status, `offset ${offset}`).to.equal(401);
        expect(res.body.error).to.equal('stale');
      }
      expect(received).to.deep.equal([]);
      expect(refusalLogs().map((l) => l.reason)).to.deep.equal(['stale', 'stale']);
    });

    it('an unknown link and a request without link headers', async () => {
      const body = JSON.stringify({ items: [] });
      const stranger = await send('127.0.0.1', { ...signRequest({ linkId: 'gd-pearl-electronics', secret: 'pearl-link-secret-0123456789abcdef', method: 'POST', path: UPLINK, body }) }, body);
      expect(stranger.status).to.equal(401);
      expect(stranger.body.error).to.equal('unknown-link');
      const bare = await send('127.0.0.1', {}, body);
      expect(bare.status).to.equal(401);
      expect(bare.body.error).to.equal('missing-headers');
      expect(refusalLogs().map((l) => [l.reason, l.linkId])).to.deep.equal([['unknown-link', 'gd-pearl-electronics'], ['missing-headers', undefined]]);
      expect(received).to.deep.equal([]);
    });
  });

  describe('answers the client does not trust', () => {
    let extra: Server[];
    beforeEach(() => { extra = []; });
    afterEach(async () => { await Promise.all(extra.map(close)); });

    async function start(handler: Parameters<typeof createServer>[1]): Promise<number> {
      const s = createServer(handler);
      extra.push(s);
      return listen(s);
    }

    /** A man in the middle in front of the parent: forwards each request, then lets `tamper` rewrite the answer. */
    function proxy(tamper: (answer: { status: number; signature: string | null; body: Buffer }) => { status: number; signature: string | null; body: Buffer }) {
      const forward = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-iisa-') || k === 'content-type') headers[k] = String(v);
        const upstream = await fetch(`${url('127.0.0.1')}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
        const answer = tamper({ status: upstream.status, signature: upstream.headers.get('x-iisa-signature'), body: Buffer.from(await upstream.arrayBuffer()) });
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.signature ? { 'x-iisa-signature': answer.signature } : {}) });
        res.end(answer.body);
      };
      return (req: IncomingMessage, res: ServerResponse): void => {
        forward(req, res).catch((err: Error) => res.destroy(err));
      };
    }

    it('from a server that does not sign', async () => {
      const p = await start((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1}'); });
      const err = await rejection(client('::1', { parentUrl: url('::1', p) }).request('POST', UPLINK, { items: [1] }));
      expect(err).to.be.instanceOf(LinkAuthError).and.include({ reason: 'missing-signature', status: 200 });
    });

    it('altered on the way back by a man in the middle', async () => {
      const p = await start(proxy((a) => ({ ...a, body: Buffer.from(a.body.toString().replace('"accepted":1', '"accepted":9')) })));
      const err = await rejection(client('127.0.0.1', { parentUrl: url('127.0.0.1', p) }).request('POST', UPLINK, { items: [1] }));
      expect(err).to.be.instanceOf(LinkAuthError).and.include({ reason: 'bad-signature', status: 200 });
      expect(received, 'the parent did get the request; only the answer was refused').to.have.length(1);
    });

    it('a genuine answer replayed for another request', async () => {
      let recorded: { status: number; signature: string | null; body: Buffer } | undefined;
      const p = await start(proxy((a) => (recorded ??= a)));
      const c = client('127.0.0.1', { parentUrl: url('127.0.0.1', p) });
      expect(await c.request('POST', UPLINK, { items: [1] })).to.deep.equal({ accepted: 1, link: LINK });
      const err = await rejection(c.request('POST', UPLINK, { items: [1, 2] }));
      expect(err).to.be.instanceOf(LinkAuthError).and.include({ reason: 'bad-signature' });
    });
  });

  describe('with mutual TLS', () => {
    let pki: LinkPki;
    let tlsServer: TlsServer;
    let tlsPort: number;

    before(async function () {
      if (!haveOpenssl()) {
        console.log('      skipped: the mutual TLS tests need the openssl command line on PATH to make a test CA and certificates');
        this.skip();
      }
      pki = makeLinkPki();
      tlsServer = createLinkTlsServer(parentApp(), { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca });
      tlsPort = await listen(tlsServer);
    });

    after(async () => {
      if (tlsServer) await close(tlsServer);
    });

    function tlsClient(host: string, tls: { ca: string; cert?: string; key?: string }): LinkClient {
      return new LinkClient({ parentUrl: `https://${hostPort(host, tlsPort)}/`, linkId: LINK, secret: SECRET, timeoutMs: 5_000, tls });
    }

    for (const host of HOSTS) {
      it(`a child with a certificate from the link CA connects over ${host}`, async () => {
        const c = tlsClient(host, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
        try {
          expect(await c.request('POST', UPLINK, { items: [{ id: 'tls' }] })).to.deep.equal({ accepted: 1, link: LINK });
        } finally {
          c.close();
        }
        expect(received).to.have.length(1);
      });
    }

    it('a child without a certificate, or with one from another CA, cannot connect', async () => {
      for (const tls of [{ ca: pki.ca }, { ca: pki.ca, cert: pki.strangerCert, key: pki.strangerKey }]) {
        const c = tlsClient('127.0.0.1', tls);
        try {
          const err = await rejection(c.request('POST', UPLINK, { items: [] }));
          expect(err, err.message).to.be.instanceOf(LinkTransportError);
        } finally {
          c.close();
        }
      }
      expect(received).to.deep.equal([]);
      expect(refusalLogs(), 'turned away at the handshake, before any request').to.deep.equal([]);
    });

    it('a child does not talk to a parent whose certificate is not from the link CA', async () => {
      const c = tlsClient('::1', { ca: pki.strangerCa, cert: pki.clientCert, key: pki.clientKey });
      try {
        const err = await rejection(c.request('POST', UPLINK, { items: [] }));
        expect(err, err.message).to.be.instanceOf(LinkTransportError);
        expect(err.message).to.match(/certificate/);
      } finally {
        c.close();
      }
      expect(received).to.deep.equal([]);
    });
  });
});
