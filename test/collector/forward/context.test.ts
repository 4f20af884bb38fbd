/**
 * Sources writing into a forwarding collector's spool: what each does when
 * the spool is full (the remote is away and nothing drains it). File tail
 * and TCP are held back and lose nothing; HTTP answers 503 with Retry-After
 * and keeps nothing it refused; UDP drops, counts and logs. Records a source
 * refuses itself and the ends of streams go through the spool in order.
 */
import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { ForwardingContext } from '../../../collector/forward/context.js';
import { Spool } from '../../../collector/forward/spool.js';
import { ForwardMetric } from '../../../collector/forward/telemetry.js';
import { decodeEntry, type SpoolEntry } from '../../../collector/forward/wire.js';
import { FileConfigSchema, FileSource, offsetFilePath } from '../../../collector/sources/file.js';
import { HttpConfigSchema, HttpSource } from '../../../collector/sources/http.js';
import { SyslogTcpConfigSchema, SyslogTcpSource } from '../../../collector/sources/syslog-tcp.js';
import { SyslogUdpConfigSchema, SyslogUdpSource } from '../../../collector/sources/syslog-udp.js';
import { SourceMetric } from '../../../collector/sources/telemetry.js';
import type { Source, TokenVerifier } from '../../../collector/sources/types.js';
import { CountingMetrics } from '../../helpers/source-context.js';
import { tempDir } from '../../helpers/paths.js';
import { waitFor } from '../../helpers/wait-for.js';

interface LogLine { level: string; msg: string; fields: Record<string, unknown> }

const noTokens: TokenVerifier = { verify: () => undefined };

