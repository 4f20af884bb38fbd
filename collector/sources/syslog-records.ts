/**
 * What the two syslog listeners share: their common config keys, turning a
 * framed message into an IngestRecord, and sending a batch (records from
 * unrouted senders are dead-lettered as `unknown-sender`, the rest emitted).
 */
import { z } from 'zod';
import { parseSyslog } from '../framing/syslog.js';
import { ListenSchema, TlsListenSchema } from './listen.js';
import { SenderRoutingShape, type Route } from './sender-routes.js';
import { SourceMetric } from './telemetry.js';
import type { IngestRecord, SourceContext } from './types.js';

/** Raw text kept in a dead letter, at most. */
export const DEAD_LETTER_RAW_CHARS = 1024;

/**
 * Each listener's address: TCP may take `tls` (RFC 5425), UDP may not (its
 * strict ListenSchema refuses the key, so a config asking for it fails).
 */
const LISTEN_SCHEMAS = { 'syslog-tcp': TlsListenSchema, 'syslog-udp': ListenSchema } as const;

/**
 * The config keys both syslog listeners take, for `z.strictObject({ ...syslogListenerShape(TYPE), ...own keys })`
 * followed by `.superRefine(checkFallback)`.
 */
export function syslogListenerShape<T extends 'syslog-tcp' | 'syslog-udp'>(type: T) {
  return {
    /** Optional here so the schema accepts a config entry with or without its `type` key. */
    type: z.literal(type).optional(),
    listen: LISTEN_SCHEMAS[type],
    ...SenderRoutingShape,
    maxMessageBytes: z.number().int().positive().default(64 * 1024),
    batchMaxRecords: z.number().int().positive().default(500),
    flushIntervalMs: z.number().int().positive().default(50),
  };
}

/** A record for one syslog message; the header goes to `envelope`, the MSG part to `text`. */
export function syslogRecord(
  message: string,
  receivedAt: Date,
  route: Route | undefined,
  where: { stream: string; origin: string; input: 'syslog-udp' | 'syslog-tcp' },
): IngestRecord {
  const parsed = parseSyslog(message, receivedAt);
  return {
    text: parsed ? parsed.body : message,
    ...(parsed ? { raw: message } : {}),
    receivedAt,
    ...(route ? { orgId: route.orgId, parser: route.parser } : {}),
    ...(parsed ? { envelope: parsed.envelope } : {}),
    stream: where.stream,
    origin: where.origin,
    extra: { 'input.type': where.input },
  };
}

/** The batch sender for a syslog source. Never rejects: an emit failure is logged and counted (syslog cannot be told). */
export function syslogBatchSender(ctx: SourceContext, source: string): (records: IngestRecord[]) => Promise<void> {
  return async (records) => {
    const known = records.filter((r) => r.orgId !== undefined);
    const unknown = records.filter((r) => r.orgId === undefined);
    const work: Promise<unknown>[] = [];
    if (known.length > 0) work.push(ctx.emit(known));
    if (unknown.length > 0) {
      ctx.metrics.increment(SourceMetric.recordsDropped, { source, reason: 'unknown-sender' }, unknown.length);
      for (const r of unknown) {
        work.push(ctx.deadLetter({
          origin: r.origin, code: 'unknown-sender', reason: `no route for sender ${r.origin}`,
          raw: (r.raw ?? r.text).slice(0, DEAD_LETTER_RAW_CHARS), receivedAt: r.receivedAt,
        }));
      }
    }
    const results = await Promise.allSettled(work);
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) {
      const error = (failed[0] as PromiseRejectedResult).reason as unknown;
      ctx.metrics.increment(SourceMetric.recordsDropped, { source, reason: 'emit-failed' }, records.length);
      ctx.log.error('syslog batch could not be stored; its records are lost', { source, records: records.length, error: String(error) });
    }
  };
}

/** Dead-letter a message over the size limit. */
export async function deadLetterOversized(
  ctx: SourceContext, source: string, head: string, route: Route | undefined, origin: string, maxBytes: number,
): Promise<void> {
  ctx.metrics.increment(SourceMetric.recordsDropped, { source, reason: 'too-large' });
  try {
    await ctx.deadLetter({
      origin, ...(route ? { orgId: route.orgId, parser: route.parser } : {}),
      code: 'too-large', reason: `message longer than maxMessageBytes (${maxBytes}); first bytes kept`,
      raw: head.slice(0, DEAD_LETTER_RAW_CHARS), receivedAt: new Date(),
    });
  } catch (err) {
    ctx.log.error('could not dead-letter an oversized message', { source, origin, error: String(err) });
  }
}
