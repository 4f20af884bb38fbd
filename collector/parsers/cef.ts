// <134>Nov 25 14:00:01 eagle-01 CEF:0|Hirschmann|EAGLE40|4.3.01|fw-drop-502|Modbus write blocked|7|src=203.0.113.7 dst=10.1.1.20 spt=40522 dpt=502 proto=TCP act=blocked rt=1795615201000 msg=Write to coil from untrusted zone cs1Label=ZonePair cs1=untrusted->cell-3
/**
 * ArcSight Common Event Format, version 0 and 1, alone or after a syslog
 * header: `CEF:Version|Device Vendor|Device Product|Device Version|
 * Signature ID|Name|Severity|Extension`.
 *
 * Escaping follows the CEF specification exactly: in the header `\|` and
 * `\\`; in extension values `\=`, `\\`, `\n` and `\r` (any other backslash is
 * kept as written). Extension values may contain spaces: a new key starts at
 * ` key=` where that `=` is unescaped. Spaces before the next key are separators, not value.
 *
 * Mapped keys: src dst spt dpt smac dmac shost dhost suser duser proto app act
 * rt msg request requestMethod cat outcome reason in out deviceDirection dvc
 * dvchost c6a2 c6a3 (IPv6 source/destination when src/dst are absent), and
 * the custom cs1-cs6, cn1-cn3, c6a1, c6a4, flexString1-2 as `labels` under
 * their `...Label` names. Every other extension key is kept in `labels`
 * under its own name, so nothing the device sent is lost.
 *
 * `rt` is epoch milliseconds or `MMM dd [yyyy] HH:mm:ss[.SSS] [zone]` (zone
 * UTC, GMT, Z or ±hh:mm; without one, local time, as syslog headers are read).
 */
import type { z } from 'zod';
import type { EcsEventSchema } from '../../core/event.js';
import { canonicalIp, ipFamily } from '../../core/ip.js';
import type { SyslogEnvelope } from '../framing/syslog.js';
import type { Parser, ParseOutcome, RawRecord } from './types.js';
import { parseError } from './types.js';
import { lookupTable, takeSyslogHeader } from './support.js';

type EcsDraft = z.input<typeof EcsEventSchema>;
type Endpoint = NonNullable<EcsDraft['source']>;

const HEADER_FIELDS = 7; // version .. severity; the extension follows the 7th '|'
const VERSION = /^\d{1,2}$/;
const SEVERITY_NUMBER = /^\d{1,2}$/;
const VALUE_ESCAPE = /\\([\\=nr])/g;
const PORT = /^\d{1,5}$/;
const COUNT = /^\d{1,15}$/;
const EPOCH = /^\d{10,14}$/;
const CEF_TIME = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (?:(\d{4}) )?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?: (\S+))?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** Named severities (CEF 0-3 Low, 4-6 Medium, 7-8 High, 9-10 Very-High) to a number in the band. */
const SEVERITY_NAMES: Readonly<Record<string, number | undefined>> = lookupTable({
  unknown: undefined, low: 3, medium: 6, high: 8, 'very-high': 10, 'very high': 10,
});

/** act= words to ECS event.type. */
const ACT_TYPES: Readonly<Record<string, string>> = lookupTable({
  blocked: 'denied', block: 'denied', deny: 'denied', denied: 'denied', drop: 'denied', dropped: 'denied',
  reject: 'denied', rejected: 'denied', reset: 'denied', quarantined: 'denied',
  allowed: 'allowed', allow: 'allowed', accept: 'allowed', accepted: 'allowed', permit: 'allowed',
  permitted: 'allowed', pass: 'allowed', passed: 'allowed',
});

/** proto= values (names or IANA numbers) to ECS network.transport. */
const TRANSPORTS: Readonly<Record<string, string>> = lookupTable({
  '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'ipv6-icmp', '132': 'sctp', icmpv6: 'ipv6-icmp', 'ipv6-icmp': 'ipv6-icmp',
});

const DIRECTIONS: Readonly<Record<string, 'inbound' | 'outbound'>> = lookupTable({ '0': 'inbound', '1': 'outbound' });

/** Custom-field keys whose meaning is in the matching `<key>Label`. */
const LABELLED = new Set([
  'cs1', 'cs2', 'cs3', 'cs4', 'cs5', 'cs6', 'cn1', 'cn2', 'cn3', 'c6a1', 'c6a4', 'flexString1', 'flexString2',
  'cfp1', 'cfp2', 'cfp3', 'cfp4', 'flexNumber1', 'flexNumber2', 'deviceCustomDate1', 'deviceCustomDate2',
]);

