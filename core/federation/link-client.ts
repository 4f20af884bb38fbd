/**
 * The child's end of a federation link: every request to the parent is
 * signed, and every response is trusted only if the parent signed it for
 * this request (./link-auth.ts). Plain HTTP(S) goes through global fetch;
 * with `tls` (mutual TLS to a parent that demands client certificates) it
 * goes through node:https, since fetch takes no client certificate.
 *
 * The child holds one secret and signs with it. During a rotation the
 * parent accepts the new and the previous secrets and answers with the one
 * the request was signed with, so the child can move to the new secret
 * (`useSecret`, when its secret file changes) at any time after its parent
 * has. A request is signed and its answer checked with the same secret.
 *
 * Errors form a small catalogue a caller's retry logic can read through
 * `retriable`: LinkTransportError (no answer), LinkAuthError (an answer
 * that is not provably the parent's), LinkHttpError (the parent's signed
 * non-2xx answer).
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { describeIssues } from '../config.js';
import { isLinkId, LinkHeaders, MIN_SECRET_LENGTH, signRequest, verifyResponse } from './link-auth.js';

const PemText = z.string().includes('-----BEGIN ', { message: 'must be PEM text' });

export const LinkClientOptionsSchema = z.strictObject({
  /** The parent's base URL, e.g. https://[2001:db8::1]:8443/ or https://parent.example/iisa. */
  parentUrl: z.url({ protocol: /^https?$/ })
    .refine((u) => { const url = new URL(u); return !url.search && !url.hash && !url.username && !url.password; },
      'parentUrl must have no query, fragment or credentials'),
  linkId: z.string().refine(isLinkId, 'linkId must be letters, digits and . _ : - (at most 128)'),
  secret: z.string().min(MIN_SECRET_LENGTH, `secret must have at least ${MIN_SECRET_LENGTH} characters`),
  /** The whole exchange (connect, send, read the answer) must finish within this. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** A larger answer is dropped unread: the body is buffered before its signature can be checked. */
  maxResponseBytes: z.number().int().positive().default(16 * 1024 * 1024),
  /** Mutual TLS: the CA that signed the parent's certificate, and this child's certificate and key. */
  tls: z.strictObject({ ca: PemText, cert: PemText.optional(), key: PemText.optional() })
    .refine((t) => (t.cert === undefined) === (t.key === undefined), 'give both tls.cert and tls.key, or neither')
    .optional(),
}).refine((o) => !o.tls || o.parentUrl.startsWith('https:'), { message: 'tls needs an https parentUrl', path: ['tls'] });

export type LinkClientOptions = z.input<typeof LinkClientOptionsSchema>;

/** No answer from the parent: refused connection, TLS failure, timeout, oversized answer. */
export class LinkTransportError extends Error {
  override readonly name = 'LinkTransportError';
  readonly retriable = true;
}

/**
 * An answer that is not provably the parent's answer to this request: missing
 * or wrong signature. Never accepted. The parent's own refusals (401 for a bad
 * or stale request) are unsigned by design and arrive here too; `claimed` holds
 * what such an answer said, for diagnosis only.
 */
export class LinkAuthError extends Error {
  override readonly name = 'LinkAuthError';
  readonly retriable = false;
  constructor(message: string, readonly reason: 'missing-signature' | 'malformed' | 'bad-signature', readonly status: number, readonly claimed?: string) {
    super(message);
  }
}

/** The parent's signed answer with a non-2xx status (or a 2xx one whose body is not JSON). */
export class LinkHttpError extends Error {
  override readonly name = 'LinkHttpError';
  readonly retriable: boolean;
  constructor(readonly status: number, readonly serverMessage: string, readonly code?: string) {
    super(`parent answered ${status}${code ? ` ${code}` : ''}: ${serverMessage}`);
    this.retriable = status >= 500 || status === 408 || status === 429;
  }
}

interface RawAnswer {
  readonly status: number;
  readonly signature: string | undefined;
  readonly body: Buffer;
}

interface Exchange {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  readonly signal: AbortSignal;
}

type Parsed = z.output<typeof LinkClientOptionsSchema>;

export class LinkClient {
  private readonly options: Parsed;
  /** What requests are signed with from now on (a rotation replaces it). */
  private secret: string;
  private readonly base: string;
  private readonly agent: Agent | undefined;

