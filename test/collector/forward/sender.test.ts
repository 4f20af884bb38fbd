/**
 * The forward sender against a scripted remote on loopback (IPv4 and IPv6):
 * what it sends, and what it does with each kind of answer. The records must
 * always all arrive, in order, and a refusal must neither lose them nor make
 * the sender spin.
 */
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { IngestClient } from '../../../collector/forward/ingest-client.js';
import { ForwardSender } from '../../../collector/forward/sender.js';
import { Spool } from '../../../collector/forward/spool.js';
import { ForwardMetric } from '../../../collector/forward/telemetry.js';
import { FORWARD_MEDIA_TYPE, recordEntry, endStreamEntry } from '../../../collector/forward/wire.js';
import type { IngestRecord } from '../../../collector/sources/types.js';
import { CountingMetrics } from '../../helpers/source-context.js';
import { tempDir } from '../../helpers/paths.js';
import { waitFor } from '../../helpers/wait-for.js';

interface Received {
  readonly token: string;
  readonly contentType: string;
  readonly lines: Record<string, unknown>[];
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'cut';

/** A remote that records each request and answers as `script` says (default: 200). */
class ScriptedRemote {
  readonly requests: Received[] = [];
  script: (req: Received, index: number) => Answer = () => ({ status: 200, body: { accepted: 0, rejected: [] } });
  private server: Server | undefined;

  async listen(host: string, port = 0): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    server.listen(port, host);
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const raw = Buffer.concat(chunks);
    const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    const received: Received = {
      token: (req.headers.authorization ?? '').replace(/^Bearer /, ''),
      contentType: req.headers['content-type'] ?? '',
      lines: body.toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
    };
    const index = this.requests.push(received) - 1;
    const answer = this.script(received, index);
    if (answer === 'cut') {
      // The request was taken but the answer is lost: the sender cannot know it arrived.
      res.socket?.destroy();
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body ?? {}));
  }
}

/** The spool entry of record `i` of a file source. */
function record(i: number, org = 'org-a', parser = 'ecs', stream = 'file:/var/log/a.log'): Buffer {
  const source: IngestRecord & { orgId: string; parser: string } = {
    text: `{"seq":${i}}`, receivedAt: new Date('2026-11-25T06:00:00Z'), orgId: org, parser, stream,
    stableId: `id-${org}-${i}`, origin: stream, extra: { 'input.type': 'file' },
  };
  return recordEntry(source);
}

interface LogLine { level: string; msg: string; fields: Record<string, unknown> }