/** Keys read into ECS fields (not copied to labels). */
const MAPPED = new Set([
  'src', 'dst', 'spt', 'dpt', 'smac', 'dmac', 'shost', 'dhost', 'suser', 'duser', 'proto', 'app', 'act', 'rt', 'msg',
  'request', 'requestMethod', 'cat', 'outcome', 'reason', 'in', 'out', 'deviceDirection', 'dvc', 'dvchost', 'c6a2', 'c6a3',
]);

class CefFieldError extends Error {
  constructor(readonly code: 'bad-field' | 'bad-timestamp', message: string) { super(message); }
}

export const cefParser: Parser = {
  name: 'cef',
  family: 'gateway',
  description: 'ArcSight Common Event Format (industrial firewalls, IDS, UTMs), alone or after a syslog header',
  sample: '<134>Nov 25 14:00:01 eagle-01 CEF:0|Hirschmann|EAGLE40|4.3.01|fw-drop-502|Modbus write blocked|7|src=203.0.113.7 dst=10.1.1.20 spt=40522 dpt=502 proto=TCP act=blocked rt=1795615201000 msg=Write to coil from untrusted zone cs1Label=ZonePair cs1=untrusted->cell-3',
  parse: parseCef,
};

function parseCef(record: RawRecord): ParseOutcome {
  const unwrapped = takeSyslogHeader(record, (text) => text.startsWith('CEF:'));
  const envelope = unwrapped.envelope;
  let body = unwrapped.body;
  // A 3164 reader may take "CEF" for the syslog TAG (it ends in a colon): put it back.
  if (envelope?.appname === 'CEF' && !body.includes('CEF:')) body = `CEF:${body}`;
  const at = body.indexOf('CEF:');
  if (at === -1) return parseError('unrecognised', 'no "CEF:" header in the record: not Common Event Format');

  const header = splitHeader(body, at + 4);
  if (header.parts.length < HEADER_FIELDS) {
    return parseError('malformed',
      `CEF header has ${header.parts.length} of its 7 '|'-terminated fields (version|vendor|product|version|signature id|name|severity|): truncated or an unescaped '|' missing`);
  }
  const [version, vendor, product, deviceVersion, signatureId, name, severityText] = header.parts;
  if (!VERSION.test(version)) return parseError('malformed', `CEF version ${JSON.stringify(version)} is not a number (expected CEF:0 or CEF:1)`);

  const severity = readSeverity(severityText.trim());
  if (severity === null) {
    return parseError('bad-field', `severity ${JSON.stringify(severityText)} is neither 0-10 nor Unknown/Low/Medium/High/Very-High`);
  }
  const ext = parseExtension(body.slice(header.end));
  if (typeof ext === 'string') return parseError('malformed', ext);

  try {
    return { kind: 'event', event: buildEvent(record, envelope, ext, { vendor, product, deviceVersion, signatureId, name, severity }) };
  } catch (err) {
    if (err instanceof CefFieldError) return parseError(err.code, err.message);
    throw err;
  }
}

/** The seven header fields from `start` (just after `CEF:`), unescaping `\|` and `\\`. */
function splitHeader(text: string, start: number): { parts: string[]; end: number } {
  const parts: string[] = [];
  let current = '';
  let from = start;
  let i = start;
  while (i < text.length && parts.length < HEADER_FIELDS) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */ && (text[i + 1] === '|' || text[i + 1] === '\\')) {
      current += text.slice(from, i) + text[i + 1];
      i += 2;
      from = i;
    } else if (c === 0x7c /* | */) {
      parts.push(current + text.slice(from, i));
      current = '';
      i++;
      from = i;
    } else {
      i++;
    }
  }
  return { parts, end: i };
}

function readSeverity(text: string): number | undefined | null {
  if (text === '') return undefined;
  if (SEVERITY_NUMBER.test(text)) {
    const n = Number(text);
    return n <= 10 ? n : null;
  }
  const lower = text.toLowerCase();
  return lower in SEVERITY_NAMES ? SEVERITY_NAMES[lower] : null;
}

/**
 * Extension `key=value` pairs. A key is the word before an unescaped `=`
 * that follows a space; an `=` with no space since the previous key's `=`
 * belongs to the value (a lenient reading of a producer that forgot `\=`).
 */
