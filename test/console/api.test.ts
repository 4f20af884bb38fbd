/**
 * The console's read API over a real store and a real dual-stack listener:
 * every route needs a token, every answer is scoped to what the token's org
 * may see (an enterprise its own records, a provincial regulator aggregates
 * of the enterprises it oversees, the national center all), and bad query
 * strings get a 400 that names the parameter.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { OrgRegistry } from '../../core/orgs.js';
import { SqliteStore } from '../../core/store/sqlite/sqlite-store.js';
import { JsonLogger } from '../../core/telemetry.js';
import { ApiTokens } from '../../console/api-tokens.js';
import { ConsoleServer } from '../../console/server.js';
import { makeEvent } from '../helpers/events.js';
import { repoRoot, tempDir } from '../helpers/paths.js';

const JINLING = 'js-jinling-motor'; // JS, industrial
const YANGTZE = 'js-yangtze-petro'; // JS, industrial
const PEARL = 'gd-pearl-electronics'; // GD
const TOKENS = {
  jinling: 'api-token-jinling-0000000000',
  yangtze: 'api-token-yangtze-0000000000',
  regulator: 'api-token-js-industry-000000',
  national: 'api-token-ncisc-000000000000',
};

describe('console read API', function () {
  this.timeout(20_000);
  let store: SqliteStore;
  let server: ConsoleServer;
  let port: number;

  before(async () => {
    const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
    store = SqliteStore.open({ path: join(tempDir('iisa-console-'), 'iisa.db') });
    const events = [
      ...[0, 1, 2].map((i) => makeEvent({ '@timestamp': `2026-11-25T10:00:0${i}.000Z`, org: { id: JINLING }, source: { ip: i % 2 ? '2001:db8:10::5' : '10.10.2.50' }, message: `jinling event ${i}` })),
      ...[0, 1].map((i) => makeEvent({ '@timestamp': `2026-11-25T10:00:0${i}.000Z`, org: { id: YANGTZE }, source: { ip: '10.11.2.50' }, message: `yangtze event ${i}` })),
      makeEvent({ '@timestamp': '2026-11-25T10:00:00.000Z', org: { id: PEARL }, message: 'pearl event' }),
    ];
    await store.appendEvents(events);
    await store.appendRuleHits([JINLING, PEARL].map((org, i) => ({
      id: `hit-${i}`, kind: 'detection' as const, ruleId: 'r-1', ruleTitle: 'PLC stop', level: 'high', tags: [], orgId: org,
      time: '2026-11-25T10:00:00.000Z', detectedAt: '2026-11-25T10:00:01.000Z', eventIds: ['e'],
    })));
    await store.appendDeadLetters([JINLING, PEARL].map((org, i) => ({
      id: `dl-${i}`, receivedAt: '2026-11-25T10:00:00.000Z', orgId: org, source: 'http', code: 'schema', reason: 'bad', raw: `raw ${org}`,
    })));
    const tokens = new ApiTokens([
      { id: 'jinling', org: JINLING, token: TOKENS.jinling },
      { id: 'yangtze', org: YANGTZE, token: TOKENS.yangtze },
      { id: 'regulator', org: 'js-industry-regulator', token: TOKENS.regulator },
      { id: 'national', org: 'ncisc', token: TOKENS.national },
    ], registry);
    server = new ConsoleServer({ host: '::', port: 0 }, { store, registry, tokens, log: new JsonLogger('silent') });
    await server.start();
    port = server.address()!.port;
  });

  after(async () => {
    await server.stop();
    await store.close();
  });

  async function get(path: string, token?: string, host = '127.0.0.1'): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`http://${host}:${port}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  function orgsOf(events: unknown): string[] {
    return [...new Set((events as { org: { id: string } }[]).map((e) => e.org.id))].sort();
  }

  it('refuses every data route without a valid token, over IPv4 and IPv6', async () => {
    for (const path of ['/api/v1/me', '/api/v1/orgs', '/api/v1/openapi.json', '/api/v1/events', '/api/v1/events/count', '/api/v1/events/aggregate?groupBy=org.id', '/api/v1/rule-hits', '/api/v1/dead-letters']) {
      for (const host of ['127.0.0.1', '[::1]']) {
        const none = await get(path, undefined, host);
        expect(none.status, `${path} without a token`).to.equal(401);
        expect(none.body.message).to.match(/Authorization: Bearer/);
        expect((await get(path, 'not-a-token', host)).status, `${path} with a bad token`).to.equal(401);
      }
    }
  });

  it('shows an enterprise its own events, hits and dead letters only', async () => {
    const events = await get('/api/v1/events', TOKENS.jinling, '[::1]');
    expect(events.status).to.equal(200);
    expect(orgsOf(events.body.events)).to.deep.equal([JINLING]);
    expect(events.body.events).to.have.length(3);
    const ips = (events.body.events as { source: { ip: string } }[]).map((e) => e.source.ip).sort();
    expect(ips).to.deep.equal(['10.10.2.50', '10.10.2.50', '2001:db8:10::5']);
    const hits = await get('/api/v1/rule-hits', TOKENS.jinling);
    expect((hits.body.hits as { orgId: string }[]).map((h) => h.orgId)).to.deep.equal([JINLING]);
    const letters = await get('/api/v1/dead-letters', TOKENS.jinling);
    expect((letters.body.deadLetters as { orgId: string }[]).map((l) => l.orgId)).to.deep.equal([JINLING]);
    const count = await get('/api/v1/events/count', TOKENS.yangtze);
    expect(count.body.count).to.equal(2);
  });

  it('refuses an enterprise that asks for another org, instead of answering empty', async () => {
    for (const path of [`/api/v1/events?org=${YANGTZE}`, `/api/v1/events/count?org=${JINLING},${PEARL}`, `/api/v1/rule-hits?org=${PEARL}`]) {
      const res = await get(path, TOKENS.jinling);
      expect(res.status, path).to.equal(403);
      expect(res.body.message).to.match(/not visible/);
    }
  });

  it('gives a provincial regulator aggregates of the enterprises it oversees, never records', async () => {
    const agg = await get('/api/v1/events/aggregate?groupBy=org.id', TOKENS.regulator);
    expect(agg.status).to.equal(200);
    expect(agg.body.rows).to.deep.equal([{ key: [JINLING], count: 3 }, { key: [YANGTZE], count: 2 }]);
    expect((await get('/api/v1/events/count', TOKENS.regulator)).body.count).to.equal(5);
    for (const path of ['/api/v1/events', '/api/v1/rule-hits', '/api/v1/dead-letters']) {
      const res = await get(path, TOKENS.regulator);
      expect(res.status, path).to.equal(403);
      expect(res.body.message).to.match(/aggregates only/);
    }
    expect((await get(`/api/v1/events/count?org=${PEARL}`, TOKENS.regulator)).status).to.equal(403);
    // Grouping or filtering by what is inside records would hand their values back one bucket at a time.
    for (const path of ['/api/v1/events/aggregate?groupBy=source.ip', '/api/v1/events/aggregate?groupBy=org.id,message',
      '/api/v1/events/count?filter=source.ip=10.10.2.50', '/api/v1/events/count?text=jinling']) {
      const res = await get(path, TOKENS.regulator);
      expect(res.status, path).to.equal(403);
      expect(res.body.message, path).to.match(/may group and filter by|cannot search record text/);
    }
    const byDataset = await get('/api/v1/events/aggregate?groupBy=org.id,event.dataset&filter=org.id=' + JINLING, TOKENS.regulator);
    expect(byDataset.status).to.equal(200);
    expect(byDataset.body.rows).to.deep.equal([{ key: [JINLING, 'test.events'], count: 3 }]);
    // An enterprise may group its own records by anything.
    expect((await get('/api/v1/events/aggregate?groupBy=source.ip', TOKENS.jinling)).status).to.equal(200);
  });

  it('shows the national center every org, narrowed on request', async () => {
    const all = await get('/api/v1/events?limit=100', TOKENS.national);
    expect(orgsOf(all.body.events)).to.deep.equal([PEARL, JINLING, YANGTZE].sort());
    const one = await get(`/api/v1/events?org=${PEARL}`, TOKENS.national);
    expect(orgsOf(one.body.events)).to.deep.equal([PEARL]);
    const me = await get('/api/v1/me', TOKENS.national);
    expect(me.body).to.include({ org: 'ncisc', tier: 'national', records: true });
  });

  it('filters, searches text and pages with a cursor', async () => {
    const filtered = await get('/api/v1/events?filter=source.ip=2001:db8:10::5', TOKENS.jinling);
    expect(filtered.body.events).to.have.length(1);
    const text = await get('/api/v1/events?text=yangtze', TOKENS.national);
    expect(orgsOf(text.body.events)).to.deep.equal([YANGTZE]);
    const first = await get('/api/v1/events?limit=2&order=asc', TOKENS.jinling);
    expect(first.body.events).to.have.length(2);
    const next = await get(`/api/v1/events?limit=2&order=asc&cursor=${encodeURIComponent(first.body.nextCursor as string)}`, TOKENS.jinling);
    expect(next.body.events).to.have.length(1);
    expect(next.body.nextCursor).to.equal(undefined);
  });

  it('answers a bad query with a 400 naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['/api/v1/events?limit=lots', /limit/],
      ['/api/v1/events?from=yesterday', /from: not a time/],
      ['/api/v1/events?filter=no-equals-sign', /filter: not a FIELD=VALUE filter/],
      ['/api/v1/events?unknown=1', /unknown key "unknown"/],
      ['/api/v1/events/aggregate?groupBy=org.id&bucketSeconds=-5', /bucketSeconds/],
      ['/api/v1/events?cursor=garbage', /cursor/],
    ];
    for (const [path, message] of cases) {
      const res = await get(path, TOKENS.national);
      expect(res.status, path).to.equal(400);
      expect(res.body.message, path).to.match(message);
    }
  });

  it('tells a token its kind, roles and permissions on /me: a token file without roles gives the tier\'s standard role', async () => {
    const jinling = await get('/api/v1/me', TOKENS.jinling);
    expect(jinling.body).to.deep.include({ token: 'jinling', kind: 'token', roles: ['enterprise-analyst'] });
    expect(jinling.body.permissions).to.have.members(['triage', 'suppress', 'respond']);
    const regulator = await get('/api/v1/me', TOKENS.regulator);
    expect(regulator.body).to.deep.include({ roles: ['provincial-regulator'], permissions: ['issue'] });
  });

  it('lists the orgs each tier sees, with what the heat maps group by: an enterprise itself, a regulator its enterprises, the national center all', async () => {
    type OrgRow = { id: string; tier: string; province?: string; provinceName?: string; industry?: string; category?: string; grade?: number };
    const orgs = async (token: string, query = '') => ((await get(`/api/v1/orgs${query}`, token, '[::1]')).body.orgs as OrgRow[]);
    expect((await orgs(TOKENS.jinling)).map((o) => o.id)).to.deep.equal([JINLING]);
    const regulator = await orgs(TOKENS.regulator);
    const enterprises = regulator.filter((o) => o.tier === 'enterprise');
    expect(enterprises.map((o) => o.id)).to.include.members([JINLING, YANGTZE]).and.not.include(PEARL);
    expect(regulator.map((o) => o.id)).to.include('js-industry-regulator');
    for (const org of enterprises) {
      expect(org, org.id).to.include({ province: 'JS' });
      expect(org.industry, org.id).to.be.a('string');
      expect(org.category, org.id).to.be.a('string');
      expect(org.grade, org.id).to.be.within(1, 3);
      expect(org.provinceName, org.id).to.be.a('string');
    }
    const national = await orgs(TOKENS.national, '?tier=enterprise');
    expect(national.map((o) => o.id)).to.include.members([JINLING, YANGTZE, PEARL]);
    expect(national.every((o) => o.tier === 'enterprise')).to.equal(true);
    expect((await get('/api/v1/orgs?tier=bogus', TOKENS.national)).status).to.equal(400);
    expect((await get('/api/v1/orgs')).status).to.equal(401);
  });

  it('sends every API answer as data not to be cached, framed, sniffed or rendered: on success, refusal and 404 alike', async () => {
    for (const [path, token, status] of [['/api/v1/me', TOKENS.jinling, 200], ['/api/v1/events', undefined, 401], ['/api/v1/nothing-here', TOKENS.jinling, 404]] as const) {
      const res = await fetch(`http://[::1]:${port}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      expect(res.status, path).to.equal(status);
      expect(res.headers.get('cache-control'), path).to.equal('no-store');
      expect(res.headers.get('x-content-type-options'), path).to.equal('nosniff');
      expect(res.headers.get('content-security-policy'), path).to.equal("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options'), path).to.equal('DENY');
      // Plain HTTP: no HSTS (it would be ignored, and it belongs to TLS listeners).
      expect(res.headers.get('strict-transport-security'), path).to.equal(null);
    }
  });

  it('answers an unknown path with a JSON 404', async () => {
    const res = await get('/api/v1/nothing-here', TOKENS.national);
    expect(res.status).to.equal(404);
    expect(res.body.error).to.equal('not-found');
  });
});
