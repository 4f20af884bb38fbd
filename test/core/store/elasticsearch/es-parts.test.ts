/** The small pure parts of the Elasticsearch store: names, cursor, aggregate order, config, query building. */
import { expect } from 'chai';
import { compareRows, compositeSources, TopRows } from '../../../../core/store/elasticsearch/aggregate.js';
import { clientOptions, ElasticsearchStoreConfigSchema } from '../../../../core/store/elasticsearch/config.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../../../core/store/elasticsearch/cursor.js';
import { dayStamp, IndexNames, IndexPrefixSchema } from '../../../../core/store/elasticsearch/index-names.js';
import { deadLetterIndexMappings, ruleHitIndexMappings } from '../../../../core/store/elasticsearch/record-mappings.js';
import { eqQuery, eventsQuery, prefixQuery } from '../../../../core/store/elasticsearch/query-builder.js';
import { eventIndexMappings, storeEventIndexMappings } from '../../../../core/store/elasticsearch/mapping.js';
import { indexTemplate } from '../../../../core/store/elasticsearch/templates.js';

describe('Elasticsearch store parts', function () {
  describe('index names', function () {
    const names = new IndexNames('iisa');

    it('names daily indices per kind and tier by the UTC day', function () {
      const t = Date.parse('2024-03-01T23:59:59.999+00:00');
      expect(names.daily('events', 'provincial', t)).to.equal('iisa-events-provincial-2024.03.01');
      expect(names.daily('events', 'enterprise', Date.parse('2024-03-02T07:30:00+08:00'))).to.equal('iisa-events-enterprise-2024.03.01');
      expect(names.daily('rule-hits', 'national', Date.parse('0999-12-31T00:00:00Z'))).to.equal('iisa-rule-hits-national-0999.12.31');
      expect(names.pattern('dead-letters')).to.equal('iisa-dead-letters-*');
      expect(dayStamp(Date.parse('2024-02-29T12:00:00Z'))).to.equal('2024.02.29');
    });

    it('reads the day back from its own names only', function () {
      expect(names.dayOf('events', 'iisa-events-enterprise-2024.03.01')).to.equal(Date.parse('2024-03-01T00:00:00Z'));
      expect(names.dayOf('events', 'iisa-events-galactic-2024.03.01')).to.equal(undefined);
      expect(names.dayOf('events', 'iisa-events-enterprise-2024.02.30')).to.equal(undefined);
      expect(names.dayOf('events', 'iisa-rule-hits-enterprise-2024.03.01')).to.equal(undefined);
      expect(names.dayOf('events', 'iisa-events-enterprise-2024.03.01-restored')).to.equal(undefined);
    });

    it("refuses prefixes another store's wildcard could reach, or that cannot name an index", function () {
      for (const bad of ['IISA', 'iisa-', '-iisa', 'iisa_x', 'iisa-events', 'iisa-events-x', 'a-rule-hits', 'x*', '']) {
        expect(IndexPrefixSchema.safeParse(bad).success, bad).to.equal(false);
      }
      expect(IndexPrefixSchema.safeParse('iisa-t0a1b2').success).to.equal(true);
      expect(IndexPrefixSchema.safeParse('iisa-eventsx').success).to.equal(true);
    });
  });

  describe('cursor', function () {
    it('round-trips and is checked on the way back', function () {
      const text = encodeCursor({ o: 'desc', t: 1709251200000, i: '0190f1c2-aaaa-7bbb-8ccc-000000000001' });
      expect(decodeCursor(text, 'desc')).to.deep.equal({ o: 'desc', t: 1709251200000, i: '0190f1c2-aaaa-7bbb-8ccc-000000000001' });
      expect(() => decodeCursor(text, 'asc')).to.throw(InvalidCursorError, /order desc, not asc/);
      for (const bad of ['', 'not base64 json', Buffer.from('{"o":"desc","t":1.5,"i":"x"}').toString('base64url'), Buffer.from('{"o":"desc","t":1,"i":"x","extra":1}').toString('base64url')]) {
        expect(() => decodeCursor(bad, 'desc'), bad).to.throw(InvalidCursorError, /invalid cursor/);
      }
    });
  });

  describe('aggregate order', function () {
    it('orders by count, then keys (null, numbers and booleans, text), then bucket', function () {
      const rows = [
        { key: ['b'], count: 2 },
        { key: ['a'], count: 2 },
        { key: [null], count: 2 },
        { key: [7], count: 2 },
        { key: [true], count: 2 },
        { key: ['z'], count: 9 },
      ];
      expect([...rows].sort(compareRows).map((r) => r.key[0])).to.deep.equal(['z', null, true, 7, 'a', 'b']);
    });

    it('keeps only the top rows across pages', function () {
      const top = new TopRows(3);
      for (let i = 0; i < 5000; i++) top.add({ key: [`k${String(i).padStart(4, '0')}`], count: i % 100 });
      expect(top.result()).to.deep.equal([
        { key: ['k0099'], count: 99 },
        { key: ['k0199'], count: 99 },
        { key: ['k0299'], count: 99 },
      ]);
    });

    it('groups IP fields by their canonical text and checks field names', function () {
      expect(compositeSources(['source.ip', 'event.action'], 300_000)).to.deep.equal([
        { g0: { terms: { field: 'source.ip.canonical', missing_bucket: true } } },
        { g1: { terms: { field: 'event.action', missing_bucket: true } } },
        { t: { date_histogram: { field: '@timestamp', fixed_interval: '300000ms' } } },
      ]);
      expect(() => compositeSources(['source.ip"; drop'], undefined)).to.throw(TypeError, /invalid field name/);
    });
  });

  describe('queries', function () {
    it('matches nothing, instead of failing, for values a field type cannot hold', function () {
      expect(eqQuery('source.port', 'abc')).to.deep.equal({ match_none: {} });
      expect(eqQuery('source.port', 502.5)).to.deep.equal({ match_none: {} });
      expect(eqQuery('source.port', '502')).to.deep.equal({ term: { 'source.port': 502 } });
      expect(eqQuery('ics.is_write', 'yes')).to.deep.equal({ match_none: {} });
      expect(eqQuery('source.ip', 'not-an-ip')).to.deep.equal({ match_none: {} });
      expect(prefixQuery('source.port', '50')).to.deep.equal({ match_none: {} });
    });

    it('compares IPv4 and IPv6 by canonical text', function () {
      expect(eqQuery('source.ip', '2001:DB8:0:0::1')).to.deep.equal({ term: { 'source.ip.canonical': '2001:db8::1' } });
      expect(eqQuery('destination.ip', '192.0.2.1')).to.deep.equal({ term: { 'destination.ip.canonical': '192.0.2.1' } });
      expect(prefixQuery('host.ip', 'FD00:AB:')).to.deep.equal({ prefix: { 'host.ip.canonical': 'fd00:ab:' } });
    });

    it('scopes to the org ids and refuses bad field names', function () {
      const query = eventsQuery({ orgIds: ['org-a'], filters: [{ field: 'event.action', op: 'eq', value: 'x' }] });
      expect(query).to.deep.equal({ bool: { filter: [{ terms: { 'org.id': ['org-a'] } }, { term: { 'event.action': 'x' } }] } });
      expect(() => eventsQuery({ filters: [{ field: 'a b', op: 'eq', value: 'x' }] })).to.throw(TypeError, /invalid field name/);
      expect(() => eventsQuery({ from: new Date(NaN) })).to.throw(TypeError, /from must be a valid Date/);
    });
  });

  describe('mappings and templates', function () {
    it('adds to the event mapping without changing any field type', function () {
      const base = eventIndexMappings();
      const store = storeEventIndexMappings();
      const sourceIp = (store.properties?.source as { properties: Record<string, { type: string; fields?: unknown }> }).properties.ip;
      expect(sourceIp.type).to.equal('ip');
      expect(sourceIp.fields).to.deep.equal({ canonical: { type: 'keyword', ignore_above: 8191 } });
      expect(store.properties?.iisa).to.deep.equal({ type: 'object', properties: { unindexed: { type: 'object', enabled: false }, fallback: { type: 'keyword' } } });
      expect(eventIndexMappings(), 'the shared mapping is not changed by the store').to.deep.equal(base);
    });

    it('maps dead letters and rule hits explicitly', function () {
      const letters = deadLetterIndexMappings();
      expect(letters.dynamic).to.equal('strict');
      expect(letters.properties?.receivedAt).to.include({ type: 'date' });
      expect(letters.properties?.code).to.include({ type: 'keyword' });
      expect(letters.properties?.reason).to.include({ type: 'text' });
      const hits = ruleHitIndexMappings();
      expect(hits.properties?.time).to.include({ type: 'date' });
      expect(hits.properties?.tags).to.include({ type: 'keyword' });
      expect(hits.properties?.groupKey).to.deep.equal({ type: 'object', enabled: false });
    });

    it('sets replicas 0, the shard count, and ignore_malformed on event indices only', function () {
      const names = new IndexNames('iisa');
      const events = indexTemplate(names, 'events', { shards: 3, refreshInterval: '1s', priority: 500 });
      expect(events.index_patterns).to.deep.equal(['iisa-events-*']);
      expect(events.template?.settings).to.deep.include({ number_of_shards: 3, number_of_replicas: 0, 'mapping.ignore_malformed': true });
      const hits = indexTemplate(names, 'rule-hits', { shards: 1, refreshInterval: '1s', priority: 500 });
      expect(hits.template?.settings).not.to.have.property('mapping.ignore_malformed');
    });
  });

  describe('config', function () {
    it('fills defaults and passes auth and TLS through to the client', function () {
      const config = ElasticsearchStoreConfigSchema.parse({ url: 'https://es.example:9200', apiKey: 'aWQ6a2V5', ca: '-----BEGIN CERTIFICATE-----' });
      expect(config).to.deep.include({ indexPrefix: 'iisa', shards: 1, requestTimeoutMs: 30_000 });
      expect(config.bulk).to.deep.include({ maxBytes: 5 * 1024 * 1024, concurrency: 2 });
      const options = clientOptions(config);
      expect(options).to.deep.include({ node: 'https://es.example:9200', requestTimeout: 30_000, auth: { apiKey: 'aWQ6a2V5' } });
      expect(options.tls).to.deep.equal({ rejectUnauthorized: true, ca: '-----BEGIN CERTIFICATE-----' });
      const basic = clientOptions(ElasticsearchStoreConfigSchema.parse({ url: 'http://127.0.0.1:9200', username: 'iisa', password: 'secret' }));
      expect(basic.auth).to.deep.equal({ username: 'iisa', password: 'secret' });
    });

    it('refuses half or conflicting credentials and bad values', function () {
      const bad = [
        { url: 'http://h:9200', username: 'u' },
        { url: 'http://h:9200', apiKey: 'k', username: 'u', password: 'p' },
        { url: 'ftp://h' },
        { url: 'http://h:9200', shards: 0 },
        { url: 'http://h:9200', indexPrefix: 'IISA' },
        { url: 'http://h:9200', unknown: 1 },
      ];
      for (const value of bad) expect(ElasticsearchStoreConfigSchema.safeParse(value).success, JSON.stringify(value)).to.equal(false);
    });
  });
});
