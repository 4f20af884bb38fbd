/**
 * MQTT subscription: each message is a record (or several, one per line).
 *
 *   { type: mqtt, url: 'mqtt://broker:1883', topics: ['plant/+/gw/#'], org: ent-a, parser: gw-json,
 *     routes: [{ topic: 'plant/sh/gw/#', org: ent-sh, parser: gw-json }] }
 *
 * With QoS 1 the client keeps a persistent session (`clean: false`, a stable
 * client id, MQTT 5 session expiry) and sends PUBACK for a message only after
 * `ctx.emit` resolved for its records: a message the collector has not stored
 * stays with the broker, which delivers it again on the next session. An emit
 * that fails is retried every `retryIntervalMs`, holding back later messages
 * (the client handles messages one at a time), until it succeeds or the
 * source stops; stopping leaves it unacknowledged.
 *
 * Limits: one emit per message, so throughput follows the pipeline's latency
 * (publishers should put many lines in a message); QoS 2 is refused because
 * mqtt.js sends PUBREC before the message is handed over, which would
 * acknowledge unstored data.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { z } from 'zod';
import { SourceMetric } from './telemetry.js';
import type { IngestRecord, Source, SourceContext, SourceUnit } from './types.js';

const TYPE = 'mqtt';
const DEAD_LETTER_RAW_CHARS = 1024;
const URL_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'];

const TopicFilter = z.string().min(1).refine(validFilter, 'not an MQTT topic filter ("#" only last, "+" and "#" only as a whole level)');

export const MqttRouteSchema = z.strictObject({
  topic: TopicFilter,
  org: z.string().min(1),
  parser: z.string().min(1),
});

export const MqttConfigSchema = z
  .strictObject({
    /** Optional here so the schema accepts a config entry with or without its `type` key. */
    type: z.literal(TYPE).optional(),
    url: z.string().refine((u) => {
      try {
        return URL_SCHEMES.includes(new URL(u).protocol);
      } catch {
        return false;
      }
    }, `url must be a broker URL (${URL_SCHEMES.join(', ')}), e.g. mqtt://127.0.0.1:1883`),
    topics: z.array(TopicFilter).min(1),
    /** 1 (default): at-least-once, acknowledged after storing; 0: at-most-once. */
    qos: z.union([z.literal(0), z.literal(1)]).default(1),
    /** Must stay the same across restarts for the broker to keep the session; derived from host, url and topics if absent. */
    clientId: z.string().min(1).max(128).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    /** How long the broker keeps the session (and queued messages) while the collector is away. */
    sessionExpirySeconds: z.number().int().min(0).default(7 * 24 * 3600),
    routes: z.array(MqttRouteSchema).default([]),
    /** Org for messages no route matches. */
    org: z.string().min(1).optional(),
    parser: z.string().min(1).optional(),
    maxLineBytes: z.number().int().positive().default(64 * 1024),
    retryIntervalMs: z.number().int().positive().default(1000),
    connectTimeoutMs: z.number().int().positive().default(30_000),
  })
  .superRefine((config, ctx) => {
    if ((config.org === undefined) !== (config.parser === undefined)) {
      ctx.addIssue({ code: 'custom', path: [config.org === undefined ? 'org' : 'parser'], message: 'give "org" and "parser" together (the fallback for unrouted topics)' });
    }
    if (config.routes.length === 0 && config.org === undefined) {
      ctx.addIssue({ code: 'custom', path: ['routes'], message: 'give "routes", or "org" and "parser" for every topic' });
    }
  });

export type MqttConfig = z.output<typeof MqttConfigSchema>;

function validFilter(filter: string): boolean {
  const levels = filter.split('/');
  return levels.every((level, i) =>
    (level === '#' ? i === levels.length - 1 : !level.includes('#')) && (level === '+' || !level.includes('+')));
}

/**
 * MQTT topic-filter matching (MQTT 5 section 4.7): `+` is one level, `#` the
 * rest (including none: `a/#` matches `a`); wildcards at the first level do
 * not match `$`-topics.
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

type PublishPacket = Parameters<MqttClient['handleMessage']>[0];

/** A running MQTT subscription. */
export class MqttSource implements Source {
  private client: MqttClient | undefined;
  private readonly clientId: string;
  private current: Promise<void> = Promise.resolve();
  private stopping = false;
  private wake: (() => void) | undefined;
  private stopped: Promise<void> | undefined;

  constructor(private readonly config: MqttConfig, private readonly ctx: SourceContext) {
    this.clientId = config.clientId
      ?? `iisa-${createHash('sha256').update([hostname(), config.url, ...config.topics].join('\n')).digest('hex').slice(0, 16)}`;
  }

