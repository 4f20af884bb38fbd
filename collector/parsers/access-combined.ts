// 203.0.113.9 - alice [25/Nov/2026:14:00:01 +0800] "POST /api/v1/devices/register HTTP/1.1" 201 512 "-" "python-requests/2.31"
/**
 * nginx / Apache "combined" access log (and "common", which lacks the
 * referrer and user agent):
 *
 *   <client> <ident> <user> [<dd/Mon/yyyy:HH:MM:SS +zzzz>] "<request>" <status> <bytes> "<referrer>" "<user agent>" [extra...]
 *
 * Extended formats append fields after the user agent; these are read
 * leniently: `key=value` pairs (`rt=0.005 urt=0.004 host=api.example`), bare
 * decimal numbers (nginx `$request_time` then `$upstream_response_time`, in
 * seconds), a bare host name (`$host`) and a quoted X-Forwarded-For list.
 * Anything else there is kept only in `event.original`.
 *
 * Quoted fields may hold `\"` and `\\` (Apache escapes them so); other
 * escapes such as nginx's `\x16` stay as written, because they stand for
 * bytes that need not be text. A request line that is not HTTP (a TLS
 * handshake sent to a plain-HTTP port, logged by nginx with status 400) is
 * still an event: it has no method or URL, carries the tag
 * `http-request-invalid`, and the raw request is in the message.
 */
import { canonicalIp } from '../../core/ip.js';
import type { Parser, ParseOutcome } from './types.js';
import { parseError } from './types.js';
import { clockToIso, excerpt, lookupTable, matchWithSyslog, MONTH_INDEX, syslogFields } from './support.js';
import type { EcsInput } from './support.js';