function parseExtension(text: string): Map<string, string> | string {
  const pairs = new Map<string, string>();
  const trimmed = text.trim();
  if (trimmed.length === 0) return pairs;
  let key: string | undefined;
  let valueStart = 0;
  let prevEq = -1;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 0x3d /* = */ || isEscaped(text, i)) continue;
    const keyStart = text.lastIndexOf(' ', i) + 1;
    if (keyStart <= prevEq || keyStart === i) continue;
    if (key === undefined) {
      if (text.slice(0, keyStart).trim().length > 0) {
        return `extension starts with ${JSON.stringify(text.slice(0, keyStart).trim().slice(0, 40))} before its first key=value`;
      }
    } else {
      pairs.set(key, unescapeValue(text.slice(valueStart, keyStart - 1).trimEnd()));
    }
    key = text.slice(keyStart, i);
    valueStart = i + 1;
    prevEq = i;
  }
  if (key === undefined) return `extension ${JSON.stringify(trimmed.slice(0, 40))} has no key=value pairs`;
  pairs.set(key, unescapeValue(text.slice(valueStart).trimEnd()));
  return pairs;
}

function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let j = at - 1; j >= 0 && text.charCodeAt(j) === 0x5c; j--) backslashes++;
  return backslashes % 2 === 1;
}

