import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Topics } from '../../core/bus/bus.js';
import { InMemoryBus } from '../../core/bus/memory.js';
import type { EcsEvent } from '../../core/event.js';
import { OrgRegistry } from '../../core/orgs.js';
import type { DeadLetter } from '../../core/store/store.js';
import { CounterMetrics } from '../../core/telemetry.js';
import { parseSyslog } from '../../collector/framing/syslog.js';
import { IngestPipeline, MAX_DEAD_LETTER_RAW_BYTES } from '../../collector/pipeline.js';
import { ecsParser } from '../../collector/parsers/ecs.js';
import { ParserTable } from '../../collector/parsers/index.js';
import type { Parser } from '../../collector/parsers/types.js';
import type { IngestRecord } from '../../collector/sources/types.js';
import { tempDir } from '../helpers/paths.js';

function registry(): OrgRegistry {
  const file = join(tempDir(), 'orgs.yaml');
  writeFileSync(file, stringify({
    provinces: [{ code: 'JS', name: 'Jiangsu' }],
    orgs: [
      { id: 'nat', name: 'National', tier: 'national' },
      { id: 'ent-a', name: 'A', tier: 'enterprise', province: 'JS', industry: 'automotive', category: 'industrial', grade: 3 },
      { id: 'ent-b', name: 'B', tier: 'enterprise', province: 'JS', industry: 'electronics', category: 'platform', grade: 1 },
    ],
  }));
  return OrgRegistry.load(file);
}

/** A parser that records per-stream state, to prove streams are kept apart. */
const countingParser: Parser = {
  name: 'counting', family: 'generic', description: 'test', sample: 'x',
  parse(record, ctx) {
    const seen = ((ctx.stream.get('n') as number | undefined) ?? 0) + 1;
    ctx.stream.set('n', seen);
    if (record.text === 'boom') throw new Error('parser bug');
    return { kind: 'event', event: { '@timestamp': record.receivedAt.toISOString(), event: { action: 'count' }, labels: { seen: String(seen) } } };
  },
};

const received = new Date('2026-11-25T14:00:00Z');
function rec(text: string, extra: Partial<IngestRecord> = {}): IngestRecord {
  return { text, receivedAt: received, orgId: 'ent-a', parser: 'ecs', stream: 's1', origin: 'test', ...extra };
}

