/**
 * Small pieces the parsers share, gateway, platform and identifier-resolution
 * alike: reading dates written in a log's own layout, unwrapping an optional
 * syslog header, turning zod issues into parse errors, and reading one JSON
 * object.
 *
 * Everything here is pure and allocation-light; it runs once per record.
 */
import type { z } from 'zod';
import type { EcsEventSchema } from '../../core/event.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../core/json-guards.js';
import { parseSyslog } from '../framing/syslog.js';
import type { SyslogEnvelope } from '../framing/syslog.js';
import type { ParseErrorCode, ParseOutcome, RawRecord } from './types.js';
import { parseError } from './types.js';

/**
 * The event shape with every field typed, for building drafts. (`EventDraft`
 * itself types only `event`: `Omit` over the schema's index signature drops
 * the named fields.) A value of this type is a valid `EventDraft`.
 */
export type EcsInput = z.input<typeof EcsEventSchema>;

/**
 * A lookup table keyed by text from a record, without a prototype: a record
 * saying `constructor`, `toString` or `__proto__` finds nothing, rather than
 * Object's own members (a function where a string or number belongs).
 */
export function lookupTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

/** English month abbreviations as Apache, nginx and BIND print them (`Nov`). */
export const MONTH_INDEX: Readonly<Record<string, number>> = {
  Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12,
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1];
}

/** The parts of a wall-clock time as a log wrote them; month is 1-based, fraction the digits after the dot. */
export interface ClockParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly fraction?: string;
}

/**
 * Turn a wall-clock time into an ISO-8601 UTC string (`...Z`, millisecond
 * precision). `offsetMinutes` is the log's UTC offset (+480 for +0800);
 * `'local'` reads the time in the collector's own time zone, for formats that
 * print no offset (the same rule the syslog framing uses for RFC 3164).
 * Returns undefined for an impossible date (31 Nov, 25:00), so the caller can
 * report a bad timestamp rather than store a shifted one.
 *
 * Events are stored in UTC so that stores comparing `@timestamp` as text sort
 * them correctly whatever offsets the sources log in.
 */
