/**
 * Password hashes: scrypt (memory-hard, in node:crypto) with a random salt
 * per hash and its parameters stored beside it, in the PHC string format:
 *
 *   $scrypt$ln=15,r=8,p=1$<salt, base64>$<key, base64>
 *
 * ln is log2 of N. Storing the parameters lets a node raise them later and
 * still verify the hashes made before (`needsRehash` says which to renew at
 * the next login). Hashing runs on libuv's thread pool (async scrypt), so a
 * login never stalls the event loop.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly ln: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/**
 * N = 2^15, r = 8, p = 3: one of OWASP's equally strong scrypt settings
 * (Password Storage Cheat Sheet), the one with the least memory (32 MiB),
 * so concurrent logins do not need 128 MiB each; some 170 ms on one core.
 */
export const DefaultScryptParams: ScryptParams = Object.freeze({ ln: 15, r: 8, p: 3 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
// Bounds on what a stored hash may ask for: a hand-edited file must not make one login take a minute or a gigabyte.
const LIMITS = { ln: [10, 20], r: [1, 32], p: [1, 16] } as const;

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,88})\$([A-Za-z0-9+/]{16,88})$/;

export const PasswordHashSchema = z.string().refine((s) => parsePasswordHash(s) !== undefined, {
  message: 'a password hash is "$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt base64>$<key base64>" (ln 10..20, r 1..32, p 1..16)',
});

/** What a person may choose as a password: long enough to resist guessing, short enough not to be a hashing load. */
export const PasswordSchema = z.string().min(10, 'a password has at least 10 characters').max(1024, 'a password has at most 1024 characters');

interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly key: Buffer;
}

export function parsePasswordHash(encoded: string): ParsedHash | undefined {
  const m = PHC.exec(encoded);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  for (const k of ['ln', 'r', 'p'] as const) {
    if (params[k] < LIMITS[k][0] || params[k] > LIMITS[k][1]) return undefined;
  }
  const salt = Buffer.from(m[4], 'base64');
  const key = Buffer.from(m[5], 'base64');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { params, salt, key };
}

function derive(password: string, salt: Buffer, params: ScryptParams, keyBytes: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  // scrypt needs 128 * N * r bytes; the default maxmem (32 MiB) is exactly the default cost's need, with no room for the rest.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const b64 = (buf: Buffer): string => buf.toString('base64').replace(/=+$/, '');

/** A fresh hash of `password` with a random salt. */
export async function hashPassword(password: string, params: ScryptParams = DefaultScryptParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/** Whether `password` matches `encoded`; compares in constant time; false for a malformed hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** True when `encoded` was made with weaker parameters than `params` (renew it at the next successful login). */
export function needsRehash(encoded: string, params: ScryptParams = DefaultScryptParams): boolean {
  const parsed = parsePasswordHash(encoded);
  if (!parsed) return true;
  return parsed.params.ln < params.ln || parsed.params.r < params.r || parsed.params.p < params.p;
}