  /** Throws an Error listing every problem with `options`. */
  constructor(options: LinkClientOptions) {
    const parsed = LinkClientOptionsSchema.safeParse(options);
    if (!parsed.success) throw new Error(`invalid link client options: ${describeIssues(parsed.error).join('; ')}`);
    this.options = parsed.data;
    this.secret = parsed.data.secret;
    this.base = parsed.data.parentUrl.replace(/\/+$/, '');
    const tls = parsed.data.tls;
    // One agent per client: its pool is bound to this link's certificate, and close() can drop it.
    this.agent = tls ? new Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }) : undefined;
  }

  /**
   * Send `body` (as JSON) to `path` under the parent URL and resolve with the
   * parsed JSON answer (undefined for an empty one). Rejects with the errors
   * above; never resolves with an answer whose signature did not verify.
   */
  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    if (!path.startsWith('/')) throw new TypeError(`path must start with "/", got "${path}"`);
    const url = new URL(this.base + path);
    // Sign the target as it will go on the wire (URL percent-encodes it), which is what the parent sees.
    const target = url.pathname + url.search;
    const bytes = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const secret = this.secret;
    const signed = signRequest({ linkId: this.options.linkId, secret, method, path: target, body: bytes });
    const headers: Record<string, string> = { ...signed, accept: 'application/json' };
    if (bytes) headers['content-type'] = 'application/json';
    const exchange: Exchange = { url, method: method.toUpperCase(), headers, body: bytes, signal: AbortSignal.timeout(this.options.timeoutMs) };

    let answer: RawAnswer;
    try {
      answer = this.agent ? await this.viaHttps(exchange, this.agent) : await this.viaFetch(exchange);
    } catch (err) {
      throw this.transportError(exchange, err);
    }
    return this.accept(exchange, secret, signed['x-iisa-nonce'], answer);
  }

  /** Sign requests with `secret` from now on (a rotation); throws, keeping the old one, if it is too short. */
  useSecret(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) throw new Error(`secret must have at least ${MIN_SECRET_LENGTH} characters`);
    this.secret = secret;
  }

  /** Drop pooled TLS connections; the client must not be used afterwards. Idempotent. */
  close(): void {
    this.agent?.destroy();
  }

  private accept(exchange: Exchange, secret: string, requestNonce: string, answer: RawAnswer): unknown {
    const where = `${exchange.method} ${exchange.url.pathname}`;
    const verdict = verifyResponse({ secret, status: answer.status, requestNonce, body: answer.body, signature: answer.signature });
    if (!verdict.ok) {
      const claimed = answer.body.length ? answer.body.subarray(0, 300).toString('utf8') : undefined;
      throw new LinkAuthError(
        `${where}: the answer (HTTP ${answer.status}) is not trusted: ${verdict.detail}${claimed ? `; it said (unverified): ${claimed}` : ''}`,
        verdict.reason, answer.status, claimed);
    }
    const text = answer.body.toString('utf8');
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      if (answer.status >= 200 && answer.status < 300) throw new LinkHttpError(answer.status, `${where}: the answer is not JSON`, 'invalid-response');
      json = undefined;
    }
    if (answer.status >= 200 && answer.status < 300) return json;
    const problem = (json ?? {}) as { error?: unknown; message?: unknown };
    const message = typeof problem.message === 'string' ? problem.message : text.slice(0, 300);
    throw new LinkHttpError(answer.status, message, typeof problem.error === 'string' ? problem.error : undefined);
  }

  private async viaFetch(x: Exchange): Promise<RawAnswer> {
    // Redirects are not followed: the signature covers the path asked for, and a link has one parent.
    const res = await fetch(x.url, { method: x.method, headers: x.headers, body: x.body, signal: x.signal, redirect: 'manual' });
    const body = res.body ? await readLimited(res.body, this.options.maxResponseBytes) : Buffer.alloc(0);
    return { status: res.status, signature: res.headers.get(LinkHeaders.signature) ?? undefined, body };
  }

  private async viaHttps(x: Exchange, agent: Agent): Promise<RawAnswer> {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpsRequest(x.url, { method: x.method, headers: x.headers, agent, signal: x.signal }, resolve);
      req.on('error', reject);
      req.end(x.body);
    });
    const body = await readLimited(res, this.options.maxResponseBytes);
    const signature = res.headers[LinkHeaders.signature];
    return { status: res.statusCode ?? 0, signature: typeof signature === 'string' ? signature : undefined, body };
  }

  private transportError(x: Exchange, err: unknown): LinkTransportError {
    if (err instanceof LinkTransportError) return err;
    const where = `${x.method} ${x.url.href}`;
    if (x.signal.aborted) return new LinkTransportError(`${where}: no answer within ${this.options.timeoutMs} ms`, { cause: err });
    // fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, a TLS alert) in `cause`.
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    const message = cause instanceof Error ? cause.message : String(cause);
    return new LinkTransportError(`${where}: ${message}`, { cause: err });
  }
}

async function readLimited(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new LinkTransportError(`the answer is larger than maxResponseBytes (${maxBytes})`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
