/**
 * Authentication of a federation link: a child node (enterprise, provincial)
 * and its parent (provincial, national) share one secret per link, and the
 * child makes every request. So both directions of trust ride on a request:
 *
 * - the request is signed (HMAC-SHA256 over method, path with query,
 *   timestamp, nonce, body digest and link id), so the parent knows which
 *   link sent it and that nothing was altered; the timestamp bounds how long
 *   a captured request stays usable and the nonce store refuses a second use
 *   inside that window;
 * - the response is signed over its status, the request's nonce and the body
 *   digest, so the child knows its parent answered this very request (a
 *   recorded answer to another request does not verify).
 *
 * Pure functions over node:crypto apart from the nonce store they are given.
 * Every signed string starts with a label naming its kind and version, so a
 * request signature can never pass as a response signature or vice versa.
 *
 * Rotation: a parent may know several secrets of one link (the current one
 * first, then previous ones), and accepts a request signed with any of them;
 * it answers with the secret that request was signed with, so a child still
 * on the previous secret trusts the answer. The child signs with one secret.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NonceStore } from './nonce-store.js';

export const LinkHeaders = {
  link: 'x-iisa-link',
  timestamp: 'x-iisa-timestamp',
  nonce: 'x-iisa-nonce',
  signature: 'x-iisa-signature',
} as const;

/** The headers a signed request carries (a type literal, so it passes as a HeaderBag). */
export type SignedRequestHeaders = {
  readonly 'x-iisa-link': string;
  readonly 'x-iisa-timestamp': string;
  readonly 'x-iisa-nonce': string;
  readonly 'x-iisa-signature': string;
};

export const MIN_SECRET_LENGTH = 32;
export const DEFAULT_MAX_SKEW_MS = 300_000;

// Formats are strict so that no field can contain the separator of the
// signed string, and so that a nonce has one spelling (replay detection keys on it).
const LINK_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const NONCE = /^[0-9a-f]{32}$/;
const TIMESTAMP = /^(0|[1-9][0-9]{0,14})$/;
const SIGNATURE = /^[0-9a-fA-F]{64}$/;
const METHOD = /^[A-Z]{1,16}$/;
/** A request target as it goes on the wire: origin-form, printable ASCII, no spaces. */
const PATH = /^\/[\x21-\x7e]*$/;

/** Body bytes; a string is taken as UTF-8; undefined is an empty body. */
export type LinkBody = Uint8Array | string | undefined;

/**
 * Finds the secrets a link may sign with: one, or during a rotation the
 * current one and then previous ones (all are accepted); undefined (or an
 * empty list) for a link that is not configured.
 */
export type SecretLookup = (linkId: string) => LinkSecrets | undefined | Promise<LinkSecrets | undefined>;
export type LinkSecrets = string | readonly string[];

/** Request headers as Node gives them (lower-case names). */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

export type RefusalReason = 'missing-headers' | 'unknown-link' | 'bad-signature' | 'stale' | 'replayed' | 'malformed';

export interface LinkRefused {
  readonly ok: false;
  readonly reason: RefusalReason;
  /** One sentence saying what was wrong, safe to return to the caller. */
  readonly detail: string;
  /** The link the request claimed, when it was well-formed (not proof of anything). */
  readonly linkId?: string;
}

export type VerifyResult = { readonly ok: true; readonly linkId: string; readonly nonce: string } | LinkRefused;

/** Whether `linkId` is a well-formed link id (what the link header may carry). */
export function isLinkId(linkId: string): boolean {
  return LINK_ID.test(linkId);
}

/** Throws a TypeError unless `secret` is a string of at least MIN_SECRET_LENGTH characters. */
export function checkSecret(secret: string, what = 'link secret'): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`${what} must be a string of at least ${MIN_SECRET_LENGTH} characters`);
  }
}

function sha256Hex(body: LinkBody): string {
  return createHash('sha256').update(body ?? '').digest('hex');
}

function hmac(secret: string, text: string): Buffer {
  checkSecret(secret);
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(text, 'utf8').digest();
}

function requestString(f: { method: string; path: string; timestamp: string; nonce: string; bodySha256: string; linkId: string }): string {
  return ['iisa-link-request-v1', f.method, f.path, f.timestamp, f.nonce, f.bodySha256, f.linkId].join('\n');
}

function responseString(status: number, requestNonce: string, body: LinkBody): string {
  return ['iisa-link-response-v1', String(status), requestNonce, sha256Hex(body)].join('\n');
}