describe('IngestPipeline', () => {
  let bus: InMemoryBus;
  let events: EcsEvent[];
  let letters: DeadLetter[];
  let pipeline: IngestPipeline;
  let metrics: CounterMetrics;

  beforeEach(async () => {
    bus = new InMemoryBus({ capacity: 1000 });
    events = [];
    letters = [];
    metrics = new CounterMetrics();
    await bus.subscribe<EcsEvent>(Topics.events, { group: 'test' }, async (batch) => { events.push(...batch.map((m) => m.value)); });
    await bus.subscribe<DeadLetter>(Topics.deadLetters, { group: 'test' }, async (batch) => { letters.push(...batch.map((m) => m.value)); });
    pipeline = new IngestPipeline({
      parsers: new ParserTable([ecsParser, countingParser]), registry: registry(), bus, metrics, now: () => received,
    });
  });
  afterEach(() => bus.close());

  describe('emit', () => {
    it('stamps id, org (from the record, never the body), ingested time and the original text', async () => {
      const body = JSON.stringify({ '@timestamp': '2026-11-25T13:59:00Z', event: { id: 'forged' }, org: { id: 'ent-b' }, source: { ip: '2001:DB8:0:0::7' } });
      const result = await pipeline.emit([rec(body)]);
      expect(result).to.deep.equal({ accepted: 1, rejected: [] });
      const [event] = events;
      expect(event.org).to.deep.equal({ id: 'ent-a', name: 'A', tier: 'enterprise', province: 'JS', industry: 'automotive', category: 'industrial', grade: 3 });
      expect(event.event.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      expect(event.event.ingested).to.equal(received.toISOString());
      expect(event.event.original).to.equal(body);
      expect(event.source?.ip).to.equal('2001:db8::7');
    });

    it('uses the stable id a source gives, so a re-read record is the same event', async () => {
      await pipeline.emit([rec('{"@timestamp":"2026-11-25T13:59:00Z"}', { stableId: 'a1b2c3d4-0000-0000-0000-000000000001' })]);
      expect(events[0].event.id).to.equal('a1b2c3d4-0000-0000-0000-000000000001');
    });

    it('dead-letters bad records with code and reason and keeps their neighbours', async () => {
      const result = await pipeline.emit([
        rec('{"@timestamp":"2026-11-25T13:59:00Z","message":"good 1"}'),
        rec('{not json'),
        rec('{"@timestamp":"2026-11-25T13:59:00Z","source":{"ip":"999.1.1.1"}}'),
        rec('{"@timestamp":"2026-11-25T13:59:00Z","message":"good 2"}'),
        rec('{}', { orgId: undefined, origin: 'syslog-udp:[::]:5514' }),
        rec('{}', { orgId: 'ent-zz' }),
        rec('{}', { parser: 'nope' }),
      ]);
      expect(result.accepted).to.equal(2);
      expect(result.rejected.map((r) => [r.index, r.code])).to.deep.equal([
        [1, 'malformed'], [2, 'schema'], [4, 'unknown-sender'], [5, 'unknown-org'], [6, 'unknown-parser'],
      ]);
      expect(events.map((e) => e.message)).to.deep.equal(['good 1', 'good 2']);
      expect(letters).to.have.length(5);
      const schema = letters.find((l) => l.code === 'schema')!;
      expect(schema.reason).to.match(/source\.ip: not an IPv4 or IPv6 address: "999\.1\.1\.1"/);
      expect(schema).to.deep.include({ orgId: 'ent-a', parser: 'ecs', source: 'test', receivedAt: received.toISOString() });
      expect(letters.find((l) => l.code === 'unknown-sender')!.reason).to.contain('syslog-udp:[::]:5514');
      expect(metrics.get('collector.records_dropped', { reason: 'schema' })).to.equal(1);
    });

    it('gives the dead letter of a record with a stable id the same id each time it is refused, apart from its event id', async () => {
      const id = 'a1b2c3d4-0000-0000-0000-000000000002';
      await pipeline.emit([rec('{not json', { stableId: id }), rec('{not json'), rec('{not json')]);
      await pipeline.emit([rec('{not json', { stableId: id })]);
      expect(letters).to.have.length(4);
      expect(letters[3].id).to.equal(letters[0].id);
      expect(letters[0].id).to.not.equal(id);
      // Without a stable id, each refusal is its own letter.
      expect(new Set(letters.slice(0, 3).map((l) => l.id)).size).to.equal(3);
    });

    it('turns a parser that throws into a dead letter, not a lost batch', async () => {
      const result = await pipeline.emit([rec('ok', { parser: 'counting' }), rec('boom', { parser: 'counting' }), rec('ok', { parser: 'counting' })]);
      expect(result.accepted).to.equal(2);
      expect(letters[0]).to.deep.include({ code: 'parser-crash', raw: 'boom' });
    });

    it('keeps parser state per stream and org, and forgets it when the stream ends', async () => {
      await pipeline.emit([rec('a', { parser: 'counting', stream: 'x' }), rec('b', { parser: 'counting', stream: 'y' }), rec('c', { parser: 'counting', stream: 'x' })]);
      expect(events.map((e) => e.labels?.seen)).to.deep.equal(['1', '1', '2']);
      // Another org on the same stream name starts from its own state.
      await pipeline.emit([rec('e', { parser: 'counting', stream: 'x', orgId: 'ent-b' })]);
      expect(events[3].labels?.seen).to.equal('1');
      pipeline.endStream('x');
      await pipeline.emit([rec('d', { parser: 'counting', stream: 'x' })]);
      expect(events[4].labels?.seen).to.equal('1');
    });

    it('adds the syslog header fields and the source\'s own fields', async () => {
      const msg = parseSyslog('<165>1 2026-11-25T22:00:01+08:00 gw-01 app 12 ID1 - {"@timestamp":"2026-11-25T14:00:01Z"}', received)!;
      await pipeline.emit([rec(msg.body, { envelope: msg.envelope, extra: { 'input.type': 'syslog-tcp', 'log.offset': 42 } })]);
      const event = events[0];
      expect(event.log?.syslog).to.deep.include({ priority: 165, hostname: 'gw-01', appname: 'app', procid: '12', msgid: 'ID1', version: '1' });
      expect(event.log?.syslog?.facility).to.deep.equal({ code: 20, name: 'local4' });
      expect(event.host?.hostname).to.equal('gw-01');
      expect(event.input?.type).to.equal('syslog-tcp');
      expect(event.log?.offset).to.equal(42);
    });

    it('cuts huge raw records in dead letters, saying how big they were', async () => {
      const huge = 'x'.repeat(MAX_DEAD_LETTER_RAW_BYTES * 3);
      await pipeline.emit([rec(huge)]);
      expect(Buffer.byteLength(letters[0].raw)).to.be.at.most(MAX_DEAD_LETTER_RAW_BYTES + 64);
      expect(letters[0].raw.startsWith('x'.repeat(MAX_DEAD_LETTER_RAW_BYTES))).to.equal(true);
      expect(letters[0].raw).to.contain(`[cut: ${huge.length} bytes received]`);
    });
    it('publishes dead letters before events, so a failed batch is never half-acknowledged', async () => {
      const order: string[] = [];
      const failingEvents = {
        publish: async (topic: string, messages: readonly unknown[]) => {
          order.push(topic);
          if (topic === Topics.events) throw new Error('store unavailable');
          await bus.publish(topic, messages as never);
        },
        subscribe: bus.subscribe.bind(bus),
        close: bus.close.bind(bus),
      };
      const failing = new IngestPipeline({ parsers: new ParserTable([ecsParser]), registry: registry(), bus: failingEvents, metrics, now: () => received });
      let error: Error | undefined;
      try { await failing.emit([rec('{"@timestamp":"2026-11-25T13:59:00Z"}'), rec('{bad')]); } catch (err) { error = err as Error; }
      expect(error?.message).to.equal('store unavailable');
      expect(order).to.deep.equal([Topics.deadLetters, Topics.events]);
      expect(letters).to.have.length(1);
      expect(events).to.have.length(0);
    });
  });

  describe('deadLetter', () => {
    it('keeps records a source refused before parsing', async () => {
      await pipeline.deadLetter({ origin: 'http', code: 'bad-token', reason: 'unknown ingest token', raw: 'line', receivedAt: received });
      expect(letters).to.have.length(1);
      expect(letters[0]).to.deep.include({ code: 'bad-token', source: 'http', raw: 'line' });
      expect(letters[0].orgId).to.equal(undefined);
    });

    it('makes the id of a refused record from its stable id, as emit does', async () => {
      const stableId = 'a1b2c3d4-0000-0000-0000-000000000003';
      await pipeline.deadLetter({ origin: 'file:/var/log/a.log', code: 'too-large', reason: 'long', raw: 'x', receivedAt: received, stableId });
      await pipeline.emit([rec('{not json', { stableId })]);
      expect(letters).to.have.length(2);
      expect(letters[0].id).to.equal(letters[1].id);
    });
  });
});