describe('ForwardSender', () => {
  for (const host of ['127.0.0.1', '::1']) {
    describe(`to a remote on ${host}`, () => {
      const url = (port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      let remote: ScriptedRemote;
      let spool: Spool;
      let sender: ForwardSender | undefined;
      let client: IngestClient | undefined;
      let metrics: CountingMetrics;
      let logs: LogLine[];
      const log = {
        info: (msg: string, fields: Record<string, unknown> = {}) => logs.push({ level: 'info', msg, fields }),
        warn: (msg: string, fields: Record<string, unknown> = {}) => logs.push({ level: 'warn', msg, fields }),
        error: (msg: string, fields: Record<string, unknown> = {}) => logs.push({ level: 'error', msg, fields }),
      };

      beforeEach(async () => {
        remote = new ScriptedRemote();
        metrics = new CountingMetrics();
        logs = [];
        spool = await Spool.open({ dir: tempDir('iisa-sender-'), maxBytes: 4 * 1024 * 1024, segmentBytes: 64 * 1024, log });
      });

      afterEach(async () => {
        await sender?.stop();
        sender = undefined;
        client?.close();
        await spool.close();
        await remote.close();
      });

      function start(port: number, options: { maxRecords?: number; maxBytes?: number; baseDelayMs?: number; maxDelayMs?: number; tokens?: Record<string, string> } = {}): void {
        client = new IngestClient({ url: url(port), timeoutMs: 5000, gzip: true });
        const tokens = options.tokens ?? { 'org-a/ecs': 'token-a', 'org-b/cef': 'token-b' };
        sender = new ForwardSender({
          spool, client, tokenFor: (org, parser) => tokens[`${org}/${parser}`],
          batch: { maxRecords: options.maxRecords ?? 100, maxBytes: options.maxBytes ?? 512 * 1024, maxDelayMs: 0 },
          retry: { baseDelayMs: options.baseDelayMs ?? 5, maxDelayMs: options.maxDelayMs ?? 50 },
          log, metrics, random: () => 0.5,
        });
        sender.start();
      }

      const seqs = (requests: readonly Received[]) => requests.flatMap((r) => r.lines.map((l) => JSON.parse(l.text as string) as { seq: number })).map((s) => s.seq);

      it('posts the records as forwarded NDJSON, one request per org and parser with its token, in order', async () => {
        const port = await remote.listen(host);
        await spool.append([record(0), record(1), record(0, 'org-b', 'cef'), record(2), record(1, 'org-b', 'cef')], { wait: true });
        start(port);
        await waitFor(() => spool.pendingRecords === 0, 5000, 'the spool to be delivered');
        expect(remote.requests.map((r) => r.token)).to.deep.equal(['token-a', 'token-b']);
        expect(remote.requests.every((r) => r.contentType === FORWARD_MEDIA_TYPE)).to.equal(true);
        expect(seqs([remote.requests[0]])).to.deep.equal([0, 1, 2]);
        expect(seqs([remote.requests[1]])).to.deep.equal([0, 1]);
        expect(remote.requests[0].lines[0]).to.deep.include({ id: 'id-org-a-0', stream: 'file:/var/log/a.log', receivedAt: '2026-11-25T06:00:00.000Z' });
        expect(metrics.count(ForwardMetric.recordsDelivered)).to.equal(5);
      });

      it('sends an end-of-stream with the records of its org and parser, not counted as a record', async () => {
        const port = await remote.listen(host);
        await spool.append([record(0), endStreamEntry('org-a', 'ecs', 'file:/var/log/a.log')], { wait: true });
        start(port);
        await waitFor(() => spool.pendingRecords === 0, 5000, 'delivery');
        expect(remote.requests[0].lines[1]).to.deep.equal({ endStream: 'file:/var/log/a.log' });
        expect(metrics.count(ForwardMetric.recordsDelivered)).to.equal(1);
      });

      it('keeps retrying while nothing listens, then delivers everything once the remote is back on its port', async () => {
        const probe = new ScriptedRemote();
        const port = await probe.listen(host);
        await probe.close();
        for (let i = 0; i < 20; i++) await spool.append([record(i)], { wait: true });
        start(port, { maxRecords: 7 });
        await waitFor(() => metrics.count(ForwardMetric.sendFailures, { reason: 'network' }) >= 5, 10_000, 'failed attempts');
        expect(spool.pendingRecords).to.equal(20);
        expect(logs.some((l) => l.level === 'warn' && /not answering/.test(l.msg))).to.equal(true);
        await remote.listen(host, port);
        await waitFor(() => spool.pendingRecords === 0, 10_000, 'delivery after the remote came back');
        expect(seqs(remote.requests)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
        expect(logs.some((l) => l.level === 'info' && /delivering again/.test(l.msg))).to.equal(true);
      });

      it('waits at least the Retry-After of a 503 or 429 before the next attempt', async () => {
        const port = await remote.listen(host);
        remote.script = (_req, index) => (index === 0 ? { status: 503, headers: { 'retry-after': '1' } }
          : index === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200, body: { accepted: 1, rejected: [] } });
        await spool.append([record(0)], { wait: true });
        start(port);
        await waitFor(() => spool.pendingRecords === 0, 10_000, 'delivery');
        const planned = logs.filter((l) => /not answering/.test(l.msg)).map((l) => l.fields.retryInMs as number);
        expect(planned).to.have.length(2);
        for (const ms of planned) expect(ms).to.be.at.least(1000);
        expect(remote.requests).to.have.length(3);
      });

      it('on 401 keeps the records, logs an error naming the token, retries only every maxDelayMs, and delivers once the token works', async () => {
        const port = await remote.listen(host);
        let fixed = false;
        remote.script = () => (fixed ? { status: 200, body: { accepted: 3, rejected: [] } } : { status: 401, body: { error: 'unauthorized', message: 'a valid ingest token is required' } });
        await spool.append([record(0), record(1), record(2)], { wait: true });
        start(port, { baseDelayMs: 5, maxDelayMs: 300 });
        await waitFor(() => remote.requests.length >= 2, 5000, 'two refused attempts');
        const error = logs.find((l) => l.level === 'error' && /refuses the batch/.test(l.msg));
        expect(error, 'an error log').to.not.equal(undefined);
        expect(String(error!.fields.error)).to.match(/refused the token for org org-a and parser ecs/);
        // Not the 5 ms backoff of a network error: the operator's pace.
        expect(error!.fields.retryInMs).to.equal(300);
        expect(spool.pendingRecords).to.equal(3);
        fixed = true;
        await waitFor(() => spool.pendingRecords === 0, 5000, 'delivery with the fixed token');
        expect(seqs(remote.requests.slice(-1))).to.deep.equal([0, 1, 2]);
      });

      it('halves a batch the remote answers 413 for until the pieces fit, keeping the order', async () => {
        const port = await remote.listen(host);
        remote.script = (req) => (req.lines.length > 3 ? { status: 413, body: { error: 'too-large' } } : { status: 200, body: { accepted: req.lines.length, rejected: [] } });
        for (let i = 0; i < 10; i++) await spool.append([record(i)], { wait: true });
        start(port);
        await waitFor(() => spool.pendingRecords === 0, 5000, 'delivery');
        const delivered = remote.requests.filter((r) => r.lines.length <= 3);
        expect(seqs(delivered)).to.deep.equal(Array.from({ length: 10 }, (_, i) => i));
      });

      it('moves on after a 422: the remote keeps the refused records as dead letters', async () => {
        const port = await remote.listen(host);
        remote.script = (_req, index) => (index === 0 ? { status: 422, body: { accepted: 1, rejected: [{ line: 2, code: 'malformed', reason: 'not JSON' }] } } : { status: 200, body: {} });
        await spool.append([record(0), record(1)], { wait: true });
        start(port);
        await waitFor(() => spool.pendingRecords === 0, 5000, 'delivery');
        await spool.append([record(2)], { wait: true });
        await waitFor(() => remote.requests.length === 2, 5000, 'the next batch');
        expect(seqs([remote.requests[1]])).to.deep.equal([2]);
        expect(metrics.count(ForwardMetric.recordsRejectedRemotely)).to.equal(1);
      });

      it('sends a batch whose answer was lost again with the same record ids', async () => {
        const port = await remote.listen(host);
        remote.script = (_req, index) => (index === 0 ? 'cut' : { status: 200, body: {} });
        await spool.append([record(0), record(1)], { wait: true });
        start(port);
        await waitFor(() => spool.pendingRecords === 0, 5000, 'delivery');
        expect(remote.requests).to.have.length(2);
        expect(remote.requests[1].lines.map((l) => l.id)).to.deep.equal(remote.requests[0].lines.map((l) => l.id));
      });

      it('holds records of an org and parser without a token, logging what to add, and sends nothing past them', async () => {
        const port = await remote.listen(host);
        await spool.append([record(0, 'org-c', 'zeek-modbus')], { wait: true });
        await spool.append([record(1)], { wait: true });
        start(port, { maxRecords: 1, maxDelayMs: 50 });
        await waitFor(() => logs.some((l) => l.level === 'error' && /no token for org org-c/.test(String(l.fields.error))), 5000, 'the error');
        expect(remote.requests).to.have.length(0);
        expect(spool.pendingRecords).to.equal(2);
      });
    });
  }
});