export function clockToIso(parts: ClockParts, offsetMinutes: number | 'local'): string | undefined {
  const { year, month, day, hour, minute, second } = parts;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  // A leap second (:60) is folded into :59.999 rather than rejected.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const millis = second === 60 ? 999 : parts.fraction ? Number(parts.fraction.padEnd(3, '0').slice(0, 3)) : 0;
  const sec = Math.min(second, 59);
  const ms = offsetMinutes === 'local'
    ? new Date(year, month - 1, day, hour, minute, sec, millis).getTime()
    : Date.UTC(year, month - 1, day, hour, minute, sec, millis) - offsetMinutes * 60_000;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** `+0800`, `+08:00`, `-0530`, `Z` as minutes east of UTC; undefined if not an offset. */
export function offsetMinutes(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const m = OFFSET.exec(text);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (hours > 18 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * Read an ISO-8601 date-time (`2026-11-25T14:00:01.123+08:00`, a space for
 * the `T`, `+0800` offsets, up to nanoseconds). Without an offset the time is
 * read as `noOffset` says: `'local'`, or `'reject'` for formats whose
 * contract requires one. Returns the UTC ISO string or undefined.
 */
export function readIsoDate(text: string, noOffset: 'local' | 'reject'): string | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  let offset: number | 'local';
  if (m[8] === undefined) {
    if (noOffset === 'reject') return undefined;
    offset = 'local';
  } else {
    const minutes = offsetMinutes(m[8]);
    if (minutes === undefined) return undefined;
    offset = minutes;
  }
  return clockToIso({
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
    hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), fraction: m[7],
  }, offset);
}

/**
 * A JSON record's time: an ISO-8601 string that must carry an offset (a JSON
 * log has no other place to say its zone), or Unix epoch milliseconds.
 * Numbers below 1e11 (before 1973) are refused: they are almost surely epoch
 * seconds sent by mistake, which would otherwise land in 1970.
 */
export function readJsonTime(value: string | number): string | undefined {
  if (typeof value === 'string') return readIsoDate(value, 'reject');
  if (!Number.isFinite(value) || value < 1e11) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** What a format matcher made of a record, once any syslog header is taken off. */
export interface Unwrapped<T> {
  /** The matcher's result on the body, or null when neither the text nor a syslog body matched. */
  readonly match: T | null;
  /** The text the matcher was last run on (the syslog body when a header was taken off). */
  readonly body: string;
  readonly envelope?: SyslogEnvelope;
}

/** A record's text with any syslog header taken off, and that header. */
export interface SyslogUnwrapped {
  readonly body: string;
  readonly envelope?: SyslogEnvelope;
}

/**
 * Take a syslog header off a record when one is there, for formats whose
 * text cannot be mistaken for a header. A syslog source has already done so
 * (`record.envelope`; the text is then the body as it is); a file written by
 * rsyslog has not. `bare(text)` says the text is the format itself with no
 * header (`CEF:...`), so no header is looked for.
 */
export function takeSyslogHeader(record: RawRecord, bare: (text: string) => boolean = () => false): SyslogUnwrapped {
  if (record.envelope !== undefined) return { body: record.text, envelope: record.envelope };
  if (bare(record.text)) return { body: record.text };
  const message = parseSyslog(record.text, record.receivedAt);
  return message ? { body: message.body, envelope: message.envelope } : { body: record.text };
}

/**
 * Run a format's matcher on a record, taking a syslog header off first when
 * one is there. A syslog source has already done so (`record.envelope`); a
 * file written by rsyslog has not. The format is tried on the whole text
 * first, because some of its own lines (BIND's ISO times) would otherwise be
 * taken for a syslog header.
 */
export function matchWithSyslog<T>(record: RawRecord, match: (text: string) => T | null): Unwrapped<T> {
  if (record.envelope) return { match: match(record.text), body: record.text, envelope: record.envelope };
  const direct = match(record.text);
  if (direct !== null) return { match: direct, body: record.text };
  const message = parseSyslog(record.text, record.receivedAt);
  if (!message) return { match: null, body: record.text };
  return { match: match(message.body), body: message.body, envelope: message.envelope };
}

/**
 * The ECS fields a syslog header contributes: `log.syslog.*` and the sending
 * host. Empty when there was no header.
 */
export function syslogFields(envelope: SyslogEnvelope | undefined): Partial<Pick<EcsInput, 'log' | 'host'>> {
  if (!envelope) return {};
  const syslog: Record<string, unknown> = {};
  if (envelope.priority !== undefined) syslog.priority = envelope.priority;
  if (envelope.facility !== undefined) syslog.facility = { code: envelope.facility };
  if (envelope.severity !== undefined) syslog.severity = { code: envelope.severity };
  if (envelope.hostname) syslog.hostname = envelope.hostname;
  if (envelope.appname) syslog.appname = envelope.appname;
  if (envelope.procid) syslog.procid = envelope.procid;
  if (envelope.msgid) syslog.msgid = envelope.msgid;
  if (envelope.rfc === '5424') syslog.version = '1';
  if (envelope.structuredData) syslog.structured_data = envelope.structuredData;
  return {
    log: { syslog },
    ...(envelope.hostname ? { host: { hostname: envelope.hostname } } : {}),
  };
}

/** The result of reading one JSON object from a record. */
export type JsonObjectResult =
  | { readonly ok: true; readonly value: Record<string, unknown>; readonly envelope?: SyslogEnvelope }
  | { readonly ok: false; readonly error: ParseOutcome };

const jsonStart = (text: string): string | null => {
  const trimmed = text.trim();
  return trimmed.startsWith('{') || trimmed.startsWith('[') ? trimmed : null;
};

/**
 * Read a record that holds one JSON object, possibly behind a syslog header
 * (`<134>1 ... - {"ts":...}`). Text that is not JSON at all is `unrecognised`;
 * JSON that does not parse, or is not an object, is `malformed`.
 */
export function readJsonObject(record: RawRecord, what: string): JsonObjectResult {
  const { match: text, body, envelope } = matchWithSyslog(record, jsonStart);
  if (text === null) {
    return { ok: false, error: parseError('unrecognised', `${what} records are JSON objects, one a line; this text starts with ${excerpt(body.trim(), 24)}`) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: parseError('malformed', `not JSON (${(err as Error).message}); is the line truncated or two records run together?`) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: parseError('malformed', `a ${what} record must be one JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`) };
  }
  if (nestedDeeperThan(value)) return { ok: false, error: tooDeep() };
  return { ok: true, value: value as Record<string, unknown>, envelope };
}

/**
 * The error for a JSON record nested beyond MAX_JSON_DEPTH: it would parse,
 * then overflow the stack of whatever serialises the event.
 */
export function tooDeep(): ParseOutcome {
  return parseError('malformed', `JSON nested more than ${MAX_JSON_DEPTH} levels deep: refused (no log record nests so deep; serialising it would overflow the stack)`);
}

/** The result of reading one JSON record and checking it against its format's schema. */
export type JsonRecordResult<T> =
  | { readonly ok: true; readonly value: T; readonly envelope?: SyslogEnvelope }
  | { readonly ok: false; readonly error: ParseOutcome };

/**
 * Read a record that holds one JSON object (as `readJsonObject`) and check
 * it against `schema`; a record the schema refuses gives the error
 * `zodIssueError` makes of it, with `codeFor` as there.
 */
export function readJsonRecord<S extends z.ZodType>(
  record: RawRecord,
  what: string,
  schema: S,
  codeFor: Readonly<Record<string, ParseErrorCode>> = {},
): JsonRecordResult<z.output<S>> {
  const read = readJsonObject(record, what);
  if (!read.ok) return read;
  const parsed = schema.safeParse(read.value);
  if (!parsed.success) return { ok: false, error: zodIssueError(parsed.error, read.value, codeFor) };
  return { ok: true, value: parsed.data, envelope: read.envelope };
}

/**
 * Turn the first zod issue into a parse error a person can act on: it names
 * the field, says what was expected, and quotes the value. `codeFor` picks
 * the error code by field (a broken time is `bad-timestamp`); a missing
 * required field is always `malformed`, any other problem `bad-field`.
 */
export function zodIssueError(
  error: z.ZodError,
  input: Record<string, unknown>,
  codeFor: Readonly<Record<string, ParseErrorCode>> = {},
): ParseOutcome {
  const issue = error.issues[0];
  const path = issue.path.map(String).join('.');
  const top = String(issue.path[0] ?? '');
  let value: unknown = input;
  for (const key of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  if (value === undefined) return parseError('malformed', `required field "${path}" is missing${more}`);
  const code: ParseErrorCode = (Object.hasOwn(codeFor, top) ? codeFor[top] : undefined) ?? 'bad-field';
  const shown = truncate(JSON.stringify(value), 60);
  // Messages such as IpSchema's already quote the value; say it once.
  const got = issue.message.includes(shown) ? '' : `; got ${shown}`;
  return parseError(code, `field "${path || '(record)'}": ${issue.message}${got}${more}`);
}

function truncate(text: string | undefined, max: number): string {
  if (text === undefined) return 'undefined';
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** A short quoted excerpt of a record, for error reasons. */
export function excerpt(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}...` : text);
}
