/**
 * Every state-changing route of /api/v1, as data: the permission it needs
 * and where the id of what it changed is found. The console checks the
 * permission before the route runs (`permissionGate`) and the audit log
 * names the route by its pattern and target from here, so neither depends
 * on each route remembering to. A test walks the routers and fails on a
 * non-GET route missing from this table.
 *
 * Paths are relative to /api/v1; `:name` matches one path segment.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Access } from '../access.js';
import { requirePermission } from '../access.js';
import type { Permission } from './roles.js';

export interface ChangeRoute {
  readonly method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** 'public': no credential needed (login); 'authenticated': any caller; else the permission needed. */
  readonly needs: Permission | 'public' | 'authenticated';
  /** The id of what the request changed, from the path parameters or the answer. */
  readonly target?: (params: Readonly<Record<string, string>>, answer: unknown) => string | undefined;
  /** The org the change concerns, when it may differ from the caller's (a node admin's change to an enterprise's user). */
  readonly targetOrg?: (params: Readonly<Record<string, string>>, answer: unknown) => string | undefined;
}

const param = (name: string) => (params: Readonly<Record<string, string>>) => params[name];
/** A string at `path` inside the answer, e.g. ['advisory', 'advisory', 'id']. */
const answered = (...path: string[]) => (_params: unknown, answer: unknown): string | undefined => {
  let at: unknown = answer;
  for (const key of path) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  return typeof at === 'string' ? at : undefined;
};

export const ChangeRoutes: readonly ChangeRoute[] = [
  { method: 'POST', path: '/alerts/:id/status', needs: 'triage', target: param('id') },
  { method: 'POST', path: '/alerts/:id/assign', needs: 'triage', target: param('id') },
  { method: 'POST', path: '/alerts/:id/comments', needs: 'triage', target: param('id') },
  { method: 'POST', path: '/suppressions', needs: 'suppress', target: answered('suppression', 'id') },
  { method: 'POST', path: '/advisories', needs: 'issue', target: answered('advisory', 'advisory', 'id') },
  { method: 'POST', path: '/advisories/stix', needs: 'issue', target: answered('advisory', 'advisory', 'id') },
  { method: 'POST', path: '/advisories/:id/ack', needs: 'respond', target: param('id') },
  { method: 'POST', path: '/tasks', needs: 'issue', target: answered('task', 'task', 'id') },
  { method: 'POST', path: '/tasks/:id/status', needs: 'respond', target: param('id') },
  { method: 'POST', path: '/tasks/:id/ack', needs: 'respond', target: param('id') },
  // A read sent as POST (its body is a Sigma rule): any caller may hunt within what it may read; on record all the same.
  { method: 'POST', path: '/hunt', needs: 'authenticated' },
  { method: 'POST', path: '/auth/login', needs: 'public', target: answered('user', 'id') },
  { method: 'POST', path: '/auth/logout', needs: 'public', target: answered('user') },
  { method: 'POST', path: '/users', needs: 'manage-users', target: answered('user', 'id'), targetOrg: answered('user', 'org') },
  { method: 'POST', path: '/users/:id/disable', needs: 'manage-users', target: param('id'), targetOrg: answered('user', 'org') },
  { method: 'POST', path: '/users/:id/enable', needs: 'manage-users', target: param('id'), targetOrg: answered('user', 'org') },
  { method: 'POST', path: '/users/:id/password', needs: 'manage-users', target: param('id'), targetOrg: answered('user', 'org') },
  { method: 'POST', path: '/users/:id/end-sessions', needs: 'manage-users', target: param('id'), targetOrg: answered('user', 'org') },
  { method: 'POST', path: '/users/end-sessions', needs: 'manage-users' },
];

export interface MatchedRoute {
  readonly route: ChangeRoute;
  readonly params: Readonly<Record<string, string>>;
}

const SEGMENT_LIMIT = 64;

/** The table entry for `method` and `path` (relative to /api/v1), with its parameters. */
export function matchChangeRoute(method: string, path: string): MatchedRoute | undefined {
  const parts = path.split('/');
  if (parts.length > SEGMENT_LIMIT) return undefined;
  for (const route of ChangeRoutes) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((p, i) => {
      if (p.startsWith(':')) {
        if (parts[i] === '') return false;
        try {
          params[p.slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          return false;
        }
        return true;
      }
      return p === parts[i];
    });
    if (fits) return { route, params };
  }
  return undefined;
}

/**
 * Middleware (mounted at /api/v1): refuses a table route's request before
 * the route runs when the caller lacks its permission (401 without a
 * credential, 403 naming the permission otherwise).
 */
export function permissionGate(authenticate: (req: Request) => Access) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const matched = matchChangeRoute(req.method, req.path);
    const needs = matched?.route.needs;
    if (needs === undefined || needs === 'public') return next();
    try {
      const access = authenticate(req);
      if (needs !== 'authenticated') requirePermission(access, needs);
      next();
    } catch (err) {
      next(err);
    }
  };
}
