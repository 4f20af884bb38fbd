/**
 * One declaration per API route: method, path, what it is for, and the zod
 * schemas of its query, body and answer. `ApiRoutes.add` mounts the route on
 * an express router with the checks those schemas imply (the caller first,
 * 401 without a credential, then the route's own `authorize` check, 403,
 * both before the body is parsed; then a bad query or body is a 400 naming
 * the field; a read whose answer breaks its own schema is a 500 and an
 * error in the log, never sent half-right), and keeps the declaration so that
 * ./openapi.ts describes exactly the routes that run.
 *
 * Why a registry and not express routes plus a hand-written description:
 * a description kept beside the code drifts; this one cannot, as both come
 * from the same object.
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { z } from 'zod';
import { describeIssues } from '../core/config.js';
import type { Logger } from '../collector/sources/types.js';
import type { Access } from './access.js';
import { ApiProblem, authenticate, body as parseBody, params as parseQuery, route, type AuthDeps } from './api-support.js';

export type HttpMethod = 'get' | 'post';

/** What a handler is given: the request, with its query and body already checked and typed. */
export interface RouteCall<Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  readonly req: Request;
  /**
   * The caller, authenticated before the body is parsed and the query read
   * (a call without a credential is a 401, whatever else is wrong with it).
   * On a public route, reading it authenticates then.
   */
  readonly access: Access;
  /** For headers (Set-Cookie, Retry-After); the status and body come from the declaration and the return value. */
  readonly res: Response;
  readonly query: Q extends z.ZodType ? z.output<Q> : undefined;
  readonly body: B extends z.ZodType ? z.output<B> : undefined;
  /** Path parameters (`:id`), as strings. */
  readonly path: Readonly<Record<string, string>>;
}

export interface RouteDefinition<Q extends z.ZodType | undefined, B extends z.ZodType | undefined, R extends z.ZodType> {
  readonly method: HttpMethod;
  /** Express style, relative to /api/v1: `/alerts/:id`. */
  readonly path: string;
  /** Groups routes in the description: `alerts`, `accounts`, ... */
  readonly tag: string;
  /** One line: what the route does. */
  readonly summary: string;
  /** Who may call it and what it answers beyond the summary. */
  readonly description?: string;
  /** Reached without a credential: the handler decides (logging in, the session's own routes). */
  readonly public?: boolean;
  readonly query?: Q;
  readonly body?: B;
  /** JSON body size limit (express.json), for routes with a body. Default 1mb. */
  readonly bodyLimit?: string;
  /** The answer's shape; every answer is checked against it before it is sent. */
  readonly response: R;
  /** Success status, 200 unless it creates something (201). */
  readonly status?: 200 | 201;
  /** Statuses beyond the ones every route may answer (400, 401, 403, 404, 503), e.g. 409 or 429. */
  readonly refusals?: Readonly<Partial<Record<409 | 429, string>>>;
  /**
   * Refuses (throws AccessDenied) a caller who may not use the route at all,
   * whatever it sends: a tier that does not triage, a role without the
   * permission. Runs after authentication, before the query and body are read.
   */
  readonly authorize?: (access: Access) => void;
  readonly handle: (call: RouteCall<Q, B>) => Promise<Answer<R>>;
}

/**
 * What a handler may return for a response schema: its input, read-only all
 * the way down, as the books hand out their records (the check is at run time).
 */
export type Answer<R extends z.ZodType> = DeepReadonly<z.input<R>>;
type DeepReadonly<T> = T extends readonly (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** A definition with its schema types forgotten: what the description and the checks need. */
export interface DeclaredRoute {
  readonly method: HttpMethod;
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly public: boolean;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response: z.ZodType;
  readonly status: 200 | 201;
  readonly refusals: Readonly<Partial<Record<409 | 429, string>>>;
}

/** The handler answered something its schema does not allow: a bug here, never the caller's fault. */
export class ResponseContractError extends Error {
  constructor(readonly route: string, readonly issues: readonly string[]) {
    super(`the answer of ${route} does not match its schema: ${issues.join('; ')}`);
  }
}

export class ApiRoutes {
  private readonly declared: DeclaredRoute[] = [];
  private readonly jsonParsers = new Map<string, RequestHandler>();

  constructor(readonly router: Router, private readonly auth: AuthDeps, private readonly log: Logger) {}

  /** Declare a route and mount it. */
  add<Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined, R extends z.ZodType = z.ZodType>(
    def: RouteDefinition<Q, B, R>,
  ): void {
    const declared: DeclaredRoute = {
      method: def.method, path: def.path, tag: def.tag, summary: def.summary,
      ...(def.description ? { description: def.description } : {}),
      public: def.public ?? false,
      ...(def.query ? { query: def.query } : {}),
      ...(def.body ? { body: def.body } : {}),
      response: def.response, status: def.status ?? 200, refusals: def.refusals ?? {},
    };
    if (this.declared.some((d) => d.method === declared.method && d.path === declared.path)) {
      throw new Error(`route ${declared.method.toUpperCase()} ${declared.path} is declared twice`);
    }
    this.declared.push(declared);
    const name = `${def.method.toUpperCase()} /api/v1${def.path}`;
    const auth = this.auth;
    // Who may not call the route at all hears so (401, then 403) before anything is read from its body or query.
    const gate: RequestHandler = (req, _res, next) => {
      try {
        if (!declared.public) {
          const access = authenticate(req, auth);
          def.authorize?.(access);
        }
        next();
      } catch (err) {
        next(err);
      }
    };
    const log = this.log;
    const handler = route(async (req, res) => {
      const call = {
        req, res,
        get access(): Access {
          return authenticate(req, auth);
        },
        query: def.query ? parseQuery(def.query, req) : undefined,
        body: def.body ? parseBody(def.body, req) : undefined,
        path: Object.fromEntries(Object.entries(req.params).map(([k, v]) => [k, String(v)])),
      } as RouteCall<Q, B>;
      const answer = await def.handle(call);
      const checked = def.response.safeParse(answer);
      if (!checked.success) {
        const broken = new ResponseContractError(name, describeIssues(checked.error));
        // A read is withheld. A change has happened by now: telling the caller it failed would invite a retry
        // that does it twice (and keep it out of the audit log), so its answer goes out and the log says what is wrong.
        if (def.method === 'get') throw broken;
        log.error('api answer broke its schema; sent anyway, as the change was made', { route: broken.route, issues: broken.issues.join('; ') });
      }
      // The handler's own value goes out: the schema checks it, it does not reshape it (defaults, transforms).
      res.status(declared.status).json(answer);
    });
    const chain: RequestHandler[] = def.body ? [gate, this.jsonParser(def.bodyLimit ?? '1mb'), handler] : [gate, handler];
    this.router[def.method](def.path, ...chain);
  }

  /** Every route declared so far, in declaration order. */
  routes(): readonly DeclaredRoute[] {
    return this.declared;
  }

  private jsonParser(limit: string): RequestHandler {
    let parser = this.jsonParsers.get(limit);
    if (!parser) {
      parser = express.json({ limit });
      this.jsonParsers.set(limit, parser);
    }
    return parser;
  }
}

/** A 404 for a record the caller may not see or that does not exist: the two are not told apart. */
export function notFound(what: string, id: string): ApiProblem {
  return new ApiProblem(404, 'not-found', `no ${what} ${id}`);
}
