import { expect } from 'chai';
import type { Alert } from '../../../core/alert.js';
import { Collections } from '../../../core/store/documents.js';
import { AlertBookHitRecorder } from '../../../console/jobs/hit-recorder.js';
import { SilenceRuleId, silenceJob, type SilenceJobDeps } from '../../../console/jobs/silence.js';
import { makeEvent } from '../../helpers/events.js';
import { TestClock, alertBook, nodeContext, tempSqliteStore, testRegistry, type TempSqlite, type TestContext } from './helpers.js';

const MINUTE = 60_000;
const T0 = '2024-06-01T12:00:00.000Z';

function at(minutesFromT0: number): string {
  return new Date(Date.parse(T0) + minutesFromT0 * MINUTE).toISOString();
}

function event(orgId: string, dataset: string, minutesFromT0: number) {
  return makeEvent({ '@timestamp': at(minutesFromT0), org: { id: orgId }, event: { dataset } });
}

describe('silenceJob', () => {
  const registry = testRegistry();
  let temp: TempSqlite;
  let clock: TestClock;
  let ctx: TestContext;
  let deps: SilenceJobDeps;

  async function silenceAlerts(orgId?: string): Promise<Alert[]> {
    const page = await temp.store.queryDocuments<Alert>({
      collection: Collections.alerts, where: { ruleId: SilenceRuleId }, limit: 100, ...(orgId ? { orgIds: [orgId] } : {}),
    });
    return page.documents.map((d) => d.body);
  }

  beforeEach(async () => {
    temp = tempSqliteStore();
    clock = new TestClock(T0);
    ctx = nodeContext(temp.store, registry, clock, { served: ['org-a', 'org-b'] });
    deps = { ctx, hits: new AlertBookHitRecorder(ctx, alertBook(temp.store, registry, clock)), silenceMs: 30 * MINUTE, lookbackMs: 24 * 60 * MINUTE, level: 'medium' };
    await temp.store.appendEvents([
      // org-a: the firewall stopped 40 minutes ago; modbus still sends; syslog too.
      event('org-a', 'iptables', -300), event('org-a', 'iptables', -40),
      event('org-a', 'zeek.modbus', -200), event('org-a', 'zeek.modbus', -1),
      event('org-a', 'syslog', -5),
      // a source last heard of two days ago has left, not gone silent.
      event('org-a', 'retired', -2 * 24 * 60),
      // org-b: its syslog stopped 50 minutes ago (org-a's syslog did not).
      event('org-b', 'syslog', -50),
      // org-c is not served by this node: its silence is not this node's to report.
      event('org-c', 'cef', -90),
    ]);
  });
  afterEach(async () => {
    await temp.close();
  });

  it('raises exactly one alert for a silent source, however often it runs during the silence', async () => {
    const first = await silenceJob(deps);
    expect(first.filter((s) => s.orgId === 'org-a').map((s) => [s.dataset, s.outcome])).to.deep.equal([['iptables', 'created']]);
    for (let run = 0; run < 3; run++) {
      clock.advance(5 * MINUTE);
      const again = await silenceJob(deps);
      expect(again.filter((s) => s.orgId === 'org-a').map((s) => [s.dataset, s.outcome, s.hitId])).to.deep.equal([['iptables', 'duplicate', first[0].hitId]]);
    }
    const alerts = await silenceAlerts('org-a');
    expect(alerts).to.have.length(1);
    const [alert] = alerts;
    expect(alert).to.include({ orgId: 'org-a', ruleId: 'iisa-data-source-silent', ruleTitle: 'Data source stopped sending', level: 'medium', count: 1, status: 'new', firstSeen: T0 });
    expect(alert.groupKey).to.deep.equal({ 'event.dataset': 'iptables' });
    expect(alert.tags).to.deep.equal(['iisa.liveness']);
    expect(alert.eventIds).to.deep.equal([]);
    const hits = await temp.store.searchRuleHits({ orgIds: ['org-a'], ruleId: SilenceRuleId });
    expect(hits.map((h) => h.id)).to.deep.equal([first[0].hitId]);
    expect(hits[0]).to.deep.include({ kind: 'detection', orgId: 'org-a', time: T0, detectedAt: T0, level: 'medium', groupKey: { 'event.dataset': 'iptables' } });
    expect(ctx.log.with('warn', 'data source stopped sending').map((l) => l.fields.dataset)).to.deep.equal(['iptables', 'syslog']);
  });

  it('raises none for a source that still sends, never sent, or left before the lookback', async () => {
    const silent = await silenceJob(deps);
    const datasets = silent.filter((s) => s.orgId === 'org-a').map((s) => s.dataset);
    expect(datasets).to.deep.equal(['iptables']);
    for (const quiet of ['zeek.modbus', 'syslog', 'retired', 'never-sent']) {
      expect((await silenceAlerts('org-a')).filter((a) => a.groupKey['event.dataset'] === quiet), quiet).to.deep.equal([]);
    }
  });

  it('keeps each org\'s silence to itself', async () => {
    const silent = await silenceJob(deps);
    expect(silent.map((s) => [s.orgId, s.dataset])).to.deep.equal([['org-a', 'iptables'], ['org-b', 'syslog']]);
    expect((await silenceAlerts('org-b')).map((a) => [a.orgId, a.groupKey['event.dataset']])).to.deep.equal([['org-b', 'syslog']]);
    expect((await silenceAlerts('org-a')).map((a) => a.groupKey['event.dataset'])).to.deep.equal(['iptables']);
    expect(await silenceAlerts('org-c')).to.deep.equal([]);
  });

  it('raises a new hit when a source that came back goes silent again', async () => {
    const first = (await silenceJob(deps)).find((s) => s.orgId === 'org-a');
    // Back for a while...
    clock.advance(10 * MINUTE);
    await temp.store.appendEvents([event('org-a', 'iptables', 8)]);
    const back = await silenceJob(deps);
    expect(back.filter((s) => s.orgId === 'org-a')).to.deep.equal([]);
    // ...then silent again past the threshold.
    clock.advance(35 * MINUTE);
    const again = (await silenceJob(deps)).find((s) => s.orgId === 'org-a');
    expect(again?.dataset).to.equal('iptables');
    expect(again?.lastSeen).to.equal(at(8));
    expect(again?.hitId).not.to.equal(first?.hitId);
    expect(again?.outcome).to.be.oneOf(['created', 'updated']);
    // (modbus and syslog have gone quiet by now too: only the firewall's hits matter here.)
    const hits = (await temp.store.searchRuleHits({ orgIds: ['org-a'], ruleId: SilenceRuleId })).filter((h) => h.groupKey?.['event.dataset'] === 'iptables');
    expect(hits.map((h) => h.id).sort()).to.deep.equal([first?.hitId, again?.hitId].sort());
    const counted = (await silenceAlerts('org-a')).filter((a) => a.groupKey['event.dataset'] === 'iptables').reduce((n, a) => n + a.count, 0);
    expect(counted).to.equal(2);
  });

  it('uses the configured level', async () => {
    await silenceJob({ ...deps, level: 'high' });
    expect((await silenceAlerts('org-a'))[0].level).to.equal('high');
  });
});
