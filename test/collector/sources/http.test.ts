import { gzipSync } from 'node:zlib';
import { request } from 'node:http';
import { expect } from 'chai';
import { HttpConfigSchema, HttpSource } from '../../../collector/sources/http.js';
import { SourceMetric } from '../../../collector/sources/telemetry.js';
import { RecordingSourceContext } from '../../helpers/source-context.js';
import { waitFor } from '../../helpers/wait-for.js';

const TOKEN = 'gw01-token-7f3a9c';
const GRANT = { tokenId: 'gw-01', orgId: 'ent-a', parser: 'gw-json' };

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** A POST over a real socket; `body` may be sent in chunks (no Content-Length). */
function post(base: string, body: Buffer | string | Buffer[], headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/v1/ingest`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    req.on('error', reject);
    for (const part of Array.isArray(body) ? body : [body]) req.write(part);
    req.end();
  });
}

function ndjson(...lines: unknown[]): string {
  return lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
}

const auth = { authorization: `Bearer ${TOKEN}` };
const NDJSON = { 'content-type': 'application/x-ndjson', ...auth };

describe('HttpSource', () => {
  let ctx: RecordingSourceContext;
  let source: HttpSource;
  let v4: string;
  let v6: string;

  async function startWith(extra: Record<string, unknown> = {}): Promise<void> {
    ctx = new RecordingSourceContext({ tokens: [{ ...GRANT, token: TOKEN }] });
    source = new HttpSource(HttpConfigSchema.parse({ listen: { port: 0 }, ...extra }), ctx);
    await source.start();
    const port = source.address?.()?.port;
    v4 = `http://127.0.0.1:${port}`;
    v6 = `http://[::1]:${port}`;
  }

  beforeEach(() => startWith());
  afterEach(() => source.stop());

  describe('configSchema', () => {
    it('defaults to a dual-stack listener and the documented limits', () => {
      expect(HttpConfigSchema.parse({ listen: { port: 8088 } })).to.deep.include({
        listen: { host: '::', port: 8088 }, maxBodyBytes: 1024 * 1024, maxLineBytes: 64 * 1024,
      });
    });

    it('refuses unknown keys', () => {
      expect(HttpConfigSchema.safeParse({ listen: { port: 1 }, maxBody: 5 }).success).to.equal(false);
    });
  });

  describe('address', () => {
    it('exposes the bound port, on the dual-stack default host', () => {
      expect(source.address?.()).to.include({ host: '::' }).and.to.have.property('port').above(0);
    });
  });

  describe('GET /api/v1/health', () => {
    it('answers without a token over IPv4 and IPv6', async () => {
      for (const base of [v4, v6]) {
        const res = await fetch(`${base}/api/v1/health`);
        expect(res.status).to.equal(200);
        expect(await res.json()).to.deep.equal({ status: 'ok' });
      }
    });
  });

  describe('POST /api/v1/ingest', () => {
    it('stores NDJSON over IPv4 and IPv6 under the org and parser of the token, not of the body', async () => {
      for (const base of [v4, v6]) {
        const reply = await post(base, ndjson({ msg: 'a', orgId: 'evil', parser: 'x' }, '', { msg: 'b' }), NDJSON);
        expect(reply.status).to.equal(200);
        expect(reply.body).to.deep.equal({ accepted: 2, rejected: [] });
      }
      expect(ctx.records).to.have.length(4);
      for (const r of ctx.records) {
        expect(r).to.include({ orgId: 'ent-a', parser: 'gw-json', stream: 'http:gw-01', origin: 'http' });
        expect(r.receivedAt).to.be.instanceOf(Date);
      }
      expect(ctx.records[0].text).to.equal('{"msg":"a","orgId":"evil","parser":"x"}');
      expect(ctx.metrics.count(SourceMetric.recordsReceived, { source: 'http' })).to.equal(4);
    });

    it('accepts text/plain lines and a JSON array', async () => {
      expect((await post(v4, '<13>line one\r\nline two', { 'content-type': 'text/plain; charset=utf-8', ...auth })).status).to.equal(200);
      const reply = await post(v6, JSON.stringify([{ b: 1 }, 'raw']), { 'content-type': 'application/json', ...auth });
      expect(reply.body).to.deep.equal({ accepted: 2, rejected: [] });
      expect(ctx.records.map((r) => r.text)).to.deep.equal(['<13>line one', 'line two', '{"b":1}', 'raw']);
    });

    it('decompresses a gzip body, sent in chunks', async () => {
      const zipped = gzipSync(ndjson({ n: 1 }, { n: 2 }, { n: 3 }));
      const reply = await post(v4, [zipped.subarray(0, 10), zipped.subarray(10)], { ...NDJSON, 'content-encoding': 'gzip' });
      expect(reply.status).to.equal(200);
      expect(ctx.records.map((r) => r.text)).to.deep.equal(['{"n":1}', '{"n":2}', '{"n":3}']);
    });

    for (const [what, headers] of [['no token', {}], ['an unknown token', { authorization: 'Bearer nope' }], ['a non-bearer scheme', { authorization: `Basic ${TOKEN}` }]] as const) {
      it(`refuses ${what} with 401, counts it and dead-letters the first KiB without an org`, async () => {
        const body = 'x'.repeat(5000);
        const reply = await post(v6, body, { 'content-type': 'application/x-ndjson', ...headers });
        expect(reply.status).to.equal(401);
        expect(reply.body).to.have.keys('error', 'message');
        expect(reply.body.error).to.equal('unauthorized');
        expect(ctx.metrics.count(SourceMetric.authFailures, { source: 'http' })).to.equal(1);
        expect(ctx.deadLetters).to.have.length(1);
        expect(ctx.deadLetters[0]).to.include({ code: 'bad-token', origin: 'http', raw: 'x'.repeat(1024) });
        expect(ctx.deadLetters[0]).not.to.have.property('orgId');
        expect(ctx.emitCalls).to.equal(0);
      });
    }

    it('answers 413 for a body over maxBodyBytes, declared or streamed, and stores nothing', async () => {
      await source.stop();
      await startWith({ maxBodyBytes: 1000 });
      const big = ndjson(...Array.from({ length: 200 }, (_, i) => ({ i })));
      expect((await post(v4, big, { ...NDJSON, 'content-length': String(Buffer.byteLength(big)) })).status).to.equal(413);
      const line = Buffer.from(`${'z'.repeat(99)}\n`);
      const chunked = await post(v6, Array.from({ length: 30_000 }, () => line), NDJSON);
      expect(chunked.status).to.equal(413);
      expect(chunked.body.error).to.equal('too-large');
      expect(ctx.emitCalls).to.equal(0);
    });

    it('applies maxBodyBytes to the decompressed size (a small gzip bomb is refused)', async () => {
      await source.stop();
      await startWith({ maxBodyBytes: 10_000 });
      const bomb = gzipSync(Buffer.from(`${'a'.repeat(1_000_000)}\n`));
      expect(bomb.length).to.be.below(10_000);
      expect((await post(v4, bomb, { ...NDJSON, 'content-encoding': 'gzip' })).status).to.equal(413);
      expect(ctx.emitCalls).to.equal(0);
    });

    it('rejects a record over maxLineBytes (422, dead-lettered as too-large) and stores its neighbours', async () => {
      await source.stop();
      await startWith({ maxLineBytes: 20 });
      const reply = await post(v4, ndjson({ n: 1 }, { long: 'y'.repeat(100) }, { n: 3 }), NDJSON);
      expect(reply.status).to.equal(422);
      expect(reply.body.accepted).to.equal(2);
      expect(reply.body.rejected).to.deep.equal([{ line: 2, code: 'too-large', reason: 'record is 111 bytes; maxLineBytes is 20' }]);
      expect(reply.body.message).to.match(/2 record\(s\) were stored/);
      expect(ctx.records.map((r) => r.text)).to.deep.equal(['{"n":1}', '{"n":3}']);
      expect(ctx.deadLetters).to.have.length(1);
      expect(ctx.deadLetters[0]).to.include({ code: 'too-large', orgId: 'ent-a', parser: 'gw-json' });
      expect(ctx.metrics.count(SourceMetric.recordsDropped, { source: 'http', reason: 'too-large' })).to.equal(1);
    });

    it('reports records the pipeline rejected by their line in the body', async () => {
      await source.stop();
      ctx = new RecordingSourceContext({
        tokens: [{ ...GRANT, token: TOKEN }],
        reject: (r) => (r.text.includes('bad') ? { code: 'parse-error', reason: 'not a gw-json record' } : undefined),
      });
      source = new HttpSource(HttpConfigSchema.parse({ listen: { host: '::1', port: 0 } }), ctx);
      await source.start();
      const reply = await post(`http://[::1]:${source.address?.()?.port}`, ndjson({ ok: 1 }, '', 'bad one', { ok: 2 }), NDJSON);
      expect(reply.status).to.equal(422);
      expect(reply.body).to.deep.include({ accepted: 2, rejected: [{ line: 3, code: 'parse-error', reason: 'not a gw-json record' }] });
    });

    it('answers 503 with Retry-After when the batch cannot be stored', async () => {
      ctx.failNext(1);
      const reply = await post(v4, ndjson({ n: 1 }), NDJSON);
      expect(reply.status).to.equal(503);
      expect(reply.headers['retry-after']).to.equal('5');
      expect(reply.body.error).to.equal('unavailable');
      expect(ctx.records).to.have.length(0);
    });

    it('does not answer before the batch is durable', async () => {
      ctx.mode = 'hold';
      let answered = false;
      const pending = post(v6, ndjson({ n: 1 }), NDJSON).then((r) => {
        answered = true;
        return r;
      });
      await waitFor(() => ctx.held.length === 1, 5000, 'the emit to start');
      // A round trip on another connection proves the server had time to answer if it were going to.
      await fetch(`${v4}/api/v1/health`);
      expect(answered).to.equal(false);
      expect(ctx.records).to.have.length(0);
      ctx.releaseAll();
      expect((await pending).status).to.equal(200);
      expect(ctx.records).to.have.length(1);
    });

    it('answers 429 with Retry-After beyond maxConcurrentRequests, and takes requests again as the others finish', async () => {
      await source.stop();
      await startWith({ maxConcurrentRequests: 2, retryAfterSeconds: 3 });
      ctx.mode = 'hold';
      const first = post(v4, ndjson({ n: 1 }), NDJSON);
      const second = post(v6, ndjson({ n: 2 }), NDJSON);
      await waitFor(() => ctx.held.length === 2, 5000, 'two emits to start');
      const busy = await post(v6, ndjson({ n: 3 }), NDJSON);
      expect(busy.status).to.equal(429);
      expect(busy.headers['retry-after']).to.equal('3');
      expect(busy.body.error).to.equal('busy');
      expect(busy.body.message).to.match(/maxConcurrentRequests.*send it again later/);
      expect(ctx.metrics.count(SourceMetric.requestsRefused, { source: 'http', reason: 'busy' })).to.equal(1);
      ctx.releaseAll();
      expect((await first).status).to.equal(200);
      expect((await second).status).to.equal(200);
      ctx.mode = 'accept';
      expect((await post(v4, ndjson({ n: 3 }), NDJSON)).status).to.equal(200);
      expect(ctx.records.map((r) => JSON.parse(r.text) as { n: number }).map((r) => r.n).sort()).to.deep.equal([1, 2, 3]);
    });

    it('refuses unsupported content types, encodings and bodies', async () => {
      expect((await post(v4, 'x', { 'content-type': 'application/xml', ...auth })).status).to.equal(415);
      expect((await post(v4, 'x', { ...NDJSON, 'content-encoding': 'br' })).status).to.equal(415);
      expect((await post(v4, 'x', { ...NDJSON, 'content-type': 'text/plain; charset=latin1' })).status).to.equal(415);
      const bad = await post(v4, '{"a":1}\n{"a":2}', { 'content-type': 'application/json', ...auth });
      expect(bad.status).to.equal(400);
      expect(bad.body.message).to.match(/x-ndjson/);
      expect((await post(v4, 'not gzip', { ...NDJSON, 'content-encoding': 'gzip' })).status).to.equal(400);
    });
  });

  describe('stop', () => {
    it('waits for a request in progress, lets it finish, and is idempotent', async () => {
      ctx.mode = 'hold';
      const pending = post(v4, ndjson({ n: 1 }), NDJSON);
      await waitFor(() => ctx.held.length === 1, 5000, 'the emit to start');
      let stopped = false;
      const stopping = source.stop().then(() => {
        stopped = true;
      });
      await fetch(`${v6}/api/v1/health`).catch(() => undefined);
      expect(stopped).to.equal(false);
      ctx.releaseAll();
      expect((await pending).status).to.equal(200);
      await stopping;
      await source.stop();
      let refused = false;
      await fetch(`${v4}/api/v1/health`).catch(() => {
        refused = true;
      });
      expect(refused).to.equal(true);
    });
  });
});
