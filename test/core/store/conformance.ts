/**
 * The Store conformance suite: what core/store/store.ts promises, checked
 * against any implementation. Each backend's test file calls
 * `storeConformance(name, open)`.
 *
 * `open` must give an empty store, visible only to this test, whose reads
 * see every append that has resolved (read-your-writes); `reopen` opens
 * another store on the same data (the first may be closed by then), as a
 * restarted process would; `cleanup` closes every store it gave (after the
 * test may already have closed them) and removes their data.
 *
 * The document methods have their own block, documents-conformance.ts,
 * run from here with the same `open`.
 */
import { expect } from 'chai';
import { EcsEventSchema } from '../../../core/event.js';
import type { EcsEvent } from '../../../core/event.js';
import type { DeadLetter, EventQuery, RuleHit, Store } from '../../../core/store/store.js';
import { makeEvent } from '../../helpers/events.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { EventOverrides } from '../../helpers/events.js';
import { documentConformance } from './documents-conformance.js';

export type OpenStore = () => Promise<{ store: Store; reopen: () => Promise<Store>; cleanup: () => Promise<void> }>;

const T0 = Date.parse('2024-03-01T00:00:00.000Z');

/** ISO time `ms` after T0. */
function at(ms: number): string {
  return new Date(T0 + ms).toISOString();
}

/** A schema-validated event (IPs canonical), as the pipeline would hand the store. */
function ev(overrides: EventOverrides = {}): EcsEvent {
  return EcsEventSchema.parse(makeEvent(overrides));
}

function ids(events: readonly EcsEvent[]): string[] {
  return events.map((event) => event.event.id as string);
}

function sortedIds(events: readonly EcsEvent[]): string[] {
  return ids(events).sort();
}

function hit(overrides: Partial<RuleHit> & { id: string }): RuleHit {
  return {
    kind: 'detection', ruleId: 'rule-1', ruleTitle: 'Modbus write from a host outside the allow-list', level: 'high',
    tags: ['attack.ics', 'attack.t0855'], orgId: 'org-a', time: new Date(T0).toISOString(), detectedAt: new Date(T0 + 5).toISOString(),
    eventIds: ['e-1'], ...overrides,
  };
}

function letter(overrides: Partial<DeadLetter> & { id: string }): DeadLetter {
  return {
    receivedAt: at(0),
    source: 'http',
    code: 'schema',
    reason: 'event.outcome must be success, failure or unknown',
    raw: '{"event":{"outcome":"maybe"}}',
    ...overrides,
  };
}

/** Read every page of a query; fails if paging does not end within `maxPages`. */
async function allPages(store: Store, query: EventQuery, maxPages = 1000): Promise<{ events: EcsEvent[]; pages: number }> {
  const events: EcsEvent[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= maxPages; pages++) {
    const page = await store.searchEvents({ ...query, cursor });
    events.push(...page.events);
    if (page.nextCursor === undefined) return { events, pages };
    cursor = page.nextCursor;
  }
  throw new Error(`paging did not end within ${maxPages} pages`);
}

