/**
 * The simulator's seeded random streams: mulberry32 (core/prng.ts) with the
 * draws the simulator needs. Determinism is the whole point: the same seed
 * and stream label give the same sequence on every machine, so
 * `iisa simulate` output is byte-stable. Not for cryptography.
 */
import { Mulberry32 } from '../../core/prng.js';

/** FNV-1a over the text, then a murmur3 finaliser so near labels diverge. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export class Rng extends Mulberry32 {
  /** `label` names an independent stream: `new Rng(1, 'background')` and `new Rng(1, 'scenario:x')` do not interfere. */
  constructor(seed: number, label = '') {
    super(hash32(`${seed}:${label}`));
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** Pick by weight; weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1][0];
  }

  /** Exponentially distributed with the given mean (Poisson arrivals). */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += '0123456789abcdef'[this.int(0, 15)];
    return out;
  }

  base62(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += BASE62[this.int(0, 61)];
    return out;
  }

  /** A Zeek connection uid: `C` and 17 base62 characters. */
  zeekUid(): string {
    return `C${this.base62(17)}`;
  }

  /** An ephemeral client port (IANA dynamic range). */
  ephemeralPort(): number {
    return this.int(49152, 65535);
  }

  /** An RFC 4122 v4-shaped UUID from this stream. */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
