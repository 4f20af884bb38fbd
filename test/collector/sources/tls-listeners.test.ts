/**
 * TLS on the collector's TCP listeners, over real sockets on 127.0.0.1 and
 * ::1: HTTP ingest as HTTPS, syslog-tcp as RFC 5425 (the same octet-counting
 * and LF framing inside TLS), mutual TLS when `caFile` is set, and a start
 * that fails naming the file when a certificate cannot be read. UDP syslog
 * refuses a `tls` key.
 */
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { expect } from 'chai';
import { HttpConfigSchema, HttpSource } from '../../../collector/sources/http.js';
import { SyslogTcpConfigSchema, SyslogTcpSource } from '../../../collector/sources/syslog-tcp.js';
import { SyslogUdpConfigSchema } from '../../../collector/sources/syslog-udp.js';
import type { Logger } from '../../../collector/sources/types.js';
import { describeIssues } from '../../../core/config.js';
import { makeListenerPki, requireOpenssl, type ListenerPki } from '../../helpers/listener-pki.js';
import { RecordingSourceContext } from '../../helpers/source-context.js';
import { waitFor } from '../../helpers/wait-for.js';

const HOSTS = ['127.0.0.1', '::1'] as const;
const TOKEN = 'gw01-token-tls-5d1e';
const GRANT = { tokenId: 'gw-01', orgId: 'ent-a', parser: 'gw-json' };