export function storeConformance(name: string, open: OpenStore): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });

    afterEach(async () => {
      await cleanup();
    });

    describe('appendEvents', () => {
      it('is fed valid events by this suite (EcsEventSchema accepts makeEvent output unchanged)', () => {
        const made = makeEvent({ source: { ip: '10.0.0.1' } });
        expect(EcsEventSchema.parse(made)).to.deep.equal(made);
        expect(made.event.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(made.org?.id).to.equal('org-a');
      });

      it('returns how many events were new and keeps one copy per event.id', async () => {
        const events = [ev(), ev(), ev()];
        expect(await store.appendEvents(events)).to.deep.equal({ inserted: 3 });
        expect(await store.appendEvents(events)).to.deep.equal({ inserted: 0 });
        const extra = ev();
        expect(await store.appendEvents([events[0], extra, extra])).to.deep.equal({ inserted: 1 });
        const page = await store.searchEvents({});
        expect(sortedIds(page.events)).to.deep.equal(sortedIds([...events, extra]));
        expect(await store.countEvents({})).to.equal(4);
      });

      it('with eventual visibility: counts like an immediate append, and every record becomes readable', async () => {
        const events = [ev(), ev(), ev()];
        expect(await store.appendEvents(events, { visibility: 'eventual' })).to.deep.equal({ inserted: 3 });
        expect(await store.appendEvents(events, { visibility: 'eventual' })).to.deep.equal({ inserted: 0 });
        await store.appendRuleHits([hit({ id: 'h-eventual' })], { visibility: 'eventual' });
        await store.appendDeadLetters([letter({ id: 'dl-eventual' })], { visibility: 'eventual' });
        await waitFor(async () => (await store.countEvents({})) === 3, 15_000, 'the events readable');
        await waitFor(async () => (await store.searchRuleHits({})).length === 1, 15_000, 'the rule hit readable');
        await waitFor(async () => (await store.searchDeadLetters({})).length === 1, 15_000, 'the dead letter readable');
        expect(sortedIds((await store.searchEvents({})).events)).to.deep.equal(sortedIds(events));
      });

      it('accepts an empty batch', async () => {
        expect(await store.appendEvents([])).to.deep.equal({ inserted: 0 });
      });

      it('gives events back exactly as appended', async () => {
        const event = ev({
          '@timestamp': at(0),
          message: 'Modbus write to PLC-7 — 写入寄存器',
          event: { action: 'modbus-write', category: ['network', 'intrusion_detection'], original: 'raw line' },
          source: { ip: '10.1.2.3', port: 50211 },
          destination: { ip: '2001:db8::7', port: 502 },
          ics: { protocol: 'modbus', function: 'WRITE_SINGLE_REGISTER', function_code: 6, is_write: true },
          labels: { site: 'line-2' },
        });
        await store.appendEvents([event]);
        const { events } = await store.searchEvents({});
        expect(events).to.deep.equal([event]);
      });
    });

    describe('searchEvents', () => {
      it('includes `from` and excludes `to`', async () => {
        const events = [-1, 0, 1, 59_999, 60_000].map((ms) => ev({ '@timestamp': at(ms), message: String(ms) }));
        await store.appendEvents(events);
        const { events: found } = await store.searchEvents({ from: new Date(T0), to: new Date(T0 + 60_000) });
        expect(found.map((e) => e.message)).to.deep.equal(['59999', '1', '0']);
        expect((await store.searchEvents({ from: new Date(T0) })).events).to.have.length(4);
        expect((await store.searchEvents({ to: new Date(T0) })).events.map((e) => e.message)).to.deep.equal(['-1']);
      });

      it('returns newest first by default and oldest first with order asc', async () => {
        await store.appendEvents([2, 0, 1].map((s) => ev({ '@timestamp': at(s * 1000), message: String(s) })));
        expect((await store.searchEvents({})).events.map((e) => e.message)).to.deep.equal(['2', '1', '0']);
        expect((await store.searchEvents({ order: 'asc' })).events.map((e) => e.message)).to.deep.equal(['0', '1', '2']);
      });

      it("never returns another org's events", async () => {
        const a = [ev({ org: { id: 'org-a' } }), ev({ org: { id: 'org-a' } })];
        const b = [ev({ org: { id: 'org-b' } })];
        const c = [ev({ org: { id: 'org-c' } })];
        await store.appendEvents([...a, ...b, ...c]);
        expect(sortedIds((await store.searchEvents({ orgIds: ['org-a'] })).events)).to.deep.equal(sortedIds(a));
        expect(sortedIds((await store.searchEvents({ orgIds: ['org-b'] })).events)).to.deep.equal(sortedIds(b));
        expect(sortedIds((await store.searchEvents({ orgIds: ['org-a', 'org-c'] })).events)).to.deep.equal(sortedIds([...a, ...c]));
        expect(sortedIds((await store.searchEvents({})).events)).to.deep.equal(sortedIds([...a, ...b, ...c]));
        expect((await store.searchEvents({ orgIds: ['org-z'] })).events).to.deep.equal([]);
      });

      it('returns nothing for an empty orgIds list', async () => {
        await store.appendEvents([ev({ org: { id: 'org-a' } }), ev({ org: { id: 'org-b' } })]);
        const page = await store.searchEvents({ orgIds: [] });
        expect(page.events).to.deep.equal([]);
        expect(page.nextCursor).to.equal(undefined);
      });

      it('a filter on org.id cannot widen the scope', async () => {
        await store.appendEvents([ev({ org: { id: 'org-a' } }), ev({ org: { id: 'org-b' } })]);
        const { events } = await store.searchEvents({ orgIds: ['org-a'], filters: [{ field: 'org.id', op: 'eq', value: 'org-b' }] });
        expect(events).to.deep.equal([]);
      });

      it('matches eq on string, number and boolean fields', async () => {
        const write = ev({ event: { action: 'modbus-write' }, destination: { port: 502 }, ics: { function: 'WRITE_SINGLE_REGISTER', is_write: true } });
        const read = ev({ event: { action: 'modbus-read' }, destination: { port: 503 }, ics: { function: 'READ_HOLDING_REGISTERS', is_write: false } });
        await store.appendEvents([write, read]);
        const one = async (field: string, value: string | number | boolean): Promise<string[]> =>
          ids((await store.searchEvents({ filters: [{ field, op: 'eq', value }] })).events);
        expect(await one('event.action', 'modbus-write')).to.deep.equal(ids([write]));
        expect(await one('ics.function', 'READ_HOLDING_REGISTERS')).to.deep.equal(ids([read]));
        expect(await one('destination.port', 502)).to.deep.equal(ids([write]));
        expect(await one('ics.is_write', true)).to.deep.equal(ids([write]));
        expect(await one('ics.is_write', false)).to.deep.equal(ids([read]));
        expect(await one('ics.function', 'WRITE')).to.deep.equal([]);
        expect(await one('no.such.field', 'x')).to.deep.equal([]);
      });

      it('matches eq on an array field when any element is equal', async () => {
        const auth = ev({ event: { category: ['authentication', 'network'] }, tags: ['ot', 'line-2'] });
        const net = ev({ event: { category: ['network'] }, tags: ['it'] });
        await store.appendEvents([auth, net]);
        const one = async (field: string, value: string): Promise<string[]> =>
          sortedIds((await store.searchEvents({ filters: [{ field, op: 'eq', value }] })).events);
        expect(await one('event.category', 'authentication')).to.deep.equal(ids([auth]));
        expect(await one('event.category', 'network')).to.deep.equal(sortedIds([auth, net]));
        expect(await one('tags', 'line-2')).to.deep.equal(ids([auth]));
        expect(await one('tags', 'line')).to.deep.equal([]);
      });

      it('ANDs several filters', async () => {
        const hit = ev({ event: { action: 'login-failure' }, user: { name: 'operator' } });
        await store.appendEvents([hit, ev({ event: { action: 'login-failure' }, user: { name: 'admin' } }), ev({ event: { action: 'login-success' }, user: { name: 'operator' } })]);
        const { events } = await store.searchEvents({
          filters: [
            { field: 'event.action', op: 'eq', value: 'login-failure' },
            { field: 'user.name', op: 'eq', value: 'operator' },
          ],
        });
        expect(ids(events)).to.deep.equal(ids([hit]));
      });

      it('matches prefix literally: % and _ in the value are not wildcards', async () => {
        const values = ['pump_1%x', 'pump_12', 'pumpX1', 'pump_1', 'xpump_1', 'pump%1'];
        const events = values.map((v) => ev({ message: v, event: { action: v }, idres: { identifier: `88.101.5/${v}` } }));
        await store.appendEvents(events);
        const prefix = async (field: string, value: string): Promise<string[]> =>
          (await store.searchEvents({ filters: [{ field, op: 'prefix', value }] })).events.map((e) => e.message as string).sort();
        for (const [field, head] of [['event.action', ''], ['idres.identifier', '88.101.5/']] as const) {
          expect(await prefix(field, `${head}pump_1`)).to.deep.equal(['pump_1', 'pump_1%x', 'pump_12']);
          expect(await prefix(field, `${head}pump_1%`)).to.deep.equal(['pump_1%x']);
          expect(await prefix(field, `${head}pump%`)).to.deep.equal(['pump%1']);
          expect(await prefix(field, `${head}pump_`)).to.deep.equal(['pump_1', 'pump_1%x', 'pump_12']);
        }
      });

      it('matches IPv4 and IPv6 addresses by canonical form', async () => {
        const v4 = ev({ source: { ip: '192.0.2.10' }, destination: { ip: '198.51.100.1' }, related: { ip: ['192.0.2.10', '198.51.100.1'] } });
        const v6 = ev({
          source: { ip: '2001:DB8:0:0:0:0:0:1' },
          destination: { ip: 'fe80::1' },
          related: { ip: ['2001:db8::1', 'fe80:0::1'] },
        });
        const mapped = ev({ source: { ip: '::ffff:192.0.2.10' } });
        await store.appendEvents([v4, v6, mapped]);
        const eq = async (field: string, value: string): Promise<string[]> =>
          sortedIds((await store.searchEvents({ filters: [{ field, op: 'eq', value }] })).events);
        expect(await eq('source.ip', '192.0.2.10')).to.deep.equal(ids([v4]));
        expect(await eq('destination.ip', '198.51.100.1')).to.deep.equal(ids([v4]));
        expect(await eq('source.ip', '2001:db8::1')).to.deep.equal(ids([v6]));
        expect(await eq('source.ip', '2001:DB8::0:1')).to.deep.equal(ids([v6]));
        expect(await eq('source.ip', '2001:0db8:0000:0000:0000:0000:0000:0001')).to.deep.equal(ids([v6]));
        expect(await eq('destination.ip', 'FE80::1')).to.deep.equal(ids([v6]));
        expect(await eq('related.ip', '2001:db8::1')).to.deep.equal(ids([v6]));
        expect(await eq('related.ip', '198.51.100.1')).to.deep.equal(ids([v4]));
        expect(await eq('source.ip', '::ffff:192.0.2.10')).to.deep.equal(ids([mapped]));
        expect(await eq('source.ip', '2001:db8::2')).to.deep.equal([]);
      });

      it('matches an IP prefix whatever the case of its hex digits, on hot and document fields', async () => {
        const v6 = ev({
          source: { ip: '2001:DB8:ABCD::1' },
          destination: { ip: '2001:db8:abcd::2' },
          host: { ip: ['FD00:AB::7', '10.1.2.3'] },
          observer: { ip: ['2001:DB8:ABCD::fe'] },
          related: { ip: ['2001:db8:abcd::1', '2001:db8:abcd::2'] },
          dns: { resolved_ip: ['2001:DB8:ABCD::53'] },
        });
        const v4 = ev({ source: { ip: '192.0.2.10' }, destination: { ip: '198.51.100.1' }, host: { ip: ['10.1.9.9'] } });
        const other = ev({ source: { ip: '2001:db8:ef::1' }, destination: { ip: 'fe80::1' } });
        await store.appendEvents([v6, v4, other]);
        const prefix = async (field: string, value: string): Promise<string[]> =>
          sortedIds((await store.searchEvents({ filters: [{ field, op: 'prefix', value }] })).events);
        expect(await prefix('source.ip', '2001:DB8:')).to.deep.equal(sortedIds([v6, other]));
        expect(await prefix('source.ip', '2001:DB8:ABCD:')).to.deep.equal(ids([v6]));
        expect(await prefix('destination.ip', '2001:DB8:AbCd:')).to.deep.equal(ids([v6]));
        expect(await prefix('destination.ip', 'FE80:')).to.deep.equal(ids([other]));
        expect(await prefix('host.ip', 'FD00:AB:')).to.deep.equal(ids([v6]));
        expect(await prefix('host.ip', '10.1.')).to.deep.equal(sortedIds([v6, v4]));
        expect(await prefix('observer.ip', '2001:DB8:ABCD::F')).to.deep.equal(ids([v6]));
        expect(await prefix('related.ip', '2001:DB8:ABCD::')).to.deep.equal(ids([v6]));
        expect(await prefix('dns.resolved_ip', '2001:DB8:ABCD::5')).to.deep.equal(ids([v6]));
        expect(await prefix('source.ip', '192.0.2.')).to.deep.equal(ids([v4]));
        expect(await prefix('source.ip', '2001:DB9:')).to.deep.equal([]);
      });

      describe('text', () => {
        let m1: EcsEvent, m2: EcsEvent, m3: EcsEvent, m4: EcsEvent;

        beforeEach(async () => {
          m1 = ev({ message: 'Pump valve opened near tank 3' });
          m2 = ev({ message: 'pump stopped' });
          m3 = ev({ message: 'pumpstation online' });
          m4 = ev({ message: 'login ok', event: { original: '<34>Oct 11 22:14:15 gw sshd: valve override by operator' } });
          await store.appendEvents([m1, m2, m3, m4]);
        });

        const text = async (query: string): Promise<string[]> => sortedIds((await store.searchEvents({ text: query })).events);

        it('requires every word, case-insensitively', async () => {
          expect(await text('pump valve')).to.deep.equal(ids([m1]));
          expect(await text('PUMP')).to.deep.equal(sortedIds([m1, m2]));
          expect(await text('pump nosuchword')).to.deep.equal([]);
        });

        it('searches event.original as well as message', async () => {
          expect(await text('valve')).to.deep.equal(sortedIds([m1, m4]));
          expect(await text('override operator')).to.deep.equal(ids([m4]));
        });

        it('treats query syntax in user input as plain words', async () => {
          expect(await text('pump -valve'), '- is not negation').to.deep.equal(ids([m1]));
          expect(await text('"pump"')).to.deep.equal(sortedIds([m1, m2]));
          expect(await text('pump*'), '* is not a prefix wildcard').to.deep.equal(sortedIds([m1, m2]));
          expect(await text('NEAR( pump valve')).to.deep.equal(ids([m1]));
        });

        it('does not fail on hostile input', async () => {
          for (const hostile of ['"', '*', '-', 'NEAR(', 'NEAR(pump, valve)', '(pump OR', 'AND', 'OR NOT', 'message:pump', '^pump', "'", '\\', '""""', 'pump"', '{ } [ ] :', '\u0000']) {
            const page = await store.searchEvents({ text: hostile });
            expect(page.events, JSON.stringify(hostile)).to.be.an('array');
            expect(await store.countEvents({ text: hostile }), JSON.stringify(hostile)).to.be.a('number');
          }
        });

        it('combines with filters and org scope', async () => {
          const other = ev({ message: 'pump valve', org: { id: 'org-b' } });
          await store.appendEvents([other]);
          expect(await text('pump valve')).to.deep.equal(sortedIds([m1, other]));
          expect(sortedIds((await store.searchEvents({ text: 'pump valve', orgIds: ['org-b'] })).events)).to.deep.equal(ids([other]));
        });
      });

      it('returns 100 events by default', async () => {
        await store.appendEvents(Array.from({ length: 150 }, (_, i) => ev({ '@timestamp': at(i) })));
        const page = await store.searchEvents({});
        expect(page.events).to.have.length(100);
        expect(page.nextCursor).to.be.a('string');
      });

      it('caps limit at 10000', async () => {
        await store.appendEvents(Array.from({ length: 10_001 }, (_, i) => ev({ '@timestamp': at(i) })));
        const page = await store.searchEvents({ limit: 50_000 });
        expect(page.events).to.have.length(10_000);
        expect(page.nextCursor).to.be.a('string');
      });

      for (const order of ['desc', 'asc'] as const) {
        it(`pages through 250 events (${order}) with no duplicates or gaps`, async () => {
          // Three events share each timestamp, so the cursor must break ties.
          const mine = Array.from({ length: 250 }, (_, i) => ev({ '@timestamp': at(Math.floor(i / 3) * 1000), org: { id: 'org-a' } }));
          const others = Array.from({ length: 50 }, (_, i) => ev({ '@timestamp': at(i * 1000 + 500), org: { id: 'org-b' } }));
          await store.appendEvents([...mine, ...others]);
          const { events, pages } = await allPages(store, { orgIds: ['org-a'], order, limit: 40 });
          expect(pages).to.equal(7);
          expect(new Set(ids(events)).size).to.equal(250);
          expect(sortedIds(events)).to.deep.equal(sortedIds(mine));
          const times = events.map((e) => Date.parse(e['@timestamp']));
          const expected = [...times].sort((x, y) => (order === 'asc' ? x - y : y - x));
          expect(times).to.deep.equal(expected);
        });
      }

      it('has no nextCursor when the last page is exactly full', async () => {
        await store.appendEvents(Array.from({ length: 20 }, (_, i) => ev({ '@timestamp': at(i) })));
        const { events, pages } = await allPages(store, { limit: 10 });
        expect(events).to.have.length(20);
        expect(pages).to.equal(2);
      });

      it('pages with filters and time range', async () => {
        const hits = Array.from({ length: 60 }, (_, i) => ev({ '@timestamp': at(i * 10), event: { action: 'hit' } }));
        const misses = Array.from({ length: 60 }, (_, i) => ev({ '@timestamp': at(i * 10 + 5), event: { action: 'miss' } }));
        await store.appendEvents([...hits, ...misses]);
        const { events } = await allPages(store, {
          from: new Date(T0 + 100),
          to: new Date(T0 + 500),
          filters: [{ field: 'event.action', op: 'eq', value: 'hit' }],
          limit: 7,
        });
        expect(sortedIds(events)).to.deep.equal(sortedIds(hits.slice(10, 50)));
      });
    });

    describe('countEvents', () => {
      it('counts what searchEvents would find, unlimited', async () => {
        await store.appendEvents([
          ...Array.from({ length: 120 }, (_, i) => ev({ '@timestamp': at(i), event: { action: 'scan' }, org: { id: 'org-a' } })),
          ...Array.from({ length: 30 }, (_, i) => ev({ '@timestamp': at(i), event: { action: 'login' }, org: { id: 'org-b' } })),
        ]);
        expect(await store.countEvents({})).to.equal(150);
        expect(await store.countEvents({ orgIds: ['org-a'] })).to.equal(120);
        expect(await store.countEvents({ orgIds: [] })).to.equal(0);
        expect(await store.countEvents({ filters: [{ field: 'event.action', op: 'eq', value: 'login' }] })).to.equal(30);
        expect(await store.countEvents({ from: new Date(T0 + 10), to: new Date(T0 + 20) })).to.equal(20);
        expect(await store.countEvents({ text: 'test event' })).to.equal(150);
      });
    });

    describe('aggregateEvents', () => {
      it('counts by a field, largest first, ties by key', async () => {
        const spec: [string, number][] = [['scan', 5], ['login', 3], ['write', 3], ['read', 1]];
        await store.appendEvents(spec.flatMap(([action, n]) => Array.from({ length: n }, () => ev({ event: { action } }))));
        const rows = await store.aggregateEvents({ groupBy: ['event.action'] });
        expect(rows).to.deep.equal([
          { key: ['scan'], count: 5 },
          { key: ['login'], count: 3 },
          { key: ['write'], count: 3 },
          { key: ['read'], count: 1 },
        ]);
        expect(await store.aggregateEvents({ groupBy: ['event.action'], limit: 2 })).to.deep.equal(rows.slice(0, 2));
      });

      it('groups by several fields, with null for a missing field and typed keys', async () => {
        await store.appendEvents([
          ev({ org: { id: 'org-a' }, destination: { port: 502 } }),
          ev({ org: { id: 'org-a' }, destination: { port: 502 } }),
          ev({ org: { id: 'org-b' }, destination: { port: 502 } }),
          ev({ org: { id: 'org-b' } }),
        ]);
        const rows = await store.aggregateEvents({ groupBy: ['org.id', 'destination.port'] });
        expect(rows[0]).to.deep.equal({ key: ['org-a', 502], count: 2 });
        expect(rows.slice(1)).to.have.deep.members([
          { key: ['org-b', 502], count: 1 },
          { key: ['org-b', null], count: 1 },
        ]);
      });

      it('buckets by time', async () => {
        const minute = 60_000;
        await store.appendEvents([1, 2, 4, 6, 11].map((m) => ev({ '@timestamp': at(m * minute) })));
        const rows = await store.aggregateEvents({ groupBy: [], bucketSeconds: 300 });
        expect(rows).to.deep.equal([
          { key: [], bucket: at(0), count: 3 },
          { key: [], bucket: at(5 * minute), count: 1 },
          { key: [], bucket: at(10 * minute), count: 1 },
        ]);
      });

      it('buckets by time within each group', async () => {
        await store.appendEvents([
          ev({ '@timestamp': at(0), event: { action: 'scan' } }),
          ev({ '@timestamp': at(1000), event: { action: 'scan' } }),
          ev({ '@timestamp': at(3_600_000), event: { action: 'scan' } }),
          ev({ '@timestamp': at(10), event: { action: 'login' } }),
        ]);
        const rows = await store.aggregateEvents({ groupBy: ['event.action'], bucketSeconds: 3600 });
        expect(rows[0]).to.deep.equal({ key: ['scan'], bucket: at(0), count: 2 });
        expect(rows.slice(1)).to.have.deep.members([
          { key: ['login'], bucket: at(0), count: 1 },
          { key: ['scan'], bucket: at(3_600_000), count: 1 },
        ]);
      });

      it('honours org scope, time range, filters and text', async () => {
        await store.appendEvents([
          ev({ '@timestamp': at(0), org: { id: 'org-a' }, event: { action: 'scan' }, message: 'port scan' }),
          ev({ '@timestamp': at(0), org: { id: 'org-a' }, event: { action: 'login' }, message: 'login ok' }),
          ev({ '@timestamp': at(5000), org: { id: 'org-a' }, event: { action: 'scan' }, message: 'port scan' }),
          ev({ '@timestamp': at(0), org: { id: 'org-b' }, event: { action: 'scan' }, message: 'port scan' }),
        ]);
        expect(await store.aggregateEvents({ groupBy: ['event.action'], orgIds: [] })).to.deep.equal([]);
        expect(await store.aggregateEvents({ groupBy: ['event.action'], orgIds: ['org-b'] })).to.deep.equal([{ key: ['scan'], count: 1 }]);
        expect(await store.aggregateEvents({ groupBy: ['event.action'], orgIds: ['org-a'], to: new Date(T0 + 5000) })).to.deep.equal([
          { key: ['login'], count: 1 },
          { key: ['scan'], count: 1 },
        ]);
        expect(await store.aggregateEvents({ groupBy: ['org.id'], filters: [{ field: 'event.action', op: 'eq', value: 'scan' }] })).to.deep.equal([
          { key: ['org-a'], count: 2 },
          { key: ['org-b'], count: 1 },
        ]);
        expect(await store.aggregateEvents({ groupBy: ['org.id'], text: 'login' })).to.deep.equal([{ key: ['org-a'], count: 1 }]);
      });
    });

    describe('appendDeadLetters / searchDeadLetters', () => {
      it('keeps one copy per id and gives letters back as appended', async () => {
        const full = letter({ id: 'dl-1', orgId: 'org-a', parser: 'zeek-modbus', code: 'bad-field', receivedAt: at(1000), raw: '{"ts":"x"}' });
        const bare = letter({ id: 'dl-2', source: 'syslog-udp:[::]:5514', code: 'unknown-sender', reason: 'no source matches ::1', receivedAt: at(2000) });
        await store.appendDeadLetters([full, bare]);
        await store.appendDeadLetters([full, full]);
        const found = await store.searchDeadLetters({});
        expect([...found].sort((x, y) => x.id.localeCompare(y.id))).to.deep.equal([full, bare]);
      });

      it('keeps one copy of a letter appended again on a later day (its record read again after a crash)', async () => {
        const first = letter({ id: 'dl-again', orgId: 'org-a', code: 'bad-field', receivedAt: at(1000) });
        await store.appendDeadLetters([first]);
        await store.appendDeadLetters([{ ...first, receivedAt: at(1000 + 36 * 3_600_000) }]);
        expect(await store.searchDeadLetters({})).to.deep.equal([first]);
      });

      it('accepts an empty batch', async () => {
        await store.appendDeadLetters([]);
        expect(await store.searchDeadLetters({})).to.deep.equal([]);
      });

      it('filters by source, code, time and org scope, and limits', async () => {
        await store.appendDeadLetters([
          letter({ id: 'a1', orgId: 'org-a', source: 'http', code: 'schema', receivedAt: at(0) }),
          letter({ id: 'a2', orgId: 'org-a', source: 'file:/var/log/fw.log', code: 'too-large', receivedAt: at(1000) }),
          letter({ id: 'b1', orgId: 'org-b', source: 'http', code: 'schema', receivedAt: at(2000) }),
          letter({ id: 'n1', source: 'http', code: 'bad-token', receivedAt: at(3000) }),
        ]);
        const idsOf = (letters: readonly DeadLetter[]): string[] => letters.map((l) => l.id).sort();
        expect(idsOf(await store.searchDeadLetters({}))).to.deep.equal(['a1', 'a2', 'b1', 'n1']);
        expect(idsOf(await store.searchDeadLetters({ orgIds: ['org-a'] }))).to.deep.equal(['a1', 'a2']);
        expect(idsOf(await store.searchDeadLetters({ orgIds: ['org-a', 'org-b'] }))).to.deep.equal(['a1', 'a2', 'b1']);
        expect(await store.searchDeadLetters({ orgIds: [] })).to.deep.equal([]);
        expect(idsOf(await store.searchDeadLetters({ source: 'http' }))).to.deep.equal(['a1', 'b1', 'n1']);
        expect(idsOf(await store.searchDeadLetters({ code: 'schema' }))).to.deep.equal(['a1', 'b1']);
        expect(idsOf(await store.searchDeadLetters({ from: new Date(T0 + 1000), to: new Date(T0 + 3000) }))).to.deep.equal(['a2', 'b1']);
        expect(idsOf(await store.searchDeadLetters({ source: 'http', code: 'schema', orgIds: ['org-b'] }))).to.deep.equal(['b1']);
        expect(await store.searchDeadLetters({ limit: 2 })).to.have.length(2);
      });
    });

    describe('appendRuleHits / searchRuleHits', () => {
      it('keeps one copy per id and gives hits back as appended, newest first', async () => {
        const detection = hit({ id: 'h-1', time: at(1000) });
        const correlation = hit({
          id: 'h-2', kind: 'correlation', ruleId: 'corr-1', ruleTitle: 'Brute force then write', time: at(2000),
          eventIds: ['e-1', 'e-2', 'e-3'], groupKey: { 'source.ip': '2001:db8::7' }, value: 12,
        });
        await store.appendRuleHits([detection, correlation]);
        await store.appendRuleHits([detection]);
        await store.appendRuleHits([]);
        expect(await store.searchRuleHits({})).to.deep.equal([correlation, detection]);
      });

      it('filters by org scope, time, rule and kind, and limits', async () => {
        await store.appendRuleHits([
          hit({ id: 'a1', orgId: 'org-a', time: at(0) }),
          hit({ id: 'a2', orgId: 'org-a', ruleId: 'rule-2', time: at(1000) }),
          hit({ id: 'b1', orgId: 'org-b', time: at(2000), kind: 'correlation' }),
        ]);
        const ids = (hits: readonly RuleHit[]) => hits.map((h) => h.id).sort();
        expect(ids(await store.searchRuleHits({ orgIds: ['org-a'] }))).to.deep.equal(['a1', 'a2']);
        expect(await store.searchRuleHits({ orgIds: [] })).to.deep.equal([]);
        expect(ids(await store.searchRuleHits({ orgIds: ['org-b'] }))).to.deep.equal(['b1']);
        expect(ids(await store.searchRuleHits({ from: new Date(T0 + 1000), to: new Date(T0 + 2000) }))).to.deep.equal(['a2']);
        expect(ids(await store.searchRuleHits({ ruleId: 'rule-1' }))).to.deep.equal(['a1', 'b1']);
        expect(ids(await store.searchRuleHits({ kind: 'correlation' }))).to.deep.equal(['b1']);
        expect(await store.searchRuleHits({ limit: 1 })).to.have.length(1);
      });
    });

    describe('deleteOlderThan', () => {
      it('deletes events by @timestamp, dead letters by receivedAt and rule hits by time before the cutoff', async () => {
        const old = [ev({ '@timestamp': at(-2000), message: 'old pump' }), ev({ '@timestamp': at(-1), message: 'old pump' })];
        const kept = [ev({ '@timestamp': at(0), message: 'new pump' }), ev({ '@timestamp': at(5000), message: 'new pump' })];
        await store.appendEvents([...old, ...kept]);
        await store.appendDeadLetters([letter({ id: 'old', receivedAt: at(-1) }), letter({ id: 'new', receivedAt: at(0) })]);
        await store.appendRuleHits([hit({ id: 'h-old', time: at(-1) }), hit({ id: 'h-new', time: at(0) })]);
        expect(await store.deleteOlderThan(new Date(T0))).to.deep.equal({ events: 2, deadLetters: 1, ruleHits: 1 });
        expect(sortedIds((await store.searchEvents({})).events)).to.deep.equal(sortedIds(kept));
        expect(sortedIds((await store.searchEvents({ text: 'pump' })).events)).to.deep.equal(sortedIds(kept));
        expect(await store.countEvents({})).to.equal(2);
        expect((await store.searchDeadLetters({})).map((l) => l.id)).to.deep.equal(['new']);
        expect((await store.searchRuleHits({})).map((h) => h.id)).to.deep.equal(['h-new']);
        expect(await store.deleteOlderThan(new Date(T0))).to.deep.equal({ events: 0, deadLetters: 0, ruleHits: 0 });
      });

      it('deletes large backlogs completely', async () => {
        await store.appendEvents(Array.from({ length: 5000 }, (_, i) => ev({ '@timestamp': at(-1 - i) })));
        await store.appendEvents([ev({ '@timestamp': at(0) })]);
        expect(await store.deleteOlderThan(new Date(T0))).to.deep.equal({ events: 5000, deadLetters: 0, ruleHits: 0 });
        expect(await store.countEvents({})).to.equal(1);
      });
    });

    describe('close', () => {
      it('can be called twice', async () => {
        await store.close();
        await store.close();
      });
    });
  });

  documentConformance(name, open);
}