  async start(): Promise<void> {
    if (this.client) throw new Error('mqtt source already started');
    const options: IClientOptions = {
      clientId: this.clientId,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: this.config.sessionExpirySeconds },
      connectTimeout: this.config.connectTimeoutMs,
      reconnectPeriod: 1000,
      manualConnect: true,
      ...(this.config.username !== undefined ? { username: this.config.username } : {}),
      ...(this.config.password !== undefined ? { password: this.config.password } : {}),
    };
    const client = connect(this.config.url, options);
    this.client = client;
    // Replaces the library's no-op: its callback is what releases the PUBACK and the next message.
    client.handleMessage = (packet, callback) => {
      if (this.stopping) {
        callback(new Error('source stopping; message left unacknowledged'));
        return;
      }
      const work = this.handle(packet);
      this.current = work.then(() => {}, () => {});
      work.then(() => callback(), (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
    };
    client.on('error', (err) => this.ctx.log.warn('mqtt client error', { url: this.config.url, error: String(err) }));

    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no CONNACK from ${this.config.url} within ${this.config.connectTimeoutMs} ms`)), this.config.connectTimeoutMs);
        client.once('connect', () => { clearTimeout(timer); resolve(); });
        client.once('error', (err) => { clearTimeout(timer); reject(err); });
        client.connect();
      });
      const granted = await client.subscribeAsync(this.config.topics.map((t) => t), { qos: this.config.qos });
      const refused = granted.filter((g) => g.qos > 2);
      if (refused.length > 0) throw new Error(`broker refused subscription to ${refused.map((g) => g.topic).join(', ')}`);
    } catch (err) {
      await client.endAsync(true);
      throw err;
    }
    this.ctx.log.info('mqtt subscribed', { url: this.config.url, topics: this.config.topics, clientId: this.clientId });
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const client = this.client;
    if (!client) return;
    await this.current;
    await client.endAsync(false);
  }

  /** Store one message's records; resolves when durable, rejects only when stopping first. */
  private async handle(packet: PublishPacket): Promise<void> {
    const topic = packet.topic;
    const receivedAt = new Date();
    const route = this.config.routes.find((r) => topicMatches(r.topic, topic));
    const orgId = route?.org ?? this.config.org;
    const parser = route?.parser ?? this.config.parser;
    const origin = `${TYPE}:${topic}`;
    const records: IngestRecord[] = [];
    const letters: Parameters<SourceContext['deadLetter']>[0][] = [];
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload.toString('utf8') : String(packet.payload);
    for (const line of payload.split('\n')) {
      const text = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (text.trim() === '') continue;
      this.ctx.metrics.increment(SourceMetric.recordsReceived, { source: TYPE });
      if (orgId === undefined || parser === undefined) {
        this.ctx.metrics.increment(SourceMetric.recordsDropped, { source: TYPE, reason: 'unknown-sender' });
        letters.push({ origin, code: 'unknown-sender', reason: `no route for topic ${topic}`, raw: text.slice(0, DEAD_LETTER_RAW_CHARS), receivedAt });
      } else if (Buffer.byteLength(text, 'utf8') > this.config.maxLineBytes) {
        this.ctx.metrics.increment(SourceMetric.recordsDropped, { source: TYPE, reason: 'too-large' });
        letters.push({
          origin, orgId, parser, code: 'too-large', reason: `record longer than maxLineBytes (${this.config.maxLineBytes}); first bytes kept`,
          raw: text.slice(0, DEAD_LETTER_RAW_CHARS), receivedAt,
        });
      } else {
        records.push({ text, receivedAt, orgId, parser, stream: origin, origin, extra: { 'input.type': 'mqtt' } });
      }
    }

    let lettersDone = letters.length === 0;
    for (;;) {
      try {
        if (!lettersDone) {
          await Promise.all(letters.map((l) => this.ctx.deadLetter(l)));
          lettersDone = true;
        }
        if (records.length > 0) await this.ctx.emit(records);
        return;
      } catch (err) {
        this.ctx.log.error('mqtt message could not be stored; retrying, unacknowledged', { topic, error: String(err) });
        if (this.stopping) throw err;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.config.retryIntervalMs);
          this.wake = () => { clearTimeout(timer); resolve(); };
        });
        this.wake = undefined;
        if (this.stopping) throw err;
      }
    }
  }
}

export const mqttSource: SourceUnit<typeof MqttConfigSchema> = {
  type: TYPE,
  configSchema: MqttConfigSchema,
  build: (config, ctx) => new MqttSource(config, ctx),
};