function unescapeValue(value: string): string {
  if (value.indexOf('\\') === -1) return value;
  return value.replace(VALUE_ESCAPE, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

interface CefHeader {
  vendor: string; product: string; deviceVersion: string; signatureId: string; name: string; severity: number | undefined;
}

function buildEvent(record: RawRecord, envelope: SyslogEnvelope | undefined, ext: Map<string, string>, h: CefHeader): EcsDraft {
  const get = (key: string): string | undefined => {
    const v = ext.get(key);
    return v === undefined || v === '' ? undefined : v;
  };
  const srcIp = readIp(get('src') !== undefined ? 'src' : 'c6a2', get('src') ?? get('c6a2'));
  const dstIp = readIp(get('dst') !== undefined ? 'dst' : 'c6a3', get('dst') ?? get('c6a3'));
  const source = endpoint(srcIp, readPort('spt', get('spt')), get('smac'), get('shost'), readCount('in', get('in')));
  const destination = endpoint(dstIp, readPort('dpt', get('dpt')), get('dmac'), get('dhost'), readCount('out', get('out')));
  const duser = get('duser');
  if (duser !== undefined) destination.user = { name: duser };

  const act = get('act');
  const verdict = act === undefined ? undefined : ACT_TYPES[act.toLowerCase()];
  const proto = get('proto');
  const outcome = get('outcome')?.toLowerCase();
  const rt = get('rt');
  const hostname = envelope?.hostname;
  const dvc = readIp('dvc', get('dvc'));
  const dvchost = get('dvchost');
  const direction = DIRECTIONS[get('deviceDirection') ?? ''];

  const event: EcsDraft = {
    '@timestamp': (rt !== undefined ? readRt(rt, record.receivedAt) : undefined) ?? envelope?.timestamp ?? record.receivedAt.toISOString(),
    event: {
      kind: 'event',
      module: 'cef',
      dataset: 'cef',
      original: record.text,
      ...(h.signatureId ? { code: h.signatureId } : {}),
      ...(srcIp || dstIp ? { category: ['network'] } : {}),
      ...(verdict ? { type: ['connection', verdict] } : {}),
      ...(act ? { action: act.toLowerCase() } : {}),
      ...(h.severity !== undefined ? { severity: h.severity } : {}),
      ...(outcome ? { outcome: outcome.startsWith('succe') ? 'success' : outcome.startsWith('fail') ? 'failure' : 'unknown' } : {}),
      ...(get('reason') ? { reason: get('reason') } : {}),
    },
    observer: {
      ...(h.vendor ? { vendor: h.vendor } : {}),
      ...(h.product ? { product: h.product } : {}),
      ...(h.deviceVersion ? { version: h.deviceVersion } : {}),
      ...(dvchost ?? hostname ? { hostname: dvchost ?? hostname } : {}),
      ...(dvc ? { ip: [dvc] } : {}),
    },
    rule: {
      ...(h.signatureId ? { id: h.signatureId } : {}),
      ...(h.name ? { name: h.name } : {}),
      ...(get('cat') ? { category: get('cat') } : {}),
    },
  };
  if (Object.keys(event.rule ?? {}).length === 0) delete event.rule;
  if (Object.keys(source).length > 0) event.source = source;
  if (Object.keys(destination).length > 0) event.destination = destination;
  if (srcIp || proto || get('app') || direction) {
    event.network = {
      ...(srcIp ? { type: ipFamily(srcIp) === 6 ? 'ipv6' : 'ipv4' } : {}),
      ...(proto ? { transport: TRANSPORTS[proto.toLowerCase()] ?? proto.toLowerCase() } : {}),
      ...(get('app') ? { protocol: get('app')?.toLowerCase() } : {}),
      ...(direction ? { direction } : {}),
    };
  }
  const suser = get('suser');
  if (suser !== undefined) event.user = { name: suser };
  if (hostname) event.host = { hostname };
  const msg = get('msg');
  if (msg !== undefined) event.message = msg;
  const request = get('request');
  const method = get('requestMethod');
  if (request !== undefined) event.url = { original: request };
  if (method !== undefined) event.http = { request: { method } };
  const labels = collectLabels(ext);
  if (labels) event.labels = labels;
  return event;
}

function endpoint(ip: string | undefined, port: number | undefined, mac: string | undefined, host: string | undefined, bytes: number | undefined): Endpoint {
  const e: Endpoint = {};
  if (ip !== undefined) e.ip = ip;
  if (port !== undefined) e.port = port;
  if (mac !== undefined) e.mac = mac;
  if (host !== undefined) e.domain = host;
  if (bytes !== undefined) e.bytes = bytes;
  return e;
}

function collectLabels(ext: Map<string, string>): Record<string, string> | undefined {
  let labels: Record<string, string> | undefined;
  for (const [key, value] of ext) {
    if (MAPPED.has(key) || key.endsWith('Label') || value === '') continue;
    const label = LABELLED.has(key) ? ext.get(`${key}Label`) || key : key;
    labels ??= {};
    labels[label] = value;
  }
  return labels;
}

function readIp(key: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ip = canonicalIp(value);
  if (ip === null) throw new CefFieldError('bad-field', `${key}=${value} is not an IPv4 or IPv6 address`);
  return ip;
}

function readPort(key: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = PORT.test(value) ? Number(value) : NaN;
  if (!(n <= 65535)) throw new CefFieldError('bad-field', `${key}=${value} is not a port (0-65535)`);
  return n;
}

function readCount(key: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!COUNT.test(value)) throw new CefFieldError('bad-field', `${key}=${value} is not a byte count`);
  return Number(value);
}

/** `rt`: epoch ms (10-digit epoch seconds tolerated), `MMM dd [yyyy] HH:mm:ss[.SSS] [zone]`, or ISO-8601. */
function readRt(text: string, receivedAt: Date): string {
  if (EPOCH.test(text)) {
    const ms = text.length <= 10 ? Number(text) * 1000 : Number(text);
    return new Date(ms).toISOString();
  }
  if (ISO_TIME.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  const m = CEF_TIME.exec(text);
  const month = m ? MONTHS[m[1]] : undefined;
  if (!m || month === undefined) {
    throw new CefFieldError('bad-timestamp', `rt=${text} is neither epoch milliseconds nor "MMM dd yyyy HH:mm:ss"`);
  }
  const millis = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  const parts = [Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]), millis] as const;
  const zone = m[8];
  const at = (year: number): Date => {
    if (zone === undefined) return new Date(year, month, ...parts);
    if (zone === 'UTC' || zone === 'GMT' || zone === 'Z') return new Date(Date.UTC(year, month, ...parts));
    const off = OFFSET.exec(zone);
    if (!off) throw new CefFieldError('bad-timestamp', `rt=${text}: time zone ${JSON.stringify(zone)} is not UTC, GMT or ±hh:mm`);
    const minutes = (Number(off[2]) * 60 + Number(off[3])) * (off[1] === '-' ? -1 : 1);
    return new Date(Date.UTC(year, month, ...parts) - minutes * 60_000);
  };
  let date = at(m[3] ? Number(m[3]) : receivedAt.getFullYear());
  // Without a year, a time more than a day ahead of receipt is last year's.
  if (!m[3] && date.getTime() - receivedAt.getTime() > 86_400_000) date = at(receivedAt.getFullYear() - 1);
  if (Number.isNaN(date.getTime())) throw new CefFieldError('bad-timestamp', `rt=${text} is not a valid date`);
  return date.toISOString();
}
