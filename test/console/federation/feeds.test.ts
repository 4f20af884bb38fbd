/**
 * The downlink feeds of a parent on a real SQLite store: an item kept once
 * per link, served in order after an exclusive cursor, only once it has
 * settled (so an append still in flight is never overtaken by a later one),
 * and never below what is already stored, even after a restart with the
 * clock set back. Times are injected (`now`), each test's days after the
 * previous one's.
 */
import { expect } from 'chai';
import { Collections, type DocumentStore } from '../../../core/store/documents.js';
import type { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { Feeds } from '../../../console/federation/feeds.js';
import { nextSequence, parseSequence, sequenceFloorOf } from '../../../console/federation/sequence.js';
import { advisory, advisoryItem, openStore, task, taskItem } from './fixtures.js';

const DAY = 86_400_000;
let base = Date.now() + DAY;

/** A clock the test moves, later than any clock used before it in this process. */
function testClock(): { now: () => number; set: (ms: number) => void; start: number } {
  base += 30 * DAY;
  let t = base;
  return { now: () => t, set: (ms) => { t = ms; }, start: base };
}

describe('Feeds', () => {
  let store: SqliteStore;

  beforeEach(() => {
    store = openStore();
  });

  afterEach(async () => {
    await store.close();
  });

  describe('append', () => {
    it('keeps an item once per link, however often it is appended', async () => {
      const clock = testClock();
      const feeds = new Feeds(store, { settleMs: 0, now: clock.now });
      const item = advisoryItem(advisory('adv-1'));
      expect(await feeds.append('link-a', item)).to.equal(true);
      expect(await feeds.append('link-a', item)).to.equal(false);
      expect(await feeds.append('link-b', item)).to.equal(true);
      clock.set(clock.start + 1);
      expect((await feeds.after('link-a', '', 10)).map((e) => e.item.id)).to.deep.equal(['adv-1']);
      expect((await feeds.after('link-b', '', 10)).map((e) => e.item.id)).to.deep.equal(['adv-1']);
    });
  });

  describe('after', () => {
    it('serves a link its items in append order, strictly after the cursor, limited', async () => {
      const clock = testClock();
      const feeds = new Feeds(store, { settleMs: 0, now: clock.now });
      const ids = ['adv-1', 'task-1', 'adv-2', 'adv-3'];
      for (const [i, id] of ids.entries()) {
        clock.set(clock.start + i * 10);
        await feeds.append('link-a', id.startsWith('task') ? taskItem(task(id)) : advisoryItem(advisory(id)));
      }
      await feeds.append('link-b', advisoryItem(advisory('other')));
      clock.set(clock.start + 1000);
      const all = await feeds.after('link-a', '', 10);
      expect(all.map((e) => e.item.id)).to.deep.equal(ids);
      expect([...all.map((e) => e.cursor)].sort()).to.deep.equal(all.map((e) => e.cursor));
      const first = await feeds.after('link-a', '', 2);
      expect(first.map((e) => e.item.id)).to.deep.equal(['adv-1', 'task-1']);
      const rest = await feeds.after('link-a', first[1].cursor, 10);
      expect(rest.map((e) => e.item.id)).to.deep.equal(['adv-2', 'adv-3']);
      expect(await feeds.after('link-a', all[3].cursor, 10)).to.deep.equal([]);
    });

    it('serves an item only once its key is settleMs old', async () => {
      const clock = testClock();
      const feeds = new Feeds(store, { settleMs: 2000, now: clock.now });
      await feeds.append('link-a', advisoryItem(advisory('adv-1')));
      clock.set(clock.start + 1999);
      expect(await feeds.after('link-a', '', 10)).to.deep.equal([]);
      clock.set(clock.start + 2001);
      expect((await feeds.after('link-a', '', 10)).map((e) => e.item.id)).to.deep.equal(['adv-1']);
    });

    it('defaults to a settle delay of 2000 ms', async () => {
      const clock = testClock();
      const feeds = new Feeds(store, { now: clock.now });
      await feeds.append('link-a', advisoryItem(advisory('adv-1')));
      clock.set(clock.start + 1500);
      expect(await feeds.after('link-a', '', 10)).to.deep.equal([]);
      clock.set(clock.start + 2500);
      expect(await feeds.after('link-a', '', 10)).to.have.length(1);
    });

    it('never lets a later append overtake one still being written', async () => {
      const clock = testClock();
      const held = holdingStore(store, (id) => id === 'link-a|adv-slow');
      const feeds = new Feeds(held.store, { settleMs: 2000, now: clock.now });
      const slow = feeds.append('link-a', advisoryItem(advisory('adv-slow')));
      await held.reached;
      clock.set(clock.start + 5);
      await feeds.append('link-a', advisoryItem(advisory('adv-fast')));
      // The later item is stored while the earlier one is not: a reader now must get neither.
      clock.set(clock.start + 1000);
      const early = await feeds.after('link-a', '', 10);
      expect(early.map((e) => e.item.id)).to.deep.equal([]);
      held.release();
      await slow;
      clock.set(clock.start + 2100);
      const page = await feeds.after('link-a', '', 10);
      expect(page.map((e) => e.item.id)).to.deep.equal(['adv-slow', 'adv-fast']);
    });

    it('after a restart with the clock set back, appends above the stored items and serves them without waiting for the clock', async () => {
      const clock = testClock();
      // A previous run of the parent, its clock ten days ahead, left an item a child has passed already.
      const before = new Feeds(store, { settleMs: 0, now: () => clock.start + 10 * DAY });
      await before.append('link-a', advisoryItem(advisory('adv-old')));
      const [old] = await new Feeds(store, { settleMs: 0, now: () => clock.start + 11 * DAY }).after('link-a', '', 10);
      expect(old.item.id).to.equal('adv-old');

      const restarted = new Feeds(store, { settleMs: 2000, now: clock.now });
      await restarted.append('link-a', advisoryItem(advisory('adv-new')));
      const stored = await store.queryDocuments({ collection: Collections.feed, order: 'asc' });
      expect(stored.documents.map((d) => d.id)).to.deep.equal(['link-a|adv-old', 'link-a|adv-new']);
      expect(stored.documents[1].sortKey > old.cursor).to.equal(true);
      clock.set(clock.start + 1000);
      expect(await restarted.after('link-a', old.cursor, 10)).to.deep.equal([]);
      clock.set(clock.start + 2100);
      expect((await restarted.after('link-a', old.cursor, 10)).map((e) => e.item.id)).to.deep.equal(['adv-new']);
    });

    it('loads the floor once, from the highest key of the whole collection', async () => {
      const clock = testClock();
      const top = sequenceFloorOf(clock.start + 5 * DAY);
      await store.putDocument(Collections.feed, { id: 'link-z|x', sortKey: top, index: { linkId: 'link-z', type: 'advisory' }, body: advisoryItem(advisory('x')) });
      let queries = 0;
      const counting = new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'queryDocuments') return (q: Parameters<DocumentStore['queryDocuments']>[0]) => { if (q.order === 'desc') queries++; return target.queryDocuments(q); };
          const value: unknown = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const feeds = new Feeds(counting, { settleMs: 0, now: clock.now });
      await Promise.all([feeds.append('link-a', advisoryItem(advisory('a'))), feeds.append('link-a', advisoryItem(advisory('b')))]);
      await feeds.append('link-a', advisoryItem(advisory('c')));
      expect(queries).to.equal(1);
      const keys = (await store.queryDocuments({ collection: Collections.feed, where: { linkId: 'link-a' } })).documents.map((d) => d.sortKey);
      expect(keys).to.have.length(3);
      for (const key of keys) expect(key > top, `${key} > ${top}`).to.equal(true);
    });
  });
});

