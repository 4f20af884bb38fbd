/**
 * The one error handler of the console API: every refusal and failure
 * answered as JSON `{ error, message }` with the status that fits, so a
 * script and a person both learn what went wrong.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../collector/sources/types.js';
import { AccessDenied } from './access.js';
import { ResponseContractError } from './api-routes.js';
import { ApiProblem } from './api-support.js';

export function apiErrorHandler(log: Logger) {
  // Express recognises an error handler by its four parameters.
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) return;
    if (err instanceof ApiProblem) {
      res.set(err.headers).status(err.status).json({ error: err.code, message: err.message });
      return;
    }
    if (err instanceof ResponseContractError) {
      log.error('api answer broke its schema', { route: err.route, issues: err.issues.join('; ') });
      res.status(500).json({ error: 'internal', message: 'the answer failed its own schema check and was withheld; the node\'s log has the details' });
      return;
    }
    if (err instanceof AccessDenied) {
      res.status(403).json({ error: 'forbidden', message: err.message });
      return;
    }
    // Body parser refusals (malformed JSON, too large) carry their 4xx status.
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: 'bad-request', message: `request body: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    // Stores refuse a malformed query (bad cursor, field name, bucket size) with a TypeError or RangeError saying why.
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof TypeError || err instanceof RangeError) {
      res.status(400).json({ error: 'bad-request', message });
      return;
    }
    log.error('console api failed', { error: message });
    res.status(503).json({ error: 'unavailable', message: 'the store did not answer; try again shortly' });
  };
}
