/**
 * The alert book on both Store backends: grading recorded with reasons,
 * deduplication by rule, org and entity within the window, redelivered hits
 * counted once, suppressions with expiry and reason, the lifecycle and its
 * append-only audit trail, and org scoping.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { Alert } from '../../../core/alert.js';
import { OrgRegistry } from '../../../core/orgs.js';
import { Collections } from '../../../core/store/documents.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import type { RuleHit, Store } from '../../../core/store/store.js';
import { AlertBook, AlertChangeError } from '../../../detector/alerts/alert-book.js';
import { defaultGradingPolicyPath, loadGradingPolicy } from '../../../detector/alerts/grading.js';
import { requireEngines } from '../../helpers/engines.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';
import { openTestStore } from '../../core/store/elasticsearch/es-helpers.js';

const JINLING = 'js-jinling-motor';
const YANGTZE = 'js-yangtze-petro';
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-25T08:00:00.000Z');

function hit(n: number, overrides: Partial<RuleHit> = {}): RuleHit {
  return {
    id: `hit-${n}`, kind: 'detection', ruleId: 'rule-s7-stop', ruleTitle: 'S7 PLC stop from a host outside the allow-list', level: 'high',
    tags: ['attack.ics', 'attack.t0816', 'attack.t0881'], orgId: JINLING, time: new Date(T0 + n * 1000).toISOString(),
    detectedAt: new Date(T0 + n * 1000 + 50).toISOString(), eventIds: [`event-${n}`],
    groupKey: { 'source.ip': '203.0.113.9', 'destination.ip': '10.10.1.10' }, assets: ['plc-01'], ...overrides,
  };
}

function alertBookSuite(name: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>): void {
  describe(`AlertBook on ${name}`, () => {
    const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
    const policy = loadGradingPolicy(defaultGradingPolicyPath());
    let store: Store;
    let cleanup: () => Promise<void>;
    let now: Date;
    let book: AlertBook;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
      now = new Date(T0 + 60_000);
      book = new AlertBook({ store, registry, policy: () => policy, nodeId: 'test-node', dedupWindowMs: HOUR, now: () => now });
    });
    afterEach(() => cleanup());

    async function alerts(): Promise<Alert[]> {
      return (await store.queryDocuments<Alert>({ collection: Collections.alerts, limit: 1000 })).documents.map((d) => d.body);
    }

    it('grades a hit into a new alert and says why', async () => {
      const outcome = await book.recordHit(hit(1));
      expect(outcome.kind).to.equal('created');
      const alert = (outcome as { alert: Alert }).alert;
      // high (4) + enterprise grade 3 (2) + industrial (2) + critical PLC (3) = 11 -> II; t0816 at a grade-3 industrial site is at least II too.
      expect(alert.grade).to.equal('II');
      expect(alert.score).to.equal(11);
      expect(alert.gradeReasons.join('\n')).to.match(/rule level high/).and.to.match(/plc-01/).and.to.match(/enterprise grade 3/);
      expect(alert.escalateTo).to.deep.equal(['provincial', 'national']);
      expect(alert.techniques).to.deep.equal(['t0816', 't0881']);
      expect(alert).to.include({ status: 'new', count: 1, orgId: JINLING, originNode: 'test-node', revision: 1 });
      const trail = await book.auditTrail(alert.id);
      expect(trail.map((e) => [e.action, e.actor])).to.deep.equal([['created', 'system']]);
    });

    it('counts hits of one rule, org and entity within the window on one alert, with first and last seen', async () => {
      await book.recordHit(hit(1));
      await book.recordHit(hit(30));
      const third = await book.recordHit(hit(10));
      expect(third.kind).to.equal('updated');
      const [alert] = await alerts();
      expect(alert.count).to.equal(3);
      expect(alert.firstSeen).to.equal(hit(1).time);
      expect(alert.lastSeen).to.equal(hit(30).time);
      expect(alert.hitIds).to.deep.equal(['hit-1', 'hit-30', 'hit-10']);
      expect(alert.eventIds).to.deep.equal(['event-1', 'event-30', 'event-10']);
      expect(alert.revision).to.equal(3);
    });

    it('makes concurrent first hits of one key one alert (two writers race on its id, one create wins)', async () => {
      const other = new AlertBook({ store, registry, policy: () => policy, nodeId: 'test-node', dedupWindowMs: HOUR, now: () => now });
      const outcomes = await Promise.all([book.recordHit(hit(1)), other.recordHit(hit(2)), book.recordHit(hit(3)), other.recordHit(hit(4))]);
      expect(outcomes.filter((o) => o.kind === 'created')).to.have.length(1);
      const all = await alerts();
      expect(all).to.have.length(1);
      expect(all[0].count).to.equal(4);
      expect([...all[0].hitIds].sort()).to.deep.equal(['hit-1', 'hit-2', 'hit-3', 'hit-4']);
    });

    it('opens a new alert for another entity, another org, another rule, or after the window', async () => {
      await book.recordHit(hit(1));
      await book.recordHit(hit(2, { groupKey: { 'source.ip': '2001:db8:bad::9', 'destination.ip': '10.10.1.10' } }));
      await book.recordHit(hit(3, { orgId: YANGTZE, assets: [] }));
      await book.recordHit(hit(4, { ruleId: 'rule-other' }));
      await book.recordHit(hit(5, { time: new Date(T0 + 5_000 + 2 * HOUR).toISOString() }));
      const all = await alerts();
      expect(all).to.have.length(5);
      expect(all.every((a) => a.count === 1)).to.equal(true);
    });

    it('counts a redelivered hit once, also when the crash came between counting and linking', async () => {
      await book.recordHit(hit(1));
      await book.recordHit(hit(2));
      expect((await book.recordHit(hit(2))).kind).to.equal('duplicate');
      // The link of hit 2 lost (a crash after the alert write): its id on the alert still stops a second count.
      const linkDocs = await store.queryDocuments({ collection: Collections.alertLinks, limit: 100 });
      expect(linkDocs.documents.map((d) => d.id).sort()).to.deep.equal(['hit-1', 'hit-2']);
      await store.deleteDocument(Collections.alertLinks, 'hit-2');
      expect((await book.recordHit(hit(2))).kind).to.equal('duplicate');
      expect((await alerts())[0].count).to.equal(2);
      expect((await store.getDocument(Collections.alertLinks, 'hit-2'))).to.not.equal(undefined);
    });

    it('suppresses matching hits until the suppression expires, counting what it swallowed', async () => {
      const suppression = await book.suppress({ orgId: JINLING, ruleId: 'rule-s7-stop', match: { 'source.ip': '203.0.113.9' }, reason: 'vendor maintenance window', expiresAt: new Date(T0 + 2 * HOUR).toISOString() }, 'analyst-1');
      const outcome = await book.recordHit(hit(1));
      expect(outcome.kind).to.equal('suppressed');
      // Another source is not covered.
      expect((await book.recordHit(hit(2, { groupKey: { 'source.ip': '203.0.113.10', 'destination.ip': '10.10.1.10' } }))).kind).to.equal('created');
      // Another org is never covered by this org's suppression.
      expect((await book.recordHit(hit(3, { orgId: YANGTZE, assets: [] }))).kind).to.equal('created');
      const [active] = await book.activeSuppressions(JINLING);
      expect(active).to.include({ id: suppression.id, suppressedCount: 1, reason: 'vendor maintenance window', createdBy: 'analyst-1' });
      now = new Date(T0 + 3 * HOUR);
      expect((await book.recordHit(hit(4))).kind).to.equal('created');
      expect(await book.activeSuppressions(JINLING)).to.deep.equal([]);
    });

    it('keeps a suppression\'s expiry in UTC, so one given with an offset ends at that instant', async () => {
      // 2 hours after T0, written in Beijing time (+08:00): as text it sorts after the UTC times around it.
      const local = new Date(T0 + 2 * HOUR + 8 * HOUR).toISOString().replace('Z', '+08:00');
      const suppression = await book.suppress({ orgId: JINLING, match: { 'source.ip': '203.0.113.9' }, reason: 'night shift maintenance', expiresAt: local }, 'analyst-1');
      expect(suppression.expiresAt).to.equal(new Date(T0 + 2 * HOUR).toISOString());
      now = new Date(T0 + 3 * HOUR);
      expect(await book.activeSuppressions(JINLING)).to.deep.equal([]);
      expect((await book.recordHit(hit(1))).kind).to.equal('created');
    });

    it('refuses a suppression that has already expired', async () => {
      const err = await book.suppress({ orgId: JINLING, match: { 'source.ip': '1.2.3.4' }, reason: 'too late', expiresAt: new Date(T0).toISOString() }, 'a')
        .then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(AlertChangeError);
    });

    it('moves through the lifecycle, refuses transitions that make no sense, and keeps an append-only audit trail', async () => {
      const { alert } = (await book.recordHit(hit(1))) as { alert: Alert };
      await book.changeStatus(alert.id, 'acknowledged', 'analyst-1');
      await book.assign(alert.id, 'analyst-2', 'analyst-1');
      await book.comment(alert.id, 'PLC back in RUN after the operator restarted it', 'analyst-2');
      await book.changeStatus(alert.id, 'investigating', 'analyst-2');
      await book.changeStatus(alert.id, 'resolved', 'analyst-2', undefined, 'port forward removed');
      const refused = await book.changeStatus(alert.id, 'new', 'analyst-2').then(() => undefined, (e: unknown) => e as AlertChangeError);
      expect(refused?.code).to.equal('transition');
      const reopened = await book.changeStatus(alert.id, 'investigating', 'lead');
      expect(reopened).to.include({ status: 'investigating', assignee: 'analyst-2', revision: 7 });
      const trail = await book.auditTrail(alert.id);
      expect(trail.map((e) => `${e.actor}:${e.action}:${e.from ?? ''}>${e.to ?? ''}`)).to.deep.equal([
        'system:created:>II', 'analyst-1:status:new>acknowledged', 'analyst-1:assign:>analyst-2', 'analyst-2:comment:>',
        'analyst-2:status:acknowledged>investigating', 'analyst-2:status:investigating>resolved', 'lead:status:resolved>investigating',
      ]);
      expect(trail[3].comment).to.match(/PLC back in RUN/);
      expect(trail[5].comment).to.equal('port forward removed');
    });

    it('opens a new alert for a hit after its alert was closed', async () => {
      const { alert } = (await book.recordHit(hit(1))) as { alert: Alert };
      await book.changeStatus(alert.id, 'false_positive', 'analyst-1', undefined, 'commissioning test');
      expect((await book.recordHit(hit(2))).kind).to.equal('created');
      expect(await alerts()).to.have.length(2);
    });

    it('keeps one org out of another org\'s alerts', async () => {
      const { alert } = (await book.recordHit(hit(1))) as { alert: Alert };
      expect(await book.get(alert.id, [YANGTZE])).to.equal(undefined);
      const err = await book.changeStatus(alert.id, 'acknowledged', 'intruder', [YANGTZE]).then(() => undefined, (e: unknown) => e as AlertChangeError);
      expect(err?.code).to.equal('not-found');
      expect(await book.auditTrail(alert.id, [YANGTZE])).to.deep.equal([]);
    });

    it('raises the grade when a later hit on the same alert is more serious', async () => {
      await book.recordHit(hit(1, { level: 'medium', assets: [] }));
      const before = (await alerts())[0];
      await book.recordHit(hit(2, { level: 'critical' }));
      const after = (await alerts())[0];
      expect(['III', 'IV']).to.include(before.grade);
      expect(after.grade).to.equal('I');
      expect(after.escalateTo).to.deep.equal(['provincial', 'national']);
    });
  });
}

alertBookSuite('SQLite', async () => {
  const dir = tempDir('iisa-alerts-');
  const store = SqliteStore.open({ path: join(dir, 'alerts.db') });
  return { store, cleanup: () => store.close() };
});

describe('AlertBook against a real Elasticsearch', function () {
  let url: string | undefined;
  before(async function () {
    url = (await requireEngines(this)).elasticsearchUrl;
  });
  alertBookSuite('Elasticsearch', async () => {
    if (!url) throw new Error('engines not started');
    const opened = await openTestStore(url);
    return { store: opened.store, cleanup: opened.cleanup };
  });
});
