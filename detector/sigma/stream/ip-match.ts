/**
 * CIDR membership for the hot path: an event's address parsed once per test
 * (not once per block, as `Cidr.contains` does) and without allocating.
 *
 * Only strict forms are parsed here: dotted quads without leading zeros and
 * IPv6 groups of 1-4 hex digits with at most one `::` and an optional
 * dotted-quad tail. Anything else (zone ids, odd forms, non-IPs) goes to
 * `Cidr.contains`, which stays the definition; this module never answers
 * for a text it did not fully parse, so it cannot disagree with it.
 */
import type { Cidr } from '../../../core/ip.js';

/** A dotted-quad IPv4 address as an unsigned 32-bit number, or -1; parsed without allocating. */
export function ipv4Number(text: string): number {
  return ipv4At(text, 0, text.length);
}

function ipv4At(text: string, from: number, to: number): number {
  let value = 0;
  let octet = -1;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (octet === 0) return -1; // a leading zero: not a dotted quad (node:net agrees)
      octet = octet === -1 ? c - 48 : octet * 10 + (c - 48);
      if (octet > 255) return -1;
    } else if (c === 46 && octet !== -1 && dots < 3) {
      value = value * 256 + octet;
      octet = -1;
      dots++;
    } else {
      return -1;
    }
  }
  return dots === 3 && octet !== -1 ? value * 256 + octet : -1;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parse a strict IPv6 text into `out` (8 words). False when the text is not
 * in the strict form (it may still be an address `Cidr` accepts).
 */
export function parseIpv6(text: string, out: Uint16Array): boolean {
  const n = text.length;
  if (n < 2 || n > 45) return false;
  let count = 0; // words written
  let gap = -1; // index in `out` where `::` stands
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
    if (i === n) {
      out.fill(0);
      return true;
    }
  }
  for (;;) {
    // One group: hex digits, or the dotted-quad tail.
    let word = 0;
    let digits = 0;
    const start = i;
    while (i < n) {
      const d = hexDigit(text.charCodeAt(i));
      if (d === -1) break;
      word = word * 16 + d;
      digits++;
      i++;
    }
    if (i < n && text.charCodeAt(i) === 46) {
      // a.b.c.d in the last two words
      if (count > 6) return false;
      const v4 = ipv4At(text, start, n);
      if (v4 === -1) return false;
      out[count++] = Math.floor(v4 / 65536);
      out[count++] = v4 % 65536;
      i = n;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    out[count++] = word;
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < n && text.charCodeAt(i) === 58) {
      if (gap !== -1) return false;
      gap = count;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return false; // a trailing single colon
    }
  }
  if (gap === -1) return count === 8;
  if (count > 7) return false;
  // Move the words after the gap to the end and zero the gap.
  const shift = 8 - count;
  for (let k = count - 1; k >= gap; k--) out[k + shift] = out[k];
  for (let k = gap; k < gap + shift; k++) out[k] = 0;
  return true;
}

interface V4Block { readonly family: 4; readonly network: number; readonly size: number }
interface V6Block { readonly family: 6; readonly words: Uint16Array; readonly prefix: number }
/** A block this module could not parse: tested with `Cidr.contains`. */
interface SlowBlock { readonly family: 0 }
type Block = V4Block | V6Block | SlowBlock;

const SLOW: SlowBlock = { family: 0 };

function fastBlock(cidr: Cidr): Block {
  const text = cidr.text;
  const slash = text.indexOf('/');
  const addr = (slash === -1 ? text : text.slice(0, slash)).trim();
  const v4 = ipv4Number(addr);
  if (v4 !== -1) {
    const prefix = slash === -1 ? 32 : Number(text.slice(slash + 1));
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return SLOW;
    const size = 2 ** (32 - prefix);
    return { family: 4, network: Math.floor(v4 / size) * size, size };
  }
  const words = new Uint16Array(8);
  if (!parseIpv6(addr, words)) return SLOW;
  const prefix = slash === -1 ? 128 : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128) return SLOW;
  for (let k = 0; k < 8; k++) words[k] &= wordMask(prefix, k);
  return { family: 6, words, prefix };
}

function wordMask(prefix: number, k: number): number {
  const bits = Math.min(16, Math.max(0, prefix - 16 * k));
  return bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
}

function inV6(block: V6Block, words: Uint16Array): boolean {
  for (let k = 0; k < 8; k++) {
    const mask = wordMask(block.prefix, k);
    if (mask === 0) return true;
    if ((words[k] & mask) !== block.words[k]) return false;
  }
  return true;
}

/** IPv4-mapped (::ffff:a.b.c.d): the IPv4 number, else -1. */
function mappedV4(w: Uint16Array): number {
  return w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff ? w[6] * 65536 + w[7] : -1;
}

/** Scratch words for the address under test; tests run one at a time. */
const scratch = new Uint16Array(8);

/**
 * A test "is this text an address in any of the blocks", meaning exactly
 * `blocks.some((b) => b.contains(text))`.
 */
export function cidrMembership(blocks: readonly Cidr[]): (text: string) => boolean {
  const fast = blocks.map(fastBlock);
  const slow = (text: string): boolean => {
    for (const b of blocks) if (b.contains(text)) return true;
    return false;
  };
  return (text) => {
    if (text.length < 2 || text.length > 45) return slow(text);
    if (!text.includes(':')) {
      const n = ipv4Number(text);
      if (n === -1) return slow(text);
      for (let i = 0; i < fast.length; i++) {
        const b = fast[i];
        if (b.family === 4 ? n >= b.network && n < b.network + b.size : b.family === 0 && blocks[i].contains(text)) return true;
      }
      return false;
    }
    if (!parseIpv6(text, scratch)) return slow(text);
    const n4 = mappedV4(scratch);
    for (let i = 0; i < fast.length; i++) {
      const b = fast[i];
      if (b.family === 6) {
        if (inV6(b, scratch)) return true;
      } else if (b.family === 4) {
        if (n4 !== -1 && n4 >= b.network && n4 < b.network + b.size) return true;
      } else if (blocks[i].contains(text)) {
        return true;
      }
    }
    return false;
  };
}
