/**
 * The coordination routes as /api/v1/openapi.json describes them: each
 * with its tag and who may call it, 201 where it creates, 409 where the
 * alert's state can refuse a change, the paging of the lists, and answers
 * described as closed objects (the registry checks every answer against
 * them, so what the description says is what a client gets).
 */
import { expect } from 'chai';
import { startConsoleFixture, tokenOf, type ConsoleFixture } from './accounts/console-fixture.js';

type Schema = Record<string, unknown>;
type Operation = {
  tags: string[]; summary: string; description?: string;
  parameters?: { name: string; in: string; required: boolean; schema: Schema }[];
  responses: Record<string, { content: { 'application/json': { schema: Schema } } }>;
};

const ROUTES: Readonly<Record<string, string>> = {
  'GET /alerts': 'alerts',
  'GET /alerts/{id}': 'alerts',
  'POST /alerts/{id}/status': 'alerts',
  'POST /alerts/{id}/assign': 'alerts',
  'POST /alerts/{id}/comments': 'alerts',
  'POST /suppressions': 'alerts',
  'GET /suppressions': 'alerts',
  'POST /advisories': 'advisories',
  'GET /advisories': 'advisories',
  'GET /advisories/{id}': 'advisories',
  'GET /advisories/{id}/stix': 'advisories',
  'POST /advisories/stix': 'advisories',
  'POST /advisories/{id}/ack': 'advisories',
  'POST /tasks': 'tasks',
  'GET /tasks': 'tasks',
  'GET /tasks/{id}': 'tasks',
  'POST /tasks/{id}/status': 'tasks',
  'POST /tasks/{id}/ack': 'tasks',
  'GET /posture': 'posture',
  'GET /federation/security-log': 'federation',
};

const CREATES = ['POST /advisories', 'POST /advisories/stix', 'POST /tasks', 'POST /suppressions'];
const TRIAGE = ['POST /alerts/{id}/status', 'POST /alerts/{id}/assign', 'POST /alerts/{id}/comments'];
const PAGED: Readonly<Record<string, string>> = { 'GET /advisories': 'advisories', 'GET /tasks': 'tasks', 'GET /suppressions': 'suppressions' };

describe('coordination API description', function () {
  this.timeout(30_000);
  let fx: ConsoleFixture;
  let paths: Record<string, Record<string, Operation>>;

  before(async () => {
    fx = await startConsoleFixture();
    const answer = await fx.call<{ paths: typeof paths }>('GET', '/api/v1/openapi.json', { token: tokenOf('ncisc') });
    expect(answer.status).to.equal(200);
    paths = answer.body.paths;
  });
  after(() => fx.close());

  function operation(route: string): Operation {
    const [method, path] = route.split(' ');
    const op = paths[`/api/v1${path}`]?.[method.toLowerCase()];
    if (!op) throw new Error(`${route} is not described`);
    return op;
  }

  function success(route: string): { status: string; schema: Schema } {
    const op = operation(route);
    const status = Object.keys(op.responses).find((s) => s.startsWith('2'))!;
    return { status, schema: op.responses[status].content['application/json'].schema };
  }

  it('describes every coordination route under its tag, saying who may call it', () => {
    for (const [route, tag] of Object.entries(ROUTES)) {
      const op = operation(route);
      expect(op.tags, route).to.deep.equal([tag]);
      expect(op.summary, route).to.be.a('string').and.not.match(/\n/);
      expect(op.description, route).to.be.a('string').and.not.equal('');
    }
  });

  it('answers 201 where a route creates and 200 elsewhere, and 409 only where an alert\'s state can refuse', () => {
    for (const route of Object.keys(ROUTES)) {
      expect(success(route).status, route).to.equal(CREATES.includes(route) ? '201' : '200');
      expect(Object.keys(operation(route).responses).includes('409'), route).to.equal(TRIAGE.includes(route));
    }
  });

  it('pages the advisory, task and suppression lists: from, to, limit and cursor in, nextCursor out beside the list', () => {
    for (const [route, key] of Object.entries(PAGED)) {
      const params = operation(route).parameters ?? [];
      expect(params.map((p) => p.name), route).to.have.members(['from', 'to', 'limit', 'cursor']);
      expect(params.every((p) => p.in === 'query' && !p.required), route).to.equal(true);
      expect(params.find((p) => p.name === 'limit')!.schema, route).to.include({ default: 100, minimum: 1, maximum: 10_000 });
      const { schema } = success(route);
      expect(Object.keys(schema.properties as Schema), route).to.have.members([key, 'nextCursor']);
      expect(schema.required, route).to.deep.equal([key]);
    }
  });

  it('describes the answers as closed objects, but the STIX bundle, which carries STIX\'s own properties', () => {
    for (const route of Object.keys(ROUTES)) {
      const { schema } = success(route);
      expect(schema.type, route).to.equal('object');
      if (route === 'GET /advisories/{id}/stix') {
        expect(schema.additionalProperties, route).to.not.equal(false);
        expect(schema.required, route).to.include.members(['type', 'id', 'objects']);
      } else {
        expect(schema.additionalProperties, route).to.equal(false);
      }
    }
  });
});
