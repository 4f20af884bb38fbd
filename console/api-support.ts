/**
 * What every console route needs: the caller (an API token in the
 * Authorization header, or a login session's cookie), query and body
 * parsing by zod (a bad one is a 400 naming the field), and async handlers
 * whose errors reach the one error handler in ./api.ts.
 *
 * A session lives in the store, so resolving its cookie is asynchronous:
 * `sessionMiddleware` does it once per request before the routes run, and
 * `authenticate` (synchronous, as every route calls it) picks the result
 * up. WebSocket upgrades, which pass no express middleware, use
 * ./accounts/session-auth.ts `sessionAuthenticator`.
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { describeIssues } from '../core/config.js';
import { canonicalIp } from '../core/ip.js';
import type { OrgRegistry } from '../core/orgs.js';
import { accessOf, type Access } from './access.js';
import type { Accounts } from './accounts/accounts.js';
import { CSRF_HEADER } from './accounts/cookies.js';
import { sessionFromCookie, type CookieSession } from './accounts/session-auth.js';
import { csrfMatches } from './accounts/sessions.js';
import type { ApiTokens } from './api-tokens.js';

/** A refusal with its HTTP status, answered as `{ error, message }`. */
export class ApiProblem extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export interface AuthDeps {
  readonly tokens: ApiTokens;
  readonly registry: OrgRegistry;
}

/** A request's login session, once `sessionMiddleware` resolved its cookie. */
export type RequestSession = CookieSession;

// Per request, keyed by the request object: what its cookie resolved to, and who authenticate() found.
const sessions = new WeakMap<object, RequestSession | 'ended'>();
const callers = new WeakMap<object, Access>();

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const NO_CREDENTIAL = 'log in (POST /api/v1/auth/login) or send an API token as "Authorization: Bearer <token>"';

function unauthenticated(message: string): ApiProblem {
  return new ApiProblem(401, 'unauthenticated', message, { 'WWW-Authenticate': 'Bearer realm="iisa"' });
}

/**
 * The caller of `req`: its bearer token if it sends one (a bad token is a
 * 401 even with a cookie), else its login session; 401 without either.
 */
export function authenticate(req: Request | IncomingMessage, deps: AuthDeps): Access {
  const known = callers.get(req);
  if (known) return known;
  const header = req.headers.authorization ?? '';
  let access: Access;
  if (header) {
    const match = /^Bearer (\S+)$/i.exec(header);
    const principal = match ? deps.tokens.verify(match[1]) : undefined;
    if (!principal) throw unauthenticated('unknown API token');
    access = accessOf(principal, deps.registry);
  } else {
    const session = sessions.get(req);
    if (session === undefined || session === 'ended') {
      throw unauthenticated(session === 'ended' ? 'your session has ended (expired or logged out); log in again' : NO_CREDENTIAL);
    }
    access = session.access;
  }
  callers.set(req, access);
  return access;
}

/** Record who made `req` when a route learns it itself (a login names its user). */
export function noteCaller(req: object, access: Access): void {
  callers.set(req, access);
}

/** Who `authenticate` found for `req`, if it was called (the audit log's actor). */
export function callerOf(req: object): Access | undefined {
  return callers.get(req);
}

/** The login session of `req`, if its cookie names a live one. */
export function sessionOf(req: object): RequestSession | undefined {
  const session = sessions.get(req);
  return session === 'ended' ? undefined : session;
}

/**
 * Middleware: resolves the session cookie of a request without a bearer
 * token, and refuses (403) a cookie-authenticated request that changes
 * something without the CSRF header (./accounts/cookies.ts). Logging in
 * needs no CSRF token: there is no session yet to ride on.
 */
export function sessionMiddleware(deps: { registry: OrgRegistry; accounts: Accounts }) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.headers.authorization) return next();
    sessionFromCookie(req, deps).then((session) => {
      if (session === undefined) return next();
      sessions.set(req, session);
      if (session === 'ended' || SAFE_METHODS.has(req.method) || req.path === '/auth/login') return next();
      if (!csrfMatches(session.secret, req.get(CSRF_HEADER))) {
        callers.set(req, session.access);
        return next(new ApiProblem(403, 'csrf', `a request made with a login session must send the ${CSRF_HEADER} header with the csrfToken the login answered (GET /api/v1/auth/session repeats it)`));
      }
      next();
    }, next);
  };
}

/**
 * The client address as the socket saw it, canonical; an IPv4 client of a
 * dual-stack listener (reported as ::ffff:a.b.c.d) as the IPv4 address it is.
 */
export function remoteAddress(req: IncomingMessage): string | undefined {
  const address = req.socket.remoteAddress;
  if (address === undefined) return undefined;
  const ip = canonicalIp(address) ?? address;
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(ip) ? ip.slice(7) : ip;
}

export function params<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw new ApiProblem(400, 'bad-request', `invalid query: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

/** Wrap an async route: its errors reach the error handler. */
export function route(handler: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };
}

/** The JSON body checked by `schema`; a bad one is a 400 naming the field. */
export function body<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) throw new ApiProblem(400, 'bad-request', `invalid body: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data;
}
