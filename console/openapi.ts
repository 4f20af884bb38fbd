/**
 * The OpenAPI 3.1 description of the console API, built from the route
 * declarations (./api-routes.ts) and their zod schemas: what a route reads
 * is described as the input it accepts, what it answers as the output it
 * sends. OpenAPI 3.1 speaks JSON Schema 2020-12, which is what zod emits, so
 * the schemas go in as they are.
 */
import { z } from 'zod';
import type { DeclaredRoute } from './api-routes.js';
import { SESSION_COOKIE } from './accounts/cookies.js';

type JsonSchema = Record<string, unknown>;

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description: string;
}

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    error: { type: 'string', description: 'a stable code: bad-request, unauthenticated, forbidden, not-found, conflict, ...' },
    message: { type: 'string', description: 'what is wrong, in words a person can act on' },
  },
  required: ['error', 'message'],
};

const COMMON_REFUSALS: Readonly<Record<number, string>> = {
  400: 'the query or body is invalid; the message names the field and why',
  401: 'no credential, an unknown API token, or an ended session',
  403: 'the caller\'s role or tier may not do this, or the CSRF header is missing',
  404: 'no such record, or one the caller may not see (the two are not told apart)',
  500: 'a read whose answer failed its own schema check: withheld, and in the node\'s log',
  503: 'the store did not answer; try again shortly',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // Transforms and custom checks have no JSON Schema: they are described by the type they accept or produce.
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  const { $schema: _dialect, ...rest } = generated;
  return rest;
}

/** A query object's properties as OpenAPI parameters, one per property. */
function queryParameters(schema: z.ZodType): JsonSchema[] {
  const object = jsonSchema(schema, 'input');
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...shape } = property;
    return {
      name, in: 'query', required: required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: shape,
      // A list parameter is repeated (?org=a&org=b) or comma separated.
      ...(JSON.stringify(shape).includes('"array"') ? { style: 'form', explode: true } : {}),
    };
  });
}

/** `/alerts/:id` as OpenAPI writes it, `/alerts/{id}`, and the names of its parameters. */
function openApiPath(path: string): { path: string; names: string[] } {
  const names: string[] = [];
  const converted = path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    names.push(name);
    return `{${name}}`;
  });
  return { path: converted, names };
}

function operation(route: DeclaredRoute, pathNames: readonly string[]): JsonSchema {
  const refusals: Record<string, JsonSchema> = {};
  const statuses = new Map<number, string>(Object.entries(COMMON_REFUSALS).map(([s, d]) => [Number(s), d]));
  if (route.body) statuses.set(413, 'the body is larger than the route accepts');
  for (const [status, text] of Object.entries(route.refusals)) statuses.set(Number(status), text);
  for (const [status, text] of [...statuses].sort((a, b) => a[0] - b[0])) {
    refusals[String(status)] = { description: text, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const parameters = [
    ...pathNames.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...(route.query ? queryParameters(route.query) : []),
  ];
  return {
    operationId: `${route.method}${route.path.replace(/[/:-]+([a-z0-9])/gi, (_m, c: string) => c.toUpperCase())}`,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
    responses: {
      [String(route.status)]: { description: route.status === 201 ? 'created' : 'ok', content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } },
      ...refusals,
    },
    security: route.public ? [] : [{ bearerToken: [] }, { sessionCookie: [] }],
  };
}

/** The description of `routes`, mounted under `base` (/api/v1). */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: OpenApiInfo;
  readonly paths: Record<string, Record<string, JsonSchema>>;
  readonly components: JsonSchema;
}

export function openApiDocument(routes: readonly DeclaredRoute[], info: OpenApiInfo, base = '/api/v1'): OpenApiDocument {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const { path, names } = openApiPath(route.path);
    const entry = (paths[`${base}${path}`] ??= {});
    entry[route.method] = operation(route, names);
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'an API token from the node\'s token file' },
        sessionCookie: {
          type: 'apiKey', in: 'cookie', name: SESSION_COOKIE,
          description: 'the login session (POST /api/v1/auth/login); a change made with it also sends the x-iisa-csrf header',
        },
      },
    },
  };
}
