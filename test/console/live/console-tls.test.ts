/**
 * The console listener over TLS, on 127.0.0.1 and ::1: the API and the live
 * views' websocket (wss:) on one HTTPS port, nothing for a plain-HTTP client,
 * client certificates demanded when `caFile` is set, a start that fails
 * naming the file it could not read, and a stop that does not wait for a
 * client stuck in its handshake.
 */
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import WebSocket from 'ws';
import { TlsListenSchema } from '../../../collector/sources/listen.js';
import { OrgRegistry } from '../../../core/orgs.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { CounterMetrics, JsonLogger } from '../../../core/telemetry.js';
import { ApiTokens } from '../../../console/api-tokens.js';
import { tokenAuthenticator } from '../../../console/live/auth.js';
import { LiveHub } from '../../../console/live/hub.js';
import { ConsoleServer } from '../../../console/server.js';
import { makeListenerPki, requireOpenssl, type ListenerPki } from '../../helpers/listener-pki.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';
import { JINLING, TOKENS, tokenList } from './live-fixtures.js';

const HOSTS = ['127.0.0.1', '::1'] as const;

interface ClientCert {
  readonly cert?: string;
  readonly key?: string;
}

const bracketed = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** GET over HTTPS trusting `ca` only, on a connection of its own. */
function httpsGet(host: string, port: number, path: string, ca: string, client: ClientCert = {}): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host, port, path, ca, agent: false, ...(client.cert ? { cert: client.cert, key: client.key } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Open a live socket over wss: and resolve with its first message (the hello). */
async function wssHello(host: string, port: number, ca: string, client: ClientCert = {}): Promise<{ type: string; [key: string]: unknown }> {
  const ws = new WebSocket(`wss://${bracketed(host)}:${port}/ws`, [], {
    ca, headers: { authorization: `Bearer ${TOKENS[JINLING]}` }, ...(client.cert ? { cert: client.cert, key: client.key } : {}),
  });
  try {
    const [data] = (await once(ws, 'message')) as [WebSocket.RawData];
    return JSON.parse(String(data)) as { type: string };
  } finally {
    ws.terminate();
  }
}

async function expectRefused(call: Promise<unknown>, what: string): Promise<void> {
  const outcome = await call.then(() => 'answered', (err: unknown) => err);
  expect(outcome, what).to.be.an('error');
}

describe('ConsoleServer over TLS', function () {
  this.timeout(30_000);
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
  const tokens = new ApiTokens(tokenList, registry);
  let pki: ListenerPki;
  let store: SqliteStore;
  let server: ConsoleServer | undefined;
  let logLines: Record<string, unknown>[];

  before(function () {
    requireOpenssl(this);
    pki = makeListenerPki();
  });

  async function startWith(tls: Record<string, unknown>): Promise<number> {
    store = SqliteStore.open({ path: join(tempDir('iisa-console-tls-'), 'iisa.db') });
    logLines = [];
    const log = new JsonLogger('info', {}, (line) => logLines.push(JSON.parse(line) as Record<string, unknown>));
    const metrics = new CounterMetrics();
    const hub = new LiveHub({ batchMs: 20, provinceOf: (id) => registry.get(id)?.province, log, metrics });
    server = new ConsoleServer(TlsListenSchema.parse({ port: 0, tls }), { store, registry, tokens, log }, {
      hub, metrics, authenticate: tokenAuthenticator(tokens, registry), closeGraceMs: 500,
    });
    await server.start();
    return server.address()!.port;
  }

  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await store?.close();
  });

  const serverFiles = () => ({ certFile: pki.files.serverCert, keyFile: pki.files.serverKey });

  it('answers /api/v1/health and a websocket hello over IPv4 and IPv6, trusting the CA', async () => {
    const port = await startWith(serverFiles());
    expect(logLines.find((l) => l.msg === 'console listening')).to.include({ tls: true, live: true, port });
    for (const host of HOSTS) {
      const health = await httpsGet(host, port, '/api/v1/health', pki.ca);
      expect(health.status).to.equal(200);
      expect(health.body).to.deep.equal({ status: 'ok' });
      expect(health.headers['strict-transport-security'], 'HSTS, since the request came over TLS').to.equal('max-age=31536000');
      expect(await wssHello(host, port, pki.ca)).to.include({ type: 'hello', org: JINLING });
    }
  });

  it('gives a plain-HTTP client no answer', async () => {
    const port = await startWith(serverFiles());
    for (const host of HOSTS) {
      const outcome = await new Promise<{ status?: number; error?: Error }>((resolve) => {
        const req = httpRequest({ host, port, path: '/api/v1/health', agent: false, timeout: 5000 }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        });
        req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
        req.on('error', (error) => resolve({ error }));
        req.end();
      });
      expect(outcome.status, `plain HTTP over ${host}`).to.equal(undefined);
      expect(outcome.error).to.be.an('error');
    }
  });

  it('with caFile, lets in only clients with a certificate from that CA, for the API and the websocket alike', async () => {
    const port = await startWith({ ...serverFiles(), caFile: pki.files.ca });
    const client = { cert: pki.clientCert, key: pki.clientKey };
    for (const host of HOSTS) {
      expect((await httpsGet(host, port, '/api/v1/health', pki.ca, client)).status).to.equal(200);
      expect(await wssHello(host, port, pki.ca, client)).to.include({ type: 'hello', org: JINLING });
      await expectRefused(httpsGet(host, port, '/api/v1/health', pki.ca), `no certificate over ${host}`);
      await expectRefused(httpsGet(host, port, '/api/v1/health', pki.ca, { cert: pki.strangerCert, key: pki.strangerKey }), `a stranger's certificate over ${host}`);
      await expectRefused(wssHello(host, port, pki.ca), `a websocket without a certificate over ${host}`);
    }
  });

  it('fails to start, naming the key and the file, when the certificate is missing', async () => {
    const missing = join(pki.dir, 'no-such-console.pem');
    const error = await startWith({ ...serverFiles(), certFile: missing }).then(() => undefined, (err: unknown) => err as Error);
    expect(error?.message).to.include('console.listen.tls.certFile').and.to.include(missing);
    expect(server?.address()).to.equal(undefined);
  });

  it('stops promptly with a client stuck in its TLS handshake', async () => {
    const port = await startWith(serverFiles());
    const stalled: Socket = connect({ host: '::1', port });
    stalled.on('error', () => undefined);
    await once(stalled, 'connect');
    try {
      const started = Date.now();
      await server!.stop();
      expect(Date.now() - started, 'stop does not wait out the handshake timeout').to.be.below(2000);
    } finally {
      stalled.destroy();
    }
  });
});
