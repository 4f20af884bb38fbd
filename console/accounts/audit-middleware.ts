/**
 * Middleware (mounted at /api/v1, before every route): records each
 * request that changes something (any method but GET, HEAD and OPTIONS)
 * once its answer is known, if it succeeded (2xx/3xx) or was refused for
 * want of a permission (403). Malformed requests (400), conflicts (409)
 * and unknown paths (404) change nothing and are not recorded; failed
 * logins go to the process log with the rate limiter's lockouts.
 *
 * The entry is written before the answer is sent: a caller that saw its
 * change succeed can find it in the log. If the write fails the answer
 * still goes (the change happened) and the failure is logged as an error.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../collector/sources/types.js';
import { callerOf, remoteAddress } from '../api-support.js';
import type { AuditLog } from './audit-log.js';
import { matchChangeRoute } from './change-routes.js';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_ROUTE_CHARS = 200;

export function auditMiddleware(deps: { readonly audit: AuditLog; readonly log: Logger }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (SAFE_METHODS.has(req.method)) return next();
    const matched = matchChangeRoute(req.method, req.path);
    // Read now: routers mounted further in change baseUrl and path while they run.
    const base = req.baseUrl;
    const path = req.path;
    const send = res.json.bind(res);
    res.json = (answer: unknown): Response => {
      const status = res.statusCode;
      if (status >= 400 && status !== 403) return send(answer);
      const caller = callerOf(req);
      const params = matched?.params ?? {};
      const target = matched?.route.target?.(params, answer);
      const targetOrg = matched?.route.targetOrg?.(params, answer);
      const reason = status === 403 && typeof (answer as { message?: unknown })?.message === 'string' ? (answer as { message: string }).message : undefined;
      const remote = remoteAddress(req);
      deps.audit.record({
        ...(caller ? { actor: caller.principal.tokenId, actorKind: caller.principal.kind, org: caller.org.id } : {}),
        ...(targetOrg && targetOrg !== caller?.org.id ? { targetOrg } : {}),
        method: req.method,
        // An unlisted path is kept as sent (bounded): it should not exist, and the log should show it if it does.
        route: `${base}${matched ? matched.route.path : path.slice(0, MAX_ROUTE_CHARS)}`,
        ...(target ? { target } : {}),
        status,
        outcome: status === 403 ? 'refused' : 'ok',
        ...(reason ? { reason } : {}),
        ...(remote ? { remote } : {}),
      }).then(
        () => send(answer),
        (error: unknown) => {
          deps.log.error('audit log write failed', { method: req.method, path, error: error instanceof Error ? error.message : String(error) });
          send(answer);
        },
      );
      return res;
    };
    next();
  };
}
