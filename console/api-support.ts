/**
 * What every console route needs: the caller from the bearer token, query
 * and body parsing by zod (a bad one is a 400 naming the field), and async
 * handlers whose errors reach the one error handler in ./api.ts.
 */
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { describeIssues } from '../core/config.js';
import type { OrgRegistry } from '../core/orgs.js';
import { accessOf, type Access } from './access.js';
import type { ApiTokens } from './api-tokens.js';

/** A refusal with its HTTP status, answered as `{ error, message }`. */
export class ApiProblem extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export function authenticate(req: Request, deps: { readonly tokens: ApiTokens; readonly registry: OrgRegistry }): Access {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer (\S+)$/i.exec(header);
  const principal = match ? deps.tokens.verify(match[1]) : undefined;
  if (!principal) {
    throw new ApiProblem(401, 'unauthenticated', header ? 'unknown API token' : 'send an API token as "Authorization: Bearer <token>"',
      { 'WWW-Authenticate': 'Bearer realm="iisa"' });
  }
  return accessOf(principal, deps.registry);
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
