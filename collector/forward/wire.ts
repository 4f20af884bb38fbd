/**
 * What a forwarding collector sends, and how the receiving node's HTTP
 * ingest reads it back into records. The body is NDJSON with its own media
 * type, one object per line:
 *
 *   POST /api/v1/ingest
 *   Authorization: Bearer <ingest token>            (org and parser, as for any sender)
 *   Content-Type: application/vnd.iisa.forward+ndjson
 *
 *   {"id":"0193…","text":"Nov 25 06:00:01 gw kernel: IN=eth0 …","receivedAt":"2026-11-25T06:00:01.120Z","stream":"syslog-tcp:[2001:db8::7]:53122","syslog":true,"extra":{"input.type":"syslog-tcp"}}
 *   {"id":"9f86d081-…","text":"1764050401.1\tCfa…","receivedAt":"…","stream":"file:/var/log/zeek/modbus.log","extra":{"log.file.path":"/var/log/zeek/modbus.log","log.offset":4096,"input.type":"file"}}
 *   {"id":"0193…","text":"<first bytes>","receivedAt":"…","stream":"file:/var/log/fw.log","deadLetter":{"code":"too-large","reason":"…","origin":"file:/var/log/fw.log"}}
 *   {"endStream":"syslog-tcp:[2001:db8::7]:53122"}
 *
 * Records stay raw: the receiver parses them with the token's parser, so
 * there is one parser of truth. `syslog: true` says `text` is a whole syslog
 * message, whose header the receiver reads again (same fields as if it had
 * listened itself). `id` is the record's id at the collector (its file
 * position for a tailed file, else minted once when spooled): the receiver
 * makes the event id from it and the token's org, so a batch sent again
 * after a lost answer is stored once, and no sender can collide with
 * another org's events. `extra` carries only the fields listed below; the
 * org still comes from the token alone.
 */
import { z } from 'zod';
import { stableId, uuidv7 } from '../../core/ids.js';
import { parseSyslog } from '../framing/syslog.js';
import type { DeadLetterInput, IngestRecord, TokenGrant } from '../sources/types.js';

export const FORWARD_MEDIA_TYPE = 'application/vnd.iisa.forward+ndjson';

const Stream = z.string().min(1).max(1024);
const Code = z.string().regex(/^[a-z0-9-]{1,64}$/, 'a lower-case code');

export const WireRecordSchema = z.union([
  z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - (at most 128)'),
    text: z.string(),
    receivedAt: z.iso.datetime({ offset: true }),
    stream: Stream,
    syslog: z.literal(true).optional(),
    extra: z.strictObject({
      'log.file.path': z.string().max(4096).optional(),
      'log.offset': z.number().int().min(0).optional(),
      'input.type': z.string().regex(/^[a-z0-9-]{1,32}$/).optional(),
    }).optional(),
    deadLetter: z.strictObject({ code: Code, reason: z.string().max(4096), origin: z.string().max(4096) }).optional(),
  }),
  z.strictObject({ endStream: Stream }),
]);
export type WireRecord = z.output<typeof WireRecordSchema>;

/** One spooled entry: the wire record with the org and parser that choose its token. */
export const SpoolEntrySchema = z.strictObject({
  org: z.string().min(1),
  parser: z.string().min(1),
  record: WireRecordSchema,
});
export type SpoolEntry = z.output<typeof SpoolEntrySchema>;


function encode(entry: SpoolEntry): Buffer {
  return Buffer.from(JSON.stringify(entry), 'utf8');
}

/** The spool entry for a record a source emitted (it has an org and a parser). */
export function recordEntry(record: IngestRecord & { orgId: string; parser: string }): Buffer {
  // A syslog record is sent whole (header and MSG) so the receiver reads the header as it would have.
  const syslog = record.envelope !== undefined && record.raw !== undefined;
  const extra = pickExtra(record.extra);
  return encode({
    org: record.orgId,
    parser: record.parser,
    record: {
      id: record.stableId ?? uuidv7(),
      text: syslog ? (record.raw as string) : record.text,
      receivedAt: record.receivedAt.toISOString(),
      stream: record.stream.slice(0, 1024),
      ...(syslog ? { syslog: true as const } : {}),
      ...(extra ? { extra } : {}),
    },
  });
}

