// 25-Nov-2026 14:00:01.123 queries: info: client @0x7f8b2c0 203.0.113.5#53211 (pump-0042.88.101.5.idres.example): query: pump-0042.88.101.5.idres.example IN A +E(0)K (10.0.0.53)
/**
 * BIND 9 query log (`category queries`), one query a line:
 *
 *   [<time>] [queries: ][info: ]client [@0x<ptr>] <ip>#<port>[/key <name>] [(<qname>)]: [view <v>: ]query: <qname> <class> <type> <flags> [[ECS <subnet>]] (<server ip>)
 *
 * Covers 9.9 to 9.18: with or without the client object pointer, the
 * `(qname)` echo, `print-category` / `print-severity`, a view, and a syslog
 * header instead of BIND's own time (`named[812]: client ...`). The time is
 * `dd-Mon-yyyy HH:MM:SS.mmm` in the server's local zone (read in the
 * collector's zone, as RFC 3164 syslog times are) or, with
 * `print-time iso8601[-utc]`, ISO-8601; with no time at all the syslog header
 * time, else the receive time, is used.
 *
 * The flags say: `+` recursion desired (RD), `S` signed (TSIG/SIG(0)),
 * `E(n)` EDNS version n, `T` over TCP, `D` DNSSEC OK (DO), `C` checking
 * disabled (CD), `K` client cookie, `V` valid server cookie. ECS
 * `dns.header_flags` holds only true header flags (RD, DO, CD); the rest
 * become tags (`dns-signed`, `dns-edns`, `dns-cookie`, `dns-server-cookie`),
 * `labels.dns_edns_version` and `network.transport`.
 *
 * Identifier-resolution names (`<suffix>.<prefix labels>.<zone>`) are not
 * turned into `idres.*`: the split between suffix and prefix labels is not
 * knowable from the name alone.
 */
import { canonicalIp, ipFamily } from '../../core/ip.js';
import type { Parser, ParseOutcome } from './types.js';
import { parseError } from './types.js';
import { MONTH_INDEX, clockToIso, excerpt, matchWithSyslog, readIsoDate, syslogFields } from './support.js';
import type { EcsInput } from './support.js';