interface ClientCert {
  readonly cert?: string;
  readonly key?: string;
}

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One HTTPS request, trusting `ca` only, on a connection of its own. */
function httpsCall(host: string, port: number, path: string, ca: string, o: { method?: string; headers?: Record<string, string>; body?: string } & ClientCert = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host, port, path, method: o.method ?? 'GET', headers: o.headers ?? {}, ca, agent: false,
      ...(o.cert ? { cert: o.cert, key: o.key } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** A plain-HTTP request; resolves with its status, or with the error that ended it. */
function plainHttpCall(host: string, port: number, path: string): Promise<{ status?: number; error?: Error }> {
  return new Promise((resolve) => {
    const req = httpRequest({ host, port, path, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (error) => resolve({ error }));
    req.end();
  });
}

function octet(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

/**
 * Open a TLS connection trusting `ca`, write `data`, end it and wait until it
 * has closed. Resolves with the error that ended it, if one did (a refused
 * client certificate shows as an alert, before or just after the handshake).
 */
function sendOverTls(host: string, port: number, ca: string, data: string, client: ClientCert = {}): Promise<{ error?: Error; secured: boolean }> {
  return new Promise((resolve) => {
    let error: Error | undefined;
    let secured = false;
    const socket: TLSSocket = tlsConnect({ host, port, ca, ...(client.cert ? { cert: client.cert, key: client.key } : {}) }, () => {
      secured = true;
      socket.end(data);
    });
    socket.on('error', (err) => { error = err; });
    socket.resume();
    socket.once('close', () => resolve({ ...(error ? { error } : {}), secured }));
  });
}

/**
 * Open a TLS connection trusting `ca`, write `data` and keep the connection
 * open: resolves once the server has cut it (the way a refused client
 * certificate ends, with an alert or without), rejects if it is still open
 * after `withinMs`.
 */
function refusedOverTls(host: string, port: number, ca: string, data: string, client: ClientCert = {}, withinMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = tlsConnect({ host, port, ca, ...(client.cert ? { cert: client.cert, key: client.key } : {}) }, () => socket.write(data));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection from ${host} open for ${withinMs} ms`));
    }, withinMs);
    socket.on('error', () => undefined);
    socket.resume();
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function recordingLog(ctx: RecordingSourceContext): { msg: string; fields: Record<string, unknown> | undefined }[] {
  const lines: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
  const log: Logger = {
    info: (msg, fields) => lines.push({ msg, fields }),
    warn: (msg, fields) => lines.push({ msg, fields }),
    error: (msg, fields) => lines.push({ msg, fields }),
  };
  // The recording context's logger is silent and readonly; these tests read the listening line.
  (ctx as { log: Logger }).log = log;
  return lines;
}

describe('TLS on the collector listeners', function () {
  this.timeout(30_000);
  let pki: ListenerPki;

  before(function () {
    requireOpenssl(this);
    pki = makeListenerPki();
  });

  const tlsKeys = (mutual = false) => ({
    certFile: pki.files.serverCert, keyFile: pki.files.serverKey, ...(mutual ? { caFile: pki.files.ca } : {}),
  });

  describe('http ingest over TLS', () => {
    let ctx: RecordingSourceContext;
    let source: HttpSource;
    let port: number;
    let log: ReturnType<typeof recordingLog>;

    async function startWith(mutual: boolean): Promise<void> {
      ctx = new RecordingSourceContext({ tokens: [{ ...GRANT, token: TOKEN }] });
      log = recordingLog(ctx);
      source = new HttpSource(HttpConfigSchema.parse({ listen: { port: 0, tls: tlsKeys(mutual) } }), ctx);
      await source.start();
      port = source.address?.()?.port ?? 0;
    }

    afterEach(() => source?.stop());

    it('accepts an NDJSON batch with an ingest token over IPv4 and IPv6, and says tls in its listening line', async () => {
      await startWith(false);
      expect(log.find((l) => l.msg === 'http ingest listening')?.fields).to.include({ tls: true, port });
      for (const host of HOSTS) {
        const body = `${JSON.stringify({ msg: `over ${host}` })}\n${JSON.stringify({ msg: 'second' })}\n`;
        const reply = await httpsCall(host, port, '/api/v1/ingest', pki.ca, {
          method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
        });
        expect(reply).to.deep.equal({ status: 200, body: { accepted: 2, rejected: [] } });
      }
      expect(ctx.records.map((r) => r.text)).to.deep.equal([
        '{"msg":"over 127.0.0.1"}', '{"msg":"second"}', '{"msg":"over ::1"}', '{"msg":"second"}',
      ]);
      expect(ctx.records[0]).to.include({ orgId: 'ent-a', parser: 'gw-json' });
    });

    it('gives a plain-HTTP client no answer', async () => {
      await startWith(false);
      for (const host of HOSTS) {
        const outcome = await plainHttpCall(host, port, '/api/v1/health');
        expect(outcome.status, `plain HTTP over ${host}`).to.equal(undefined);
        expect(outcome.error).to.be.an('error');
      }
      expect(ctx.records).to.have.length(0);
    });

    it('with caFile, answers only a client presenting a certificate from that CA', async () => {
      await startWith(true);
      for (const host of HOSTS) {
        expect((await httpsCall(host, port, '/api/v1/health', pki.ca, { cert: pki.clientCert, key: pki.clientKey })).status).to.equal(200);
        await expectRefused(httpsCall(host, port, '/api/v1/health', pki.ca), `no certificate over ${host}`);
        await expectRefused(httpsCall(host, port, '/api/v1/health', pki.ca, { cert: pki.strangerCert, key: pki.strangerKey }), `a stranger's certificate over ${host}`);
      }
    });

    it('fails to start, naming the key and the file, when the certificate cannot be read', async () => {
      const missing = join(pki.dir, 'no-such-cert.pem');
      ctx = new RecordingSourceContext({ tokens: [{ ...GRANT, token: TOKEN }] });
      source = new HttpSource(HttpConfigSchema.parse({ listen: { port: 0, tls: { ...tlsKeys(), certFile: missing } } }), ctx);
      const error = await source.start().then(() => undefined, (err: unknown) => err as Error);
      expect(error?.message).to.include('listen.tls.certFile').and.to.include(missing);
      expect(source.address?.()).to.equal(undefined);
    });

    it('fails to start, naming the files, when the key does not go with the certificate', async () => {
      ctx = new RecordingSourceContext();
      source = new HttpSource(HttpConfigSchema.parse({ listen: { port: 0, tls: { ...tlsKeys(), certFile: pki.files.ca } } }), ctx);
      const error = await source.start().then(() => undefined, (err: unknown) => err as Error);
      expect(error?.message).to.include('listen.tls').and.to.include(pki.files.ca).and.to.include(pki.files.serverKey);
    });

    it('stops promptly while a client sits in its TLS handshake', async () => {
      await startWith(false);
      await expectPromptStop(source, '::1', port);
    });
  });

  describe('syslog-tcp over TLS (RFC 5425)', () => {
    let ctx: RecordingSourceContext;
    let source: SyslogTcpSource;
    let port: number;
    let log: ReturnType<typeof recordingLog>;

    async function startWith(mutual: boolean): Promise<void> {
      ctx = new RecordingSourceContext();
      log = recordingLog(ctx);
      source = new SyslogTcpSource(SyslogTcpConfigSchema.parse({ listen: { port: 0, tls: tlsKeys(mutual) }, org: 'ent-a', parser: 'syslog' }), ctx);
      await source.start();
      port = source.address?.()?.port ?? 0;
    }

    afterEach(() => source?.stop());

    it('reads octet-counted and LF-framed messages inside TLS over IPv4 and IPv6', async () => {
      await startWith(false);
      expect(log.find((l) => l.msg === 'syslog-tcp listening')?.fields).to.include({ tls: true, port });
      for (const host of HOSTS) {
        const counted = await sendOverTls(host, port, pki.ca, octet(`<34>1 2026-11-25T06:00:00Z gw01 kernel - - - counted ${host}`) + octet('<13>Nov 25 14:00:00 gw01 app[7]: second\nline'));
        const lines = await sendOverTls(host, port, pki.ca, `<34>1 2026-11-25T06:00:01Z gw01 kernel - - - lf ${host}\n<13>Nov 25 14:00:01 gw01 app[7]: last\n`);
        expect(counted.error).to.equal(undefined);
        expect(lines.error).to.equal(undefined);
      }
      await waitFor(() => ctx.records.length === 8, 5000, 'eight records');
      expect(ctx.records.map((r) => r.text)).to.have.members([
        'counted 127.0.0.1', 'second\nline', 'lf 127.0.0.1', 'last', 'counted ::1', 'second\nline', 'lf ::1', 'last',
      ]);
      expect(ctx.records[0]).to.include({ orgId: 'ent-a', parser: 'syslog' });
      expect(ctx.records.map((r) => r.origin)).to.satisfy((origins: string[]) =>
        origins.some((o) => /^syslog-tcp:127\.0\.0\.1:\d+$/.test(o)) && origins.some((o) => /^syslog-tcp:\[::1\]:\d+$/.test(o)));
    });

    it('with caFile, takes records only from a client with a certificate from that CA', async () => {
      await startWith(true);
      for (const host of HOSTS) {
        await refusedOverTls(host, port, pki.ca, `<13>Nov 25 14:00:00 gw01 app: anonymous ${host}\n`);
        await refusedOverTls(host, port, pki.ca, `<13>Nov 25 14:00:00 gw01 app: stranger ${host}\n`, { cert: pki.strangerCert, key: pki.strangerKey });
        const accepted = await sendOverTls(host, port, pki.ca, `<13>Nov 25 14:00:00 gw01 app: client ${host}\n`, { cert: pki.clientCert, key: pki.clientKey });
        expect(accepted).to.deep.equal({ secured: true });
      }
      await waitFor(() => ctx.records.length === 2, 5000, 'two records');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(ctx.records.map((r) => r.text)).to.have.members(['client 127.0.0.1', 'client ::1']);
      expect(log.filter((l) => l.msg === 'syslog-tcp TLS handshake failed').map((l) => l.fields?.peer)).to.include.members(['127.0.0.1', '::1']);
    });

    it('fails to start, naming the key and the file, when the key cannot be read', async () => {
      const missing = join(pki.dir, 'no-such-key.pem');
      ctx = new RecordingSourceContext();
      source = new SyslogTcpSource(SyslogTcpConfigSchema.parse({ listen: { port: 0, tls: { ...tlsKeys(), keyFile: missing } }, org: 'a', parser: 'b' }), ctx);
      const error = await source.start().then(() => undefined, (err: unknown) => err as Error);
      expect(error?.message).to.include('listen.tls.keyFile').and.to.include(missing);
    });

    it('stops promptly while a client sits in its TLS handshake', async () => {
      await startWith(false);
      await expectPromptStop(source, '127.0.0.1', port);
    });
  });

  describe('syslog-udp', () => {
    it('refuses a tls key, naming it', () => {
      const parsed = SyslogUdpConfigSchema.safeParse({ listen: { port: 514, tls: { certFile: 'a.pem', keyFile: 'a.key' } }, org: 'a', parser: 'b' });
      expect(parsed.success).to.equal(false);
      expect(describeIssues(parsed.error!)).to.deep.equal(['listen: unknown key "tls"']);
    });
  });
});

async function expectRefused(call: Promise<unknown>, what: string): Promise<void> {
  const outcome = await call.then(() => 'answered', (err: unknown) => err);
  expect(outcome, what).to.be.an('error');
}

/** A TCP connection that never starts its TLS handshake. */
/** `source` stops within 2 s while a raw TCP client sits in its TLS handshake (10 s handshake timeout). */
async function expectPromptStop(source: { stop(): Promise<void> }, host: string, port: number): Promise<void> {
  const stalled = await openRawTcp(host, port);
  try {
    const started = Date.now();
    await source.stop();
    expect(Date.now() - started, 'stop does not wait out the handshake timeout').to.be.below(2000);
  } finally {
    stalled.destroy();
  }
}

async function openRawTcp(host: string, port: number): Promise<Socket> {
  const socket = connect({ host, port });
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  return socket;
}
