/**
 * What the regulators' overview computes from posture summaries and
 * escalated alerts: totals, top lists, silent sources, heat map cells and
 * grade counts over time.
 */
import { expect } from 'chai';
import { gradeSeries, groupParts, heatCells, heatGroup, postureTotals, silentSources, topCounts } from '../../../console/web/src/posture-summary.js';
import type { OrgInfo, Posture } from '../../../console/web/src/types.js';
import { alert } from '../federation/fixtures.js';

function posture(orgId: string, category: string, overrides: Partial<Posture['alerts']> = {}, sources: Posture['sources'] = []): Posture {
  return {
    orgId, periodStart: '2026-03-02T07:55:00.000Z', periodEnd: '2026-03-02T08:00:00.000Z',
    alerts: { new: 2, open: 3, byGrade: { I: 1, III: 1 }, byRule: { 'plc-stop': 1, scan: 1 }, byTechnique: { t0881: 1 }, byCategory: { [category]: 2 }, ...overrides },
    sources, tasks: { open: 1, overdue: 1, done: 0 }, events: 100,
  };
}

describe('posture summary', () => {
  describe('postureTotals', () => {
    it('adds up the enterprises\' counts', () => {
      const totals = postureTotals([posture('a', 'industrial'), posture('b', 'platform', { byRule: { scan: 4 } })]);
      expect(totals.enterprises).to.equal(2);
      expect(totals.open).to.equal(6);
      expect(totals.newAlerts).to.equal(4);
      expect(totals.byGrade).to.deep.equal({ I: 2, II: 0, III: 2, IV: 0 });
      expect(totals.byRule).to.deep.equal({ 'plc-stop': 1, scan: 5 });
      expect(totals.tasks).to.deep.equal({ open: 2, overdue: 2, done: 0 });
    });
  });

  describe('topCounts', () => {
    it('ranks the largest first, ties by key, and drops zeros', () => {
      expect(topCounts({ b: 2, a: 2, c: 5, z: 0 }, 2)).to.deep.equal([{ key: 'c', count: 5 }, { key: 'a', count: 2 }]);
    });
  });

  describe('silentSources', () => {
    it('lists only the silent ones, with their org', () => {
      const quiet = silentSources([posture('a', 'industrial', {}, [
        { name: 'iptables', events: 0, silent: true, lastSeen: '2026-03-02T06:00:00.000Z' },
        { name: 'zeek.modbus', events: 40, silent: false },
      ])]);
      expect(quiet).to.deep.equal([{ orgId: 'a', name: 'iptables', lastSeen: '2026-03-02T06:00:00.000Z' }]);
    });
  });

  describe('heatCells', () => {
    it('colours each enterprise by its worst open alert, banded by the category and industry the registry names', () => {
      const orgs: OrgInfo[] = [
        { id: 'a', name: 'Anhe Motor', tier: 'enterprise', category: 'industrial', industry: 'automotive', provinceName: 'Jiangsu' },
        { id: 'b', name: 'Baotou Steel', tier: 'enterprise', category: 'industrial', industry: 'automotive' },
        { id: 'e', name: 'Eastern Petro', tier: 'enterprise', category: 'industrial', industry: 'petrochemical' },
        { id: 'js-regulator', name: 'Jiangsu regulator', tier: 'provincial' },
      ];
      const cells = heatCells(
        [posture('a', 'industrial'), posture('b', 'industrial'), posture('c', 'platform')],
        [alert({ id: '1', orgId: 'b', grade: 'III' }), alert({ id: '2', orgId: 'b', grade: 'I', status: 'acknowledged' }),
          alert({ id: '3', orgId: 'a', grade: 'I', status: 'resolved' }), alert({ id: '4', orgId: 'd', grade: 'II' })],
        orgs);
      expect(cells.map((c) => [c.group, c.name, c.worst ?? '-', c.openAlerts])).to.deep.equal([
        // Not in the registry answer and no summary: no band known yet, shown by id.
        ['/', 'd', 'II', 1],
        ['industrial/automotive', 'Baotou Steel', 'I', 2], ['industrial/automotive', 'Anhe Motor', '-', 0],
        ['industrial/petrochemical', 'Eastern Petro', '-', 0],
        // Not in the registry answer: the category its summary names.
        ['platform/', 'c', '-', 0],
      ]);
      expect(cells.find((c) => c.orgId === 'a')!.provinceName).to.equal('Jiangsu');
      expect(groupParts('industrial/automotive')).to.deep.equal({ category: 'industrial', industry: 'automotive' });
      expect(groupParts(heatGroup(undefined, undefined))).to.deep.equal({ category: '', industry: '' });
    });
  });

  describe('gradeSeries', () => {
    it('counts alerts first seen per bucket and grade, leaving out what is older than the range', () => {
      const hour = 3_600_000;
      const now = Date.parse('2026-03-02T08:30:00.000Z');
      const buckets = gradeSeries([
        alert({ id: '1', grade: 'I', firstSeen: '2026-03-02T08:10:00.000Z' }),
        alert({ id: '2', grade: 'III', firstSeen: '2026-03-02T08:59:59.000Z' }),
        alert({ id: '3', grade: 'III', firstSeen: '2026-03-02T06:00:00.000Z' }),
        alert({ id: '4', grade: 'II', firstSeen: '2026-03-02T05:59:59.000Z' }),
      ], now, hour, 3);
      expect(buckets.map((b) => new Date(b.start).toISOString())).to.deep.equal(['2026-03-02T06:00:00.000Z', '2026-03-02T07:00:00.000Z', '2026-03-02T08:00:00.000Z']);
      expect(buckets.map((b) => b.counts)).to.deep.equal([
        { I: 0, II: 0, III: 1, IV: 0 }, { I: 0, II: 0, III: 0, IV: 0 }, { I: 1, II: 0, III: 1, IV: 0 },
      ]);
    });
  });
});