/** The spool entry for a record a source refused itself (too large, unreadable): the receiver keeps it as a dead letter. */
export function deadLetterEntry(letter: DeadLetterInput & { orgId: string; parser: string }): Buffer {
  return encode({
    org: letter.orgId,
    parser: letter.parser,
    record: {
      // A letter with a stable id (a file offset) keeps it, so a re-read after a crash is one dead letter at the node.
      id: letter.stableId ?? uuidv7(),
      text: letter.raw,
      receivedAt: letter.receivedAt.toISOString(),
      stream: letter.origin.slice(0, 1024) || 'unknown',
      deadLetter: { code: Code.safeParse(letter.code).success ? letter.code : 'forwarded', reason: letter.reason.slice(0, 4096), origin: letter.origin.slice(0, 4096) },
    },
  });
}

/** The spool entry saying a stream ended (file rotated, connection closed): the receiver forgets its parser state. */
export function endStreamEntry(org: string, parser: string, stream: string): Buffer {
  return encode({ org, parser, record: { endStream: stream.slice(0, 1024) } });
}

/** A spooled entry back; undefined if it is not one (the caller logs it: the spool's CRC makes this a bug, not damage). */
export function decodeEntry(payload: Buffer): SpoolEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = SpoolEntrySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

const EXTRA_KEYS = ['log.file.path', 'log.offset', 'input.type'] as const;

function pickExtra(extra: IngestRecord['extra']): Extract<WireRecord, { id: string }>['extra'] {
  if (!extra) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of EXTRA_KEYS) if (extra[key] !== undefined) out[key] = extra[key];
  return Object.keys(out).length > 0 ? out : undefined;
}

/** What one line of a forwarded body is, for the receiving node. */
export type ForwardedItem =
  | { readonly kind: 'record'; readonly record: IngestRecord }
  | { readonly kind: 'letter'; readonly letter: DeadLetterInput }
  | { readonly kind: 'end'; readonly stream: string }
  /** `stableId`: the id a record of the line would get, when the line names one (its dead letter keeps it). */
  | { readonly kind: 'invalid'; readonly code: string; readonly reason: string; readonly stableId?: string };

/**
 * Read one line of a forwarded body at the receiving node. The grant (from
 * the bearer token) sets the org and parser; `origin` names the receiving source.
 */
export function readForwardedLine(line: string, grant: TokenGrant, options: { readonly maxLineBytes: number; readonly origin: string }): ForwardedItem {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { kind: 'invalid', code: 'bad-record', reason: `a forwarded line must be a JSON object: ${(err as Error).message}` };
  }
  const parsed = WireRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // A resent batch brings the same refused line again: under the id it names, it stays one dead letter.
    const named = typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string' ? value.id : undefined;
    return {
      kind: 'invalid', code: 'bad-record', reason: `not a forwarded record: ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
      ...(named !== undefined ? { stableId: stableId('forwarded', grant.orgId, named) } : {}),
    };
  }
  const wire = parsed.data;
  const stream = `forward:${grant.tokenId}:${'endStream' in wire ? wire.endStream : wire.stream}`;
  if ('endStream' in wire) return { kind: 'end', stream };

  const receivedAt = new Date(wire.receivedAt);
  // The id a record of this line gets (the org is part of it): its dead letter is made from it too, so a resent batch adds none.
  const id = stableId('forwarded', grant.orgId, wire.id);
  const base = { origin: options.origin, orgId: grant.orgId, parser: grant.parser, receivedAt, stableId: id };
  if (wire.deadLetter) {
    const { code, reason, origin } = wire.deadLetter;
    return { kind: 'letter', letter: { ...base, code, reason: `${reason} (at the forwarding collector, ${origin})`, raw: wire.text } };
  }
  if (Buffer.byteLength(wire.text, 'utf8') > options.maxLineBytes) {
    return {
      kind: 'letter',
      letter: { ...base, code: 'too-large', reason: `record longer than maxLineBytes (${options.maxLineBytes}); first bytes kept`, raw: wire.text.slice(0, 1024) },
    };
  }
  const message = wire.syslog ? parseSyslog(wire.text, receivedAt) : null;
  return {
    kind: 'record',
    record: {
      text: message ? message.body : wire.text,
      ...(message ? { raw: wire.text, envelope: message.envelope } : {}),
      receivedAt,
      orgId: grant.orgId,
      parser: grant.parser,
      stream,
      // The org is part of the id: a token of one org can never overwrite or shadow another org's events.
      stableId: id,
      origin: options.origin,
      extra: { 'input.type': 'http', ...wire.extra },
    },
  };
}
