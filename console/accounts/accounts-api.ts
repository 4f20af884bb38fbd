/**
 * The accounts API under /api/v1:
 *
 *   POST /auth/login {user, password}   opens a session: cookie + csrfToken (401 wrong, 429 + Retry-After when limited)
 *   POST /auth/logout                   ends it (needs the CSRF header, like every cookie-authenticated change)
 *   GET  /auth/session                  who is logged in, the csrfToken again; 401 without a live session
 *   GET  /users, GET /users/:id         node-admin: every served org; enterprise-admin: its own org
 *   POST /users {id, displayName, password, org?, roles?}
 *   POST /users/:id/disable | /enable | /password {password}
 *   GET  /audit-log?from&to&org&actor&outcome&limit&cursor   node-admin: all; enterprise-admin: its org's
 *
 * An admin manages only users whose every role it may grant itself
 * (./roles.ts `adminReachOf`): an enterprise admin cannot take over a
 * node-admin account of its org by resetting its password.
 */
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { AccessDenied, accessOf, requirePermission, type Access } from '../access.js';
import { ApiProblem, authenticate, body, noteCaller, params, remoteAddress, route, sessionOf, type AuthDeps } from '../api-support.js';
import { Limit, List, Time } from '../query-schemas.js';
import type { Accounts } from './accounts.js';
import { clearedSessionCookie, sessionCookie, sessionSecretOf } from './cookies.js';
import { PasswordSchema } from './password.js';
import { adminReachOf, RoleSchema, StandardRoles, type AdminReach } from './roles.js';
import { csrfTokenOf, type OpenSession } from './sessions.js';
import { AccountError, publicUser, UserIdSchema, type UserRecord } from './users.js';

const LoginBody = z.strictObject({ user: z.string().min(1).max(128), password: z.string().min(1).max(1024) });
const NewUserBody = z.strictObject({
  id: UserIdSchema,
  displayName: z.string().min(1).max(200),
  password: PasswordSchema,
  org: z.string().min(1).optional().describe('default: the caller\'s org'),
  roles: z.array(RoleSchema).min(1).optional().describe('default: the standard role of the org\'s tier'),
});
const PasswordBody = z.strictObject({ password: PasswordSchema });
const UserListParams = z.strictObject({ org: List.optional(), limit: Limit.optional(), cursor: z.string().min(1).max(4096).optional() });
const AuditParams = z.strictObject({
  from: Time.optional().describe('inclusive start'),
  to: Time.optional().describe('exclusive end'),
  org: List.optional(),
  actor: z.string().min(1).max(200).optional(),
  outcome: z.enum(['ok', 'refused']).optional(),
  limit: Limit.optional(),
  cursor: z.string().min(1).max(4096).optional(),
});

function accountRefusal(err: unknown): never {
  if (err instanceof AccountError) {
    const status = { 'bad-request': 400, 'not-found': 404, conflict: 409, forbidden: 403 }[err.code];
    throw new ApiProblem(status, err.code, err.message);
  }
  throw err;
}

/** The caller's reach as an administrator; 403 naming the permission without one. */
function reachOf(access: Access, permission: 'manage-users' | 'read-audit'): AdminReach {
  requirePermission(access, permission);
  const reach = adminReachOf(access.roles);
  // requirePermission passed, so one of the admin roles is held.
  if (!reach) throw new AccessDenied(`${permission} needs an admin role`);
  return reach;
}

/** The orgs an admin's query covers: its own org only (org reach), or what it asks for (node reach). */
function reachOrgs(access: Access, reach: AdminReach, requested: readonly string[] | undefined): readonly string[] | undefined {
  if (reach.scope === 'node') return requested?.length ? requested : undefined;
  const outside = (requested ?? []).filter((o) => o !== access.org.id);
  if (outside.length) throw new AccessDenied(`${access.org.id} administers its own org only, not ${outside.join(', ')}`);
  return [access.org.id];
}

function mayManage(access: Access, reach: AdminReach, user: Pick<UserRecord, 'org' | 'roles'>): boolean {
  return (reach.scope === 'node' || user.org === access.org.id) && user.roles.every((r) => reach.grants.includes(r));
}

