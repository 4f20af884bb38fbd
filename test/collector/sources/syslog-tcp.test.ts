import { connect, type Socket } from 'node:net';
import { expect } from 'chai';
import { SyslogTcpConfigSchema, SyslogTcpSource } from '../../../collector/sources/syslog-tcp.js';
import { SourceMetric } from '../../../collector/sources/telemetry.js';
import { RecordingSourceContext } from '../../helpers/source-context.js';
import { expectStopWaitsForHeldEmit } from '../../helpers/source-stop.js';
import { waitFor } from '../../helpers/wait-for.js';

const ROUTES = [
  { from: ['127.0.0.0/8'], org: 'org-v4', parser: 'iptables' },
  { from: ['::1/128'], org: 'org-v6', parser: 'cef' },
];

function octet(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

async function open(host: string, port: number): Promise<Socket> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

function close(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.end();
  });
}

describe('SyslogTcpSource', () => {
  let ctx: RecordingSourceContext;
  let source: SyslogTcpSource;
  let port: number;

  async function startWith(config: Record<string, unknown>): Promise<void> {
    await source?.stop();
    ctx = new RecordingSourceContext();
    source = new SyslogTcpSource(SyslogTcpConfigSchema.parse({ listen: { port: 0 }, ...config }), ctx);
    await source.start();
    port = source.address?.()?.port ?? 0;
  }

  beforeEach(() => startWith({ routes: ROUTES }));
  afterEach(() => source.stop());

  describe('configSchema', () => {
    it('needs a route or a fallback, takes org and parser together, and refuses unknown keys and bad CIDRs', () => {
      const ok = SyslogTcpConfigSchema.parse({ listen: { port: 1 }, org: 'a', parser: 'b' });
      expect(ok).to.deep.include({ listen: { host: '::', port: 1 }, batchMaxRecords: 500, flushIntervalMs: 50, maxMessageBytes: 65536 });
      expect(SyslogTcpConfigSchema.safeParse({ listen: { port: 1 } }).success).to.equal(false);
      expect(SyslogTcpConfigSchema.safeParse({ listen: { port: 1 }, org: 'a' }).success).to.equal(false);
      expect(SyslogTcpConfigSchema.safeParse({ listen: { port: 1 }, org: 'a', parser: 'b', bogus: 1 }).success).to.equal(false);
      expect(SyslogTcpConfigSchema.safeParse({ listen: { port: 1 }, routes: [{ from: ['10.0.0.0/33'], org: 'a', parser: 'b' }] }).success).to.equal(false);
    });
  });

  describe('start', () => {
    it('receives newline-framed messages from IPv4 and IPv6 senders on one dual-stack socket, routed by address', async () => {
      for (const host of ['127.0.0.1', '::1']) {
        const s = await open(host, port);
        s.write('<34>1 2026-11-25T06:00:00.003Z gw01 kernel - - - IN=eth0 SRC=10.0.0.1\r\n<13>Nov 25 14:00:00 gw01 app[7]: hello\n');
        await close(s);
      }
      await waitFor(() => ctx.records.length === 4, 5000, 'four records');
      const [a, b, c] = ctx.records;
      expect(a).to.include({ text: 'IN=eth0 SRC=10.0.0.1', orgId: 'org-v4', parser: 'iptables' });
      expect(a.envelope).to.include({ rfc: '5424', hostname: 'gw01', appname: 'kernel', facility: 4, severity: 2 });
      expect(a.origin).to.match(/^syslog-tcp:127\.0\.0\.1:\d+$/);
      expect(a.stream).to.equal(a.origin);
      expect(b).to.include({ text: 'hello' });
      expect(b.envelope).to.include({ rfc: '3164', appname: 'app', procid: '7' });
      expect(c).to.include({ orgId: 'org-v6', parser: 'cef' });
      expect(c.origin).to.match(/^syslog-tcp:\[::1\]:\d+$/);
      await waitFor(() => ctx.endedStreams.length === 2, 5000, 'both streams ended');
      expect(ctx.endedStreams).to.have.members([a.origin, c.origin]);
      expect(ctx.metrics.count(SourceMetric.recordsReceived, { source: 'syslog-tcp' })).to.equal(4);
    });

    it('receives octet-counted messages, split anywhere across writes', async () => {
      const s = await open('::1', port);
      const data = Buffer.from(octet('<13>Nov 25 14:00:00 gw01 app: one\nstill one') + octet('<13>Nov 25 14:00:01 gw01 app: two'));
      for (let i = 0; i < data.length; i += 5) s.write(data.subarray(i, i + 5));
      await close(s);
      await waitFor(() => ctx.records.length === 2, 5000, 'two records');
      expect(ctx.records.map((r) => r.text)).to.deep.equal(['one\nstill one', 'two']);
    });

    it('takes a message without a syslog header as it is, and the last line at a clean close', async () => {
      const s = await open('127.0.0.1', port);
      s.write('plain text line\n<13>no newline at the end');
      await close(s);
      await waitFor(() => ctx.records.length === 2, 5000, 'two records');
      expect(ctx.records[0]).to.include({ text: 'plain text line' }).and.not.to.have.property('envelope');
      expect(ctx.records[1]).to.include({ text: 'no newline at the end' });
    });

    it('uses the fallback org for unrouted senders, IPv4-mapped peers matching IPv4 routes', async () => {
      await startWith({ routes: [{ from: ['127.0.0.1'], org: 'org-v4', parser: 'iptables' }], org: 'org-default', parser: 'syslog' });
      for (const host of ['127.0.0.1', '::1']) {
        const s = await open(host, port);
        s.write(`<13>from ${host}\n`);
        await close(s);
      }
      await waitFor(() => ctx.records.length === 2, 5000, 'two records');
      expect(ctx.records.map((r) => [r.text, r.orgId])).to.have.deep.members([['from 127.0.0.1', 'org-v4'], ['from ::1', 'org-default']]);
    });

    it('dead-letters messages from senders no route covers, and counts them', async () => {
      await startWith({ routes: [{ from: ['10.0.0.0/8', '2001:db8::/32'], org: 'org-a', parser: 'iptables' }] });
      const s = await open('::1', port);
      s.write('<13>who am I\n<13>again\n');
      await close(s);
      // The dead letter keeps the message as received, syslog header included.
      await waitFor(() => ctx.deadLetters.length === 2, 5000, 'two dead letters');
      expect(ctx.deadLetters[0]).to.include({ code: 'unknown-sender', raw: '<13>who am I' }).and.not.to.have.property('orgId');
      expect(ctx.records).to.have.length(0);
      expect(ctx.metrics.count(SourceMetric.recordsDropped, { source: 'syslog-tcp', reason: 'unknown-sender' })).to.equal(2);
    });

    it('dead-letters an oversized message as too-large and keeps the connection in sync', async () => {
      await startWith({ routes: ROUTES, maxMessageBytes: 50 });
      const s = await open('127.0.0.1', port);
      s.write(octet(`<13>${'x'.repeat(200)}`) + octet('<13>small'));
      await close(s);
      await waitFor(() => ctx.records.length === 1 && ctx.deadLetters.length === 1, 5000, 'one record and one dead letter');
      expect(ctx.records[0].text).to.equal('small');
      expect(ctx.deadLetters[0]).to.include({ code: 'too-large', orgId: 'org-v4' });
      expect(ctx.deadLetters[0].raw.startsWith('<13>xxx')).to.equal(true);
    });

    it('closes a connection whose octet counting breaks, keeping what came before', async () => {
      const s = await open('127.0.0.1', port);
      const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
      s.on('error', () => {});
      s.write(`${octet('<13>good')}garbage here\n`);
      await closed;
      await waitFor(() => ctx.records.length === 1, 5000, 'the good record');
      expect(ctx.metrics.count(SourceMetric.recordsDropped, { source: 'syslog-tcp', reason: 'framing' })).to.equal(1);
    });

    it('emits in batches of at most batchMaxRecords', async () => {
      await startWith({ routes: ROUTES, batchMaxRecords: 10 });
      const s = await open('127.0.0.1', port);
      s.write(Array.from({ length: 25 }, (_, i) => `<13>m${i}\n`).join(''));
      await close(s);
      await waitFor(() => ctx.records.length === 25, 5000, '25 records');
      expect(ctx.batches.every((b) => b.length <= 10)).to.equal(true);
      expect(ctx.records.map((r) => r.text)).to.deep.equal(Array.from({ length: 25 }, (_, i) => `m${i}`));
    });

    it('stops reading from a sender while its batch is being stored (back-pressure)', async () => {
      await startWith({ routes: ROUTES, batchMaxRecords: 100 });
      ctx.mode = 'hold';
      const line = `<13>${'p'.repeat(95)}\n`;
      const total = 200_000; // 20 MB: more than the kernel buffers on both ends hold while the reader is paused
      const s = await open('127.0.0.1', port);
      s.write(Buffer.from(line.repeat(total)));
      await waitFor(() => ctx.held.length === 1, 5000, 'the first emit');
      // Round trips on a second connection let the server run its event loop many times meanwhile.
      for (let i = 0; i < 20; i++) {
        const probe = await open('::1', port);
        await close(probe);
      }
      const received = ctx.metrics.count(SourceMetric.recordsReceived, { source: 'syslog-tcp' });
      expect(received).to.be.at.most(100 + 2 * Math.ceil(65536 / line.length));
      expect(s.writableLength).to.be.above(0);
      ctx.mode = 'accept';
      ctx.releaseAll();
      await close(s);
      await waitFor(() => ctx.records.length === total, 20000, 'every record after release');
    });

    it('counts a batch the pipeline refuses and keeps serving the connection', async () => {
      ctx.failNext(1);
      const s = await open('127.0.0.1', port);
      s.write('<13>lost\n');
      await waitFor(() => ctx.emitCalls === 1, 5000, 'the failed emit');
      s.write('<13>kept\n');
      await close(s);
      await waitFor(() => ctx.records.length === 1, 5000, 'the next record');
      expect(ctx.records[0].text).to.equal('kept');
      expect(ctx.metrics.count(SourceMetric.recordsDropped, { source: 'syslog-tcp', reason: 'emit-failed' })).to.equal(1);
    });
  });

  describe('stop', () => {
    it('reads what senders already sent before cutting their connections, over IPv4 and IPv6', async () => {
      await startWith({ routes: ROUTES, batchMaxRecords: 100 });
      ctx.mode = 'hold';
      const line = `<13>${'q'.repeat(95)}\n`;
      const perSender = 20_000; // 2 MB each: most of it still in the socket buffers when stop begins
      const senders = await Promise.all(['127.0.0.1', '::1'].map((host) => open(host, port)));
      for (const s of senders) {
        s.on('error', () => {});
        s.write(Buffer.from(line.repeat(perSender)));
      }
      await waitFor(() => ctx.held.length >= 1, 5000, 'a batch being stored');
      const stopping = source.stop();
      // The store catches up while the source is stopping; the senders never close their side.
      ctx.mode = 'accept';
      ctx.releaseAll();
      await stopping;
      expect(ctx.records).to.have.length(2 * perSender);
      expect(new Set(ctx.records.map((r) => r.orgId))).to.deep.equal(new Set(['org-v4', 'org-v6']));
    });

    it('cuts a sender that keeps sending once stopGraceMs is up', async () => {
      await startWith({ routes: ROUTES, stopGraceMs: 300 });
      const s = await open('::1', port);
      s.on('error', () => {});
      let sending = true;
      const chatter = setInterval(() => { if (sending) s.write('<13>still talking\n'); }, 5);
      try {
        await waitFor(() => ctx.records.length > 0, 5000, 'the first record');
        const began = Date.now();
        await source.stop();
        expect(Date.now() - began, 'stop waited for a sender that never goes quiet').to.be.below(5_000);
        await waitFor(() => s.destroyed || s.readableEnded, 5000, 'the connection cut');
      } finally {
        sending = false;
        clearInterval(chatter);
        s.destroy();
      }
    });

    it('waits for the batch in flight, ends the stream, closes the listener, and is idempotent', async () => {
      ctx.mode = 'hold';
      const s = await open('::1', port);
      s.on('error', () => {});
      s.write('<13>in flight\n');
      await expectStopWaitsForHeldEmit(source, ctx);
      expect(ctx.records.map((r) => r.text)).to.deep.equal(['in flight']);
      expect(ctx.endedStreams).to.have.length(1);
      const refused = await open('::1', port).then((x) => { x.destroy(); return false; }, () => true);
      expect(refused).to.equal(true);
    });
  });
});
