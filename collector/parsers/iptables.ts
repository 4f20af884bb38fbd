// Nov 25 14:00:01 gw-01 kernel: [12345.678901] IPT-DROP IN=eth0 OUT= MAC=00:1b:21:3a:4f:10:00:0c:29:aa:bb:cc:08:00 SRC=203.0.113.7 DST=10.1.1.20 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=40522 DPT=502 WINDOW=29200 RES=0x00 SYN URGP=0
/**
 * Linux netfilter `LOG` target lines (iptables, ip6tables, nftables `log`),
 * as the kernel writes them to syslog: an optional syslog header, an
 * optional `[uptime]` kernel stamp, the rule's log prefix, then `KEY=value`
 * fields and bare flags (`DF`, `SYN`). IPv6 lines carry `TC=`, `HOPLIMIT=`
 * and `FLOWLBL=` instead of `TOS=`/`TTL=`/`ID=`.
 *
 * The verdict is read from the prefix, since the LOG target itself decides
 * nothing: DROP/DENY/BLOCK words mean drop, REJECT reject, ACCEPT/ALLOW/PASS
 * accept, anything else `logged`. Fields inside `[...]` (the quoted packet of
 * an ICMP error) are not read as the logged packet's own.
 */
import type { z } from 'zod';
import type { EcsEventSchema } from '../../core/event.js';
import { canonicalIp, ipFamily } from '../../core/ip.js';
import type { Parser, ParseOutcome, RawRecord } from './types.js';
import { parseError } from './types.js';
import { lookupTable, takeSyslogHeader } from './support.js';

type EcsDraft = z.input<typeof EcsEventSchema>;

const KERNEL_STAMP = /^\[\s*\d+\.\d+\]\s*/;
const PREFIX_WORDS = /[^A-Za-z]+/;
const PORT = /^\d{1,5}$/;

type Verdict = 'drop' | 'reject' | 'accept';

/** Prefix words (upper case) that name the rule's verdict. */
const VERDICT_WORDS: Readonly<Record<string, Verdict>> = lookupTable({
  DROP: 'drop', DROPPED: 'drop', DENY: 'drop', DENIED: 'drop', BLOCK: 'drop', BLOCKED: 'drop', DISCARD: 'drop',
  REJECT: 'reject', REJECTED: 'reject',
  ACCEPT: 'accept', ACCEPTED: 'accept', ALLOW: 'accept', ALLOWED: 'accept', PASS: 'accept', PERMIT: 'accept',
});
const VERDICT_TYPE: Readonly<Record<Verdict, string>> = { drop: 'denied', reject: 'denied', accept: 'allowed' };

/** PROTO= values to ECS network.transport (IANA keyword, lower case). */
const TRANSPORTS: Readonly<Record<string, string>> = lookupTable({
  TCP: 'tcp', UDP: 'udp', UDPLITE: 'udplite', ICMP: 'icmp', ICMPV6: 'ipv6-icmp', SCTP: 'sctp', DCCP: 'dccp',
  GRE: 'gre', ESP: 'esp', AH: 'ah', IGMP: 'igmp',
  '1': 'icmp', '2': 'igmp', '6': 'tcp', '17': 'udp', '47': 'gre', '50': 'esp', '51': 'ah', '58': 'ipv6-icmp', '132': 'sctp',
});

/** Well-known industrial ports to network.protocol. */
export const ICS_PORTS: ReadonlyMap<number, string> = new Map([
  [502, 'modbus'], [102, 's7comm'], [4840, 'opcua'], [20000, 'dnp3'], [2404, 'iec104'], [44818, 'ethernet-ip'],
  [2222, 'ethernet-ip'], [47808, 'bacnet'],
]);

export const iptablesParser: Parser = {
  name: 'iptables',
  family: 'gateway',
  description: 'Linux netfilter LOG lines (iptables/ip6tables/nftables), with or without the syslog header, IPv4 and IPv6',
  sample: 'Nov 25 14:00:01 gw-01 kernel: [12345.678901] IPT-DROP IN=eth0 OUT= MAC=00:1b:21:3a:4f:10:00:0c:29:aa:bb:cc:08:00 SRC=203.0.113.7 DST=10.1.1.20 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=40522 DPT=502 WINDOW=29200 RES=0x00 SYN URGP=0',
  parse: parseIptables,
};

