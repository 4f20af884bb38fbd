import { expect } from 'chai';
import type { Alert } from '../../../core/alert.js';
import { PostureSchema, type Posture } from '../../../core/federation/messages.js';
import { Collections } from '../../../core/store/documents.js';
import type { RuleHit } from '../../../core/store/store.js';
import { TaskBook } from '../../../console/coordination/tasks.js';
import { computePosture, postureJob } from '../../../console/jobs/posture.js';
import { postureId } from '../../../console/coordination/posture-store.js';
import type { AlertBook } from '../../../detector/alerts/alert-book.js';
import { makeEvent } from '../../helpers/events.js';
import { TestClock, alertBook, nodeContext, tempSqliteStore, testRegistry, type TempSqlite } from './helpers.js';

const PERIOD_START = '2024-03-01T10:00:00.000Z';
const PERIOD_END = '2024-03-01T10:05:00.000Z';
const SILENCE_MS = 30 * 60_000;

const RULES = {
  write: { ruleId: 'rule-write', ruleTitle: 'Write from an unlisted host', level: 'high', tags: ['attack.impair-process-control', 'attack.t0855', 'attack.t0836'] },
  scan: { ruleId: 'rule-scan', ruleTitle: 'ICS port scan', level: 'low', tags: ['attack.discovery', 'attack.t0846'] },
  stop: { ruleId: 'rule-stop', ruleTitle: 'PLC stop', level: 'critical', tags: ['attack.t0858', 'attack.t0855'] },
} as const;

let hitSeq = 0;
function hit(orgId: string, rule: keyof typeof RULES, time: string, sourceIp: string): RuleHit {
  return {
    id: `hit-${++hitSeq}`, kind: 'detection', ...RULES[rule], tags: [...RULES[rule].tags], orgId, time, detectedAt: time,
    eventIds: [`event-${hitSeq}`], groupKey: { 'source.ip': sourceIp },
  };
}

function event(orgId: string, dataset: string, at: string) {
  return makeEvent({ '@timestamp': at, org: { id: orgId }, event: { dataset } });
}