export function accountsRouter(api: AuthDeps, accounts: Accounts): Router {
  const { registry } = api;
  const router = express.Router();
  // Per route: requests for the routers mounted after this one keep their own body limits.
  const json = express.json({ limit: '64kb' });

  const sessionView = (user: UserRecord, session: OpenSession, secret: string, access: Access) => ({
    user: { id: user.id, displayName: user.displayName, roles: access.roles },
    org: { id: access.org.id, name: access.org.name, tier: access.org.tier },
    permissions: [...access.permissions],
    csrfToken: csrfTokenOf(secret),
    expiresAt: session.record.expiresAt,
    idleExpiresAt: accounts.sessions.endsAt(session.record),
  });

  router.post('/auth/login', json, route(async (req, res) => {
    const b = body(LoginBody, req);
    const outcome = await accounts.login(b.user, b.password, remoteAddress(req));
    if (outcome.kind === 'limited') {
      throw new ApiProblem(429, 'too-many-attempts', `too many failed logins; try again in ${outcome.retryAfterSeconds} seconds`,
        { 'Retry-After': String(outcome.retryAfterSeconds) });
    }
    // One answer for an unknown name, a wrong password and a disabled account.
    if (outcome.kind === 'refused') throw new ApiProblem(401, 'login-failed', 'wrong user name or password');
    const { user, session, secret } = outcome;
    const access = accessOf({ kind: 'user', tokenId: user.id, orgId: user.org, roles: user.roles }, registry);
    noteCaller(req, access);
    res.setHeader('Set-Cookie', sessionCookie(secret, accounts.sessions.limits.absoluteMs / 1000, req.secure));
    res.json(sessionView(user, session, secret, access));
  }));

  router.post('/auth/logout', json, route(async (req, res) => {
    const current = sessionOf(req);
    const secret = sessionSecretOf(req);
    if (secret) await accounts.sessions.end(secret);
    res.setHeader('Set-Cookie', clearedSessionCookie(req.secure));
    // Without a live session there is nothing to end, and nothing to put on record.
    if (!current) throw new ApiProblem(401, 'unauthenticated', 'no live session to end');
    noteCaller(req, current.access);
    res.json({ loggedOut: true, user: current.user.id });
  }));

  router.get('/auth/session', route(async (req, res) => {
    const current = sessionOf(req);
    if (!current) throw new ApiProblem(401, 'unauthenticated', sessionSecretOf(req) ? 'your session has ended (expired or logged out); log in again' : 'not logged in');
    res.json(sessionView(current.user, current.session, current.secret, current.access));
  }));

  router.get('/users', route(async (req, res) => {
    const access = authenticate(req, api);
    const reach = reachOf(access, 'manage-users');
    const q = params(UserListParams, req);
    const orgIds = reachOrgs(access, reach, q.org);
    const page = await accounts.users.list({ ...(orgIds ? { orgIds } : {}), ...(q.limit ? { limit: q.limit } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) });
    res.json({ users: page.users.map(publicUser), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  }));

  /** The user `:id` if the caller may manage it; 404 otherwise (another org's users are not the caller's to know of). */
  async function managed(req: Request, access: Access, reach: AdminReach): Promise<UserRecord> {
    const id = String(req.params.id);
    const user = await accounts.users.get(id);
    if (!user || (reach.scope === 'org' && user.org !== access.org.id)) throw new ApiProblem(404, 'not-found', `no user ${id}`);
    if (!mayManage(access, reach, user)) throw new AccessDenied(`${id} holds roles ${user.roles.join(', ')}, beyond what ${access.principal.tokenId} may grant`);
    return user;
  }

  router.get('/users/:id', route(async (req, res) => {
    const access = authenticate(req, api);
    const reach = reachOf(access, 'manage-users');
    const id = String(req.params.id);
    const user = await accounts.users.get(id);
    if (!user || (reach.scope === 'org' && user.org !== access.org.id)) throw new ApiProblem(404, 'not-found', `no user ${id}`);
    res.json({ user: publicUser(user) });
  }));

  router.post('/users', json, route(async (req, res) => {
    const access = authenticate(req, api);
    const reach = reachOf(access, 'manage-users');
    const b = body(NewUserBody, req);
    const orgId = b.org ?? access.org.id;
    const org = registry.get(orgId);
    if (!org) throw new ApiProblem(400, 'bad-request', `no org ${orgId} in the registry`);
    const roles = b.roles ?? [StandardRoles[org.tier]];
    if (!mayManage(access, reach, { org: orgId, roles })) {
      throw new AccessDenied(reach.scope === 'org' && orgId !== access.org.id
        ? `${access.org.id} administers its own org only, not ${orgId}`
        : `${access.principal.tokenId} may grant ${reach.grants.join(', ')} only`);
    }
    const user = await accounts.users.create({ id: b.id, org: orgId, displayName: b.displayName, roles, password: b.password }).catch(accountRefusal);
    res.status(201).json({ user: publicUser(user) });
  }));

  router.post('/users/:id/disable', json, route(async (req, res) => {
    const access = authenticate(req, api);
    const user = await managed(req, access, reachOf(access, 'manage-users'));
    if (access.principal.kind === 'user' && user.id === access.principal.tokenId) throw new ApiProblem(409, 'conflict', 'you cannot disable your own account');
    const changed = await accounts.users.setDisabled(user.id, true).catch(accountRefusal);
    const ended = await accounts.sessions.endAllOf(user.id);
    res.json({ user: publicUser(changed), sessionsEnded: ended });
  }));

  router.post('/users/:id/enable', json, route(async (req, res) => {
    const access = authenticate(req, api);
    const user = await managed(req, access, reachOf(access, 'manage-users'));
    const changed = await accounts.users.setDisabled(user.id, false).catch(accountRefusal);
    res.json({ user: publicUser(changed) });
  }));

  router.post('/users/:id/password', json, route(async (req, res) => {
    const access = authenticate(req, api);
    const user = await managed(req, access, reachOf(access, 'manage-users'));
    const b = body(PasswordBody, req);
    const changed = await accounts.users.setPassword(user.id, b.password).catch(accountRefusal);
    // Whoever knew the old password is logged out everywhere.
    const ended = await accounts.sessions.endAllOf(user.id);
    res.json({ user: publicUser(changed), sessionsEnded: ended });
  }));

  router.get('/audit-log', route(async (req, res) => {
    const access = authenticate(req, api);
    const reach = reachOf(access, 'read-audit');
    const q = params(AuditParams, req);
    const orgs = reachOrgs(access, reach, q.org);
    const page = await accounts.audit.list({
      ...(orgs ? { orgs } : {}), ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}),
      ...(q.actor ? { actor: q.actor } : {}), ...(q.outcome ? { outcome: q.outcome } : {}),
      ...(q.limit ? { limit: q.limit } : {}), ...(q.cursor ? { cursor: q.cursor } : {}),
    });
    res.json(page);
  }));

  return router;
}