/** Optional time, optional category and severity, then the `client` message. */
const LINE = /^(?:(\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?) )?(?:(queries): )?(?:(?:info|notice|debug(?: \d+)?): )?client (.*)$/;
const CLIENT = /^(?:@0x[0-9a-fA-F]+ )?(\S+)#(\d+)(?:\/key (\S+))?(?: \(([^)]*)\))?: (?:view ([^:]+): )?query: (\S+) (\S+) (\S+) ([-+][A-Za-z0-9()]*)(?: \[ECS ([^\]]+)\])? \(([^)]+)\)\s*$/;
const BIND_DATE = /^(\d{2})-([A-Z][a-z]{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const FLAG_LETTERS = /^[-+](S?)(?:E\((\d+)\))?(T?)(D?)(C?)([KV]?)$/;

/** Flag letters that are DNS header flags, by ECS name. */
const HEADER_FLAGS: readonly { readonly group: 4 | 5; readonly flag: string }[] = [
  { group: 4, flag: 'DO' },
  { group: 5, flag: 'CD' },
];
/** Cookie letters and their tags. */
const COOKIE_TAGS: Readonly<Record<string, string>> = { K: 'dns-cookie', V: 'dns-server-cookie' };

export const bindQueryParser: Parser = {
  name: 'bind-query',
  family: 'idres',
  description: 'BIND 9 query log (category queries), file or syslog, IPv4 and IPv6 clients',
  sample: '25-Nov-2026 14:00:01.123 queries: info: client @0x7f8b2c0 203.0.113.5#53211 (pump-0042.88.101.5.idres.example): query: pump-0042.88.101.5.idres.example IN A +E(0)K (10.0.0.53)',
  parse(record): ParseOutcome {
    const { match: m, body, envelope } = matchWithSyslog(record, (text) => LINE.exec(text));
    if (!m) return parseError('unrecognised', `not a BIND query log line: expected "[<time>] [queries: info: ]client <ip>#<port> ...: query: <name> <class> <type> <flags> (<server>)", got ${excerpt(body)}`);
    const [, time, category, message] = m;

    const c = CLIENT.exec(message);
    if (!c) {
      // With print-category on, "queries:" says this was a query line, however little of it is left.
      return category || message.includes('query:')
        ? parseError('malformed', `BIND query line is cut short or broken: "query: <name> <class> <type> <flags> (<server>)" expected: ${excerpt(message, 80)}`)
        : parseError('unrecognised', `BIND "client" line that is not a query (another category?): ${excerpt(message, 60)}`);
    }
    const [, clientIp, portText, keyName, , view, qname, qclass, qtype, flags, ecsSubnet, server] = c;

    let timestamp: string | undefined;
    if (time) {
      timestamp = time.includes('T') ? readIsoDate(time, 'local') : readBindDate(time);
      if (!timestamp) return parseError('bad-timestamp', `time "${time}" is not a real date (dd-Mon-yyyy HH:MM:SS.mmm or ISO-8601)`);
    } else {
      timestamp = envelope?.timestamp ?? record.receivedAt.toISOString();
    }

    const ip = canonicalIp(clientIp);
    if (ip === null) return parseError('bad-field', `client address ${excerpt(clientIp)} is not an IPv4 or IPv6 address`);
    const port = Number(portText);
    if (port > 65535) return parseError('bad-field', `client port ${portText} is above 65535`);
    const serverIp = canonicalIp(server);
    if (serverIp === null) return parseError('bad-field', `server address (${server}) is not an IPv4 or IPv6 address`);

    const f = FLAG_LETTERS.exec(flags);
    if (!f) return parseError('bad-field', `query flags "${flags}" are not BIND's [+-][S][E(n)][T][D][C][K|V]`);
    const headerFlags = flags[0] === '+' ? ['RD'] : [];
    for (const { group, flag } of HEADER_FLAGS) if (f[group]) headerFlags.push(flag);
    const tags: string[] = [];
    if (f[1]) tags.push('dns-signed');
    if (f[2] !== undefined) tags.push('dns-edns');
    if (f[6]) tags.push(COOKIE_TAGS[f[6]]);
    const transport = f[3] ? 'tcp' : 'udp';
    const name = qname.endsWith('.') && qname.length > 1 ? qname.slice(0, -1) : qname;

    const event: EcsInput = {
      '@timestamp': timestamp,
      message: `${ip}#${port} asked ${server} for ${name} ${qclass} ${qtype}`,
      event: {
        kind: 'event',
        category: ['network'],
        type: ['protocol'],
        action: 'dns-query',
        module: 'bind',
        dataset: 'bind-query',
        original: record.text,
      },
      source: { ip, port },
      destination: { ip: serverIp },
      network: { transport, protocol: 'dns', type: ipFamily(ip) === 6 ? 'ipv6' : 'ipv4' },
      dns: {
        type: 'query',
        question: { name, type: qtype, class: qclass },
        header_flags: headerFlags,
      },
      related: { ip: ip === serverIp ? [ip] : [ip, serverIp] },
      ...(tags.length ? { tags } : {}),
      ...syslogFields(envelope),
    };
    const labels: Record<string, string> = {};
    if (f[2] !== undefined) labels.dns_edns_version = f[2];
    if (view) labels.dns_view = view;
    if (keyName) labels.dns_tsig_key = keyName;
    if (ecsSubnet) labels.dns_client_subnet = ecsSubnet;
    if (Object.keys(labels).length) event.labels = labels;
    return { kind: 'event', event };
  },
};

function readBindDate(text: string): string | undefined {
  const m = BIND_DATE.exec(text);
  if (!m) return undefined;
  const month = MONTH_INDEX[m[2]];
  if (month === undefined) return undefined;
  return clockToIso({
    year: Number(m[3]), month, day: Number(m[1]),
    hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), fraction: m[7],
  }, 'local');
}
