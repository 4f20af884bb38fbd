/**
 * What the Elasticsearch store does beyond the shared conformance suite,
 * against the real Elasticsearch: templates and daily tier indices, events
 * the mapping cannot take, org isolation on every read, IPv4/IPv6 round
 * trips, retention inside a day, cursor errors.
 */
import { Client } from '@elastic/elasticsearch';
import { expect } from 'chai';
import { EcsEventSchema } from '../../../../core/event.js';
import type { EcsEvent } from '../../../../core/event.js';
import { InvalidCursorError } from '../../../../core/store/elasticsearch/cursor.js';
import { ElasticsearchStore } from '../../../../core/store/elasticsearch/es-store.js';
import type { DeadLetter, RuleHit } from '../../../../core/store/store.js';
import type { Engines } from '../../../helpers/engines.js';
import { requireEngines } from '../../../helpers/engines.js';
import { makeEvent } from '../../../helpers/events.js';
import type { EventOverrides } from '../../../helpers/events.js';
import { openTestStore } from './es-helpers.js';
import type { TestStore } from './es-helpers.js';

function ev(overrides: EventOverrides = {}): EcsEvent {
  return EcsEventSchema.parse(makeEvent(overrides));
}

function idsOf(events: readonly EcsEvent[]): string[] {
  return events.map((e) => e.event.id as string).sort();
}

function letter(id: string, orgId: string | undefined, receivedAt: string): DeadLetter {
  return { id, receivedAt, ...(orgId === undefined ? {} : { orgId }), source: 'syslog-udp:[::]:5514', code: 'schema', reason: 'bad field', raw: `<13>${id}` };
}

function hit(id: string, orgId: string, time: string): RuleHit {
  return { id, kind: 'detection', ruleId: 'r-1', ruleTitle: 'Write from outside', level: 'high', tags: ['attack.ics'], orgId, time, detectedAt: time, eventIds: [id] };
}