const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
/** The fixed head of the line; status and bytes are checked apart so a bad one gets its own reason. */
const LINE = new RegExp(String.raw`^(\S+) (\S+) (\S+) \[([^\]]*)\] ${QUOTED} (\S+) (\S+)(.*)$`);
/** Enough of the line to say it is an access log whose tail is broken. */
const HEAD = /^\S+ \S+ \S+ \[[^\]]*\] "/;
const DATE = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? ([+-]\d{4})$/;
const OFFSET = /^([+-])(\d{2})(\d{2})$/;
/** RFC 9110 method token, a target without spaces, an optional version (HTTP/0.9 had none). */
const REQUEST = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+)(?: HTTP\/(\d+(?:\.\d+)?))?$/;
const STATUS = /^\d{3}$/;
// Fifteen digits at most: beyond that Number() loses digits, and a few hundred make Infinity.
const BYTES = /^\d{1,15}$/;
const UNESCAPE = /\\(["\\])/g;
const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const SECONDS = /^\d+\.\d+$/;
const HOST_NAME = /^(?=[^:]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9.-]*(?::\d{1,5})?$/;
const IP_LIST = /^[0-9A-Fa-f.:]+(?:\s*,\s*[0-9A-Fa-f.:]+)*$/;

/** Trailing `key=value` names and the field each fills. */
const TRAILING_KEYS: Readonly<Record<string, 'request_time' | 'upstream_time' | 'host'>> = lookupTable({
  rt: 'request_time',
  request_time: 'request_time',
  urt: 'upstream_time',
  upstream_response_time: 'upstream_time',
  host: 'host',
  vhost: 'host',
  server_name: 'host',
});

interface Trailing {
  request_time?: string;
  upstream_time?: string;
  host?: string;
  forwarded_for?: string;
}

export const accessCombinedParser: Parser = {
  name: 'access-combined',
  family: 'platform',
  description: 'nginx / Apache combined (or common) access log, with lenient extra trailing fields',
  sample: '203.0.113.9 - alice [25/Nov/2026:14:00:01 +0800] "POST /api/v1/devices/register HTTP/1.1" 201 512 "-" "python-requests/2.31"',
  parse(record): ParseOutcome {
    const { match: m, body, envelope } = matchWithSyslog(record, (text) => LINE.exec(text));
    if (!m) return headError(body);
    const [, client, , user, time, rawRequest, status, bytes, rest] = m;

    const timestamp = readDate(time);
    if (!timestamp) return parseError('bad-timestamp', `time [${time}] is not dd/Mon/yyyy:HH:MM:SS +hhmm (e.g. 25/Nov/2026:14:00:01 +0800)`);
    if (!STATUS.test(status) || Number(status) < 100) return parseError('bad-field', `status ${excerpt(status)} is not a 3-digit HTTP status code`);
    if (bytes !== '-' && !BYTES.test(bytes)) return parseError('bad-field', `response size ${excerpt(bytes)} is neither a byte count nor "-"`);

    const source = readClient(client);
    if (!source) return parseError('bad-field', `client address ${excerpt(client)} is neither an IPv4/IPv6 address nor a host name`);

    const tail = readTail(rest);
    if (typeof tail === 'string') return parseError('malformed', tail);

    const statusCode = Number(status);
    const request = rawRequest.replace(UNESCAPE, '$1');
    const req = REQUEST.exec(request);
    const referrer = tail.referrer && tail.referrer !== '-' ? tail.referrer : undefined;
    const userName = user === '-' ? undefined : user.replace(UNESCAPE, '$1');

    const event: EcsInput = {
      '@timestamp': timestamp,
      message: req
        ? `${client} ${req[1]} ${req[2]} -> ${statusCode}`
        : `${client} sent a request that is not HTTP: "${request.length > 60 ? `${request.slice(0, 60)}...` : request}" -> ${statusCode}`,
      event: {
        kind: 'event',
        category: ['web'],
        type: ['access'],
        action: 'http-request',
        outcome: statusCode >= 400 ? 'failure' : 'success',
        module: 'http',
        dataset: 'access-combined',
        original: record.text,
        ...(tail.request_time ? { duration: Math.round(Number(tail.request_time) * 1e9) } : {}),
      },
      source,
      http: {
        ...(req?.[3] ? { version: req[3] } : {}),
        ...(req || referrer ? { request: { ...(req ? { method: req[1] } : {}), ...(referrer ? { referrer } : {}) } } : {}),
        response: { status_code: statusCode, ...(bytes === '-' ? {} : { bytes: Number(bytes) }) },
      },
      ...(req ? { url: readUrl(req[2], tail.host) } : tail.host ? { url: { domain: tail.host } } : {}),
      ...(tail.agent && tail.agent !== '-' ? { user_agent: { original: tail.agent } } : {}),
      ...(userName ? { user: { name: userName } } : {}),
      ...(req ? {} : { tags: ['http-request-invalid'] }),
      ...labels(tail),
      related: {
        ...(source.ip ? { ip: [source.ip] } : { hosts: [client] }),
        ...(userName ? { user: [userName] } : {}),
      },
      ...syslogFields(envelope),
    };
    return { kind: 'event', event };
  },
};

function headError(text: string): ParseOutcome {
  if (!HEAD.test(text)) {
    return parseError('unrecognised', `not an access log line: expected <client> <ident> <user> [<time>] "<request>" <status> <bytes>, got ${excerpt(text)}`);
  }
  return parseError('malformed', `access log line is cut short or broken after the time: a quoted request then "<status> <bytes>" must follow (truncated line?): ${excerpt(text, 80)}`);
}

function readDate(text: string): string | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const month = MONTH_INDEX[m[2]];
  const off = OFFSET.exec(m[8]);
  if (month === undefined || !off || Number(off[2]) > 18 || Number(off[3]) > 59) return undefined;
  const offset = (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3]));
  return clockToIso({
    year: Number(m[3]), month, day: Number(m[1]),
    hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), fraction: m[7],
  }, offset);
}

/** The client column: an IP (canonical), or a host name when the server resolves clients (Apache HostnameLookups). */
function readClient(text: string): { ip?: string; address: string; domain?: string } | null {
  const ip = canonicalIp(text);
  if (ip !== null) return { ip, address: text };
  return HOST_NAME.test(text) ? { address: text, domain: text } : null;
}

