// 192.0.2.10 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 1 1 5ms  88.101.5/PUMP-0042
/**
 * HANDLE.NET (CNRI Handle System) server `access.log`, as written by the
 * handle server that industrial identifier-resolution nodes run:
 *
 *   <client> <iface>:<proto>(<major>.<minor>) "<yyyy-MM-dd HH:mm:ss.SSS+hhmm>" <op code> <response code> <elapsed>ms [adm=<idx>:<admin handle>] <handle> ["<field>" ...]
 *
 * This follows `HandleServer.logAccess` / `Util.getAccessLogString` in the
 * reference implementation: the client is an IPv4 or bare IPv6 address (we
 * also take `[2001:db8::10]`, and an empty column when the server did not
 * know the peer); the interface is TCP, UDP or HTTP; the date ends in `Z` at
 * UTC; an anonymous request leaves two spaces before the handle, an
 * authenticated one names its admin as `adm=300:0.NA/88.101.5`; the handle is
 * URL-escaped (`%20`). The HTTP proxy interface (`HTTP:HDLProxy`) appends
 * quoted fields: the handle's admins, then the referrer. Some deployments
 * append `"<indexes>" "<types>"` to native lines: those are read as the
 * requested value indexes and types (`idres.types`). DNS-interface lines
 * (`UDP:DNS`) log a DNS question with DNS op and response codes and become
 * `dns-query` events.
 */
import { canonicalIp, ipFamily } from '../../core/ip.js';
import type { Parser, ParseOutcome } from './types.js';
import { parseError } from './types.js';
import { handleOp, handleResponse, splitHandle } from './handle-codes.js';
import { excerpt, lookupTable, matchWithSyslog, readIsoDate, syslogFields } from './support.js';
import type { EcsInput } from './support.js';

const LINE = /^(\[[^\]]*\]|\S*) ([A-Za-z]+):([A-Za-z]+)(?:\((\d+)(?:\.(\d+))?\))? "([^"]*)" (-?\d+) (-?\d+) (\d+)ms(?: (.*))?$/;
/** Enough to say the line is a handle access line whose tail is broken. */
const HEAD = /^(\[[^\]]*\]|\S*) [A-Za-z]+:[A-Za-z]+(?:\([\d.]+\))? "/;
const ADMIN = /^adm=(\d+):(\S*)$/;

/** Interfaces as the server names them, and the transport under each. */
const TRANSPORTS: Readonly<Record<string, string>> = lookupTable({ TCP: 'tcp', UDP: 'udp', HTTP: 'tcp', HTTPS: 'tcp' });

/** What the quoted fields after the handle hold, by protocol label. */
const QUOTED_FIELDS: Readonly<Record<string, readonly ('admins' | 'referrer' | 'indexes' | 'types')[]>> = lookupTable({
  HDL: ['indexes', 'types'],
  HDLProxy: ['admins', 'referrer'],
});

/** DNS response codes (RFC 1035, 2136, 6891) for the handle server's DNS interface. */
const DNS_RCODES: readonly string[] = [
  'NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE',
  '', '', '', '', '', 'BADVERS',
];
const DNS_OPS: readonly string[] = ['QUERY', 'IQUERY', 'STATUS', '', 'NOTIFY', 'UPDATE'];

interface Tail {
  admin?: { index: string; handle: string };
  handle: string;
  quoted: string[];
}

export const handleAccessParser: Parser = {
  name: 'handle-access',
  family: 'idres',
  description: 'HANDLE.NET server access.log (Handle System identifier resolution and administration)',
  sample: '192.0.2.10 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 1 1 5ms  88.101.5/PUMP-0042',
  parse(record): ParseOutcome {
    const { match: m, body, envelope } = matchWithSyslog(record, (text) => LINE.exec(text));
    if (!m) {
      return HEAD.test(body)
        ? parseError('malformed', `handle access line is cut short after the date: "<op code> <response code> <elapsed>ms <handle>" must follow (truncated line?): ${excerpt(body, 80)}`)
        : parseError('unrecognised', `not a handle server access line: expected <client> TCP:HDL(2.10) "<date>" <op> <rc> <n>ms <handle>, got ${excerpt(body)}`);
    }
    const [, client, iface, proto, major, minor, date, opText, rcText, elapsedText, rest] = m;

    const timestamp = readIsoDate(date, 'local');
    if (!timestamp) return parseError('bad-timestamp', `date "${date}" is not a valid yyyy-MM-dd HH:mm:ss.SSS time followed by +hhmm or Z`);
    const transport = TRANSPORTS[iface.toUpperCase()];
    if (!transport) return parseError('bad-field', `interface "${iface}" is not TCP, UDP or HTTP`);

    let ip: string | null = null;
    if (client !== '' && client !== '[]') {
      ip = canonicalIp(client);
      if (ip === null) return parseError('bad-field', `client address ${excerpt(client)} is not an IPv4 or IPv6 address`);
    }

    const tail = readTail(rest ?? '');
    if (typeof tail === 'string') return parseError('malformed', tail);
    for (const [what, text] of [['op code', opText], ['response code', rcText], ['elapsed time', elapsedText]] as const) {
      // The line's digits are unbounded; a few hundred of them would make Infinity.
      if (!Number.isSafeInteger(Number(text))) return parseError('bad-field', `${what} ${excerpt(text)} is out of range`);
    }

    const elapsed = Number(elapsedText);
    const network: NonNullable<EcsInput['network']> = { transport, protocol: 'handle' };
    if (ip !== null) network.type = ipFamily(ip) === 6 ? 'ipv6' : 'ipv4';
    const labels: Record<string, string> = { handle_interface: `${iface}:${proto}` };
    if (major) labels.handle_protocol_version = minor ? `${major}.${minor}` : major;

    let event: EcsInput;
    if (proto.toUpperCase() === 'DNS') {
      network.protocol = 'dns';
      event = dnsEvent(record.text, timestamp, Number(opText), Number(rcText), elapsed, tail.handle);
    } else {
      event = handleEvent(record.text, timestamp, proto, opText, rcText, elapsed, tail, ip);
    }
    event.network = network;
    event.labels = event.labels ? { ...labels, ...event.labels } : labels;
    if (ip !== null) {
      event.source = { ip };
      event.related = { ...event.related, ip: [ip] };
    }
    if (envelope) Object.assign(event, syslogFields(envelope));
    return { kind: 'event', event };
  },
};

