/**
 * The accounts API under /api/v1:
 *
 *   POST /auth/login {user, password}   opens a session: cookie + csrfToken (401 wrong, 429 + Retry-After when limited)
 *   POST /auth/logout                   ends it (needs the CSRF header, like every cookie-authenticated change)
 *   GET  /auth/session                  who is logged in, the csrfToken again; 401 without a live session
 *   GET  /users, GET /users/:id         node-admin: every served org; enterprise-admin: its own org
 *   POST /users {id, displayName, password, org?, roles?}
 *   POST /users/:id/disable | /enable | /password {password}
 *   POST /users/:id/end-sessions        logs the user out everywhere (its live views close too)
 *   POST /users/end-sessions {org?}     logs out every user the caller manages (of `org`): after a leak, or to rotate all sessions
 *   GET  /audit-log?from&to&org&actor&outcome&limit&cursor   node-admin: all; enterprise-admin: its org's
 *
 * An admin manages only users whose every role it may grant itself
 * (./roles.ts `adminReachOf`): an enterprise admin cannot take over a
 * node-admin account of its org by resetting its password.
 */
import { z } from 'zod';
import { AccessDenied, accessOf, requirePermission, type Access } from '../access.js';
import type { ApiRoutes } from '../api-routes.js';
import { ApiProblem, noteCaller, remoteAddress, sessionOf, type AuthDeps } from '../api-support.js';
import { Limit, List, Time } from '../query-schemas.js';
import type { Accounts } from './accounts.js';
import { AuditEntrySchema } from './audit-log.js';
import { clearedSessionCookie, sessionCookie, sessionSecretOf } from './cookies.js';
import { PasswordSchema } from './password.js';
import { adminReachOf, Permissions, RoleSchema, StandardRoles, type AdminReach } from './roles.js';
import { csrfTokenOf, type OpenSession } from './sessions.js';
import { AccountError, publicUser, UserIdSchema, UserRecordSchema, type UserRecord } from './users.js';

const LoginBody = z.strictObject({ user: z.string().min(1).max(128), password: z.string().min(1).max(1024) });
const NewUserBody = z.strictObject({
  id: UserIdSchema,
  displayName: z.string().min(1).max(200),
  password: PasswordSchema,
  org: z.string().min(1).optional().describe('default: the caller\'s org'),
  roles: z.array(RoleSchema).min(1).optional().describe('default: the standard role of the org\'s tier'),
});
const PasswordBody = z.strictObject({ password: PasswordSchema });
const EndSessionsBody = z.strictObject({
  org: z.array(z.string().min(1)).min(1).max(1000).optional().describe('only the users of these orgs; default every org the caller manages'),
}).default({});
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

/** A user as the API shows it: the record without its password hash. */
const PublicUserSchema = UserRecordSchema.omit({ passwordHash: true });
const UserAnswer = z.strictObject({ user: PublicUserSchema });
const UserChangeAnswer = z.strictObject({
  user: PublicUserSchema,
  sessionsEnded: z.number().int().min(0).describe('how many of the user\'s login sessions this ended'),
});

const SessionView = z.strictObject({
  user: z.strictObject({ id: z.string(), displayName: z.string(), roles: z.array(RoleSchema) }),
  org: z.strictObject({ id: z.string(), name: z.string(), tier: z.enum(['enterprise', 'provincial', 'national']) }),
  permissions: z.array(z.enum(Permissions)),
  csrfToken: z.string().describe('send it as the x-iisa-csrf header with every change made with this session'),
  expiresAt: z.string().describe('when the session ends, used or not'),
  idleExpiresAt: z.string().describe('when the session ends if it is not used before'),
});

const Cursor = z.string().optional().describe('pass back as `cursor` for the next page; absent on the last page');

const ACCOUNT_BODY_LIMIT = '64kb';
const MANAGE_USERS = 'Needs manage-users: a node-admin manages the users of every org the node serves, an enterprise-admin those of its own org; either only users whose every role it may grant itself.';

