import { expect } from 'chai';
import { CounterMetrics } from '../../../../core/telemetry.js';
import { CorrelationEngine } from '../../../../detector/sigma/correlation/index.js';
import { MINUTE, SECOND, T0, correlation, detection, engineFor, eventAt, feed, of } from './build.js';

const failed = detection('failed_login', '53ba33fd-3a50-4468-a5ef-c583635cfa92');
const success = detection('successful_login', '4d0a2c83-c62c-4ed4-b475-c7e23a9269b8');
const recon = [detection('recon_cmd_a'), detection('recon_cmd_b'), detection('recon_cmd_c')] as const;
const [a, b, c] = recon;
const web = detection('website_access');

const user = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ user: { name }, ...extra });

describe('CorrelationEngine', () => {
  describe('event_count', () => {
    const bruteForce = correlation({ name: 'brute', type: 'event_count', rules: ['failed_login'], groupBy: ['user.name'], condition: { gte: 3 } });

    it('fires on the hit that reaches the threshold, with value, group key, events and times', () => {
      const engine = engineFor({ correlations: [bruteForce], rules: [failed] });
      const hits = feed(engine, [
        [failed, eventAt(0, user('bob'))],
        [failed, eventAt(30 * SECOND, user('bob'))],
      ]);
      expect(hits).to.deep.equal([]);
      const third = eventAt(MINUTE, user('bob'));
      const [hit, ...rest] = engine.onRuleHit(failed, third);
      expect(rest).to.deep.equal([]);
      expect(hit!.correlation).to.equal(bruteForce);
      expect(hit!.value).to.equal(3);
      expect(hit!.groupKey).to.deep.equal({ 'org.id': 'org-a', 'user.name': 'bob' });
      expect(hit!.events.map((e) => e.timeMs)).to.deep.equal([T0, T0 + 30 * SECOND, T0 + MINUTE]);
      expect(hit!.events[2]!.event).to.equal(third);
      expect(hit!.events[2]!.rule).to.equal(failed);
      expect(hit!.firstSeen).to.equal(new Date(T0).toISOString());
      expect(hit!.lastSeen).to.equal(new Date(T0 + MINUTE).toISOString());
      expect(hit!.timeMs).to.equal(T0 + MINUTE);
    });

    it('does not fire when the hits are spread wider than the timespan', () => {
      const engine = engineFor({ correlations: [bruteForce], rules: [failed] });
      const hits = feed(engine, [
        [failed, eventAt(0, user('bob'))],
        [failed, eventAt(3 * MINUTE, user('bob'))],
        [failed, eventAt(6 * MINUTE, user('bob'))],
        [failed, eventAt(9 * MINUTE, user('bob'))],
      ]);
      expect(hits).to.deep.equal([]);
    });

    it('includes a hit exactly one timespan after the first, and not one millisecond later', () => {
      const pair = correlation({ name: 'pair', type: 'event_count', rules: ['failed_login'], groupBy: ['user.name'], condition: { gte: 2 } });
      const atEdge = feed(engineFor({ correlations: [pair], rules: [failed] }), [
        [failed, eventAt(0, user('bob'))],
        [failed, eventAt(5 * MINUTE, user('bob'))],
      ]);
      expect(atEdge.map((h) => h.value)).to.deep.equal([2]);
      const pastEdge = feed(engineFor({ correlations: [pair], rules: [failed] }), [
        [failed, eventAt(0, user('bob'))],
        [failed, eventAt(5 * MINUTE + 1, user('bob'))],
      ]);
      expect(pastEdge).to.deep.equal([]);
    });

    it('keeps groups apart: different users, and the same user in different orgs', () => {
      const engine = engineFor({ correlations: [bruteForce], rules: [failed] });
      const hits = feed(engine, [
        [failed, eventAt(0, user('bob'))],
        [failed, eventAt(1, user('alice'))],
        [failed, eventAt(2, user('bob', { org: { id: 'org-b' } }))],
        [failed, eventAt(3, user('bob'))],
        [failed, eventAt(4, user('alice'))],
        [failed, eventAt(5, user('bob', { org: { id: 'org-b' } }))],
      ]);
      expect(hits).to.deep.equal([]);
      expect(engine.stats().totalGroups).to.equal(3);
      const [hit] = engine.onRuleHit(failed, eventAt(6, user('bob', { org: { id: 'org-b' } })));
      expect(hit!.groupKey).to.deep.equal({ 'org.id': 'org-b', 'user.name': 'bob' });
    });

    it('treats gt as strictly greater', () => {
      const more = correlation({ name: 'more', type: 'event_count', rules: ['failed_login'], condition: { gt: 2 } });
      const hits = feed(engineFor({ correlations: [more], rules: [failed] }), [0, 1, 2].map((i) => [failed, eventAt(i * SECOND)] as const));
      expect(hits.map((h) => h.value)).to.deep.equal([3]);
      const two = feed(engineFor({ correlations: [more], rules: [failed] }), [0, 1].map((i) => [failed, eventAt(i * SECOND)] as const));
      expect(two).to.deep.equal([]);
    });

    it('fires once per timespan for a continuing flood, then again after it', () => {
      const engine = engineFor({ correlations: [bruteForce], rules: [failed] });
      // One failure every 10 s for 12 minutes.
      const hits = feed(engine, Array.from({ length: 72 }, (_, i) => [failed, eventAt(i * 10 * SECOND, user('bob'))] as const));
      // Fires at 20 s (third hit), is quiet until 5:20, fires again at 5:50 and at 11:20.
      expect(hits.map((h) => (h.timeMs - T0) / SECOND)).to.deep.equal([20, 350, 680]);
      expect(hits.every((h) => h.value === 3)).to.equal(true);
    });

    it('counts an event that hits two referenced rules once', () => {
      const other = detection('other_failure');
      const either = correlation({ name: 'either', type: 'event_count', rules: ['failed_login', 'other_failure'], condition: { gte: 2 } });
      const engine = engineFor({ correlations: [either], rules: [failed, other] });
      const first = eventAt(0);
      expect(feed(engine, [[failed, first], [other, first]])).to.deep.equal([]);
      expect(engine.onRuleHit(other, eventAt(SECOND)).map((h) => h.value)).to.deep.equal([2]);
    });

    it('tests an upper bound when the window closes, from the group’s first hit', () => {
      const quiet = correlation({ name: 'quiet', type: 'event_count', rules: ['failed_login'], groupBy: ['user.name'], condition: { lt: 3 } });
      const engine = engineFor({ correlations: [quiet], rules: [failed] });
      const during = feed(engine, [
        [failed, eventAt(0, user('bob'))],
        [failed, eventAt(MINUTE, user('bob'))],
        [failed, eventAt(0, user('alice'))],
        [failed, eventAt(MINUTE, user('alice'))],
        [failed, eventAt(5 * MINUTE, user('alice'))],
      ]);
      expect(during).to.deep.equal([]);
      // The windows [0, 5 min] close once event time passes 5 min.
      expect(engine.advanceTo(T0 + 5 * MINUTE)).to.deep.equal([]);
      const closed = engine.advanceTo(T0 + 5 * MINUTE + 1);
      expect(closed.map((h) => [h.groupKey['user.name'], h.value, h.timeMs - T0])).to.deep.equal([['bob', 2, 5 * MINUTE]]);
      expect(closed[0]!.lastSeen).to.equal(new Date(T0 + MINUTE).toISOString());
    });

    it('applies a range (gt and lte together) and eq at window close', () => {
      const range = correlation({ name: 'range', type: 'event_count', rules: ['failed_login'], groupBy: ['user.name'], condition: { gt: 2, lte: 4 } });
      const exact = correlation({ name: 'exact', type: 'event_count', rules: ['failed_login'], groupBy: ['user.name'], condition: { eq: 5 } });
      const engine = engineFor({ correlations: [range, exact], rules: [failed] });
      const hits = feed(engine, [
        // Offsets ascend across users: with latenessMs 0 an older hit would be late.
        ...[0, 1, 2].map((i) => [failed, eventAt(i, user('three'))] as const),
        ...[3, 4, 5, 6, 7].map((i) => [failed, eventAt(i, user('five'))] as const),
        ...[8, 9, 10, 11, 12, 13].map((i) => [failed, eventAt(i, user('six'))] as const),
      ]);
      expect(hits).to.deep.equal([]);
      const closed = engine.flush();
      expect(of(closed, 'range').map((h) => [h.groupKey['user.name'], h.value])).to.deep.equal([['three', 3]]);
      expect(of(closed, 'exact').map((h) => [h.groupKey['user.name'], h.value])).to.deep.equal([['five', 5]]);
    });

    it('supports neq (spec v2.1) when the condition carries it', () => {
      const neq = correlation({ name: 'neq', type: 'event_count', rules: ['failed_login'], groupBy: ['user.name'], condition: { neq: 2 } as never });
      const engine = engineFor({ correlations: [neq], rules: [failed] });
      feed(engine, [[failed, eventAt(0, user('one'))], [failed, eventAt(0, user('two'))], [failed, eventAt(1, user('two'))]]);
      expect(engine.flush().map((h) => h.groupKey['user.name'])).to.deep.equal(['one']);
    });

    it('skips (and counts) hits that lack a group-by field', () => {
      const metrics = new CounterMetrics();
      const engine = engineFor({ correlations: [bruteForce], rules: [failed], metrics });
      const hits = feed(engine, [0, 1, 2].map((i) => [failed, eventAt(i)] as const));
      expect(hits).to.deep.equal([]);
      expect(engine.stats().totalGroups).to.equal(0);
      expect(metrics.get('detector.correlation_hits_dropped', { rule: 'brute', reason: 'group_field_missing' })).to.equal(3);
    });

    it('groups by IPv6 addresses as well as IPv4', () => {
      const byIp = correlation({ name: 'by_ip', type: 'event_count', rules: ['failed_login'], groupBy: ['source.ip'], condition: { gte: 2 } });
      const engine = engineFor({ correlations: [byIp], rules: [failed] });
      const hits = feed(engine, [
        [failed, eventAt(0, { source: { ip: '2001:db8::1' } })],
        [failed, eventAt(1, { source: { ip: '192.0.2.1' } })],
        [failed, eventAt(2, { source: { ip: '2001:db8::1' } })],
        [failed, eventAt(3, { source: { ip: '192.0.2.1' } })],
      ]);
      expect(hits.map((h) => h.groupKey['source.ip'])).to.deep.equal(['2001:db8::1', '192.0.2.1']);
    });

    it('maps Sigma field names through the field resolver for detection rules', () => {
      const sigmaNames = correlation({ name: 'sigma_names', type: 'event_count', rules: ['failed_login'], groupBy: ['User'], condition: { gte: 2 } });
      const engine = engineFor({
        correlations: [sigmaNames], rules: [failed],
        fieldResolver: (field) => ({ User: 'user.name' } as Record<string, string>)[field] ?? field,
      });
      const hits = feed(engine, [[failed, eventAt(0, user('bob'))], [failed, eventAt(1, user('bob'))]]);
      expect(hits.map((h) => h.groupKey)).to.deep.equal([{ 'org.id': 'org-a', User: 'bob' }]);
    });

    it('keeps at most maxEventsPerHit event refs, the most recent', () => {
      const many = correlation({ name: 'many', type: 'event_count', rules: ['failed_login'], condition: { gte: 8 } });
      const engine = engineFor({ correlations: [many], rules: [failed], maxEventsPerHit: 3 });
      const hits = feed(engine, Array.from({ length: 8 }, (_, i) => [failed, eventAt(i * SECOND)] as const));
      expect(hits[0]!.value).to.equal(8);
      expect(hits[0]!.events.map((e) => (e.timeMs - T0) / SECOND)).to.deep.equal([5, 6, 7]);
      expect(hits[0]!.firstSeen).to.equal(new Date(T0).toISOString());
    });
  });

  describe('value_count', () => {
    const spray = correlation({
      name: 'spray', type: 'value_count', rules: ['failed_login'], groupBy: ['source.ip'], condition: { field: 'user.name', gte: 3 },
    });
    const fromIp = (ip: string, name: unknown): Record<string, unknown> => ({ source: { ip }, user: { name } });

    it('fires when the distinct values reach the threshold', () => {
      const engine = engineFor({ correlations: [spray], rules: [failed] });
      const hits = feed(engine, [
        [failed, eventAt(0, fromIp('10.0.0.9', 'alice'))],
        [failed, eventAt(1, fromIp('10.0.0.9', 'alice'))],
        [failed, eventAt(2, fromIp('10.0.0.9', 'bob'))],
        [failed, eventAt(3, fromIp('2001:db8::9', 'carol'))],
        [failed, eventAt(4, fromIp('10.0.0.9', 'carol'))],
      ]);
      expect(hits.map((h) => [h.groupKey['source.ip'], h.value])).to.deep.equal([['10.0.0.9', 3]]);
      expect(hits[0]!.events).to.have.length(4);
    });

    it('does not count repeats of one value, nor values that left the window', () => {
      const engine = engineFor({ correlations: [spray], rules: [failed] });
      const hits = feed(engine, [
        ...Array.from({ length: 10 }, (_, i) => [failed, eventAt(i, fromIp('10.0.0.9', 'alice'))] as const),
        [failed, eventAt(MINUTE, fromIp('10.0.0.9', 'bob'))],
        // alice's last hit is now more than 5 minutes old: still two distinct values.
        [failed, eventAt(5 * MINUTE + 10, fromIp('10.0.0.9', 'carol'))],
      ]);
      expect(hits).to.deep.equal([]);
      expect(engine.onRuleHit(failed, eventAt(5 * MINUTE + 20, fromIp('10.0.0.9', 'dave'))).map((h) => h.value)).to.deep.equal([3]);
    });

    it('counts a number and its text once, and each element of an array', () => {
      const ports = correlation({ name: 'ports', type: 'value_count', rules: ['failed_login'], condition: { field: 'destination.port', gte: 3 } });
      const engine = engineFor({ correlations: [ports], rules: [failed] });
      expect(feed(engine, [
        [failed, eventAt(0, { destination: { port: 502 } })],
        [failed, eventAt(1, { destination: { port: '502' } })],
        [failed, eventAt(2, { destination: { port: 102 } })],
      ])).to.deep.equal([]);
      expect(engine.onRuleHit(failed, eventAt(3, { destination: { port: [502, 20000] } })).map((h) => h.value)).to.deep.equal([3]);
    });

    it('caps the distinct values per group and counts it', () => {
      const metrics = new CounterMetrics();
      const few = correlation({ name: 'few', type: 'value_count', rules: ['failed_login'], condition: { field: 'user.name', lt: 100 } });
      const engine = engineFor({ correlations: [few], rules: [failed], maxValuesPerGroup: 3, metrics });
      feed(engine, ['a', 'b', 'c', 'd', 'e'].map((name, i) => [failed, eventAt(i, user(name))] as const));
      expect(engine.flush().map((h) => h.value)).to.deep.equal([3]);
      expect(metrics.get('detector.correlation_values_capped', { rule: 'few' })).to.equal(1);
    });

    it('never caps below the threshold, so the rule can still fire', () => {
      const engine = engineFor({ correlations: [spray], rules: [failed], maxValuesPerGroup: 1 });
      const hits = feed(engine, ['a', 'b', 'c'].map((name, i) => [failed, eventAt(i, fromIp('10.0.0.9', name))] as const));
      expect(hits.map((h) => h.value)).to.deep.equal([3]);
    });
  });

  describe('value_sum', () => {
    const exfil = correlation({
      name: 'exfil', type: 'value_sum', rules: ['website_access'], groupBy: ['source.ip', 'user.name'], timespanMs: 60 * MINUTE,
      condition: { field: 'source.bytes', gt: 1_000_000 },
    });
    const upload = (bytes: unknown): Record<string, unknown> => ({ source: { ip: '10.1.1.1', bytes }, user: { name: 'bob' } });

    it('fires when the sum in the window passes the bound', () => {
      const engine = engineFor({ correlations: [exfil], rules: [web] });
      const hits = feed(engine, [
        [web, eventAt(0, upload(600_000))],
        [web, eventAt(10 * MINUTE, upload('300000'))],
        [web, eventAt(20 * MINUTE, upload('n/a'))],
        [web, eventAt(30 * MINUTE, upload(200_000))],
      ]);
      expect(hits.map((h) => h.value)).to.deep.equal([1_100_000]);
      expect(hits[0]!.groupKey).to.deep.equal({ 'org.id': 'org-a', 'source.ip': '10.1.1.1', 'user.name': 'bob' });
    });

    it('does not fire when the parts are further apart than the timespan', () => {
      const engine = engineFor({ correlations: [exfil], rules: [web] });
      const hits = feed(engine, [
        [web, eventAt(0, upload(600_000))],
        [web, eventAt(61 * MINUTE, upload(600_000))],
      ]);
      expect(hits).to.deep.equal([]);
    });
  });

  describe('value_avg', () => {
    const avg = correlation({
      name: 'avg', type: 'value_avg', rules: ['website_access'], groupBy: ['source.ip'], condition: { field: 'source.bytes', gt: 500 },
    });
    const bytes = (ip: string, n: number): Record<string, unknown> => ({ source: { ip, bytes: n } });

    it('tests the average of the whole window when it closes', () => {
      const engine = engineFor({ correlations: [avg], rules: [web] });
      const during = feed(engine, [
        [web, eventAt(0, bytes('10.0.0.1', 900))],
        [web, eventAt(MINUTE, bytes('10.0.0.1', 400))],
        [web, eventAt(0, bytes('10.0.0.2', 900))],
        [web, eventAt(MINUTE, bytes('10.0.0.2', 50))],
      ]);
      expect(during, 'nothing is decided before the window closes').to.deep.equal([]);
      const closed = engine.advanceTo(T0 + 6 * MINUTE);
      expect(closed.map((h) => [h.groupKey['source.ip'], h.value])).to.deep.equal([['10.0.0.1', 650]]);
      expect(closed[0]!.timeMs).to.equal(T0 + 5 * MINUTE);
    });

    it('never fires for a window without numeric values', () => {
      const engine = engineFor({ correlations: [avg], rules: [web] });
      feed(engine, [[web, eventAt(0, { source: { ip: '10.0.0.1' } })]]);
      expect(engine.flush()).to.deep.equal([]);
    });
  });

  describe('value_percentile', () => {
    const p90 = correlation({
      name: 'p90', type: 'value_percentile', rules: ['website_access'], groupBy: ['source.ip'],
      condition: { field: 'event.duration', percentile: 90, gte: 1000 },
    });
    const took = (ip: string, duration: number): Record<string, unknown> => ({ source: { ip }, event: { duration } });

    it('tests the given percentile of the window at close', () => {
      const engine = engineFor({ correlations: [p90], rules: [web] });
      feed(engine, [
        // 10.0.0.1: 1..10 x 100 -> p90 = 910; 10.0.0.2: 1..10 x 120 -> p90 = 1092
        ...Array.from({ length: 10 }, (_, i) => [
          [web, eventAt(i, took('10.0.0.1', (i + 1) * 100))] as const,
          [web, eventAt(i, took('10.0.0.2', (i + 1) * 120))] as const,
        ]).flat(),
      ]);
      const closed = engine.flush();
      expect(closed.map((h) => [h.groupKey['source.ip'], h.value])).to.deep.equal([['10.0.0.2', 1092]]);
    });

    it('defaults to the median when no percentile is given', () => {
      const median = correlation({ name: 'median', type: 'value_percentile', rules: ['website_access'], condition: { field: 'event.duration', lte: 30 } });
      const engine = engineFor({ correlations: [median], rules: [web] });
      feed(engine, [10, 20, 30, 1000, 40].map((d, i) => [web, eventAt(i, { event: { duration: d } })] as const));
      expect(engine.flush().map((h) => h.value)).to.deep.equal([30]);
    });

    it('samples beyond maxSamplesPerGroup and counts it', () => {
      const metrics = new CounterMetrics();
      const any = correlation({ name: 'any', type: 'value_percentile', rules: ['website_access'], condition: { field: 'event.duration', gte: 0 } });
      const engine = engineFor({ correlations: [any], rules: [web], maxSamplesPerGroup: 10, metrics });
      feed(engine, Array.from({ length: 1000 }, (_, i) => [web, eventAt(i, { event: { duration: i } })] as const));
      const [hit] = engine.flush();
      expect(hit!.value).to.be.within(0, 999);
      expect(metrics.get('detector.correlation_values_capped', { rule: 'any' })).to.equal(1);
    });
  });

  describe('temporal', () => {
    const anyOrder = correlation({ name: 'recon', type: 'temporal', rules: ['recon_cmd_a', 'recon_cmd_b', 'recon_cmd_c'], groupBy: ['host.name', 'user.name'] });
    const onHost = (offset: number, host = 'ews-01'): ReturnType<typeof eventAt> => eventAt(offset, { host: { name: host }, user: { name: 'op' } });

    it('fires when every referenced rule hit in the window, in any order', () => {
      const engine = engineFor({ correlations: [anyOrder], rules: [...recon] });
      const hits = feed(engine, [[c, onHost(0)], [a, onHost(MINUTE)], [a, onHost(2 * MINUTE)], [b, onHost(3 * MINUTE)]]);
      expect(hits.map((h) => h.value)).to.deep.equal([3]);
      // One event per rule: the latest of each.
      expect(hits[0]!.events.map((e) => [e.rule.name, (e.timeMs - T0) / MINUTE])).to.deep.equal([
        ['recon_cmd_c', 0], ['recon_cmd_a', 2], ['recon_cmd_b', 3],
      ]);
      expect(hits[0]!.groupKey).to.deep.equal({ 'org.id': 'org-a', 'host.name': 'ews-01', 'user.name': 'op' });
    });

    it('does not fire when a rule is missing, on another host, or out of the window', () => {
      const engine = engineFor({ correlations: [anyOrder], rules: [...recon] });
      expect(feed(engine, [
        [a, onHost(0)], [b, onHost(MINUTE)],
        [c, onHost(2 * MINUTE, 'ews-02')],
        [c, onHost(5 * MINUTE + 1)],
      ])).to.deep.equal([]);
    });

    it('counts distinct rules against an explicit condition', () => {
      const twoOfThree = correlation({ ...anyOrder, name: 'two_of_three', condition: { gte: 2 } });
      const engine = engineFor({ correlations: [twoOfThree], rules: [...recon] });
      expect(feed(engine, [[b, onHost(0)], [b, onHost(1)]])).to.deep.equal([]);
      expect(engine.onRuleHit(c, onHost(2)).map((h) => h.value)).to.deep.equal([2]);
    });
  });

  describe('temporal_ordered', () => {
    const ordered = correlation({ name: 'ordered', type: 'temporal_ordered', rules: ['recon_cmd_a', 'recon_cmd_b', 'recon_cmd_c'], groupBy: ['host.name'] });
    const unordered = correlation({ ...ordered, name: 'unordered', type: 'temporal' });
    const onHost = (offset: number): ReturnType<typeof eventAt> => eventAt(offset, { host: { name: 'ews-01' } });

    it('fires only for the listed order, where temporal fires for any order', () => {
      const engine = engineFor({ correlations: [ordered, unordered], rules: [...recon] });
      const hits = feed(engine, [[b, onHost(0)], [a, onHost(SECOND)], [c, onHost(2 * SECOND)]]);
      expect(hits.map((h) => h.correlation.name)).to.deep.equal(['unordered']);
      // Now b and then c after a: the ordered chain a -> b -> c completes.
      const more = feed(engine, [[b, onHost(3 * SECOND)], [c, onHost(4 * SECOND)]]);
      expect(more.map((h) => h.correlation.name)).to.deep.equal(['ordered']);
      expect(more[0]!.value).to.equal(3);
      expect(more[0]!.events.map((e) => [e.rule.name, (e.timeMs - T0) / SECOND])).to.deep.equal([
        ['recon_cmd_a', 1], ['recon_cmd_b', 3], ['recon_cmd_c', 4],
      ]);
    });

    it('needs the whole chain within the timespan, starting from the latest possible first hit', () => {
      const engine = engineFor({ correlations: [ordered], rules: [...recon] });
      expect(feed(engine, [[a, onHost(0)], [b, onHost(2 * MINUTE)], [c, onHost(6 * MINUTE)]])).to.deep.equal([]);
      const hits = feed(engine, [[a, onHost(7 * MINUTE)], [b, onHost(8 * MINUTE)], [c, onHost(12 * MINUTE)]]);
      expect(hits.map((h) => [h.value, (Date.parse(h.firstSeen) - T0) / MINUTE])).to.deep.equal([[3, 7]]);
    });

    it('accepts a chain that ends exactly one timespan after it starts', () => {
      const engine = engineFor({ correlations: [ordered], rules: [...recon] });
      const hits = feed(engine, [[a, onHost(0)], [b, onHost(MINUTE)], [c, onHost(5 * MINUTE)]]);
      expect(hits).to.have.length(1);
    });
  });

  describe('aliases', () => {
    // The specification's field name aliases example.
    const internalError = detection('internal_error');
    const newConnection = detection('new_network_connection');
    const reverse = correlation({
      name: 'reverse', type: 'temporal', rules: ['internal_error', 'new_network_connection'], groupBy: ['internal_ip', 'remote_ip'],
      timespanMs: 10 * SECOND,
      aliases: {
        internal_ip: { internal_error: 'destination.ip', new_network_connection: 'source.ip' },
        remote_ip: { internal_error: 'source.ip', new_network_connection: 'destination.ip' },
      },
    });
    const flow = (offset: number, src: string, dst: string): ReturnType<typeof eventAt> => eventAt(offset, { source: { ip: src }, destination: { ip: dst } });

    for (const [family, internal, remote, other] of [
      ['IPv4', '10.0.0.5', '203.0.113.7', '203.0.113.8'],
      ['IPv6', 'fd00::5', '2001:db8::7', '2001:db8::8'],
    ] as const) {
      it(`groups events of two rules by their aliased fields (${family})`, () => {
        const engine = engineFor({ correlations: [reverse], rules: [internalError, newConnection] });
        const hits = feed(engine, [
          [internalError, flow(0, remote, internal)],
          [newConnection, flow(SECOND, internal, remote)],
        ]);
        expect(hits.map((h) => h.groupKey)).to.deep.equal([{ 'org.id': 'org-a', internal_ip: internal, remote_ip: remote }]);
      });

      it(`does not group them when the addresses differ (${family})`, () => {
        const engine = engineFor({ correlations: [reverse], rules: [internalError, newConnection] });
        const hits = feed(engine, [
          [internalError, flow(0, remote, internal)],
          [newConnection, flow(SECOND, internal, other)],
          [newConnection, flow(2 * SECOND, remote, internal)],
        ]);
        expect(hits).to.deep.equal([]);
      });
    }
  });

  describe('chaining', () => {
    // The specification's example: many failed logins followed by a successful login.
    const many = correlation({
      name: 'multiple_failed_login', id: 'a8418a5a-5fc4-46b5-b23b-6c73beb19d41', type: 'event_count', rules: ['failed_login'],
      groupBy: ['user.name'], timespanMs: 10 * MINUTE, condition: { gte: 10 },
    });
    const followed = correlation({
      id: 'b180ead8-d58f-40b2-ae54-c8940995b9b6', title: 'Multiple Failed Logins Followed by Successful Login', type: 'temporal_ordered',
      rules: ['multiple_failed_login', 'successful_login'], groupBy: ['user.name'], timespanMs: 10 * MINUTE, level: 'high',
    });

    it('feeds a correlation hit to the correlation that references it', () => {
      const engine = engineFor({ correlations: [followed, many], rules: [failed, success] });
      const failures = feed(engine, Array.from({ length: 10 }, (_, i) => [failed, eventAt(i * 20 * SECOND, user('bob'))] as const));
      expect(failures.map((h) => [h.correlation.name, h.value, h.standalone])).to.deep.equal([['multiple_failed_login', 10, false]]);
      const [hit, ...rest] = engine.onRuleHit(success, eventAt(4 * MINUTE, user('bob')));
      expect(rest).to.deep.equal([]);
      expect(hit!.correlation).to.equal(followed);
      expect(hit!.standalone).to.equal(true);
      expect(hit!.groupKey).to.deep.equal({ 'org.id': 'org-a', 'user.name': 'bob' });
      expect(hit!.events.map((e) => e.rule.name)).to.deep.equal(['multiple_failed_login', 'successful_login']);
      expect(hit!.events[0]!.hit?.value).to.equal(10);
      expect(hit!.firstSeen).to.equal(new Date(T0 + 180 * SECOND).toISOString());
    });

    it('does not fire for a success before the failures, or for another user', () => {
      const engine = engineFor({ correlations: [followed, many], rules: [failed, success] });
      const hits = feed(engine, [
        [success, eventAt(0, user('bob'))],
        ...Array.from({ length: 10 }, (_, i) => [failed, eventAt(SECOND + i, user('bob'))] as const),
        [success, eventAt(MINUTE, user('alice'))],
      ]);
      expect(hits.map((h) => h.correlation.name)).to.deep.equal(['multiple_failed_login']);
    });

    it('feeds a hit decided at window close at the window end', () => {
      const fewFailures = correlation({ name: 'few', type: 'event_count', rules: ['failed_login'], groupBy: ['user.name'], timespanMs: MINUTE, condition: { lte: 2 } });
      const thenSuccess = correlation({ name: 'then', type: 'temporal_ordered', rules: ['few', 'successful_login'], groupBy: ['user.name'], timespanMs: 10 * MINUTE });
      const engine = engineFor({ correlations: [thenSuccess, fewFailures], rules: [failed, success] });
      expect(feed(engine, [[failed, eventAt(0, user('bob'))]])).to.deep.equal([]);
      const hits = engine.onRuleHit(success, eventAt(2 * MINUTE, user('bob')));
      expect(hits.map((h) => [h.correlation.name, h.timeMs - T0])).to.deep.equal([['few', MINUTE], ['then', 2 * MINUTE]]);
    });
  });

  describe('generates', () => {
    it('reports a referenced rule’s own hits only when a referencing correlation says generate', () => {
      const quiet = correlation({ name: 'quiet', type: 'event_count', rules: ['failed_login'], condition: { gte: 2 } });
      const loud = correlation({ name: 'loud', type: 'event_count', rules: ['website_access'], condition: { gte: 2 }, generate: true });
      const engine = engineFor({ correlations: [quiet, loud], rules: [failed, web, success] });
      expect(engine.generates(failed)).to.equal(false);
      expect(engine.generates(web)).to.equal(true);
      expect(engine.generates(success), 'not referenced').to.equal(true);
      expect(engine.generates(quiet), 'outermost correlation').to.equal(true);
    });
  });

  describe('advanceTo', () => {
    const bruteForce = correlation({ name: 'brute', type: 'event_count', rules: ['failed_login'], groupBy: ['user.name'], condition: { gte: 100 } });

    it('frees every group once its window has passed, idle ones included', () => {
      const engine = engineFor({ correlations: [bruteForce], rules: [failed] });
      feed(engine, Array.from({ length: 1000 }, (_, i) => [failed, eventAt(i, user(`user${i}`))] as const));
      expect(engine.stats().totalGroups).to.equal(1000);
      expect(engine.stats().estimatedBytes).to.be.greaterThan(1000 * 100);
      engine.advanceTo(T0 + 5 * MINUTE + 500);
      expect(engine.stats().totalGroups, 'groups last hit before 500 ms have expired').to.equal(500);
      engine.advanceTo(new Date(T0 + 5 * MINUTE + 1000));
      const stats = engine.stats();
      expect(stats.totalGroups).to.equal(0);
      expect(stats.rules[0]!.groups).to.equal(0);
      expect(stats.estimatedBytes).to.be.lessThan(200);
    });

    it('frees a group that fired once its quiet period is over', () => {
      const small = correlation({ name: 'small', type: 'event_count', rules: ['failed_login'], condition: { gte: 1 } });
      const engine = engineFor({ correlations: [small], rules: [failed] });
      expect(engine.onRuleHit(failed, eventAt(0))).to.have.length(1);
      expect(engine.stats().totalGroups).to.equal(1);
      engine.advanceTo(new Date(T0 + 5 * MINUTE + 1).toISOString());
      expect(engine.stats().totalGroups).to.equal(0);
    });

    it('also expires state when hits of other groups move time on', () => {
      const engine = engineFor({ correlations: [bruteForce], rules: [failed] });
      engine.onRuleHit(failed, eventAt(0, user('idle')));
      engine.onRuleHit(failed, eventAt(6 * MINUTE, user('busy')));
      expect(engine.stats().totalGroups).to.equal(1);
    });
  });

  describe('maxGroupsPerRule', () => {
    it('refuses new groups at the cap, counts them, and accepts again after expiry', () => {
      const metrics = new CounterMetrics();
      const pair = correlation({ name: 'pair', type: 'event_count', rules: ['failed_login'], groupBy: ['user.name'], condition: { gte: 2 } });
      const engine = engineFor({ correlations: [pair], rules: [failed], maxGroupsPerRule: 2, metrics });
      const hits = feed(engine, [
        [failed, eventAt(0, user('a'))],
        [failed, eventAt(1, user('b'))],
        [failed, eventAt(2, user('c'))],
        [failed, eventAt(3, user('c'))],
        [failed, eventAt(4, user('a'))],
      ]);
      expect(hits.map((h) => h.groupKey['user.name'])).to.deep.equal(['a']);
      expect(metrics.get('detector.correlation_groups_capped', { rule: 'pair' })).to.equal(2);
      expect(engine.stats().rules[0]!.groups).to.equal(2);
      const later = feed(engine, [[failed, eventAt(6 * MINUTE, user('c'))], [failed, eventAt(6 * MINUTE + 1, user('c'))]]);
      expect(later.map((h) => h.groupKey['user.name'])).to.deep.equal(['c']);
    });
  });

  describe('lateness', () => {
    const ordered = correlation({ name: 'ordered', type: 'temporal_ordered', rules: ['recon_cmd_a', 'recon_cmd_b'], groupBy: ['host.name'] });
    const onHost = (offset: number): ReturnType<typeof eventAt> => eventAt(offset, { host: { name: 'plc-gw' } });

    it('puts hits that arrive out of order within latenessMs back in event-time order', () => {
      const engine = new CorrelationEngine({ correlations: [ordered], rules: [a, b], latenessMs: 10 * SECOND });
      // b (at 5 s) arrives before a (at 3 s): in event time, a came first.
      expect(engine.onRuleHit(b, onHost(5 * SECOND))).to.deep.equal([]);
      expect(engine.onRuleHit(a, onHost(3 * SECOND))).to.deep.equal([]);
      expect(engine.stats().bufferedHits).to.equal(2);
      const hits = engine.advanceTo(T0 + 15 * SECOND);
      expect(hits.map((h) => h.events.map((e) => e.rule.name))).to.deep.equal([['recon_cmd_a', 'recon_cmd_b']]);
      expect(engine.stats().bufferedHits).to.equal(0);
    });

    it('releases held hits as later hits move the watermark', () => {
      const engine = new CorrelationEngine({ correlations: [ordered], rules: [a, b], latenessMs: 10 * SECOND });
      engine.onRuleHit(b, onHost(5 * SECOND));
      engine.onRuleHit(a, onHost(3 * SECOND));
      const hits = engine.onRuleHit(b, onHost(20 * SECOND));
      expect(hits).to.have.length(1);
    });

    it('drops (and counts) hits later than latenessMs', () => {
      const metrics = new CounterMetrics();
      const engine = new CorrelationEngine({ correlations: [ordered], rules: [a, b], latenessMs: 10 * SECOND, metrics });
      engine.onRuleHit(b, onHost(MINUTE));
      expect(engine.onRuleHit(a, onHost(MINUTE - 11 * SECOND))).to.deep.equal([]);
      expect(metrics.get('detector.correlation_hits_late', { rule: 'recon_cmd_a' })).to.equal(1);
      expect(engine.stats().bufferedHits).to.equal(1);
    });

    it('with latenessMs 0 processes at once and drops any reordering', () => {
      const metrics = new CounterMetrics();
      const engine = engineFor({ correlations: [ordered], rules: [a, b], metrics });
      engine.onRuleHit(b, onHost(5 * SECOND));
      engine.onRuleHit(a, onHost(3 * SECOND));
      expect(metrics.get('detector.correlation_hits_late', { rule: 'recon_cmd_a' })).to.equal(1);
      expect(engine.onRuleHit(b, onHost(5 * SECOND)), 'a tie with the newest time is not late').to.deep.equal([]);
    });

    it('processes the oldest hits early when the reorder buffer is full', () => {
      const metrics = new CounterMetrics();
      const engine = new CorrelationEngine({ correlations: [ordered], rules: [a, b], latenessMs: MINUTE, maxBufferedHits: 2, metrics });
      engine.onRuleHit(a, onHost(0));
      engine.onRuleHit(b, onHost(SECOND));
      // The third hit overfills the buffer: a (the oldest) is processed now, a minute early.
      expect(engine.onRuleHit(b, onHost(2 * SECOND))).to.deep.equal([]);
      expect(engine.stats().bufferedHits).to.equal(2);
      // The fourth forces b at 1 s through, completing a -> b.
      expect(engine.onRuleHit(b, onHost(3 * SECOND))).to.have.length(1);
      expect(metrics.get('detector.correlation_reorder_forced')).to.equal(2);
    });
  });

  describe('onRuleHit', () => {
    it('ignores hits of rules no correlation references', () => {
      const pair = correlation({ name: 'pair', type: 'event_count', rules: ['failed_login'], condition: { gte: 1 } });
      const engine = engineFor({ correlations: [pair], rules: [failed] });
      expect(engine.onRuleHit(success, eventAt(0))).to.deep.equal([]);
      expect(engine.stats().bufferedHits).to.equal(0);
    });

    it('finds a referenced rule by id as well as by name', () => {
      const byId = correlation({ name: 'by_id', type: 'event_count', rules: ['53ba33fd-3a50-4468-a5ef-c583635cfa92'], condition: { gte: 1 } });
      const engine = engineFor({ correlations: [byId], rules: [failed] });
      expect(engine.onRuleHit(failed, eventAt(0))).to.have.length(1);
    });

    it('drops (and counts) events without a valid @timestamp', () => {
      const metrics = new CounterMetrics();
      const pair = correlation({ name: 'pair', type: 'event_count', rules: ['failed_login'], condition: { gte: 1 } });
      const engine = engineFor({ correlations: [pair], rules: [failed], metrics });
      expect(engine.onRuleHit(failed, { event: {} })).to.deep.equal([]);
      expect(engine.onRuleHit(failed, { '@timestamp': 'yesterday' })).to.deep.equal([]);
      expect(metrics.get('detector.correlation_hits_dropped', { rule: failed.id!, reason: 'timestamp' })).to.equal(2);
    });
  });

  describe('problems', () => {
    it('reports an unknown referenced rule and skips that correlation', () => {
      const broken = correlation({ name: 'broken', type: 'event_count', rules: ['failed_login', 'no_such_rule'], condition: { gte: 1 } });
      const engine = engineFor({ correlations: [broken], rules: [failed] });
      expect(engine.problems.map((p) => [p.rule, p.severity, p.key, p.message])).to.deep.equal([
        ['broken', 'error', 'correlation.rules', 'references unknown rule "no_such_rule"'],
      ]);
      expect(engine.onRuleHit(failed, eventAt(0))).to.deep.equal([]);
      expect(engine.stats().rules).to.deep.equal([]);
    });
  });

  describe('stats', () => {
    it('reports groups, mode and an estimate per rule', () => {
      const count = correlation({ name: 'count', type: 'event_count', rules: ['failed_login'], groupBy: ['user.name'], condition: { gte: 10 } });
      const avg = correlation({ name: 'avg', type: 'value_avg', rules: ['failed_login'], condition: { field: 'x', gt: 1 } });
      const engine = engineFor({ correlations: [count, avg], rules: [failed] });
      feed(engine, [[failed, eventAt(0, user('a'))], [failed, eventAt(1, user('b'))]]);
      const stats = engine.stats();
      expect(stats.rules.map((r) => [r.rule, r.type, r.mode, r.groups])).to.deep.equal([
        ['count', 'event_count', 'arrival', 2], ['avg', 'value_avg', 'close', 1],
      ]);
      expect(stats.totalGroups).to.equal(3);
      expect(stats.watermarkMs).to.equal(T0 + 1);
    });
  });
});