function parseIptables(record: RawRecord): ParseOutcome {
  const unwrapped = takeSyslogHeader(record);
  const envelope = unwrapped.envelope;
  let body = unwrapped.body;
  const stamp = KERNEL_STAMP.exec(body);
  if (stamp) body = body.slice(stamp[0].length);

  let inAt = 0;
  if (!body.startsWith('IN=')) {
    const at = body.indexOf(' IN=');
    if (at === -1) return parseError('unrecognised', 'no " IN=" field: not a netfilter LOG line');
    inAt = at + 1;
  }
  const prefix = body.slice(0, inAt).trim();

  const fields = new Map<string, string>();
  const flags: string[] = [];
  const tokens = body.slice(inAt).split(' ');
  for (const token of tokens) {
    if (token.length === 0) continue;
    // `[SRC=... ]` is the packet quoted inside an ICMP error, not this packet.
    if (token.startsWith('[')) break;
    const eq = token.indexOf('=');
    if (eq === -1) flags.push(token);
    else if (!fields.has(token.slice(0, eq))) fields.set(token.slice(0, eq), token.slice(eq + 1));
  }

  const src = fields.get('SRC');
  const dst = fields.get('DST');
  if (src === undefined || dst === undefined) {
    return parseError('malformed', `netfilter line without ${src === undefined ? 'SRC=' : 'DST='}: truncated?`);
  }
  const srcIp = canonicalIp(src);
  if (srcIp === null) return parseError('bad-field', `SRC=${src} is not an IPv4 or IPv6 address`);
  const dstIp = canonicalIp(dst);
  if (dstIp === null) return parseError('bad-field', `DST=${dst} is not an IPv4 or IPv6 address`);
  const spt = readPort(fields.get('SPT'));
  if (spt === null) return parseError('bad-field', `SPT=${fields.get('SPT')} is not a port (0-65535)`);
  const dpt = readPort(fields.get('DPT'));
  if (dpt === null) return parseError('bad-field', `DPT=${fields.get('DPT')} is not a port (0-65535)`);

  const proto = fields.get('PROTO');
  const verdict = verdictOf(prefix);
  const inIf = fields.get('IN');
  const outIf = fields.get('OUT');
  const len = fields.get('LEN');
  const macs = splitMac(fields.get('MAC'));
  const host = envelope?.hostname;
  const appProtocol = (dpt !== undefined ? ICS_PORTS.get(dpt) : undefined) ?? (spt !== undefined ? ICS_PORTS.get(spt) : undefined);

  const event: EcsDraft = {
    '@timestamp': envelope?.timestamp ?? record.receivedAt.toISOString(),
    event: {
      kind: 'event',
      category: ['network'],
      type: verdict ? ['connection', VERDICT_TYPE[verdict]] : ['connection'],
      action: verdict ?? 'logged',
      module: 'iptables',
      dataset: 'iptables',
      original: record.text,
    },
    source: { ip: srcIp, ...(spt !== undefined ? { port: spt } : {}), ...(macs ? { mac: macs.src } : {}) },
    destination: { ip: dstIp, ...(dpt !== undefined ? { port: dpt } : {}), ...(macs ? { mac: macs.dst } : {}) },
    network: {
      type: ipFamily(srcIp) === 6 ? 'ipv6' : 'ipv4',
      ...(proto ? { transport: TRANSPORTS[proto.toUpperCase()] ?? proto.toLowerCase() } : {}),
      ...(appProtocol ? { protocol: appProtocol } : {}),
      ...(len && PORT.test(len) ? { bytes: Number(len) } : {}),
    },
    observer: {
      type: 'firewall',
      ...(host ? { hostname: host } : {}),
      ...(inIf ? { ingress: { interface: { name: inIf } } } : {}),
      ...(outIf ? { egress: { interface: { name: outIf } } } : {}),
    },
  };
  if (host) event.host = { hostname: host };
  if (prefix) event.rule = { name: prefix };
  if (flags.length > 0) event.tags = flags;
  return { kind: 'event', event };
}

/** undefined when absent, null when not a port. */
function readPort(text: string | undefined): number | undefined | null {
  if (text === undefined) return undefined;
  if (!PORT.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

function verdictOf(prefix: string): Verdict | undefined {
  if (prefix.length === 0) return undefined;
  for (const word of prefix.toUpperCase().split(PREFIX_WORDS)) {
    const verdict = VERDICT_WORDS[word];
    if (verdict) return verdict;
  }
  return undefined;
}

/**
 * `MAC=` is destination MAC, source MAC and EtherType run together
 * (`dd:dd:dd:dd:dd:dd:ss:ss:ss:ss:ss:ss:tt:tt`); ECS wants each MAC as
 * upper-case, dash-separated octets.
 */
function splitMac(mac: string | undefined): { src: string; dst: string } | undefined {
  if (mac === undefined || mac.length !== 41) return undefined;
  const upper = mac.toUpperCase();
  return { dst: upper.slice(0, 17).replaceAll(':', '-'), src: upper.slice(18, 35).replaceAll(':', '-') };
}
