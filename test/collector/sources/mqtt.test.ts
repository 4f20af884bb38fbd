import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { connectAsync, type MqttClient } from 'mqtt';
import { MqttConfigSchema, MqttSource, topicMatches } from '../../../collector/sources/mqtt.js';
import { SourceMetric } from '../../../collector/sources/telemetry.js';
import { RecordingSourceContext } from '../../helpers/source-context.js';
import { expectStopWaitsForHeldEmit } from '../../helpers/source-stop.js';
import { waitFor } from '../../helpers/wait-for.js';

// The Mosquitto broker of the test environment (anonymous access), bound to IPv4 loopback.
const BROKER = 'mqtt://127.0.0.1:1883';

describe('topicMatches', () => {
  it('matches + as one level and # as the rest, including none', () => {
    const cases: [string, string, boolean][] = [
      ['plant/+/gw/#', 'plant/sh/gw/fw01/log', true],
      ['plant/+/gw/#', 'plant/sh/gw', true],
      ['plant/+/gw/#', 'plant/sh/plc/x', false],
      ['plant/+', 'plant/sh/gw', false],
      ['plant/+', 'plant/sh', true],
      ['#', 'any/thing', true],
      ['#', '$SYS/broker/uptime', false],
      ['+/broker/uptime', '$SYS/broker/uptime', false],
      ['$SYS/#', '$SYS/broker/uptime', true],
      ['a/b', 'a/b', true],
      ['a/b', 'a/b/c', false],
    ];
    for (const [filter, topic, expected] of cases) expect(topicMatches(filter, topic), `${filter} ~ ${topic}`).to.equal(expected);
  });
});