describe('ElasticsearchStore on a real Elasticsearch: beyond the contract', function () {
  let engines: Engines;
  let client: Client;
  let opened: TestStore | undefined;

  before(async function () {
    engines = await requireEngines(this);
    client = new Client({ node: engines.elasticsearchUrl });
  });

  after(async function () {
    await client?.close();
  });

  afterEach(async function () {
    await opened?.cleanup();
    opened = undefined;
  });

  async function open(...args: Parameters<typeof openTestStore> extends [string, ...infer Rest] ? Rest : never): Promise<ElasticsearchStore> {
    opened = await openTestStore(engines.elasticsearchUrl, ...args);
    return opened.store;
  }

  it('installs its templates idempotently, with replicas 0 and the configured shards', async function () {
    const store = await open({ shards: 2 });
    const again = await ElasticsearchStore.open({ url: engines.elasticsearchUrl, indexPrefix: store.config.indexPrefix, shards: 2 });
    await again.close();
    const prefix = store.config.indexPrefix;
    const { index_templates: templates } = await client.indices.getIndexTemplate({ name: `${prefix}-*` });
    expect(templates.map((t) => t.name).sort()).to.deep.equal([`${prefix}-dead-letters`, `${prefix}-events`, `${prefix}-rule-hits`]);
    await store.appendEvents([ev({ '@timestamp': '2024-03-01T10:00:00Z' })]);
    const settings = await client.indices.getSettings({ index: `${prefix}-events-*` });
    const index = Object.values(settings)[0].settings?.index;
    expect(index?.number_of_replicas).to.equal('0');
    expect(index?.number_of_shards).to.equal('2');
    expect(index?.mapping).to.deep.include({ ignore_malformed: 'true' });
  });

  it('writes each kind to daily indices per org tier, by UTC day', async function () {
    const tiers: Record<string, 'enterprise' | 'provincial' | 'national'> = { 'org-p': 'provincial', 'org-n': 'national' };
    const store = await open({}, { tierOf: (orgId) => tiers[orgId] ?? 'enterprise' });
    await store.appendEvents([
      ev({ '@timestamp': '2024-03-01T23:59:59.999Z', org: { id: 'org-a' } }),
      ev({ '@timestamp': '2024-03-02T07:00:00+08:00', org: { id: 'org-p' } }),
      ev({ '@timestamp': '2024-03-02T00:00:00Z', org: { id: 'org-n' } }),
    ]);
    await store.appendDeadLetters([letter('d-1', undefined, '2024-03-03T01:00:00Z'), letter('d-2', 'org-p', '2024-03-03T01:00:00Z')]);
    await store.appendRuleHits([hit('h-1', 'org-a', '2024-03-04T12:00:00Z')]);
    const prefix = store.config.indexPrefix;
    const names = Object.keys(await client.indices.get({ index: `${prefix}-*` })).map((name) => name.slice(prefix.length + 1)).sort();
    expect(names).to.deep.equal([
      'dead-letters-national-2024.03.03',
      'dead-letters-provincial-2024.03.03',
      'events-enterprise-2024.03.01',
      'events-national-2024.03.02',
      'events-provincial-2024.03.01',
      'rule-hits-enterprise-2024.03.04',
    ]);
    expect(await store.countEvents({})).to.equal(3);
  });

  it('answers empty, not with errors, before any index exists', async function () {
    const store = await open();
    expect(await store.searchEvents({ text: 'pump', filters: [{ field: 'custom.code', op: 'prefix', value: 'x' }] })).to.deep.equal({ events: [] });
    expect(await store.countEvents({})).to.equal(0);
    expect(await store.aggregateEvents({ groupBy: ['source.ip'], bucketSeconds: 60 })).to.deep.equal([]);
    expect(await store.searchDeadLetters({})).to.deep.equal([]);
    expect(await store.searchRuleHits({})).to.deep.equal([]);
    expect(await store.deleteOlderThan(new Date())).to.deep.equal({ events: 0, deadLetters: 0, ruleHits: 0 });
  });

  it('keeps an event whose port is not a number, findable and returned as sent', async function () {
    const store = await open();
    const odd = { ...ev({ message: 'odd port line', event: { action: 'conn' } }), source: { ip: '2001:db8::9', port: 'not-a-number' } } as unknown as EcsEvent;
    expect(await store.appendEvents([odd])).to.deep.equal({ inserted: 1 });
    const byAction = await store.searchEvents({ filters: [{ field: 'event.action', op: 'eq', value: 'conn' }] });
    expect(byAction.events).to.deep.equal([odd]);
    expect(idsOf((await store.searchEvents({ text: 'odd port' })).events)).to.deep.equal(idsOf([odd]));
    expect(idsOf((await store.searchEvents({ filters: [{ field: 'source.ip', op: 'eq', value: '2001:DB8::9' }] })).events)).to.deep.equal(idsOf([odd]));
    expect(await store.countEvents({ filters: [{ field: 'source.port', op: 'eq', value: 'not-a-number' }] })).to.equal(0);
  });

  it('keeps events whose fields conflict with the mapping (object vs string), counts them, and gives them back as sent', async function () {
    const store = await open();
    const first = ev({ message: 'vendor detail as object', event: { action: 'vendor' }, custom: { detail: { code: 7 } } });
    const second = ev({ message: 'vendor detail as text', event: { action: 'vendor' }, custom: { detail: 'plain text' }, source: { ip: '192.0.2.77' } });
    const third = { ...ev({ message: 'source as text', event: { action: 'vendor' } }), source: 'gateway-7' } as unknown as EcsEvent;
    expect(await store.appendEvents([first])).to.deep.equal({ inserted: 1 });
    expect(await store.appendEvents([second, third])).to.deep.equal({ inserted: 2 });
    expect(store.stats().reshapedEvents).to.equal(2);
    const found = await store.searchEvents({ filters: [{ field: 'event.action', op: 'eq', value: 'vendor' }] });
    expect(idsOf(found.events)).to.deep.equal(idsOf([first, second, third]));
    const byId = new Map(found.events.map((e) => [e.event.id, e]));
    expect(byId.get(second.event.id)).to.deep.equal(second);
    expect(byId.get(third.event.id)).to.deep.equal(third);
    expect(idsOf((await store.searchEvents({ filters: [{ field: 'source.ip', op: 'eq', value: '192.0.2.77' }] })).events), 'schema fields stay indexed').to.deep.equal(idsOf([second]));
    expect(idsOf((await store.searchEvents({ text: 'vendor text' })).events)).to.deep.equal(idsOf([second]));
    expect(await store.countEvents({ filters: [{ field: 'iisa.fallback', op: 'eq', value: 'schema-only' }] })).to.equal(2);
    expect(await store.appendEvents([second]), 'a reshaped event is still deduplicated').to.deep.equal({ inserted: 0 });
  });

  it('runs prefix on a field outside the schema that is text on one day and a number on another', async function () {
    const store = await open();
    const text = ev({ '@timestamp': '2024-03-01T10:00:00Z', custom: { code: 'abc123' } });
    const number = ev({ '@timestamp': '2024-03-02T10:00:00Z', custom: { code: 42 } });
    await store.appendEvents([text, number]);
    expect(idsOf((await store.searchEvents({ filters: [{ field: 'custom.code', op: 'prefix', value: 'abc' }] })).events)).to.deep.equal(idsOf([text]));
    expect(idsOf((await store.searchEvents({ filters: [{ field: 'custom.code', op: 'eq', value: 42 }] })).events)).to.deep.equal(idsOf([number]));
    expect(idsOf((await store.searchEvents({ filters: [{ field: 'custom.code', op: 'eq', value: 'abc123' }] })).events)).to.deep.equal(idsOf([text]));
    expect(await store.countEvents({ filters: [{ field: 'custom.code', op: 'prefix', value: '4' }] })).to.equal(0);
  });

  it("never shows org A's events, hits or letters to org B, on any read, with IPv4 and IPv6 sources round-tripping canonical", async function () {
    const store = await open();
    const a = [
      ev({ '@timestamp': '2024-03-01T10:00:00Z', org: { id: 'org-a' }, source: { ip: '2001:DB8:0:0:0:0:0:a' }, event: { action: 'scan' }, message: 'secret plan a' }),
      ev({ '@timestamp': '2024-03-01T10:01:00Z', org: { id: 'org-a' }, source: { ip: '192.0.2.10' }, event: { action: 'scan' }, message: 'secret plan a' }),
    ];
    const b = [
      ev({ '@timestamp': '2024-03-01T10:02:00Z', org: { id: 'org-b' }, source: { ip: '::ffff:192.0.2.10' }, event: { action: 'login' }, message: 'routine b' }),
      ev({ '@timestamp': '2024-03-01T10:03:00Z', org: { id: 'org-b' }, source: { ip: 'FE80:0:0::B' }, event: { action: 'scan' }, message: 'routine b' }),
    ];
    expect(a[0].source?.ip).to.equal('2001:db8::a');
    expect(b[1].source?.ip).to.equal('fe80::b');
    await store.appendEvents([...a, ...b]);
    await store.appendRuleHits([hit('ha', 'org-a', '2024-03-01T10:00:00Z'), hit('hb', 'org-b', '2024-03-01T10:02:00Z')]);
    await store.appendDeadLetters([letter('la', 'org-a', '2024-03-01T10:00:00Z'), letter('lb', 'org-b', '2024-03-01T10:00:00Z'), letter('ln', undefined, '2024-03-01T10:00:00Z')]);

    const scopeB = { orgIds: ['org-b'] };
    const bPage = await store.searchEvents(scopeB);
    expect(idsOf(bPage.events)).to.deep.equal(idsOf(b));
    expect(bPage.events.map((e) => e.source?.ip).sort(), 'IPs come back canonical').to.deep.equal(['::ffff:192.0.2.10', 'fe80::b']);
    expect((await store.searchEvents({ ...scopeB, text: 'secret plan' })).events).to.deep.equal([]);
    expect((await store.searchEvents({ ...scopeB, filters: [{ field: 'source.ip', op: 'eq', value: '192.0.2.10' }] })).events, 'the mapped address is not the IPv4 one').to.deep.equal([]);
    expect((await store.searchEvents({ ...scopeB, filters: [{ field: 'source.ip', op: 'prefix', value: '2001:DB8:' }] })).events).to.deep.equal([]);
    expect(await store.countEvents({ ...scopeB, filters: [{ field: 'event.action', op: 'eq', value: 'scan' }] })).to.equal(1);
    expect(await store.countEvents({ ...scopeB, filters: [{ field: 'org.id', op: 'eq', value: 'org-a' }] })).to.equal(0);
    expect(await store.aggregateEvents({ ...scopeB, groupBy: ['source.ip'] })).to.deep.equal([
      { key: ['::ffff:192.0.2.10'], count: 1 },
      { key: ['fe80::b'], count: 1 },
    ]);
    expect(await store.aggregateEvents({ groupBy: ['org.id', 'source.ip'] })).to.deep.equal([
      { key: ['org-a', '192.0.2.10'], count: 1 },
      { key: ['org-a', '2001:db8::a'], count: 1 },
      { key: ['org-b', '::ffff:192.0.2.10'], count: 1 },
      { key: ['org-b', 'fe80::b'], count: 1 },
    ]);
    expect(await store.aggregateEvents({ ...scopeB, groupBy: ['org.id'], bucketSeconds: 3600 })).to.deep.equal([{ key: ['org-b'], bucket: '2024-03-01T10:00:00.000Z', count: 2 }]);
    expect((await store.searchRuleHits(scopeB)).map((h) => h.id)).to.deep.equal(['hb']);
    expect((await store.searchRuleHits({ ...scopeB, ruleId: 'r-1' })).map((h) => h.id)).to.deep.equal(['hb']);
    expect((await store.searchDeadLetters(scopeB)).map((l) => l.id)).to.deep.equal(['lb']);
    expect((await store.searchDeadLetters({ orgIds: ['org-a', 'org-b'] })).map((l) => l.id).sort(), 'org-less letters need an unscoped caller').to.deep.equal(['la', 'lb']);
    expect((await store.searchDeadLetters({})).map((l) => l.id).sort()).to.deep.equal(['la', 'lb', 'ln']);
  });

  it('deletes whole days before the cutoff and, inside the cutoff day, the older records by id', async function () {
    const store = await open();
    const events = [
      ev({ '@timestamp': '2024-02-28T10:00:00Z', message: 'two days old' }),
      ev({ '@timestamp': '2024-03-01T10:00:00Z', message: 'morning' }),
      ev({ '@timestamp': '2024-03-01T11:59:59.999Z', message: 'just before' }),
      ev({ '@timestamp': '2024-03-01T12:00:00Z', message: 'at the cutoff' }),
      ev({ '@timestamp': '2024-03-01T13:00:00Z', message: 'afternoon' }),
      ev({ '@timestamp': '2024-03-02T13:00:00Z', message: 'next day' }),
    ];
    await store.appendEvents(events);
    await store.appendDeadLetters([letter('old', 'org-a', '2024-02-28T10:00:00Z'), letter('am', 'org-a', '2024-03-01T09:00:00Z'), letter('pm', 'org-a', '2024-03-01T15:00:00Z')]);
    await store.appendRuleHits([hit('am', 'org-a', '2024-03-01T09:00:00Z'), hit('pm', 'org-a', '2024-03-01T15:00:00Z')]);
    const cutoff = new Date('2024-03-01T12:00:00Z');
    expect(await store.deleteOlderThan(cutoff)).to.deep.equal({ events: 3, deadLetters: 2, ruleHits: 1 });
    expect(idsOf((await store.searchEvents({})).events)).to.deep.equal(idsOf(events.slice(3)));
    const prefix = store.config.indexPrefix;
    const left = Object.keys(await client.indices.get({ index: `${prefix}-events-*` })).sort();
    expect(left).to.deep.equal([`${prefix}-events-enterprise-2024.03.01`, `${prefix}-events-enterprise-2024.03.02`]);
    expect((await store.searchDeadLetters({})).map((l) => l.id)).to.deep.equal(['pm']);
    expect((await store.searchRuleHits({})).map((h) => h.id)).to.deep.equal(['pm']);
    expect(await store.deleteOlderThan(cutoff)).to.deep.equal({ events: 0, deadLetters: 0, ruleHits: 0 });
  });

  it('refuses a bad cursor with a clear error', async function () {
    const store = await open();
    await store.appendEvents([ev(), ev()]);
    const page = await store.searchEvents({ limit: 1 });
    expect(page.nextCursor).to.be.a('string');
    for (const [cursor, pattern] of [
      ['garbage', /invalid cursor/],
      [page.nextCursor as string, /made for order desc, not asc/],
    ] as const) {
      let failure: unknown;
      await store.searchEvents({ cursor, order: cursor === 'garbage' ? 'desc' : 'asc' }).catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(InvalidCursorError);
      expect(String(failure)).to.match(pattern);
    }
  });

  it('stores a batch cut into many bulk requests completely', async function () {
    const store = await open({ bulk: { maxBytes: 32 * 1024, concurrency: 2 } });
    const events = Array.from({ length: 1500 }, (_, i) => ev({ '@timestamp': new Date(Date.parse('2024-03-01T00:00:00Z') + i * 1000).toISOString(), message: 'x'.repeat(100) }));
    expect(await store.appendEvents(events)).to.deep.equal({ inserted: 1500 });
    expect(await store.countEvents({})).to.equal(1500);
  });

  it('waits for work in flight on close, then refuses new work; close twice is fine', async function () {
    const store = await open();
    const writing = store.appendEvents([ev()]);
    await store.close();
    expect(await writing).to.deep.equal({ inserted: 1 });
    await store.close();
    let failure: unknown;
    await store.appendEvents([ev()]).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.match(/is closed/);
  });
});