describe('nextSequence', () => {
  it('without a floor makes fixed-width keys that only grow, first 15 digits the ms', () => {
    // Near the wall clock: these keys are the process-wide ones the outboxes use.
    const t = Date.now() + 5;
    const a = nextSequence(t);
    const b = nextSequence(t);
    const c = nextSequence(t - 50);
    expect(a).to.match(/^\d{15}\.\d{6}$/);
    expect(parseSequence(a).ms).to.equal(t);
    expect([a < b, b < c]).to.deep.equal([true, true]);
  });

  it('with a floor from a clock that was ahead, goes just above the floor', () => {
    const t = Date.now();
    const floor = `${String(t + 10 * DAY).padStart(15, '0')}.000042`;
    const key = nextSequence(t, floor);
    expect(parseSequence(key)).to.deep.equal({ ms: t + 10 * DAY, counter: 43 });
    expect(nextSequence(t + 11 * DAY, floor)).to.equal(sequenceFloorOf(t + 11 * DAY));
  });

  it('borrows the next millisecond when the counter is full, keeping text order', () => {
    const t = Date.now();
    const floor = `${String(t).padStart(15, '0')}.999999`;
    const key = nextSequence(t, floor);
    expect(key > floor).to.equal(true);
    expect(parseSequence(key)).to.deep.equal({ ms: t + 1, counter: 0 });
  });

  it('refuses a floor that is not a sequence key', () => {
    expect(() => nextSequence(Date.now(), '2026-03-02T08:00:00Z')).to.throw(RangeError);
  });
});

/** A store whose putDocument of the chosen ids waits until released: an append in flight. */
function holdingStore(store: DocumentStore, hold: (id: string) => boolean): { store: DocumentStore; reached: Promise<void>; release: () => void } {
  let release!: () => void;
  let reachedResolve!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const reached = new Promise<void>((resolve) => { reachedResolve = resolve; });
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'putDocument') {
        return async (...args: Parameters<DocumentStore['putDocument']>) => {
          if (hold(args[1].id)) {
            reachedResolve();
            await gate;
          }
          return target.putDocument(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, reached, release };
}
