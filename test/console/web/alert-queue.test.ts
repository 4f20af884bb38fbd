/**
 * The queue behind the enterprise page and the regulators' escalated list:
 * its order (grade I first, then the most recently seen) and its merging of
 * fetched and live copies by revision.
 */
import { expect } from 'chai';
import { AlertQueue, compareAlerts } from '../../../console/web/src/alert-queue.js';
import { alert } from '../federation/fixtures.js';

describe('AlertQueue', () => {
  describe('sorted', () => {
    it('puts grade I first, then the most recently seen, whatever order they came in', () => {
      const queue = new AlertQueue();
      queue.upsert(alert({ id: 'iv-new', grade: 'IV', lastSeen: '2026-03-02T09:00:00.000Z' }));
      queue.upsert(alert({ id: 'ii-old', grade: 'II', lastSeen: '2026-03-02T07:00:00.000Z' }));
      queue.upsert(alert({ id: 'i-old', grade: 'I', lastSeen: '2026-03-02T06:00:00.000Z' }));
      queue.upsert(alert({ id: 'ii-new', grade: 'II', lastSeen: '2026-03-02T08:30:00.000Z' }));
      expect(queue.sorted().map((a) => a.id)).to.deep.equal(['i-old', 'ii-new', 'ii-old', 'iv-new']);
    });

    it('leaves closed alerts out unless asked for them', () => {
      const queue = new AlertQueue();
      queue.upsert(alert({ id: 'open', status: 'acknowledged' }));
      queue.upsert(alert({ id: 'resolved', status: 'resolved' }));
      queue.upsert(alert({ id: 'fp', status: 'false_positive' }));
      expect(queue.sorted().map((a) => a.id)).to.deep.equal(['open']);
      expect(queue.sorted({ includeClosed: true }).map((a) => a.id)).to.have.members(['open', 'resolved', 'fp']);
    });

    it('orders ties by id, so the rows never swap places between redraws', () => {
      const a = alert({ id: 'a' });
      const b = alert({ id: 'b' });
      expect(compareAlerts(a, b)).to.be.lessThan(0);
      expect(compareAlerts(b, a)).to.be.greaterThan(0);
    });
  });

  describe('upsert', () => {
    it('keeps the higher revision: a late fetch answer cannot roll back what the socket showed', () => {
      const queue = new AlertQueue();
      expect(queue.upsert(alert({ revision: 1, status: 'new' }))).to.equal('added');
      expect(queue.upsert(alert({ revision: 3, status: 'investigating' }))).to.equal('updated');
      expect(queue.upsert(alert({ revision: 2, status: 'acknowledged' }))).to.equal('stale');
      expect(queue.upsert(alert({ revision: 3, status: 'acknowledged' }))).to.equal('stale');
      expect(queue.get('alert-0001')?.status).to.equal('investigating');
      expect(queue.size).to.equal(1);
    });
  });

  describe('worstOpenGradeByOrg', () => {
    it('takes the most serious open grade per org and ignores closed alerts', () => {
      const queue = new AlertQueue();
      queue.upsert(alert({ id: '1', orgId: 'a', grade: 'III' }));
      queue.upsert(alert({ id: '2', orgId: 'a', grade: 'I', status: 'resolved' }));
      queue.upsert(alert({ id: '3', orgId: 'a', grade: 'II' }));
      queue.upsert(alert({ id: '4', orgId: 'b', grade: 'IV' }));
      expect(Object.fromEntries(queue.worstOpenGradeByOrg())).to.deep.equal({ a: 'II', b: 'IV' });
    });
  });
});
