import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { EcsEventSchema } from '../../../core/event.js';
import { latestVersion, migrations, SchemaTooNewError } from '../../../core/store/sqlite/migrations.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { makeEvent } from '../../helpers/events.js';
import { tempDir } from '../../helpers/paths.js';
import { storeConformance } from './conformance.js';

storeConformance('SqliteStore', async () => {
  const dir = tempDir('iisa-sqlite-');
  const path = join(dir, 'iisa.db');
  const stores = [SqliteStore.open({ path })];
  return {
    store: stores[0],
    // The same file again, as a restarted node opens it.
    reopen: async () => {
      const again = SqliteStore.open({ path });
      stores.push(again);
      return again;
    },
    cleanup: async () => {
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStore', () => {
  let dir: string;

  beforeEach(() => {
    dir = tempDir('iisa-sqlite-');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('open', () => {
    it('creates the parent directory and the schema at the latest version', async () => {
      const path = join(dir, 'nested', 'deeper', 'iisa.db');
      const store = SqliteStore.open({ path });
      await store.close();
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma('user_version', { simple: true })).to.equal(latestVersion);
      } finally {
        db.close();
      }
    });

    it('puts the database in WAL mode', async () => {
      const path = join(dir, 'iisa.db');
      const store = SqliteStore.open({ path, synchronous: 'normal' });
      try {
        // journal_mode=WAL is recorded in the file, so a second connection sees it.
        const db = new Database(path);
        try {
          expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
        } finally {
          db.close();
        }
      } finally {
        await store.close();
      }
    });

    it('refuses a database written by a newer schema, leaving it untouched', () => {
      const path = join(dir, 'iisa.db');
      const db = new Database(path);
      db.pragma(`user_version = ${latestVersion + 1}`);
      db.close();
      expect(() => SqliteStore.open({ path })).to.throw(SchemaTooNewError, /newer|knows versions up to/);
      const after = new Database(path, { readonly: true });
      try {
        expect(after.pragma('user_version', { simple: true })).to.equal(latestVersion + 1);
        expect(after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'events'").get()).to.deep.equal({ n: 0 });
      } finally {
        after.close();
      }
    });

    it('rejects unknown options', () => {
      expect(() => SqliteStore.open({ path: join(dir, 'x.db'), journal: 'delete' } as never)).to.throw();
    });
  });

  describe('batchWrites', () => {
    const countCommitted = (path: string, collection: string): number => {
      const raw = new Database(path, { readonly: true });
      try {
        return (raw.prepare('SELECT count(*) AS n FROM documents WHERE collection = ?').get(collection) as { n: number }).n;
      } finally {
        raw.close();
      }
    };
    const doc = (id: string) => ({ id, orgId: 'org-a', sortKey: id, body: { id } });
    /** A write batch that has put document `id` and stays open (its transaction too) until `finish` is called. */
    const heldBatch = async (store: SqliteStore, id: string): Promise<{ batch: Promise<void>; finish: () => void }> => {
      let finish!: () => void;
      const batch = store.batchWrites(async () => {
        await store.putDocument('things', doc(id));
        await new Promise<void>((resolve) => { finish = resolve; });
      });
      await new Promise((r) => setImmediate(r));
      return { batch, finish };
    };

    it('commits the writes of the batch once, when it resolves, and rolls all of them back when it throws', async () => {
      const path = join(dir, 'iisa.db');
      const store = SqliteStore.open({ path });
      try {
        await store.batchWrites(async () => {
          await store.putDocument('things', doc('a'));
          await store.putDocument('things', doc('b'));
          expect(countCommitted(path, 'things'), 'another connection sees nothing before the commit').to.equal(0);
          expect(await store.getDocument('things', 'a'), 'the batch reads its own writes').to.not.equal(undefined);
        });
        expect(countCommitted(path, 'things')).to.equal(2);

        let thrown: unknown;
        try {
          await store.batchWrites(async () => {
            await store.putDocument('things', doc('c'));
            await store.batchWrites(async () => { await store.putDocument('things', doc('d')); });
            throw new Error('half way');
          });
        } catch (error) {
          thrown = error;
        }
        expect((thrown as Error).message).to.equal('half way');
        expect(await store.getDocument('things', 'c')).to.equal(undefined);
        expect(await store.getDocument('things', 'd'), 'a nested batch is part of the outer one').to.equal(undefined);
        expect(countCommitted(path, 'things')).to.equal(2);
      } finally {
        await store.close();
      }
    });

    it('lets batches and writes queued behind a batch go one at a time, none of them inside another batch', async () => {
      const path = join(dir, 'iisa.db');
      const store = SqliteStore.open({ path });
      try {
        const { batch: first, finish } = await heldBatch(store, 'first');
        const order: string[] = [];
        const queued = [
          store.batchWrites(async () => { await store.putDocument('things', doc('second')); order.push('second'); }),
          store.appendEvents([makeEvent()]).then(() => order.push('event')),
          store.batchWrites(async () => { await store.putDocument('things', doc('third')); order.push('third'); }),
          store.putDocument('things', doc('outside')).then(() => order.push('outside')),
        ];
        finish();
        await first;
        await Promise.all(queued);
        expect([...order].sort()).to.deep.equal(['event', 'outside', 'second', 'third']);
        expect(countCommitted(path, 'things'), 'first, second, third and outside, all committed').to.equal(4);
        expect(await store.countEvents({})).to.equal(1);
      } finally {
        await store.close();
      }
    });

    it('holds writes from outside the batch until it is committed, so none resolves before its data is durable', async () => {
      const path = join(dir, 'iisa.db');
      const store = SqliteStore.open({ path });
      try {
        const { batch, finish } = await heldBatch(store, 'inside');
        let outsideDone = false;
        const outside = store.appendEvents([makeEvent()]).then((r) => { outsideDone = true; return r; });
        const outsideDoc = store.putDocument('things', doc('outside'));
        await new Promise((r) => setTimeout(r, 20));
        expect(outsideDone, 'an outside write resolved while the batch was open').to.equal(false);
        finish();
        await batch;
        expect(await outside).to.deep.equal({ inserted: 1 });
        await outsideDoc;
        expect(countCommitted(path, 'things')).to.equal(2);
        expect(await store.countEvents({})).to.equal(1);
      } finally {
        await store.close();
      }
    });
  });

  describe('migrations', () => {
    it('are numbered 1, 2, 3 ... in order, each with a description', () => {
      expect(migrations.map((m) => m.version)).to.deep.equal(migrations.map((_, i) => i + 1));
      for (const migration of migrations) expect(migration.description).to.be.a('string').and.not.equal('');
      expect(latestVersion).to.equal(migrations.length);
    });

    it('upgrade a version 3 database (text indexed by a trigger) without losing what its index holds', async () => {
      const path = join(dir, 'iisa.db');
      const old = EcsEventSchema.parse(makeEvent({ message: 'old pump alarm', event: { original: 'raw: pump 7 tripped' } }));
      const raw = new Database(path);
      raw.pragma('journal_mode = WAL');
      for (const migration of migrations.filter((m) => m.version <= 3)) migration.up(raw);
      raw.pragma('user_version = 3');
      raw.prepare('INSERT INTO events (id, ts, ingested, doc) VALUES (?, ?, ?, ?)').run(old.event.id, Date.parse(old['@timestamp']), Date.now(), JSON.stringify(old));
      raw.close();

      const store = SqliteStore.open({ path });
      try {
        const fresh = EcsEventSchema.parse(makeEvent({ message: 'new valve alarm', event: { original: 'raw: valve 3 stuck' } }));
        await store.appendEvents([fresh]);
        expect((await store.searchEvents({ text: 'pump' })).events).to.deep.equal([old]);
        expect((await store.searchEvents({ text: 'tripped' })).events).to.deep.equal([old]);
        expect((await store.searchEvents({ text: 'valve stuck' })).events).to.deep.equal([fresh]);
        expect((await store.searchEvents({ text: 'alarm' })).events).to.have.length(2);
      } finally {
        await store.close();
      }
    });

    it('upgrade a version 4 database with documents: where lookups find them through the new term index, and deletes take their terms along', async () => {
      const path = join(dir, 'iisa.db');
      const raw = new Database(path);
      raw.pragma('journal_mode = WAL');
      for (const migration of migrations.filter((m) => m.version <= 4)) migration.up(raw);
      raw.pragma('user_version = 4');
      const insert = raw.prepare('INSERT INTO documents (collection, id, org_id, sort_key, version, updated_at, idx, body) VALUES (?, ?, ?, ?, 1, ?, ?, ?)');
      insert.run('alerts', 'a1', 'org-a', '1', '2024-01-01T00:00:00.000Z', JSON.stringify({ dedupKey: 'k1', tags: ['x', 'y'], grade: 2, open: true }), '{}');
      insert.run('alerts', 'a2', 'org-a', '2', '2024-01-01T00:00:00.000Z', JSON.stringify({ dedupKey: 'k2', tags: [], grade: null }), '{}');
      raw.close();

      const store = SqliteStore.open({ path });
      const ids = async (where: Record<string, string | number | boolean | null | string[]>): Promise<string[]> =>
        (await store.queryDocuments({ collection: 'alerts', where, limit: 10 })).documents.map((d) => d.id);
      try {
        expect(await ids({ dedupKey: 'k1' })).to.deep.equal(['a1']);
        expect(await ids({ tags: 'y' })).to.deep.equal(['a1']);
        expect(await ids({ grade: '2' }), 'text finds a number of the same value').to.deep.equal(['a1']);
        expect(await ids({ open: 'true' })).to.deep.equal(['a1']);
        expect(await ids({ grade: null })).to.deep.equal(['a2']);
        expect(await store.deleteDocument('alerts', 'a1')).to.equal(true);
        expect(await ids({ dedupKey: 'k1' })).to.deep.equal([]);
      } finally {
        await store.close();
      }
      const after = new Database(path, { readonly: true });
      try {
        expect(after.prepare('SELECT id, key, term FROM document_terms ORDER BY key, term').all()).to.deep.equal([{ id: 'a2', key: 'dedupKey', term: 's:k2' }]);
      } finally {
        after.close();
      }
    });

    it('answer a where on a value most documents hold (a scan in order) as one few hold (looked up by term), page by page', async () => {
      const path = join(dir, 'iisa.db');
      const store = SqliteStore.open({ path });
      try {
        await store.batchWrites(async () => {
          for (let i = 0; i < 2_100; i++) {
            const id = `a${String(i).padStart(5, '0')}`;
            await store.putDocument('alerts', { id, orgId: 'org-a', sortKey: id, index: { state: i % 700 === 0 ? 'closed' : 'open', dedupKey: `k${i}` }, body: { i } });
          }
        });
        const all = async (where: Record<string, string>): Promise<string[]> => {
          const out: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.queryDocuments({ collection: 'alerts', where, limit: 500, order: 'desc', ...(cursor ? { cursor } : {}) });
            out.push(...page.documents.map((d) => d.id));
            cursor = page.nextCursor;
          } while (cursor);
          return out;
        };
        const open = await all({ state: 'open' });
        expect(open).to.have.length(2_097);
        expect(open[0]).to.equal('a02099');
        expect(await all({ state: 'closed' })).to.deep.equal(['a01400', 'a00700', 'a00000']);
        expect(await all({ state: 'open', dedupKey: 'k700' }), 'both keys must hold').to.deep.equal([]);
        expect(await all({ state: 'closed', dedupKey: 'k700' })).to.deep.equal(['a00700']);
        expect(await store.countDocuments({ collection: 'alerts', where: { state: 'closed' }, groupBy: 'state' })).to.deep.equal([{ key: 'closed', count: 3 }]);
      } finally {
        await store.close();
      }
    });

    it('index the text of the new events of a batch that mixes new and re-sent ones, once each', async () => {
      const path = join(dir, 'iisa.db');
      const store = SqliteStore.open({ path });
      const a = EcsEventSchema.parse(makeEvent({ message: 'first reading' }));
      const b = EcsEventSchema.parse(makeEvent({ message: 'second reading' }));
      try {
        expect(await store.appendEvents([a])).to.deep.equal({ inserted: 1 });
        expect(await store.appendEvents([a, b, a])).to.deep.equal({ inserted: 1 });
        expect((await store.searchEvents({ text: 'second' })).events).to.deep.equal([b]);
        expect(await store.countEvents({ text: 'reading' })).to.equal(2);
      } finally {
        await store.close();
      }
      const raw = new Database(path, { readonly: true });
      try {
        expect((raw.prepare('SELECT count(*) AS n FROM events_fts').get() as { n: number }).n, 'text entries').to.equal(2);
      } finally {
        raw.close();
      }
    });

    it('are applied once: reopening an up-to-date database keeps its data', async () => {
      const path = join(dir, 'iisa.db');
      const first = SqliteStore.open({ path });
      await first.appendEvents([makeEvent()]);
      await first.close();
      const second = SqliteStore.open({ path });
      try {
        expect(await second.countEvents({})).to.equal(1);
      } finally {
        await second.close();
      }
    });
  });

  describe('close', () => {
    it('keeps events, dead letters and the text index across close and reopen', async () => {
      const path = join(dir, 'iisa.db');
      const event = EcsEventSchema.parse(makeEvent({ message: 'valve override', source: { ip: '2001:db8::5' } }));
      const first = SqliteStore.open({ path });
      await first.appendEvents([event]);
      await first.appendDeadLetters([{ id: 'dl', receivedAt: '2024-01-01T00:00:00.000Z', source: 'http', code: 'schema', reason: 'r', raw: 'x' }]);
      await first.close();
      const second = SqliteStore.open({ path });
      try {
        expect((await second.searchEvents({ text: 'override' })).events).to.deep.equal([event]);
        expect((await second.searchEvents({ filters: [{ field: 'source.ip', op: 'eq', value: '2001:db8::5' }] })).events).to.deep.equal([event]);
        expect(await second.searchDeadLetters({})).to.have.length(1);
        expect(await second.appendEvents([event])).to.deep.equal({ inserted: 0 });
      } finally {
        await second.close();
      }
    });

    it('makes later calls fail clearly', async () => {
      const store = SqliteStore.open({ path: join(dir, 'iisa.db') });
      await store.close();
      let error: unknown;
      try {
        await store.searchEvents({});
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(Error).with.property('message').that.matches(/closed/);
    });
  });

  describe('searchEvents', () => {
    let store: SqliteStore;

    beforeEach(() => {
      store = SqliteStore.open({ path: join(dir, 'iisa.db') });
    });

    afterEach(async () => {
      await store.close();
    });

    for (const field of ['source.ip; DROP TABLE events', 'a..b', '', '.a', "x'", 'a"b', 'json_each(doc)', 'a b', '$.a']) {
      it(`rejects the field name ${JSON.stringify(field)}`, async () => {
        let error: unknown;
        try {
          await store.searchEvents({ filters: [{ field, op: 'eq', value: 'x' }] });
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(TypeError).with.property('message').that.matches(/invalid field name/);
      });
    }

    it('rejects a cursor it did not make, and one made for the other order', async () => {
      await store.appendEvents([makeEvent(), makeEvent()]);
      const { nextCursor } = await store.searchEvents({ limit: 1 });
      expect(nextCursor).to.be.a('string');
      const failures: unknown[] = [];
      for (const query of [{ cursor: 'not-a-cursor' }, { cursor: nextCursor, order: 'asc' as const }]) {
        try {
          await store.searchEvents(query);
        } catch (e) {
          failures.push(e);
        }
      }
      expect(failures).to.have.length(2);
      for (const failure of failures) expect(failure).to.be.instanceOf(TypeError);
    });

    it('keeps prefix matching case-sensitive', async () => {
      await store.appendEvents([makeEvent({ event: { action: 'Modbus-write' } }), makeEvent({ event: { action: 'modbus-read' } })]);
      const { events } = await store.searchEvents({ filters: [{ field: 'event.action', op: 'prefix', value: 'modbus' }] });
      expect(events.map((e) => e.event.action)).to.deep.equal(['modbus-read']);
    });

    it('matches a number given as text and the reverse, as Elasticsearch coerces', async () => {
      await store.appendEvents([makeEvent({ destination: { port: 502 }, labels: { unit: '7' } })]);
      expect(await store.countEvents({ filters: [{ field: 'destination.port', op: 'eq', value: '502' }] })).to.equal(1);
      expect(await store.countEvents({ filters: [{ field: 'labels.unit', op: 'eq', value: 7 }] })).to.equal(1);
    });

    it('ignores words with no letter or digit in text search', async () => {
      await store.appendEvents([makeEvent({ message: 'pump' }), makeEvent({ message: 'valve' })]);
      expect(await store.countEvents({ text: '" * -' })).to.equal(2);
      expect(await store.countEvents({ text: 'pump " *' })).to.equal(1);
    });
  });

  describe('aggregateEvents', () => {
    it('counts an event under each element of an array field', async () => {
      const store = SqliteStore.open({ path: join(dir, 'iisa.db') });
      try {
        await store.appendEvents([
          makeEvent({ event: { category: ['network', 'authentication'] } }),
          makeEvent({ event: { category: ['network'] } }),
          makeEvent({ event: { category: [] } }),
        ]);
        expect(await store.aggregateEvents({ groupBy: ['event.category'] })).to.deep.equal([
          { key: ['network'], count: 2 },
          { key: [null], count: 1 },
          { key: ['authentication'], count: 1 },
        ]);
      } finally {
        await store.close();
      }
    });
  });
});