describe('posture', () => {
  const registry = testRegistry();
  let temp: TempSqlite;
  let clock: TestClock;
  let book: AlertBook;
  /** The alerts of org-a whose first hit falls in the period, as the alert book graded them. */
  let inPeriod: Alert[];

  async function record(h: RuleHit): Promise<Alert> {
    const outcome = await book.recordHit(h);
    if (outcome.kind !== 'created') throw new Error(`expected a new alert, got ${outcome.kind}`);
    return outcome.alert;
  }

  before(async () => {
    temp = tempSqliteStore();
    clock = new TestClock('2024-03-01T09:00:00.000Z');
    book = alertBook(temp.store, registry, clock);
    const { store } = temp;

    // org-a: four alerts first seen in the period (two of one rule, different hosts; one resolved since),
    // one before it (still open), one after it; a second hit on an alert counts once.
    const a1 = await record(hit('org-a', 'write', '2024-03-01T10:01:00.000Z', '10.10.2.160'));
    const a2 = await record(hit('org-a', 'write', '2024-03-01T10:02:00.000Z', '2001:db8:10:2::160'));
    const a3 = await record(hit('org-a', 'scan', '2024-03-01T10:03:00.000Z', '198.51.100.7'));
    const a5 = await record(hit('org-a', 'stop', '2024-03-01T10:04:59.999Z', '10.10.2.161'));
    expect((await book.recordHit(hit('org-a', 'write', '2024-03-01T10:03:30.000Z', '10.10.2.160'))).kind).to.equal('updated');
    await record(hit('org-a', 'scan', '2024-03-01T09:50:00.000Z', '203.0.113.9'));
    await record(hit('org-a', 'scan', '2024-03-01T10:05:00.000Z', '203.0.113.10'));
    await book.changeStatus(a5.id, 'resolved', 'analyst');
    inPeriod = [a1, a2, a3, a5];
    // Other orgs' alerts in the period.
    await record(hit('org-b', 'write', '2024-03-01T10:02:00.000Z', '10.20.2.160'));
    await record(hit('org-c', 'stop', '2024-03-01T10:02:00.000Z', '10.30.2.160'));

    await store.appendEvents([
      // modbus: sending (twice in the period, once before it).
      event('org-a', 'zeek.modbus', '2024-03-01T09:00:00.000Z'),
      event('org-a', 'zeek.modbus', '2024-03-01T10:00:30.000Z'),
      event('org-a', 'zeek.modbus', '2024-03-01T10:03:25.000Z'),
      // iptables: sent this morning, nothing for 45 minutes before the period's end: silent.
      event('org-a', 'iptables', '2024-03-01T08:00:00.000Z'),
      event('org-a', 'iptables', '2024-03-01T09:20:10.000Z'),
      // a source last heard of two days ago is no source any more.
      event('org-a', 'old.source', '2024-02-28T10:00:00.000Z'),
      // after the period: not counted, not seen yet.
      event('org-a', 'zeek.modbus', '2024-03-01T10:05:00.000Z'),
      event('org-a', 'late.source', '2024-03-01T10:06:00.000Z'),
      // other orgs.
      event('org-b', 'zeek.modbus', '2024-03-01T10:01:00.000Z'),
      event('org-b', 'iptables', '2024-03-01T10:02:00.000Z'),
      event('org-c', 'cef', '2024-03-01T10:02:00.000Z'),
    ]);

    // Tasks: org-a has one open, one done, one overdue; org-b's own task is not org-a's.
    const ctx = nodeContext(store, registry, clock, { served: ['org-a', 'org-b', 'org-c'] });
    const tasks = new TaskBook(ctx);
    const base = { issuer: 'js-industry-regulator', text: 'Patch the S7 gateways', requiredActions: ['patch'] };
    await tasks.issue({ ...base, title: 'Open task', targetOrgs: ['org-a', 'org-b'], deadline: '2024-03-02T00:00:00.000Z' });
    const done = await tasks.issue({ ...base, title: 'Done task', targetOrgs: ['org-a'], deadline: '2024-03-02T00:00:00.000Z' });
    await tasks.report(done.task.id, 'org-a', 'done', 'operator', 'patched both gateways');
    await tasks.issue({ ...base, title: 'Late task', targetOrgs: ['org-a', 'org-c'], deadline: '2024-03-01T09:30:00.000Z' });
    await tasks.issue({ ...base, title: 'Task for B', targetOrgs: ['org-b'], deadline: '2024-03-01T09:30:00.000Z' });
    clock.set('2024-03-01T10:05:00.000Z');
    await tasks.markOverdue();
  });
  after(async () => {
    await temp.close();
  });

  function posture(orgId: string): Promise<Posture> {
    return computePosture({
      store: temp.store, registry, nodeId: 'node-test', orgId,
      periodStart: new Date(PERIOD_START), periodEnd: new Date(PERIOD_END), silenceMs: SILENCE_MS,
    });
  }

  describe('computePosture', () => {
    it('counts the org\'s alerts first seen in the period by grade, rule, technique and category', async () => {
      const p = await posture('org-a');
      expect(p.alerts.new).to.equal(4);
      const byGrade: Record<string, number> = {};
      for (const a of inPeriod) byGrade[a.grade] = (byGrade[a.grade] ?? 0) + 1;
      expect(p.alerts.byGrade).to.deep.equal(byGrade);
      expect(p.alerts.byRule).to.deep.equal({ 'rule-write': 2, 'rule-scan': 1, 'rule-stop': 1 });
      expect(p.alerts.byTechnique).to.deep.equal({ t0855: 3, t0836: 2, t0846: 1, t0858: 1 });
      expect(p.alerts.byCategory).to.deep.equal({ industrial: 4 });
    });

    it('counts as open the alerts not closed that were first seen before the period ended', async () => {
      // In the period: three open, one resolved; before it: one open; after it: not yet.
      expect((await posture('org-a')).alerts.open).to.equal(4);
    });

    it('counts the org\'s events in the period and lists its sources with last seen and silence', async () => {
      const p = await posture('org-a');
      expect(p.events).to.equal(2);
      expect(p.sources).to.deep.equal([
        { name: 'iptables', lastSeen: '2024-03-01T09:20:00.000Z', events: 0, silent: true },
        { name: 'zeek.modbus', lastSeen: '2024-03-01T10:03:00.000Z', events: 2, silent: false },
      ]);
    });

    it('counts the tasks addressed to the org by status', async () => {
      expect((await posture('org-a')).tasks).to.deep.equal({ open: 1, overdue: 1, done: 1 });
      expect((await posture('org-b')).tasks).to.deep.equal({ open: 1, overdue: 1, done: 0 });
    });

    it('counts nothing of another org', async () => {
      const p = await posture('org-b');
      expect(p.alerts).to.deep.equal({ new: 1, open: 1, byGrade: p.alerts.byGrade, byRule: { 'rule-write': 1 }, byTechnique: { t0855: 1, t0836: 1 }, byCategory: { platform: 1 } });
      expect(Object.values(p.alerts.byGrade)).to.deep.equal([1]);
      expect(p.events).to.equal(2);
      expect(p.sources.map((s) => [s.name, s.events, s.silent])).to.deep.equal([['iptables', 1, false], ['zeek.modbus', 1, false]]);
    });

    it('gives an org with nothing an empty summary that still validates', async () => {
      const p = await computePosture({
        store: temp.store, registry, nodeId: 'node-test', orgId: 'org-c',
        periodStart: new Date('2024-01-01T00:00:00.000Z'), periodEnd: new Date('2024-01-01T00:05:00.000Z'), silenceMs: SILENCE_MS,
      });
      expect(p).to.deep.equal({
        orgId: 'org-c', node: 'node-test', periodStart: '2024-01-01T00:00:00.000Z', periodEnd: '2024-01-01T00:05:00.000Z',
        alerts: { new: 0, open: 0, byGrade: {}, byRule: {}, byTechnique: {}, byCategory: { industrial: 0 } },
        sources: [], tasks: { open: 0, overdue: 1, done: 0 }, events: 0,
      });
    });

    it('carries aggregates only: no event, alert, address or identifier', async () => {
      const p = await posture('org-a');
      expect(() => PostureSchema.parse(p)).not.to.throw();
      const text = JSON.stringify(p);
      for (const value of ['10.10.2.160', '2001:db8:10:2::160', 'event-', 'hit-', 'Write from an unlisted host', inPeriod[0].id]) expect(text).not.to.contain(value);
    });

    it('refuses an org the registry does not know', async () => {
      let caught: unknown;
      await computePosture({ store: temp.store, registry, nodeId: 'n', orgId: 'nobody', periodStart: new Date(PERIOD_START), periodEnd: new Date(PERIOD_END), silenceMs: SILENCE_MS })
        .catch((e: unknown) => { caught = e; });
      expect((caught as Error).message).to.match(/org nobody is not in the registry/);
    });
  });

  describe('postureJob', () => {
    it('summarises the served enterprises\' last period, keeps each and sends it up under the same id', async () => {
      // Two minutes into the next period: the summary is of 10:00-10:05.
      clock.set('2024-03-01T10:07:00.000Z');
      const ctx = nodeContext(temp.store, registry, clock, { served: ['org-a', 'org-b', 'js-industry-regulator'], parent: true });
      const result = await postureJob({ ctx, periodMs: 5 * 60_000, silenceMs: SILENCE_MS, lookbackMs: 86_400_000 });
      expect(result).to.deep.equal({ periodStart: PERIOD_START, periodEnd: PERIOD_END, orgs: ['org-a', 'org-b'], sent: 2 });

      const stored = await temp.store.getDocument<Posture>(Collections.posture, postureId('org-a', PERIOD_END));
      expect(stored?.id).to.equal(`posture:org-a:${PERIOD_END}`);
      expect(stored?.orgId).to.equal('org-a');
      expect(stored?.sortKey).to.equal(PERIOD_END);
      expect(stored?.index).to.deep.equal({ orgId: 'org-a', node: 'node-test', latest: false });
      // The org's newest summary is kept apart as well, for overviews.
      expect((await temp.store.getDocument<Posture>(Collections.posture, 'posture-latest:org-a'))?.body.periodEnd).to.equal(stored?.body.periodEnd);
      expect(stored?.body).to.deep.equal(await posture('org-a'));

      expect(ctx.uplinked.map((i) => [i.type, i.id, i.orgId])).to.deep.equal([
        ['posture', `posture:org-a:${PERIOD_END}`, 'org-a'],
        ['posture', `posture:org-b:${PERIOD_END}`, 'org-b'],
      ]);
      const item = ctx.uplinked[0];
      expect(item.type === 'posture' ? item.posture : undefined).to.deep.equal(stored?.body);
      // org-c is an enterprise this node does not serve; the regulator is not an enterprise.
      expect(await temp.store.getDocument(Collections.posture, postureId('org-c', PERIOD_END))).to.equal(undefined);
    });

    it('keeps the summary without a parent, and a re-run in the period replaces it', async () => {
      clock.set('2024-03-01T10:09:59.000Z');
      const ctx = nodeContext(temp.store, registry, clock, { served: ['org-a'] });
      const deps = { ctx, periodMs: 5 * 60_000, silenceMs: SILENCE_MS, lookbackMs: 86_400_000 };
      expect((await postureJob(deps)).sent).to.equal(0);
      await postureJob(deps);
      const page = await temp.store.queryDocuments<Posture>({ collection: Collections.posture, where: { orgId: 'org-a', latest: false }, limit: 100 });
      expect(page.documents.map((d) => d.id)).to.deep.equal([`posture:org-a:${PERIOD_END}`]);
      const doc = await temp.store.getDocument(Collections.posture, postureId('org-a', PERIOD_END));
      expect(doc?.version).to.equal(3);
    });
  });
});
