/**
 * From a request's session cookie to the caller's Access: for the REST
 * API (../api-support.ts `sessionMiddleware`) and for WebSocket upgrades
 * (`sessionAuthenticator`, the live views' `Authenticate`).
 */
import type { IncomingMessage } from 'node:http';
import type { OrgRegistry } from '../../core/orgs.js';
import { accessOf, type Access } from '../access.js';
import type { Accounts } from './accounts.js';
import { sessionSecretOf } from './cookies.js';
import type { OpenSession } from './sessions.js';
import type { UserRecord } from './users.js';

/** A request's live login session. */
export interface CookieSession {
  readonly secret: string;
  readonly user: UserRecord;
  readonly session: OpenSession;
  readonly access: Access;
}

export interface SessionAuthDeps {
  readonly registry: OrgRegistry;
  readonly accounts: Accounts;
}

/** The live session the cookie of `req` names; 'ended' for a cookie naming none (expired, logged out); undefined without a cookie. */
export async function sessionFromCookie(req: Pick<IncomingMessage, 'headers'>, deps: SessionAuthDeps): Promise<CookieSession | 'ended' | undefined> {
  const secret = sessionSecretOf(req);
  if (secret === undefined || secret === '') return undefined;
  const found = await deps.accounts.resolveSession(secret);
  if (!found) return 'ended';
  const access = accessOf({ kind: 'user', tokenId: found.user.id, orgId: found.user.org, roles: found.user.roles }, deps.registry);
  return { secret, ...found, access };
}

/**
 * Authenticates a WebSocket upgrade by its session cookie. A browser sends
 * the cookie with any page's upgrade to this host (SameSite aside), so an
 * upgrade whose Origin is not this host's is refused: another site cannot
 * open a live view as the logged-in user (cross-site WebSocket hijacking).
 */
export function sessionAuthenticator(
  deps: SessionAuthDeps,
  /** Told of each upgrade's access (a new object per upgrade) and the session it came from. */
  onSession?: (access: Access, session: OpenSession) => void,
): (req: IncomingMessage) => Promise<Access | undefined> {
  return async (req) => {
    if (!sameOrigin(req)) return undefined;
    const session = await sessionFromCookie(req, deps);
    if (typeof session !== 'object') return undefined;
    onSession?.(session.access, session.session);
    return session.access;
  };
}

/** True when the request has no Origin (not a browser) or one naming the host it was sent to. */
export function sameOrigin(req: Pick<IncomingMessage, 'headers'>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
