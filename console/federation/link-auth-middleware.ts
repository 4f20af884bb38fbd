/**
 * The parent's end of a federation link as express middleware: a request
 * passes only if its link signed it freshly and never sent it before
 * (core/federation/link-auth.ts), and every answer to a passed request —
 * errors included — is signed for that request, so the child can trust it.
 *
 * Mount it before any body parser: the signature covers the raw body, which
 * this middleware reads itself and then hands on parsed (`req.body`). Routes
 * read the caller's link from `res.locals.link` (see `linkOf`).
 *
 * Refusals are 401 `{ error: <reason>, message }`, unsigned because no link
 * is trusted yet; each one is logged and passed to `onRefused` for a durable
 * security log.
 *
 * During a rotation a link has several secrets (`lookupSecret` answers the
 * current one first): a request signed with any of them passes and its
 * answer is signed with that same secret, so a child that has not moved to
 * the new secret yet keeps working. Its use of a previous secret is logged
 * (at most every `previousSecretLogMs` per link), so the operator knows when
 * the old secret can go.
 */
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../collector/sources/types.js';
import { peerAddress } from '../../collector/sources/listen.js';
import {
  checkRequestSignature, LinkHeaders, recordRequestNonce, signResponse, verifyRequestHeaders,
  type LinkRefused, type RefusalReason, type SecretLookup,
} from '../../core/federation/link-auth.js';
import { NonceStoreFullError, type NonceStore } from '../../core/federation/nonce-store.js';

/** One refused request, as logged and as given to `onRefused`. */
export interface LinkRefusal {
  readonly reason: RefusalReason;
  readonly detail: string;
  /** The link the request claimed, if well-formed; unproven. */
  readonly linkId?: string;
  readonly remote: string;
  readonly method: string;
  readonly path: string;
  /** ISO time of the refusal. */
  readonly time: string;
}

export interface RequireLinkOptions {
  readonly lookupSecret: SecretLookup;
  readonly nonces: NonceStore;
  readonly log: Logger;
  /**
   * Log each refusal here (default true). The node turns it off because its
   * `onRefused` (./security-log.ts) logs them throttled per sender, so a
   * stranger hammering the port cannot flood the log.
   */
  readonly logRefusals?: boolean;
  /** Called (and awaited) for every refusal; its failures are logged, never answered. */
  readonly onRefused?: (refusal: LinkRefusal) => void | Promise<void>;
  /** Largest request body read (bytes); larger ones get 413. */
  readonly maxBodyBytes?: number;
  /** Accepted clock difference either way, and so the replay window. */
  readonly maxSkewMs?: number;
  /** ms since epoch; tests move it. */
  readonly clock?: () => number;
  /** Shortest interval between two log lines saying a link still signs with a previous secret (default 10 minutes). */
  readonly previousSecretLogMs?: number;
}

/** What a passed request leaves in `res.locals.link`. */
export interface LinkLocals {
  readonly linkId: string;
}

/** The link of a request that passed `requireLink`; throws if the route is not behind it. */
export function linkOf(res: Response): LinkLocals {
  const link = res.locals.link as LinkLocals | undefined;
  if (!link) throw new Error('no federation link on this request: mount requireLink before the route');
  return link;
}

// Unsigned request headers that would change the answer (a 304 or a range
// instead of the body): dropped, so the answer depends only on what was signed.
const UNSIGNED_CONDITIONALS = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'range', 'if-range'];

