/**
 * Dual-stack IP helpers: canonical form and CIDR matching for IPv4 and IPv6.
 *
 * Addresses are compared as 128-bit values; an IPv4 address is kept in its
 * own family (an IPv4 CIDR never matches an IPv6 address) except that an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches IPv4 CIDRs, because
 * dual-stack sockets report IPv4 peers that way.
 */
import { isIP } from 'node:net';

/** Canonical text form: IPv4 dotted quad, IPv6 per RFC 5952 (lower case, longest zero run compressed). Null if not an IP. */
export function canonicalIp(value: string): string | null {
  let text = value.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  const family = isIP(zone === -1 ? text : text.slice(0, zone));
  if (family === 4) return text.split('.').map((octet) => String(Number(octet))).join('.');
  if (family !== 6) return null;
  const words = ipv6Words(zone === -1 ? text : text.slice(0, zone));
  if (words === null) return null;
  return formatIpv6(words) + (zone === -1 ? '' : text.slice(zone));
}

/** 4 for IPv4, 6 for IPv6, 0 for neither. */
export function ipFamily(value: string): 0 | 4 | 6 {
  return isIP(value) as 0 | 4 | 6;
}

function ipv6Words(text: string): number[] | null {
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    const v4 = text.slice(lastColon + 1).split('.').map(Number);
    tailV4 = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    head = text.slice(0, lastColon + 1) + '0';
  }
  const halves = head.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  let words: number[];
  if (halves.length === 2) {
    const left = parse(halves[0]);
    const right = parse(halves[1]);
    const fill = 8 - left.length - right.length - (tailV4.length ? 1 : 0);
    words = [...left, ...new Array<number>(Math.max(fill, 0)).fill(0), ...right];
  } else {
    words = parse(head);
  }
  if (tailV4.length) words = [...words.slice(0, words.length - 1), ...tailV4];
  return words.length === 8 ? words : null;
}

function formatIpv6(words: number[]): string {
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${words[6] >> 8}.${words[6] & 255}.${words[7] >> 8}.${words[7] & 255}`;
  }
  let bestStart = -1;
  let bestLen = 1; // RFC 5952: a single zero word is not compressed
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** An address as a family and a 128-bit value (IPv4 uses the low 32 bits). */
interface IpValue { family: 4 | 6; value: bigint }

function toValue(ip: string): IpValue | null {
  const family = isIP(ip);
  if (family === 4) {
    const o = ip.split('.').map(Number);
    return { family: 4, value: BigInt(((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3]) };
  }
  if (family === 6) {
    const zone = ip.indexOf('%');
    const words = ipv6Words(zone === -1 ? ip : ip.slice(0, zone));
    if (!words) return null;
    let value = 0n;
    for (const w of words) value = (value << 16n) | BigInt(w);
    return { family: 6, value };
  }
  return null;
}

/** A parsed CIDR block; build once, test many addresses. */
export class Cidr {
  private constructor(
    readonly text: string,
    private readonly family: 4 | 6,
    private readonly network: bigint,
    private readonly mask: bigint,
  ) {}

  /** Parse `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128). Throws on bad input. */
  static parse(text: string): Cidr {
    const slash = text.indexOf('/');
    const addr = slash === -1 ? text : text.slice(0, slash);
    const parsed = toValue(addr.trim());
    if (!parsed) throw new Error(`not a CIDR block: ${JSON.stringify(text)} (address part is not IPv4 or IPv6)`);
    const bits = parsed.family === 4 ? 32 : 128;
    const prefix = slash === -1 ? bits : Number(text.slice(slash + 1));
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) {
      throw new Error(`not a CIDR block: ${JSON.stringify(text)} (prefix length must be 0..${bits})`);
    }
    const all = (1n << BigInt(bits)) - 1n;
    const mask = prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
    return new Cidr(text, parsed.family, parsed.value & mask, mask);
  }

  /** True if `ip` (any textual form) lies in this block. IPv4-mapped IPv6 addresses match IPv4 blocks. */
  contains(ip: string): boolean {
    const parsed = toValue(ip);
    if (!parsed) return false;
    let { family, value } = parsed;
    if (family === 6 && this.family === 4 && value >> 32n === 0xffffn) {
      family = 4;
      value &= 0xffffffffn;
    }
    return family === this.family && (value & this.mask) === this.network;
  }
}
