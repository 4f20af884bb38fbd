/**
 * The session cookie and the CSRF header.
 *
 * The cookie is HttpOnly (page scripts cannot read the secret), SameSite=
 * Strict (no other site's page makes the browser send it), Secure when the
 * request came over TLS, Path=/ (the API and the /ws live views), and lives
 * no longer than the session's absolute lifetime.
 *
 * CSRF defence: a cookie-authenticated request that changes something must
 * carry `x-iisa-csrf` equal to the token the login answered (and
 * GET /api/v1/auth/session repeats). Another site can make a browser send
 * the cookie (SameSite aside: old browsers, sibling subdomains) but cannot
 * read the token nor, without CORS, set a custom header.
 */
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'iisa_session';
export const CSRF_HEADER = 'x-iisa-csrf';

/** The session secret from the Cookie header, if any. */
export function sessionSecretOf(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for a new session. */
export function sessionCookie(secret: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${secret}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}

/** Set-Cookie that makes the browser forget the session. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}
