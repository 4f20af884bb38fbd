/**
 * Time-ordered ids (UUIDv7, RFC 9562): unique without coordination, and
 * sorting by id sorts by creation time, which keeps SQLite and Elasticsearch
 * inserts append-mostly.
 */
import { createHash, randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;
// Random bytes come from a pool refilled 4 KiB at a time: one call into the
// CSPRNG per 256 ids instead of one per id (ids are minted per event).
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = POOL_BYTES;

function random16(): Buffer {
  if (poolOffset + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  return bytes;
}

export function uuidv7(now: number = Date.now()): string {
  // A 12-bit counter in rand_a keeps ids from one process monotonic within a millisecond.
  if (now <= lastMs) {
    counter = (counter + 1) & 0xfff;
    if (counter === 0) lastMs++;
    now = lastMs;
  } else {
    lastMs = now;
    counter = 0;
  }
  const bytes = random16();
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A deterministic id for a record whose position is known (file + offset),
 * so reading the same record again after a crash yields the same id and the
 * store keeps one copy.
 */
export function stableId(...parts: (string | number)[]): string {
  const hash = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
}

/** JSON with object keys sorted, so equal group keys always give the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