/** Constant-time equality of a presented hex signature and the expected MAC. */
function sameMac(presentedHex: string, expected: Buffer): boolean {
  const presented = Buffer.from(presentedHex, 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * Sign a request the child is about to send. `path` is the request target
 * exactly as sent (path and query, percent-encoded); `now` (ms since epoch)
 * and `nonce` (32 lower-case hex digits) default to the clock and 16 random
 * bytes. Throws a TypeError for a malformed input or a short secret.
 */
export function signRequest(input: {
  linkId: string; secret: string; method: string; path: string; body?: LinkBody; now?: number; nonce?: string;
}): SignedRequestHeaders {
  const method = input.method.toUpperCase();
  const now = input.now ?? Date.now();
  const nonce = input.nonce ?? randomBytes(16).toString('hex');
  if (!LINK_ID.test(input.linkId)) throw new TypeError(`malformed link id "${input.linkId}"`);
  if (!METHOD.test(method)) throw new TypeError(`malformed method "${input.method}"`);
  if (!PATH.test(input.path)) throw new TypeError(`path must be an encoded request target starting with "/", got "${input.path}"`);
  if (!NONCE.test(nonce)) throw new TypeError('nonce must be 32 lower-case hex digits');
  const timestamp = String(now);
  if (!Number.isSafeInteger(now) || !TIMESTAMP.test(timestamp)) throw new TypeError('now must be a non-negative integer (ms since epoch)');
  const signature = hmac(input.secret, requestString({
    method, path: input.path, timestamp, nonce, bodySha256: sha256Hex(input.body), linkId: input.linkId,
  })).toString('hex');
  return { 'x-iisa-link': input.linkId, 'x-iisa-timestamp': timestamp, 'x-iisa-nonce': nonce, 'x-iisa-signature': signature };
}

/** What `verifyRequestHeaders` found: the request's link, its secrets and the parsed header fields. */
export interface CheckedHeaders {
  readonly ok: true;
  readonly linkId: string;
  /** The link's secrets, current first; a request signed with any of them verifies. */
  readonly secrets: readonly string[];
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
  /** When the nonce may be forgotten: past it the timestamp is stale anyway. */
  readonly expiresAtMs: number;
}

/**
 * The checks that need no body: headers present and well-formed, link known,
 * timestamp within `maxSkewMs` of `now` either way. A parent runs this before
 * reading a body, so strangers cannot make it read megabytes. Throws only for
 * a misconfigured secret (shorter than MIN_SECRET_LENGTH).
 */
export async function verifyRequestHeaders(input: {
  headers: HeaderBag; lookupSecret: SecretLookup; now: number; maxSkewMs?: number;
}): Promise<CheckedHeaders | LinkRefused> {
  const maxSkewMs = input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (!(maxSkewMs > 0)) throw new RangeError('maxSkewMs must be positive');
  const values: Partial<Record<keyof typeof LinkHeaders, string>> = {};
  const missing: string[] = [];
  for (const [field, name] of Object.entries(LinkHeaders) as [keyof typeof LinkHeaders, string][]) {
    const value = input.headers[name];
    if (value === undefined || value === '') missing.push(name);
    // A repeated header has no single value to sign; Node joins most repeats with ", ", which the formats refuse.
    else if (typeof value !== 'string') return { ok: false, reason: 'malformed', detail: `header ${name} is repeated` };
    else values[field] = value;
  }
  if (missing.length) return { ok: false, reason: 'missing-headers', detail: `missing header(s) ${missing.join(', ')}` };
  const { link: linkId = '', timestamp = '', nonce = '', signature = '' } = values;
  if (!LINK_ID.test(linkId)) return { ok: false, reason: 'malformed', detail: `header ${LinkHeaders.link} is not a link id` };
  const claimed = { linkId };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: 'malformed', detail: `header ${LinkHeaders.timestamp} must be ms since epoch`, ...claimed };
  if (!NONCE.test(nonce)) return { ok: false, reason: 'malformed', detail: `header ${LinkHeaders.nonce} must be 32 lower-case hex digits`, ...claimed };
  if (!SIGNATURE.test(signature)) return { ok: false, reason: 'malformed', detail: `header ${LinkHeaders.signature} must be 64 hex digits`, ...claimed };

  const found = await input.lookupSecret(linkId);
  const secrets: readonly string[] = found === undefined ? [] : typeof found === 'string' ? [found] : found;
  if (secrets.length === 0) return { ok: false, reason: 'unknown-link', detail: `no federation link "${linkId}" is configured here`, ...claimed };
  secrets.forEach((secret, i) => checkSecret(secret, i === 0 ? `secret of link "${linkId}"` : `previous secret ${i} of link "${linkId}"`));

  const skew = input.now - Number(timestamp);
  if (Math.abs(skew) > maxSkewMs) {
    const side = skew > 0 ? 'behind' : 'ahead of';
    return {
      ok: false, reason: 'stale', ...claimed,
      detail: `request timestamp is ${Math.round(Math.abs(skew) / 1000)} s ${side} the receiver's clock; at most ${Math.round(maxSkewMs / 1000)} s are allowed`,
    };
  }
  return { ok: true, linkId, secrets, timestamp, nonce, signature, expiresAtMs: Number(timestamp) + maxSkewMs };
}

/** The signature held: `secret` is the one it was made with (`secretIndex` 0 = current, 1.. = previous). */
export interface SignatureMatch {
  readonly ok: true;
  readonly secret: string;
  readonly secretIndex: number;
}

/**
 * The signature check over the body, after `verifyRequestHeaders`: which of
 * the link's secrets (if any) signed the request. Every secret is tried, so
 * the time taken does not say which one matched.
 */
export function checkRequestSignature(checked: CheckedHeaders, input: { method: string; path: string; body?: LinkBody }): SignatureMatch | LinkRefused {
  const { linkId, nonce } = checked;
  const signed = requestString({
    method: input.method.toUpperCase(), path: input.path, timestamp: checked.timestamp, nonce,
    bodySha256: sha256Hex(input.body), linkId,
  });
  let match: SignatureMatch | undefined;
  checked.secrets.forEach((secret, secretIndex) => {
    if (sameMac(checked.signature, hmac(secret, signed)) && !match) match = { ok: true, secret, secretIndex };
  });
  return match ?? { ok: false, reason: 'bad-signature', detail: 'the request signature does not match its method, path, body and headers under this link\'s secret', linkId };
}

/**
 * Record the nonce of a request whose signature held, refusing a replay.
 * Rejects if the nonce store cannot record (e.g. NonceStoreFullError): the
 * request must then be refused.
 */
export async function recordRequestNonce(checked: CheckedHeaders, nonces: NonceStore): Promise<VerifyResult> {
  const { linkId, nonce } = checked;
  if (!(await nonces.remember(linkId, nonce, checked.expiresAtMs))) {
    return { ok: false, reason: 'replayed', detail: 'this request nonce was already used on this link', linkId };
  }
  return { ok: true, linkId, nonce };
}

/**
 * The checks over the body, after `verifyRequestHeaders`: the signature, then
 * the nonce. The nonce is recorded only once the signature holds, so unsigned
 * junk cannot fill the nonce store. Rejects if the nonce store cannot record
 * (e.g. NonceStoreFullError): the request must then be refused.
 */
export async function verifyRequestSignature(checked: CheckedHeaders, input: {
  method: string; path: string; body?: LinkBody; nonces: NonceStore;
}): Promise<VerifyResult> {
  const match = checkRequestSignature(checked, input);
  if (!match.ok) return match;
  return recordRequestNonce(checked, input.nonces);
}

/**
 * Verify a request in full: `verifyRequestHeaders` then `verifyRequestSignature`.
 * `path` is the request target as received (path and query). A refusal says
 * why; the replay window is `maxSkewMs` on either side of `now`.
 */
export async function verifyRequest(input: {
  headers: HeaderBag; method: string; path: string; body?: LinkBody;
  lookupSecret: SecretLookup; nonces: NonceStore; now: number; maxSkewMs?: number;
}): Promise<VerifyResult> {
  const checked = await verifyRequestHeaders(input);
  if (!checked.ok) return checked;
  return verifyRequestSignature(checked, input);
}

/** The `x-iisa-signature` value for a response: over its status, the request's nonce and its body. */
export function signResponse(input: { secret: string; status: number; requestNonce: string; body?: LinkBody }): string {
  if (!Number.isInteger(input.status) || input.status < 100 || input.status > 599) throw new TypeError(`bad HTTP status ${input.status}`);
  if (!NONCE.test(input.requestNonce)) throw new TypeError('requestNonce must be 32 lower-case hex digits');
  return hmac(input.secret, responseString(input.status, input.requestNonce, input.body)).toString('hex');
}

export type ResponseVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing-signature' | 'malformed' | 'bad-signature'; readonly detail: string };

/**
 * The child's check of a response to the request it signed with
 * `requestNonce`: `signature` is the response's `x-iisa-signature` header.
 */
export function verifyResponse(input: {
  secret: string; status: number; requestNonce: string; body?: LinkBody; signature: string | null | undefined;
}): ResponseVerdict {
  const { signature } = input;
  if (signature === undefined || signature === null || signature === '') {
    return { ok: false, reason: 'missing-signature', detail: `the response carries no ${LinkHeaders.signature} header` };
  }
  if (!SIGNATURE.test(signature)) return { ok: false, reason: 'malformed', detail: `the response's ${LinkHeaders.signature} is not 64 hex digits` };
  const expected = hmac(input.secret, responseString(input.status, input.requestNonce, input.body));
  if (!sameMac(signature, expected)) {
    return { ok: false, reason: 'bad-signature', detail: 'the response signature does not match its status and body for this request' };
  }
  return { ok: true };
}
