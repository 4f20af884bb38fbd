/**
 * Headers on every API answer (the web page's own are in ./web/static.ts):
 * an answer is data for a script, never a page to render, frame or keep.
 *   Cache-Control: no-store         alerts and events must not sit in a proxy or a shared disk cache
 *   Content-Security-Policy         nothing may run or load should a browser render one anyway
 *   X-Content-Type-Options: nosniff JSON stays JSON
 *   Strict-Transport-Security       when the request came over TLS: browsers keep to it
 */
import type { NextFunction, Request, Response } from 'express';

export const ApiSecurityHeaders: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const HSTS = 'max-age=31536000';

export function apiHeaders() {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.set(ApiSecurityHeaders);
    if (req.secure) res.set('Strict-Transport-Security', HSTS);
    next();
  };
}
