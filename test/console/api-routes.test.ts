/**
 * The route registry's checks on a real express listener: the caller is
 * authenticated and authorized before anything else is read, a bad query or
 * body is a 400 naming the field, a read whose answer breaks its own schema
 * is withheld (500) and logged (a change's is sent and logged), and a route
 * is declared once.
 */
import { expect } from 'chai';
import express from 'express';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { OrgRegistry } from '../../core/orgs.js';
import { AccessDenied } from '../../console/access.js';
import { apiErrorHandler } from '../../console/api-errors.js';
import { ApiRoutes } from '../../console/api-routes.js';
import { ApiTokens } from '../../console/api-tokens.js';
import { repoRoot } from '../helpers/paths.js';

interface LogLine { readonly message: string; readonly fields: Record<string, unknown> }

describe('API route registry', () => {
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
  const tokens = new ApiTokens([{ id: 'jinling', org: 'js-jinling-motor', token: 'registry-test-token-000000' }], registry);
  const errors: LogLine[] = [];
  const log = {
    debug: () => undefined, info: () => undefined, warn: () => undefined,
    error: (message: string, fields: Record<string, unknown> = {}) => { errors.push({ message, fields }); },
  };
  let server: Server;
  let base: string;
  let answer: unknown = { count: 1 };

  before(async () => {
    const routes = new ApiRoutes(express.Router(), { tokens, registry }, log);
    routes.add({
      method: 'get', path: '/things', tag: 'test', summary: 'count things',
      query: z.strictObject({ min: z.coerce.number().int() }),
      response: z.strictObject({ count: z.number().int() }),
      // The test swaps the answer to break the contract on purpose.
      handle: async () => answer as { count: number },
    });
    routes.add({
      method: 'post', path: '/things/:id', tag: 'test', summary: 'name a thing', status: 201,
      body: z.strictObject({ name: z.string().min(2) }),
      response: z.strictObject({ id: z.string(), name: z.string(), org: z.string() }),
      handle: async ({ path, body, access }) => ({ id: path.id, name: body.name, org: access.org.id }),
    });
    routes.add({
      method: 'post', path: '/changes', tag: 'test', summary: 'make a change whose answer breaks its schema', status: 201,
      body: z.strictObject({ what: z.string() }),
      response: z.strictObject({ done: z.literal(true) }),
      // The broken answer is the point: the change happened, the answer's shape is a bug of ours.
      handle: async () => ({ done: 'yes' }) as unknown as { done: true },
    });
    routes.add({
      method: 'post', path: '/regulators-only', tag: 'test', summary: 'refused to enterprises whatever they send',
      body: z.strictObject({ n: z.number() }),
      response: z.strictObject({ ok: z.boolean() }),
      authorize: (access) => {
        if (access.org.tier === 'enterprise') throw new AccessDenied('regulators only');
      },
      handle: async () => ({ ok: true }),
    });
    expect(() => routes.add({ method: 'get', path: '/things', tag: 'test', summary: 'again', response: z.unknown(), handle: async () => 1 }))
      .to.throw('declared twice');
    const app = express();
    app.use('/api/v1', routes.router);
    app.use(apiErrorHandler(log));
    server = app.listen(0, '::');
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    base = `http://[::1]:${typeof address === 'object' && address ? address.port : 0}/api/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    errors.length = 0;
    answer = { count: 1 };
  });

  const auth = { authorization: 'Bearer registry-test-token-000000' };

  it('answers 401 before it reads a bad query', async () => {
    const res = await fetch(`${base}/things?min=x`);
    expect(res.status).to.equal(401);
  });

  it('answers a bad query and a bad body with a 400 naming the field', async () => {
    const query = await fetch(`${base}/things?min=x`, { headers: auth });
    expect(query.status).to.equal(400);
    expect(((await query.json()) as { message: string }).message).to.match(/^invalid query: min/);
    const body = await fetch(`${base}/things/t1`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x' }) });
    expect(body.status).to.equal(400);
    expect(((await body.json()) as { message: string }).message).to.match(/^invalid body: name/);
  });

  it('answers with the declared status and the handler\'s value, path parameters and caller included', async () => {
    const res = await fetch(`${base}/things/t1`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'pump' }) });
    expect(res.status).to.equal(201);
    expect(await res.json()).to.deep.equal({ id: 't1', name: 'pump', org: 'js-jinling-motor' });
    const ok = await fetch(`${base}/things?min=1`, { headers: auth });
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.deep.equal({ count: 1 });
  });

  it('refuses a caller its route does not authorize (403) before it parses the body, even malformed JSON', async () => {
    const res = await fetch(`${base}/regulators-only`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{not json' });
    expect(res.status).to.equal(403);
    expect(((await res.json()) as { message: string }).message).to.equal('regulators only');
  });

  it('refuses a body over the route\'s limit (413) and one that is not JSON (400), saying so', async () => {
    const big = await fetch(`${base}/things/t1`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(big.status).to.equal(413);
    expect(((await big.json()) as { message: string }).message).to.match(/too large/);
    const broken = await fetch(`${base}/things/t1`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name": "pump"' });
    expect(broken.status).to.equal(400);
    expect(((await broken.json()) as { message: string }).message).to.match(/^request body: .*JSON/);
  });

  it('sends the answer of a change that broke its schema (the change was made; a 500 would invite a second one), and logs it', async () => {
    const res = await fetch(`${base}/changes`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ what: 'x' }) });
    expect(res.status).to.equal(201);
    expect(await res.json()).to.deep.equal({ done: 'yes' });
    expect(errors).to.have.length(1);
    expect(errors[0].fields.route).to.equal('POST /api/v1/changes');
  });

  it('withholds a read\'s answer that breaks its schema: 500, and the route and the issue in the log', async () => {
    answer = { count: 'many', secret: 'x' };
    const res = await fetch(`${base}/things?min=1`, { headers: auth });
    expect(res.status).to.equal(500);
    const text = await res.text();
    expect(text).to.not.include('secret');
    expect(JSON.parse(text)).to.include({ error: 'internal' });
    expect(errors).to.have.length(1);
    expect(errors[0].fields.route).to.equal('GET /api/v1/things');
    expect(String(errors[0].fields.issues)).to.match(/count/);
  });
});