describe('MqttSource', () => {
  let ctx: RecordingSourceContext;
  let base: string;
  let publisher: MqttClient;
  const running: MqttSource[] = [];

  async function subscribe(extra: Record<string, unknown> = {}, context = ctx): Promise<MqttSource> {
    const source = new MqttSource(MqttConfigSchema.parse({
      url: BROKER, topics: [`${base}/#`], org: 'ent-a', parser: 'gw-json', sessionExpirySeconds: 60, ...extra,
    }), context);
    running.push(source);
    await source.start();
    return source;
  }

  async function publish(topic: string, payload: string): Promise<void> {
    await publisher.publishAsync(topic, payload, { qos: 1 });
  }

  before(async () => {
    publisher = await connectAsync(BROKER, { clientId: `iisa-test-pub-${randomUUID()}` });
  });

  after(() => publisher.endAsync());

  beforeEach(() => {
    base = `iisa-test/${randomUUID()}`;
    ctx = new RecordingSourceContext();
  });

  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
  });

  describe('configSchema', () => {
    it('defaults to QoS 1, refuses QoS 2, bad filters, bad URLs and unknown keys, and accepts IPv6 broker URLs', () => {
      const ok = { url: 'mqtt://[::1]:1883', topics: ['a/#'], org: 'o', parser: 'p' };
      expect(MqttConfigSchema.parse(ok)).to.deep.include({ qos: 1, routes: [] });
      expect(MqttConfigSchema.safeParse({ ...ok, qos: 2 }).success).to.equal(false);
      expect(MqttConfigSchema.safeParse({ ...ok, topics: ['a/#/b'] }).success).to.equal(false);
      expect(MqttConfigSchema.safeParse({ ...ok, topics: ['a+/b'] }).success).to.equal(false);
      expect(MqttConfigSchema.safeParse({ ...ok, url: 'http://x' }).success).to.equal(false);
      expect(MqttConfigSchema.safeParse({ ...ok, keepalive: 5 }).success).to.equal(false);
      expect(MqttConfigSchema.safeParse({ url: ok.url, topics: ['a'] }).success).to.equal(false);
    });
  });

  describe('start', () => {
    it('turns each message line into a record, routed by topic filter, with a stream per topic', async () => {
      await subscribe({ routes: [{ topic: `${base}/plant/+/gw/#`, org: 'ent-gw', parser: 'gw-log' }] });
      await publish(`${base}/plant/sh/gw/fw01`, '{"n":1}\n{"n":2}\n');
      await publish(`${base}/other`, 'plain');
      await waitFor(() => ctx.records.length === 3, 5000, 'three records');
      expect(ctx.records.map((r) => [r.text, r.orgId, r.parser])).to.deep.equal([
        ['{"n":1}', 'ent-gw', 'gw-log'], ['{"n":2}', 'ent-gw', 'gw-log'], ['plain', 'ent-a', 'gw-json'],
      ]);
      expect(ctx.records[0]).to.include({ stream: `mqtt:${base}/plant/sh/gw/fw01`, origin: `mqtt:${base}/plant/sh/gw/fw01` });
      expect(ctx.metrics.count(SourceMetric.recordsReceived, { source: 'mqtt' })).to.equal(3);
    });

    it('dead-letters records from topics no route covers, and over-long ones', async () => {
      await subscribe({ org: undefined, parser: undefined, routes: [{ topic: `${base}/known/#`, org: 'ent-k', parser: 'p' }], maxLineBytes: 10 });
      await publish(`${base}/unknown`, 'who');
      await publish(`${base}/known/x`, 'this line is too long');
      await waitFor(() => ctx.deadLetters.length === 2, 5000, 'two dead letters');
      expect(ctx.deadLetters.map((d) => d.code)).to.deep.equal(['unknown-sender', 'too-large']);
      expect(ctx.deadLetters[1]).to.include({ orgId: 'ent-k' });
      expect(ctx.records).to.have.length(0);
    });

    it('keeps its session: messages published while it was stopped arrive when it comes back', async () => {
      const clientId = `iisa-test-${randomUUID()}`;
      const first = await subscribe({ clientId });
      await first.stop();
      await publish(`${base}/while-away`, 'queued');
      const ctx2 = new RecordingSourceContext();
      await subscribe({ clientId }, ctx2);
      await waitFor(() => ctx2.records.length === 1, 5000, 'the queued message');
      expect(ctx2.records[0].text).to.equal('queued');
    });

    it('acknowledges a message only after it is stored: unstored, it is delivered again to the next session', async () => {
      const clientId = `iisa-test-${randomUUID()}`;
      ctx.failNext();
      const first = await subscribe({ clientId, retryIntervalMs: 60_000 });
      await publish(`${base}/x`, 'must survive');
      await waitFor(() => ctx.emitCalls === 1, 5000, 'the failing emit');
      await first.stop();
      expect(ctx.records).to.have.length(0);

      const ctx2 = new RecordingSourceContext();
      await subscribe({ clientId }, ctx2);
      await waitFor(() => ctx2.records.length === 1, 5000, 'the redelivered message');
      expect(ctx2.records[0].text).to.equal('must survive');
    });

    it('retries a failed emit, then acknowledges: the next session gets nothing again', async () => {
      const clientId = `iisa-test-${randomUUID()}`;
      ctx.failNext(1);
      const first = await subscribe({ clientId, retryIntervalMs: 10 });
      await publish(`${base}/x`, 'once');
      await waitFor(() => ctx.records.length === 1, 5000, 'the stored message');
      expect(ctx.emitCalls).to.equal(2);
      await first.stop();

      const ctx2 = new RecordingSourceContext();
      await subscribe({ clientId }, ctx2);
      // The broker sends a resumed session's unacknowledged messages before new ones.
      await publish(`${base}/x`, 'marker');
      await waitFor(() => ctx2.records.length >= 1, 5000, 'the marker');
      expect(ctx2.records.map((r) => r.text)).to.deep.equal(['marker']);
    });
  });

  describe('stop', () => {
    it('waits for the emit in flight, acknowledges it, and is idempotent', async () => {
      const clientId = `iisa-test-${randomUUID()}`;
      ctx.mode = 'hold';
      const source = await subscribe({ clientId });
      await publish(`${base}/x`, 'in flight');
      await expectStopWaitsForHeldEmit(source, ctx);
      expect(ctx.records.map((r) => r.text)).to.deep.equal(['in flight']);

      const ctx2 = new RecordingSourceContext();
      await subscribe({ clientId }, ctx2);
      await publish(`${base}/x`, 'marker');
      await waitFor(() => ctx2.records.length >= 1, 5000, 'the marker');
      expect(ctx2.records.map((r) => r.text)).to.deep.equal(['marker']);
    });
  });
});
