/**
 * /api/v1/openapi.json describes exactly the routes the console answers,
 * from the same zod schemas that check them: every route is in it with its
 * parameters, body and answers, nothing is in it that does not run, and the
 * answers the routes really give fit what it says.
 */
import { expect } from 'chai';
import { startConsoleFixture, routesOf, tokenOf, type ConsoleFixture } from './accounts/console-fixture.js';

type Schema = Record<string, unknown>;
type Operation = {
  operationId: string; summary: string; tags: string[];
  parameters?: { name: string; in: string; required: boolean; schema: Schema }[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  responses: Record<string, { content: { 'application/json': { schema: Schema } } }>;
  security: unknown[];
};
type Description = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

/** The top level of an object schema: required keys present, no key it does not list when it forbids others. */
function fitsTopLevel(schema: Schema, value: unknown): string[] {
  if (schema.type !== 'object') return [];
  if (typeof value !== 'object' || value === null) return ['not an object'];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const problems = ((schema.required ?? []) as string[]).filter((k) => !(k in value)).map((k) => `missing ${k}`);
  if (schema.additionalProperties === false) problems.push(...Object.keys(value).filter((k) => !(k in properties)).map((k) => `undescribed ${k}`));
  return problems;
}

describe('OpenAPI description', function () {
  this.timeout(30_000);
  let fx: ConsoleFixture;
  let doc: Description;
  const NATIONAL = tokenOf('ncisc');

  before(async () => {
    fx = await startConsoleFixture();
    const answer = await fx.call<Description>('GET', '/api/v1/openapi.json', { token: NATIONAL });
    expect(answer.status).to.equal(200);
    doc = answer.body;
  });
  after(() => fx.close());

  it('is OpenAPI 3.1 and needs a credential, over IPv4 and IPv6', async () => {
    expect(doc.openapi).to.equal('3.1.0');
    for (const host of ['127.0.0.1', '[::1]']) {
      expect((await fx.call('GET', '/api/v1/openapi.json', { host })).status).to.equal(401);
    }
    expect(doc.components.securitySchemes).to.have.keys('bearerToken', 'sessionCookie');
  });

  it('describes every route the console answers, and no other', () => {
    const answered = routesOf(fx.app).map((r) => `${r.method} ${r.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`).sort();
    const described = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    expect(answered.length).to.be.greaterThan(35);
    expect(described).to.deep.equal(answered);
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size, 'operation ids are unique').to.equal(ids.length);
  });

  it('gives each operation a summary, a tag, an answer schema, the refusals and who may call it', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const name = `${method.toUpperCase()} ${path}`;
        expect(op.summary, name).to.be.a('string').and.not.equal('');
        expect(op.tags, name).to.have.length(1);
        const success = Object.keys(op.responses).find((s) => s.startsWith('2'));
        expect(success, name).to.not.equal(undefined);
        expect(op.responses[success!].content['application/json'].schema, name).to.be.an('object');
        expect(op.responses['400'], name).to.not.equal(undefined);
        const open = ['/api/v1/health', '/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/auth/session'].includes(path);
        expect(op.security.length, name).to.equal(open ? 0 : 2);
        for (const param of path.match(/\{[a-z]+\}/gi) ?? []) {
          expect(op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === param), `${name} ${param}`).to.equal(true);
        }
      }
    }
  });

  it('describes query parameters from the zod schemas: the event search\'s, with a list parameter repeatable', () => {
    const search = doc.paths['/api/v1/events'].get;
    const names = search.parameters!.map((p) => p.name);
    expect(names).to.include.members(['from', 'to', 'org', 'filter', 'text', 'limit', 'order', 'cursor']);
    const limit = search.parameters!.find((p) => p.name === 'limit')!;
    expect(limit.schema).to.include({ type: 'integer', minimum: 1, maximum: 10_000 });
    expect(search.parameters!.find((p) => p.name === 'org')).to.include({ style: 'form', explode: true });
    expect(search.parameters!.find((p) => p.name === 'order')!.schema).to.deep.include({ enum: ['asc', 'desc'] });
  });

  it('describes request bodies: issuing an advisory needs a title and a grade', () => {
    const issue = doc.paths['/api/v1/advisories'].post;
    const body = issue.requestBody!.content['application/json'].schema;
    expect(body.required).to.include.members(['title', 'grade']);
    expect(Object.keys(issue.responses)).to.include('201');
  });

  it('fits the answers the routes really give', async () => {
    const gets = Object.entries(doc.paths).filter(([path, ops]) => ops.get && !path.includes('{'));
    let checked = 0;
    for (const [path, ops] of gets) {
      const answer = await fx.call('GET', path, { token: NATIONAL });
      if (answer.status !== 200) continue;
      const schema = ops.get.responses['200'].content['application/json'].schema;
      expect(fitsTopLevel(schema, answer.body), `GET ${path}`).to.deep.equal([]);
      checked++;
    }
    expect(checked).to.be.greaterThan(10);
  });
});
