/**
 * The durable outbox of a parent link on a real SQLite store: one waiting
 * version per item, queue order kept, and a delivery confirmed for an old
 * version never removes a newer one.
 */
import { expect } from 'chai';
import type { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { Outbox } from '../../../console/federation/outbox.js';
import { alert, alertItem, openStore, posture, postureItem, JINLING, YANGTZE } from './fixtures.js';

describe('Outbox', () => {
  let store: SqliteStore;
  let outbox: Outbox;

  beforeEach(() => {
    store = openStore();
    outbox = new Outbox(store, 'link-a');
  });

  afterEach(async () => {
    await store.close();
  });

  async function waitingIds(box = outbox): Promise<string[]> {
    return (await box.next(100)).map((d) => d.body.id);
  }

  describe('enqueue / next', () => {
    it('keeps the order items were queued in, oldest first, and limits the batch', async () => {
      const items = [alertItem(alert({ id: 'a1' })), postureItem(posture(JINLING, '2026-03-02T08:05:00.000Z')), alertItem(alert({ id: 'a2', orgId: YANGTZE }))];
      for (const item of items) await outbox.enqueue(item);
      expect(await waitingIds()).to.deep.equal(items.map((i) => i.id));
      expect((await outbox.next(2)).map((d) => d.body.id)).to.deep.equal(items.slice(0, 2).map((i) => i.id));
    });

    it('replaces the waiting version of the same item and moves it to the end', async () => {
      await outbox.enqueue(alertItem(alert({ id: 'a1', revision: 1 })));
      await outbox.enqueue(alertItem(alert({ id: 'a2' })));
      await outbox.enqueue(alertItem(alert({ id: 'a1', revision: 2, status: 'acknowledged' })));
      const waiting = await outbox.next(100);
      expect(waiting.map((d) => d.body.id)).to.deep.equal(['alert:a2', 'alert:a1']);
      const a1 = waiting[1].body;
      expect(a1.type === 'alert' && a1.alert.revision).to.equal(2);
      expect(await outbox.size()).to.equal(2);
    });

    it('keeps the outboxes of two links apart', async () => {
      const other = new Outbox(store, 'link-b');
      await outbox.enqueue(alertItem(alert({ id: 'a1' })));
      await other.enqueue(alertItem(alert({ id: 'a1' })));
      await other.enqueue(alertItem(alert({ id: 'b1' })));
      expect(await waitingIds()).to.deep.equal(['alert:a1']);
      expect(await waitingIds(other)).to.deep.equal(['alert:a1', 'alert:b1']);
      expect([await outbox.size(), await other.size()]).to.deep.equal([1, 2]);
    });
  });

  describe('delivered', () => {
    it('removes the version that was sent', async () => {
      await outbox.enqueue(alertItem(alert({ id: 'a1' })));
      await outbox.enqueue(alertItem(alert({ id: 'a2' })));
      const [first] = await outbox.next(1);
      await outbox.delivered(first);
      expect(await waitingIds()).to.deep.equal(['alert:a2']);
      expect(await outbox.size()).to.equal(1);
    });

    it('leaves a newer version queued while the old one was being sent', async () => {
      await outbox.enqueue(alertItem(alert({ id: 'a1', revision: 1 })));
      const [sent] = await outbox.next(1);
      await outbox.enqueue(alertItem(alert({ id: 'a1', revision: 2 })));
      await outbox.delivered(sent);
      const waiting = await outbox.next(10);
      expect(waiting).to.have.length(1);
      const body = waiting[0].body;
      expect(body.type === 'alert' && body.alert.revision).to.equal(2);
    });

    it('is harmless for an item already removed', async () => {
      await outbox.enqueue(alertItem(alert({ id: 'a1' })));
      const [sent] = await outbox.next(1);
      await outbox.delivered(sent);
      await outbox.delivered(sent);
      expect(await outbox.size()).to.equal(0);
    });
  });

  describe('size', () => {
    it('counts waiting items, 0 when empty', async () => {
      expect(await outbox.size()).to.equal(0);
      for (let i = 0; i < 5; i++) await outbox.enqueue(alertItem(alert({ id: `a${i}` })));
      await outbox.enqueue(alertItem(alert({ id: 'a0', revision: 3 })));
      expect(await outbox.size()).to.equal(5);
    });
  });
});