describe('ForwardingContext', () => {
  let dir: string;
  let spool: Spool;
  let ctx: ForwardingContext;
  let metrics: CountingMetrics;
  let logs: LogLine[];
  const sources: Source[] = [];
  const log = {
    info: (msg: string, fields: Record<string, unknown> = {}) => logs.push({ level: 'info', msg, fields }),
    warn: (msg: string, fields: Record<string, unknown> = {}) => logs.push({ level: 'warn', msg, fields }),
    error: (msg: string, fields: Record<string, unknown> = {}) => logs.push({ level: 'error', msg, fields }),
  };

  async function setUp(maxBytes: number, tokens: TokenVerifier = noTokens): Promise<void> {
    dir = tempDir('iisa-forward-ctx-');
    metrics = new CountingMetrics();
    logs = [];
    spool = await Spool.open({ dir: join(dir, 'spool'), maxBytes, segmentBytes: Math.floor(maxBytes / 2), log });
    ctx = new ForwardingContext({
      spool, forwardable: (org) => org !== 'org-without-token', dataDir: join(dir, 'data'), tokens, log, metrics,
    });
  }

  async function started<S extends Source>(source: S): Promise<S> {
    sources.push(source);
    await source.start();
    return source;
  }

  afterEach(async () => {
    spool.admitWaiting();
    for (const s of sources.splice(0)) await s.stop();
    await ctx.settled();
    await spool.close();
  });

  /** Deliver (read and acknowledge) everything in the spool now, as the sender would. */
  async function deliver(): Promise<SpoolEntry[]> {
    const out: SpoolEntry[] = [];
    for (;;) {
      const batch = await spool.read({ maxRecords: 100, maxBytes: 64 * 1024 });
      if (!batch) return out;
      out.push(...batch.payloads.map((p) => decodeEntry(p)!));
      await spool.ack(batch.end, batch.payloads.length);
    }
  }

  /** Deliver until `count` records came out (the sources refill the spool meanwhile). */
  async function deliverAll(count: number): Promise<SpoolEntry[]> {
    const out: SpoolEntry[] = [];
    await waitFor(async () => {
      out.push(...(await deliver()).filter((e) => 'id' in e.record));
      return out.length >= count;
    }, 20_000, () => `${count} records out of the spool (${out.length} so far)`);
    return out;
  }

  const textOf = (e: SpoolEntry): string => ('text' in e.record ? e.record.text : '');

  it('holds a file tail back while the spool is full: its offset stays behind, and every line comes out once, in order', async () => {
    await setUp(16 * 1024);
    const path = join(dir, 'fw.log');
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${String(i).padStart(5, '0')} ${'x'.repeat(40)}`);
    writeFileSync(path, lines.join('\n') + '\n');
    await started(new FileSource(FileConfigSchema.parse({ path, org: 'org-a', parser: 'iptables', pollIntervalMs: 20, batchMaxRecords: 50 }), ctx));
    await waitFor(() => spool.full, 10_000, 'the spool to fill');
    const offsetFile = offsetFilePath(ctx.dataDir, { path, org: 'org-a', parser: 'iptables' });
    const saved = existsSync(offsetFile) ? (JSON.parse(readFileSync(offsetFile, 'utf8')) as { offset: number }).offset : 0;
    expect(saved, 'the saved offset while held back').to.be.lessThan(statSync(path).size);

    const out = await deliverAll(lines.length);
    expect(metrics.count(ForwardMetric.spoolFull, { outcome: 'waited' })).to.be.greaterThan(0);
    expect(out.map(textOf)).to.deep.equal(lines);
    expect(new Set(out.map((e) => ('id' in e.record ? e.record.id : ''))).size).to.equal(lines.length);
  });

  for (const host of ['127.0.0.1', '::1']) {
    it(`holds a syslog-tcp sender on ${host} back while the spool is full and loses none of its messages`, async () => {
      await setUp(16 * 1024);
      const source = await started(new SyslogTcpSource(SyslogTcpConfigSchema.parse({ listen: { host, port: 0 }, org: 'org-a', parser: 'cef', batchMaxRecords: 50 }), ctx));
      const socket: Socket = connect({ host, port: source.address!()!.port });
      await new Promise((resolve) => socket.once('connect', resolve));
      const messages = Array.from({ length: 3000 }, (_, i) => `<134>1 2026-11-25T06:00:00Z gw app - - - message ${String(i).padStart(5, '0')}`);
      socket.write(messages.join('\n') + '\n');
      await waitFor(() => spool.full, 10_000, 'the spool to fill');
      const out = await deliverAll(messages.length);
      expect(out.map(textOf)).to.deep.equal(messages);
      expect(out.every((e) => 'syslog' in e.record && e.record.syslog === true)).to.equal(true);
      socket.destroy();
    });
  }

  it('answers HTTP ingest 503 with Retry-After while the spool is full, and keeps exactly what it answered 200 for', async () => {
    await setUp(16 * 1024, { verify: (t) => (t === 'edge-token' ? { tokenId: 'edge', orgId: 'org-a', parser: 'ecs' } : undefined) });
    const source = await started(new HttpSource(HttpConfigSchema.parse({ listen: { host: '::1', port: 0 }, retryAfterSeconds: 7 }), ctx));
    const url = `http://[::1]:${source.address!()!.port}/api/v1/ingest`;
    let accepted = 0;
    let refusal: Response | undefined;
    for (let batch = 0; !refusal && batch < 1000; batch++) {
      const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ seq: batch * 20 + i, pad: 'y'.repeat(40) }));
      const res = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer edge-token', 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });
      if (res.status === 200) accepted += 20;
      else refusal = res;
      await res.arrayBuffer();
    }
    expect(refusal?.status).to.equal(503);
    expect(refusal?.headers.get('retry-after')).to.equal('7');
    expect(metrics.count(ForwardMetric.spoolFull, { outcome: 'refused' })).to.equal(1);
    const out = await deliver();
    expect(out.map((e) => (JSON.parse(textOf(e)) as { seq: number }).seq)).to.deep.equal(Array.from({ length: accepted }, (_, i) => i));
  });

  it('drops syslog-udp messages it cannot hold while the spool is full, counting and logging the drops', async () => {
    await setUp(16 * 1024);
    const source = await started(new SyslogUdpSource(SyslogUdpConfigSchema.parse({
      listen: { host: '127.0.0.1', port: 0 }, org: 'org-a', parser: 'cef', batchMaxRecords: 20, maxPendingRecords: 40,
    }), ctx));
    const client = createSocket('udp4');
    const port = source.address()!.port;
    for (let i = 0; i < 2000; i++) client.send(`<134>1 2026-11-25T06:00:00Z gw app - - - udp ${i} ${'z'.repeat(60)}`, port, '127.0.0.1');
    await waitFor(() => metrics.count(SourceMetric.recordsDropped, { source: 'syslog-udp', reason: 'overload' }) > 0, 10_000, 'overload drops');
    expect(logs.some((l) => l.level === 'warn' && /syslog-udp overloaded/.test(l.msg))).to.equal(true);
    client.close();
  });

  it('spools a line a source refused (too long) as a dead letter for the remote, in order with its neighbours', async () => {
    await setUp(1024 * 1024);
    const path = join(dir, 'fw.log');
    writeFileSync(path, `first\n${'L'.repeat(300)}\nlast\n`);
    await started(new FileSource(FileConfigSchema.parse({ path, org: 'org-a', parser: 'iptables', pollIntervalMs: 20, maxLineBytes: 100 }), ctx));
    const out: SpoolEntry[] = [];
    await waitFor(async () => { out.push(...await deliver()); return out.length >= 3; }, 5000, 'three entries');
    expect(out.map((e) => ('deadLetter' in e.record && e.record.deadLetter ? `letter:${e.record.deadLetter.code}` : textOf(e)))).to.deep.equal(['first', 'letter:too-large', 'last']);
  });

  it('logs and counts, without spooling, a refused record that has no org with a forward token', async () => {
    await setUp(1024 * 1024);
    await ctx.deadLetter({ origin: 'syslog-udp:192.0.2.9:514', code: 'unknown-sender', reason: 'no route for sender', raw: 'secret-ish payload', receivedAt: new Date() });
    await ctx.deadLetter({ origin: 'file:/x', orgId: 'org-without-token', parser: 'cef', code: 'too-large', reason: 'long', raw: 'x', receivedAt: new Date() });
    expect(metrics.count(ForwardMetric.deadLettersNotForwarded)).to.equal(2);
    const warnings = logs.filter((l) => l.level === 'warn' && /not forwarded/.test(l.msg));
    expect(warnings.map((w) => w.fields.code)).to.deep.equal(['unknown-sender', 'too-large']);
    expect(JSON.stringify(warnings)).to.not.include('secret-ish payload');
    expect(await deliver()).to.deep.equal([]);
  });

  it('spools the end of a stream after the records the stream emitted, and only for streams that emitted', async () => {
    await setUp(1024 * 1024);
    const record = { text: 'two', receivedAt: new Date(), orgId: 'org-a', parser: 'cef', stream: 'syslog-tcp:[::1]:5000', origin: 'syslog-tcp:[::1]:5000' };
    await ctx.emit([record]);
    ctx.endStream('syslog-tcp:[::1]:5000');
    ctx.endStream('syslog-tcp:[::1]:5001');
    await ctx.settled();
    const out = await deliver();
    expect(out.map((e) => ('endStream' in e.record ? `end:${e.record.endStream}` : textOf(e)))).to.deep.equal(['two', 'end:syslog-tcp:[::1]:5000']);
  });

  it('refuses, naming it, a record whose org and parser have no forward token', async () => {
    await setUp(1024 * 1024);
    const result = await ctx.emit([
      { text: 'a', receivedAt: new Date(), orgId: 'org-a', parser: 'cef', stream: 's', origin: 'o' },
      { text: 'b', receivedAt: new Date(), orgId: 'org-without-token', parser: 'cef', stream: 's', origin: 'o' },
    ]);
    expect(result.accepted).to.equal(1);
    expect(result.rejected).to.deep.equal([{ index: 1, code: 'no-forward-token', reason: 'forward.tokens has no token for org org-without-token and parser cef' }]);
    expect(logs.some((l) => l.level === 'error' && l.fields.code === 'no-forward-token')).to.equal(true);
  });
});