function readUrl(target: string, host: string | undefined): NonNullable<EcsInput['url']> {
  const url: NonNullable<EcsInput['url']> = { original: target };
  if (ABSOLUTE_URL.test(target)) {
    // Proxy-style absolute targets carry their own host, scheme and port.
    try {
      const parsed = new URL(target);
      url.scheme = parsed.protocol.slice(0, -1);
      url.domain = parsed.hostname;
      if (parsed.port) url.port = Number(parsed.port);
      url.path = parsed.pathname;
      if (parsed.search.length > 1) url.query = parsed.search.slice(1);
    } catch {
      // An unparsable absolute URL is still logged as sent, in url.original.
    }
    return url;
  }
  if (target.startsWith('/')) {
    const question = target.indexOf('?');
    const hash = target.indexOf('#');
    const pathEnd = question !== -1 ? question : hash !== -1 ? hash : target.length;
    url.path = target.slice(0, pathEnd);
    if (question !== -1) {
      const queryEnd = hash > question ? hash : target.length;
      if (queryEnd > question + 1) url.query = target.slice(question + 1, queryEnd);
    }
  }
  if (host && !url.domain) url.domain = host;
  return url;
}

interface Tail extends Trailing {
  referrer?: string;
  agent?: string;
}

/**
 * Read what follows the byte count: `"referrer" "agent"` for combined, then
 * any extended fields. Returns a reason string when a quoted field is not
 * closed (a truncated line).
 */
function readTail(rest: string): Tail | string {
  const tail: Tail = {};
  let quoted = 0;
  let seconds = 0;
  let i = 0;
  while (i < rest.length) {
    if (rest[i] === ' ' || rest[i] === '\t') { i++; continue; }
    let token: string;
    let key: string | undefined;
    const eq = rest[i] === '"' ? -1 : keyEnd(rest, i);
    if (eq !== -1) { key = rest.slice(i, eq); i = eq + 1; }
    if (rest[i] === '"') {
      const end = closingQuote(rest, i + 1);
      if (end === -1) return `quoted field starting ${excerpt(rest.slice(i), 30)} has no closing quote (truncated line?)`;
      token = rest.slice(i + 1, end).replace(UNESCAPE, '$1');
      i = end + 1;
      if (key === undefined) {
        quoted++;
        if (quoted === 1) tail.referrer = token;
        else if (quoted === 2) tail.agent = token;
        else if (quoted === 3 && token !== '-' && IP_LIST.test(token)) tail.forwarded_for = token;
        continue;
      }
    } else {
      let end = i;
      while (end < rest.length && rest[end] !== ' ' && rest[end] !== '\t') end++;
      token = rest.slice(i, end);
      i = end;
    }
    if (key !== undefined) {
      const field = TRAILING_KEYS[key];
      if (field && token !== '-' && (field === 'host' || SECONDS.test(token))) tail[field] = token;
    } else if (SECONDS.test(token)) {
      // nginx prints $request_time and $upstream_response_time with a fraction; integers (Apache %D in µs) are ambiguous and skipped.
      if (seconds === 0) tail.request_time = token;
      else if (seconds === 1) tail.upstream_time = token;
      seconds++;
    } else if (!tail.host && HOST_NAME.test(token)) {
      tail.host = token;
    }
  }
  return tail;
}

/** Index of the `=` ending a `key=` at `start`, or -1 when the token is not a key=value pair. */
function keyEnd(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 61 /* = */) return i > start ? i : -1;
    const word = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
    if (!word) return -1;
  }
  return -1;
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

function labels(tail: Trailing): Pick<EcsInput, 'labels'> {
  if (!tail.upstream_time && !tail.forwarded_for) return {};
  return {
    labels: {
      ...(tail.upstream_time ? { upstream_response_time: tail.upstream_time } : {}),
      ...(tail.forwarded_for ? { forwarded_for: tail.forwarded_for } : {}),
    },
  };
}