/** The event for a Handle protocol line: everything but the network, client and syslog parts, which the caller adds. */
function handleEvent(
  original: string, timestamp: string, proto: string, opText: string, rcText: string, elapsed: number, tail: Tail, ip: string | null,
): EcsInput {
  const op = handleOp(Number(opText));
  const rc = handleResponse(Number(rcText));
  const identifier = tail.handle === '' || tail.handle === '/' ? undefined : decodeHandle(tail.handle);

  const idres: NonNullable<EcsInput['idres']> = {
    op_code: Number(opText), query_type: op.verb, response_code: rc.name, latency_ms: elapsed,
  };
  if (identifier) {
    const { prefix, suffix } = splitHandle(identifier);
    idres.identifier = identifier;
    idres.prefix = prefix;
    if (suffix !== undefined) idres.suffix = suffix;
  }
  // Only the native protocol logs an admin when there is one; elsewhere its absence says nothing.
  if (proto === 'HDL') idres.authenticated = tail.admin !== undefined;

  const event: EcsInput = {
    '@timestamp': timestamp,
    message: `${op.name} ${identifier ?? '(no handle)'} from ${ip ?? 'unknown client'} -> ${rc.name} in ${elapsed} ms`,
    event: {
      kind: 'event',
      category: ['network'],
      type: rc.denied ? ['protocol', 'denied'] : ['protocol'],
      action: `handle-${op.verb}`,
      outcome: rc.outcome,
      module: 'handle',
      dataset: 'handle-access',
      code: rcText,
      duration: elapsed * 1_000_000,
      original,
    },
    idres,
  };

  const fields = QUOTED_FIELDS[proto] ?? QUOTED_FIELDS.HDL;
  const labels: Record<string, string> = {};
  for (let i = 0; i < tail.quoted.length && i < fields.length; i++) {
    const value = tail.quoted[i];
    if (value === '') continue;
    switch (fields[i]) {
      case 'types': idres.types = value.split(',').map((t) => t.trim()).filter((t) => t !== ''); break;
      case 'indexes': labels.handle_indexes = value; break;
      case 'admins': labels.handle_admins = value; break;
      case 'referrer': event.http = { request: { referrer: value } }; break;
    }
  }
  if (labels.handle_indexes || labels.handle_admins) event.labels = labels;
  if (tail.admin) {
    const admin = decodeHandle(tail.admin.handle);
    event.user = { id: `${tail.admin.index}:${admin}`, name: admin };
    event.related = { user: [admin] };
  }
  return event;
}

/**
 * What follows `<elapsed>ms `: an optional `adm=` token, the handle, then
 * quoted fields. The handle is URL-escaped by the server, so it never holds a
 * space or a quote.
 */
function readTail(rest: string): Tail | string {
  let i = 0;
  const next = (): string => {
    while (rest[i] === ' ') i++;
    const start = i;
    while (i < rest.length && rest[i] !== ' ') i++;
    return rest.slice(start, i);
  };
  let token = next();
  let admin: Tail['admin'];
  const adm = ADMIN.exec(token);
  if (adm) {
    admin = { index: adm[1], handle: adm[2] };
    token = next();
  }
  if (token.startsWith('"')) {
    return `no handle before the quoted fields: ${excerpt(rest.trim(), 40)}`;
  }
  const quoted: string[] = [];
  while (i < rest.length) {
    while (rest[i] === ' ') i++;
    if (i >= rest.length) break;
    if (rest[i] !== '"') break; // lenient: later unquoted text is kept only in event.original
    const end = rest.indexOf('"', i + 1);
    if (end === -1) return `quoted field starting ${excerpt(rest.slice(i), 30)} has no closing quote (truncated line?)`;
    quoted.push(rest.slice(i + 1, end));
    i = end + 1;
  }
  return { admin, handle: token, quoted };
}

/** Undo the server's URL escaping (`%20`, `%25`); a stray `%` leaves the handle as logged. */
function decodeHandle(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function dnsEvent(original: string, timestamp: string, opCode: number, rcode: number, elapsed: number, name: string): EcsInput {
  const responseCode = DNS_RCODES[rcode] || String(rcode);
  return {
    '@timestamp': timestamp,
    message: `DNS ${DNS_OPS[opCode] || opCode} ${name || '(no name)'} via the handle server -> ${responseCode} in ${elapsed} ms`,
    event: {
      kind: 'event',
      category: ['network'],
      type: ['protocol'],
      action: 'dns-query',
      outcome: rcode === 0 ? 'success' : 'failure',
      module: 'handle',
      dataset: 'handle-access',
      duration: elapsed * 1_000_000,
      original,
    },
    dns: { type: 'answer', ...(name ? { question: { name } } : {}), response_code: responseCode },
  };
}