export function requireLink(options: RequireLinkOptions): RequestHandler {
  const { lookupSecret, nonces, log, onRefused, maxSkewMs } = options;
  const logRefusals = options.logRefusals ?? true;
  const clock = options.clock ?? Date.now;
  const previousSecretLogMs = options.previousSecretLogMs ?? 600_000;
  const previousSecretLogged = new Map<string, number>();
  // Every content type is read, so the bytes verified are the bytes that arrived;
  // compressed bodies are refused rather than inflated before anyone is authenticated.
  const readRaw = express.raw({ type: () => true, limit: options.maxBodyBytes ?? 5 * 1024 * 1024, inflate: false });

  async function refuse(req: Request, res: Response, refused: LinkRefused): Promise<void> {
    const refusal: LinkRefusal = {
      reason: refused.reason, detail: refused.detail, linkId: refused.linkId, remote: peerAddress(req.socket.remoteAddress),
      method: req.method, path: req.originalUrl, time: new Date().toISOString(),
    };
    if (logRefusals) log.warn('federation request refused', { reason: refusal.reason, linkId: refusal.linkId, remote: refusal.remote, detail: refusal.detail, method: refusal.method, path: refusal.path });
    try {
      await onRefused?.(refusal);
    } catch (err) {
      log.error('federation refusal not recorded', { error: err, reason: refusal.reason, linkId: refusal.linkId });
    }
    res.status(401).json({ error: refused.reason, message: refused.detail });
  }

  function notePreviousSecret(linkId: string, secretIndex: number): void {
    const now = clock();
    const last = previousSecretLogged.get(linkId);
    if (last !== undefined && now - last < previousSecretLogMs) return;
    previousSecretLogged.set(linkId, now);
    log.info('federation link signs with a previous secret', { linkId, previousSecret: secretIndex, hint: 'remove the previous secret once the child uses the current one' });
  }

  function readBody(req: Request, res: Response): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      readRaw(req, res, (err?: unknown) => {
        if (err) reject(err);
        else resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      });
    });
  }

  /** Resolves true when the request may go on to the routes; otherwise it has been answered. */
  async function check(req: Request, res: Response): Promise<boolean> {
    if (req.body !== undefined) throw new Error('requireLink must be mounted before any body parser: the signature covers the raw body');
    const path = req.originalUrl;
    const headers = await verifyRequestHeaders({ headers: req.headers, lookupSecret, now: clock(), maxSkewMs });
    if (!headers.ok) {
      await refuse(req, res, headers);
      return false;
    }

    let body: Buffer;
    try {
      body = await readBody(req, res);
    } catch (err) {
      // Not yet verified, so not signed: the child sees an untrusted answer with this status.
      const e = err as { status?: number; type?: string; message?: string };
      log.warn('federation request body unreadable', { linkId: headers.linkId, remote: peerAddress(req.socket.remoteAddress), error: e.message });
      res.status(e.status ?? 400).json({ error: e.type ?? 'unreadable-body', message: e.message ?? 'the request body could not be read' });
      return false;
    }

    const match = checkRequestSignature(headers, { method: req.method, path, body });
    if (!match.ok) {
      await refuse(req, res, match);
      return false;
    }
    if (match.secretIndex > 0) notePreviousSecret(headers.linkId, match.secretIndex);
    // The answer is signed with the secret the request was signed with: the one this child holds.
    const sign = (): void => signAnswers(res, match.secret, headers.nonce);
    let verdict;
    try {
      verdict = await recordRequestNonce(headers, nonces);
    } catch (err) {
      // The signature held: the link is authenticated, so the child gets a
      // signed (and so believable, retriable) 503 when its nonce cannot be recorded.
      if (err instanceof NonceStoreFullError) sign();
      log.error('federation request not checked', { error: err, linkId: headers.linkId });
      res.status(503).set('Retry-After', '5').json({ error: 'unavailable', message: 'the parent cannot check requests right now; try again shortly' });
      return false;
    }
    if (!verdict.ok) {
      await refuse(req, res, verdict);
      return false;
    }

    res.locals.link = { linkId: verdict.linkId } satisfies LinkLocals;
    sign();
    for (const name of UNSIGNED_CONDITIONALS) delete req.headers[name];

    if (body.length === 0) {
      req.body = undefined;
      return true;
    }
    if (!req.is('application/json')) {
      res.status(415).json({ error: 'unsupported-media-type', message: 'federation requests carry application/json bodies' });
      return false;
    }
    try {
      req.body = JSON.parse(body.toString('utf8'));
    } catch (err) {
      res.status(400).json({ error: 'invalid-json', message: `the request body is not valid JSON: ${(err as Error).message}` });
      return false;
    }
    return true;
  }

  return (req: Request, res: Response, next: NextFunction): void => {
    check(req, res).then((pass) => { if (pass) next(); }, next);
  };
}

/**
 * Sign whatever this response ends up sending. Hooking `end` rather than
 * `send`/`json` also covers sendStatus, express's final 404/500 handler and
 * bodies express drops (HEAD, 204, 304): the signature is over the bytes
 * actually sent. A response streamed with `write` has sent its headers before
 * its body is known and so goes out unsigned, which the child refuses.
 */
function signAnswers(res: Response, secret: string, requestNonce: string): void {
  const end = res.end;
  // end(chunk?, encoding?, callback?) is overloaded; one variadic replacement serves every overload.
  res.end = function signedEnd(this: Response, ...args: unknown[]): Response {
    if (!this.headersSent) {
      const [chunk, encoding] = args;
      const body = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : chunk instanceof Uint8Array ? chunk : undefined;
      this.setHeader(LinkHeaders.signature, signResponse({ secret, status: this.statusCode, requestNonce, body }));
    }
    return (end as (...a: unknown[]) => Response).apply(this, args);
  } as Response['end'];
}