export function addAccountRoutes(routes: ApiRoutes, api: AuthDeps, accounts: Accounts): void {
  const { registry } = api;

  const sessionView = (user: UserRecord, session: OpenSession, secret: string, access: Access) => ({
    user: { id: user.id, displayName: user.displayName, roles: access.roles },
    org: { id: access.org.id, name: access.org.name, tier: access.org.tier },
    permissions: [...access.permissions],
    csrfToken: csrfTokenOf(secret),
    expiresAt: session.record.expiresAt,
    idleExpiresAt: accounts.sessions.endsAt(session.record),
  });

  /** The user `id` if the caller may manage it; 404 otherwise (another org's users are not the caller's to know of). */
  async function managed(id: string, access: Access, reach: AdminReach): Promise<UserRecord> {
    const user = await accounts.users.get(id);
    if (!user || (reach.scope === 'org' && user.org !== access.org.id)) throw new ApiProblem(404, 'not-found', `no user ${id}`);
    if (!mayManage(access, reach, user)) throw new AccessDenied(`${id} holds roles ${user.roles.join(', ')}, beyond what ${access.principal.tokenId} may grant`);
    return user;
  }

  routes.add({
    method: 'post', path: '/auth/login', tag: 'accounts', summary: 'Log in: opens a session, sets its cookie and answers the CSRF token',
    description: 'Anyone may call it. A wrong user name, a wrong password and a disabled account get the same 401.',
    public: true, body: LoginBody, bodyLimit: ACCOUNT_BODY_LIMIT,
    refusals: { 429: 'too many failed logins from this address or for this user; Retry-After says when to try again' },
    response: SessionView,
    handle: async ({ req, res, body: b }) => {
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
      return sessionView(user, session, secret, access);
    },
  });

  routes.add({
    method: 'post', path: '/auth/logout', tag: 'accounts', summary: 'Log out: ends the session and clears its cookie',
    description: 'Needs the session\'s cookie and CSRF header. The cookie is cleared even when there is no live session to end (401).',
    public: true,
    response: z.strictObject({ loggedOut: z.literal(true), user: z.string() }),
    handle: async ({ req, res }) => {
      const current = sessionOf(req);
      const secret = sessionSecretOf(req);
      if (secret) await accounts.sessions.end(secret);
      res.setHeader('Set-Cookie', clearedSessionCookie(req.secure));
      // Without a live session there is nothing to end, and nothing to put on record.
      if (!current) throw new ApiProblem(401, 'unauthenticated', 'no live session to end');
      noteCaller(req, current.access);
      return { loggedOut: true as const, user: current.user.id };
    },
  });

  routes.add({
    method: 'get', path: '/auth/session', tag: 'accounts', summary: 'The logged-in user, its org, permissions and the CSRF token again',
    description: 'Answers for a session cookie only (not an API token); 401 without a live session.',
    public: true,
    response: SessionView,
    handle: async ({ req }) => {
      const current = sessionOf(req);
      if (!current) throw new ApiProblem(401, 'unauthenticated', sessionSecretOf(req) ? 'your session has ended (expired or logged out); log in again' : 'not logged in');
      return sessionView(current.user, current.session, current.secret, current.access);
    },
  });

  routes.add({
    method: 'get', path: '/users', tag: 'accounts', summary: 'Users, one page at a time',
    description: 'Needs manage-users: a node-admin lists the users of every org the node serves (or of `org`), an enterprise-admin those of its own org.',
    query: UserListParams,
    response: z.strictObject({ users: z.array(PublicUserSchema), nextCursor: Cursor }),
    authorize: (a) => { reachOf(a, 'manage-users'); },
    handle: async ({ access, query: q }) => {
      const reach = reachOf(access, 'manage-users');
      const orgIds = reachOrgs(access, reach, q.org);
      const page = await accounts.users.list({ ...(orgIds ? { orgIds } : {}), ...(q.limit ? { limit: q.limit } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) });
      return { users: page.users.map(publicUser), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  });

  routes.add({
    method: 'get', path: '/users/:id', tag: 'accounts', summary: 'One user',
    description: 'Needs manage-users; an enterprise-admin sees the users of its own org only (another org\'s is a 404).',
    response: UserAnswer,
    handle: async ({ access, path }) => {
      const reach = reachOf(access, 'manage-users');
      const id = path.id;
      const user = await accounts.users.get(id);
      if (!user || (reach.scope === 'org' && user.org !== access.org.id)) throw new ApiProblem(404, 'not-found', `no user ${id}`);
      return { user: publicUser(user) };
    },
  });

  routes.add({
    method: 'post', path: '/users', tag: 'accounts', summary: 'Create a user with a password and roles',
    description: `${MANAGE_USERS} Without roles the user gets the standard role of its org's tier.`,
    body: NewUserBody, bodyLimit: ACCOUNT_BODY_LIMIT, status: 201,
    refusals: { 409: 'a user of that name exists already' },
    response: UserAnswer,
    authorize: (a) => { reachOf(a, 'manage-users'); },
    handle: async ({ access, body: b }) => {
      const reach = reachOf(access, 'manage-users');
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
      return { user: publicUser(user) };
    },
  });

  routes.add({
    method: 'post', path: '/users/:id/disable', tag: 'accounts', summary: 'Disable a user and end its sessions',
    description: MANAGE_USERS,
    refusals: { 409: 'the caller tried to disable its own account' },
    response: UserChangeAnswer,
    handle: async ({ access, path }) => {
      const user = await managed(path.id, access, reachOf(access, 'manage-users'));
      if (access.principal.kind === 'user' && user.id === access.principal.tokenId) throw new ApiProblem(409, 'conflict', 'you cannot disable your own account');
      const changed = await accounts.users.setDisabled(user.id, true).catch(accountRefusal);
      const ended = await accounts.sessions.endAllOf(user.id);
      return { user: publicUser(changed), sessionsEnded: ended };
    },
  });

  routes.add({
    method: 'post', path: '/users/:id/enable', tag: 'accounts', summary: 'Enable a disabled user',
    description: MANAGE_USERS,
    response: UserAnswer,
    handle: async ({ access, path }) => {
      const user = await managed(path.id, access, reachOf(access, 'manage-users'));
      const changed = await accounts.users.setDisabled(user.id, false).catch(accountRefusal);
      return { user: publicUser(changed) };
    },
  });

  routes.add({
    method: 'post', path: '/users/:id/password', tag: 'accounts', summary: 'Set a user\'s password and end its sessions',
    description: MANAGE_USERS,
    body: PasswordBody, bodyLimit: ACCOUNT_BODY_LIMIT,
    response: UserChangeAnswer,
    authorize: (a) => { reachOf(a, 'manage-users'); },
    handle: async ({ access, path, body: b }) => {
      const user = await managed(path.id, access, reachOf(access, 'manage-users'));
      const changed = await accounts.users.setPassword(user.id, b.password).catch(accountRefusal);
      // Whoever knew the old password is logged out everywhere.
      const ended = await accounts.sessions.endAllOf(user.id);
      return { user: publicUser(changed), sessionsEnded: ended };
    },
  });

  routes.add({
    method: 'post', path: '/users/:id/end-sessions', tag: 'accounts', summary: 'End every session of a user: logged out everywhere',
    description: `${MANAGE_USERS} The account stays usable: the user logs in again. Live views opened with those sessions are closed.`,
    response: UserChangeAnswer,
    handle: async ({ access, path }) => {
      const user = await managed(path.id, access, reachOf(access, 'manage-users'));
      const ended = await accounts.sessions.endAllOf(user.id);
      return { user: publicUser(user), sessionsEnded: ended };
    },
  });

  routes.add({
    method: 'post', path: '/users/end-sessions', tag: 'accounts', summary: 'End the sessions of every user the caller manages',
    description: `${MANAGE_USERS} Every such user (of \`org\` if given) is logged out everywhere, the caller too if it is one of them; users beyond the caller's reach keep their sessions. After a leak, or to rotate all sessions at once.`,
    body: EndSessionsBody, bodyLimit: ACCOUNT_BODY_LIMIT,
    response: z.strictObject({
      users: z.number().int().min(0).describe('how many users were logged out'),
      sessionsEnded: z.number().int().min(0).describe('how many sessions that ended'),
    }),
    authorize: (a) => { reachOf(a, 'manage-users'); },
    handle: async ({ access, body: b }) => {
      const reach = reachOf(access, 'manage-users');
      const orgIds = reachOrgs(access, reach, b.org);
      let users = 0;
      let sessionsEnded = 0;
      let cursor: string | undefined;
      do {
        const page = await accounts.users.list({ ...(orgIds ? { orgIds } : {}), limit: 500, ...(cursor ? { cursor } : {}) });
        for (const user of page.users) {
          if (!mayManage(access, reach, user)) continue;
          users++;
          sessionsEnded += await accounts.sessions.endAllOf(user.id);
        }
        cursor = page.nextCursor;
      } while (cursor);
      return { users, sessionsEnded };
    },
  });

  routes.add({
    method: 'get', path: '/audit-log', tag: 'audit', summary: 'The audit log: who changed what, newest first, one page at a time',
    description: 'Needs read-audit: a node-admin reads every entry (or those of `org`), an enterprise-admin its own org\'s.',
    query: AuditParams,
    response: z.strictObject({ entries: z.array(AuditEntrySchema), nextCursor: Cursor }),
    authorize: (a) => { reachOf(a, 'read-audit'); },
    handle: async ({ access, query: q }) => {
      const reach = reachOf(access, 'read-audit');
      const orgs = reachOrgs(access, reach, q.org);
      return accounts.audit.list({
        ...(orgs ? { orgs } : {}), ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}),
        ...(q.actor ? { actor: q.actor } : {}), ...(q.outcome ? { outcome: q.outcome } : {}),
        ...(q.limit ? { limit: q.limit } : {}), ...(q.cursor ? { cursor: q.cursor } : {}),
      });
    },
  });
}
