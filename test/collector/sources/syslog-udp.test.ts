import { createSocket } from 'node:dgram';
import { expect } from 'chai';
import { SyslogUdpConfigSchema, SyslogUdpSource } from '../../../collector/sources/syslog-udp.js';
import { SourceMetric } from '../../../collector/sources/telemetry.js';
import { RecordingSourceContext } from '../../helpers/source-context.js';
import { waitFor } from '../../helpers/wait-for.js';

const ROUTES = [
  { from: ['127.0.0.0/8'], org: 'org-v4', parser: 'iptables' },
  { from: ['::1'], org: 'org-v6', parser: 'cef' },
];

async function send(host: string, port: number, ...datagrams: string[]): Promise<void> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  for (const d of datagrams) {
    await new Promise<void>((resolve, reject) => socket.send(d, port, host, (err) => (err ? reject(err) : resolve())));
  }
  socket.close();
}

describe('SyslogUdpSource', () => {
  let ctx: RecordingSourceContext;
  let source: SyslogUdpSource;
  let port: number;

  async function startWith(config: Record<string, unknown>): Promise<void> {
    await source?.stop();
    ctx = new RecordingSourceContext();
    source = new SyslogUdpSource(SyslogUdpConfigSchema.parse({ listen: { port: 0 }, ...config }), ctx);
    await source.start();
    port = source.address?.()?.port ?? 0;
  }

  beforeEach(() => startWith({ routes: ROUTES }));
  afterEach(() => source.stop());

  describe('configSchema', () => {
    it('defaults to a dual-stack listener and refuses unknown keys', () => {
      expect(SyslogUdpConfigSchema.parse({ listen: { port: 514 }, org: 'a', parser: 'b' })).to.deep.include({
        listen: { host: '::', port: 514 }, maxPendingRecords: 10_000,
      });
      expect(SyslogUdpConfigSchema.safeParse({ listen: { port: 514 }, org: 'a', parser: 'b', queue: 1 }).success).to.equal(false);
    });
  });

  describe('start', () => {
    it('receives datagrams from IPv4 and IPv6 senders, one message each, routed by address', async () => {
      await send('127.0.0.1', port, '<34>1 2026-11-25T06:00:00Z gw01 kernel - - - IN=eth0');
      await send('::1', port, '<13>Nov 25 14:00:00 gw02 app: v6 hello');
      await waitFor(() => ctx.records.length === 2, 5000, 'two records');
      const v4 = ctx.records.find((r) => r.orgId === 'org-v4');
      const v6 = ctx.records.find((r) => r.orgId === 'org-v6');
      expect(v4).to.include({ text: 'IN=eth0', parser: 'iptables', stream: 'syslog-udp:127.0.0.1' });
      expect(v4?.envelope).to.include({ rfc: '5424', hostname: 'gw01' });
      expect(v4?.origin).to.match(/^syslog-udp:127\.0\.0\.1:\d+$/);
      expect(v6).to.include({ text: 'v6 hello', parser: 'cef', stream: 'syslog-udp:[::1]' });
      expect(v6?.origin).to.match(/^syslog-udp:\[::1\]:\d+$/);
    });

    it('splits a datagram holding several newline-separated messages', async () => {
      await send('127.0.0.1', port, '<13>one\r\n<13>two\n\n<13>three');
      await waitFor(() => ctx.records.length === 3, 5000, 'three records');
      expect(ctx.records.map((r) => r.text)).to.deep.equal(['one', 'two', 'three']);
    });

    it('dead-letters messages from unrouted senders and oversized ones', async () => {
      await startWith({ routes: [{ from: ['127.0.0.1/32'], org: 'org-v4', parser: 'iptables' }], maxMessageBytes: 20 });
      await send('::1', port, '<13>stranger');
      await send('127.0.0.1', port, `<13>${'z'.repeat(40)}`);
      await waitFor(() => ctx.deadLetters.length === 2, 5000, 'two dead letters');
      expect(ctx.deadLetters.map((d) => d.code)).to.have.members(['unknown-sender', 'too-large']);
      expect(ctx.metrics.count(SourceMetric.recordsDropped, { source: 'syslog-udp', reason: 'unknown-sender' })).to.equal(1);
      expect(ctx.metrics.count(SourceMetric.recordsDropped, { source: 'syslog-udp', reason: 'too-large' })).to.equal(1);
    });

    it('drops and counts messages beyond maxPendingRecords while the pipeline is slow', async () => {
      await startWith({ routes: ROUTES, maxPendingRecords: 5, batchMaxRecords: 2 });
      ctx.mode = 'hold';
      await send('127.0.0.1', port, ...Array.from({ length: 20 }, (_, i) => `<13>m${i}`));
      await waitFor(() => ctx.metrics.count(SourceMetric.recordsReceived, { source: 'syslog-udp' }) === 20, 5000, '20 datagrams');
      expect(ctx.metrics.count(SourceMetric.recordsDropped, { source: 'syslog-udp', reason: 'overload' })).to.equal(15);
      ctx.mode = 'accept';
      ctx.releaseAll();
      await waitFor(() => ctx.records.length === 5, 5000, 'the five kept');
      expect(ctx.records.map((r) => r.text)).to.deep.equal(['m0', 'm1', 'm2', 'm3', 'm4']);
    });
  });

  describe('stop', () => {
    it('stores what is pending before resolving and is idempotent', async () => {
      await startWith({ routes: ROUTES, flushIntervalMs: 60_000 });
      await send('::1', port, '<13>pending');
      await waitFor(() => ctx.metrics.count(SourceMetric.recordsReceived) === 1, 5000, 'the datagram');
      expect(ctx.records).to.have.length(0);
      await source.stop();
      await source.stop();
      expect(ctx.records.map((r) => r.text)).to.deep.equal(['pending']);
      expect(source.address?.()).to.equal(undefined);
    });
  });
});
