/**
 * The document part of the Store conformance suite: what
 * core/store/documents.ts promises, checked against any implementation.
 * Called by `storeConformance` (conformance.ts) with the same `open`, whose
 * `reopen` gives a second store on the same data.
 */
import { expect } from 'chai';
import { DocumentConflictError } from '../../../core/store/documents.js';
import type { DocumentInput, DocumentQuery, StoredDocument } from '../../../core/store/documents.js';
import type { Store } from '../../../core/store/store.js';
import type { OpenStore } from './conformance.js';

interface Alert {
  readonly title: string;
  readonly n?: number;
}

/** A document of the suite: sortKey from `n` (zero-padded, so text order is number order). */
function doc(id: string, n: number, extra: Partial<DocumentInput<Alert>> = {}): DocumentInput<Alert> {
  return { id, sortKey: String(n).padStart(6, '0'), body: { title: `alert ${id}`, n }, ...extra };
}

/** Put documents a batch at a time, concurrently within a batch (Elasticsearch waits for a refresh per put). */
async function putAll(store: Store, collection: string, docs: readonly DocumentInput[], batch = 100): Promise<void> {
  for (let start = 0; start < docs.length; start += batch) {
    await Promise.all(docs.slice(start, start + batch).map((d) => store.putDocument(collection, d)));
  }
}

/** The rejection of `promise`; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail('expected a rejection');
}

async function ids(store: Store, query: DocumentQuery): Promise<string[]> {
  return (await store.queryDocuments(query)).documents.map((d) => d.id);
}

/** Every page of a query, with how many pages it took; fails if paging does not end. */
async function allPages(store: Store, query: DocumentQuery, maxPages = 100): Promise<{ documents: StoredDocument[]; pages: number }> {
  const documents: StoredDocument[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= maxPages; pages++) {
    const page = await store.queryDocuments({ ...query, cursor });
    documents.push(...page.documents);
    if (page.nextCursor === undefined) return { documents, pages };
    cursor = page.nextCursor;
  }
  throw new Error(`paging did not end within ${maxPages} pages`);
}

export function documentConformance(name: string, open: OpenStore): void {
  describe(`Store conformance, documents: ${name}`, () => {
    let store: Store;
    let reopen: () => Promise<Store>;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, reopen, cleanup } = await open());
    });

    afterEach(async () => {
      await cleanup();
    });

    describe('putDocument / getDocument', () => {
      it('creates a document at version 1 and gives it back with org, sortKey, index and body', async () => {
        const before = Date.now();
        const input: DocumentInput<unknown> = {
          id: 'a-1',
          orgId: 'org-a',
          sortKey: '2024-03-01T10:00:00.000Z',
          index: { status: 'open', grade: 3, acknowledged: false, owner: null, tags: ['ics', 'modbus'], 'asset.zone': 'line-2' },
          body: { title: 'Modbus write from 10.0.0.9 — 写入寄存器', hosts: ['10.0.0.9', '2001:db8::7'], nested: { deep: [1, 2.5, null, true] } },
        };
        expect(await store.putDocument('alerts', input)).to.equal(1);
        const stored = await store.getDocument('alerts', 'a-1');
        expect(stored).to.not.equal(undefined);
        const { updatedAt, ...rest } = stored as StoredDocument;
        expect(rest).to.deep.equal({ ...input, collection: 'alerts', version: 1 });
        const written = Date.parse(updatedAt);
        expect(new Date(written).toISOString()).to.equal(updatedAt);
        expect(written).to.be.within(before - 1000, Date.now() + 1000);
      });

      it('gives back a document without org or index with no orgId and an empty index, and any JSON body', async () => {
        for (const [i, body] of (['plain text', 42, [1, 'two', { three: 3 }], null, { empty: {} }] as const).entries()) {
          await store.putDocument('tasks', { id: `t-${i}`, sortKey: `k${i}`, body });
          const stored = await store.getDocument('tasks', `t-${i}`);
          expect(stored).to.include({ collection: 'tasks', id: `t-${i}`, sortKey: `k${i}`, version: 1 });
          expect(stored?.body).to.deep.equal(body);
          expect(stored?.index).to.deep.equal({});
          expect(stored).to.not.have.property('orgId');
        }
      });

      it('answers undefined for an unknown id, and for an id of another collection', async () => {
        expect(await store.getDocument('alerts', 'nothing')).to.equal(undefined);
        await store.putDocument('alerts', doc('a-1', 1));
        expect(await store.getDocument('tasks', 'a-1')).to.equal(undefined);
        expect(await store.getDocument('alerts', 'a-2')).to.equal(undefined);
      });

      it('with expectVersion 0 refuses an existing document, naming its version, and changes nothing', async () => {
        expect(await store.putDocument('alerts', doc('a-1', 1), { expectVersion: 0 })).to.equal(1);
        expect(await store.putDocument('alerts', doc('a-1', 2))).to.equal(2);
        const error = await rejection(store.putDocument('alerts', doc('a-1', 9, { body: { title: 'lost' } }), { expectVersion: 0 }));
        expect(error).to.be.instanceOf(DocumentConflictError);
        expect(error).to.include({ collection: 'alerts', id: 'a-1', expected: 0, actual: 2 });
        const stored = await store.getDocument<Alert>('alerts', 'a-1');
        expect(stored).to.include({ version: 2, sortKey: '000002' });
        expect(stored?.body).to.deep.equal({ title: 'alert a-1', n: 2 });
      });

      it('with expectVersion n updates only version n: stale is a conflict, current becomes n + 1', async () => {
        await store.putDocument('alerts', doc('a-1', 1, { index: { status: 'open' } }), { expectVersion: 0 });
        expect(await store.putDocument('alerts', doc('a-1', 2, { index: { status: 'acknowledged' } }), { expectVersion: 1 })).to.equal(2);
        const stale = await rejection(store.putDocument('alerts', doc('a-1', 3, { index: { status: 'closed' } }), { expectVersion: 1 }));
        expect(stale).to.be.instanceOf(DocumentConflictError).and.include({ expected: 1, actual: 2 });
        const ahead = await rejection(store.putDocument('alerts', doc('a-1', 3), { expectVersion: 5 }));
        expect(ahead).to.be.instanceOf(DocumentConflictError).and.include({ expected: 5, actual: 2 });
        expect(await store.putDocument('alerts', doc('a-1', 3, { index: { status: 'closed' } }), { expectVersion: 2 })).to.equal(3);
        const stored = await store.getDocument('alerts', 'a-1');
        expect(stored).to.include({ version: 3, sortKey: '000003' });
        expect(stored?.index).to.deep.equal({ status: 'closed' });
        expect(await ids(store, { collection: 'alerts', where: { status: 'acknowledged' } })).to.deep.equal([]);
      });

      it('with expectVersion n > 0 on a missing document is a conflict with actual 0, and creates nothing', async () => {
        const error = await rejection(store.putDocument('alerts', doc('a-1', 1), { expectVersion: 1 }));
        expect(error).to.be.instanceOf(DocumentConflictError).and.include({ expected: 1, actual: 0 });
        expect(await store.getDocument('alerts', 'a-1')).to.equal(undefined);
      });

      it('without expectVersion overwrites whatever is there, counting the version up, index replaced whole', async () => {
        expect(await store.putDocument('alerts', doc('a-1', 1, { orgId: 'org-a', index: { status: 'open', owner: 'li' } }))).to.equal(1);
        expect(await store.putDocument('alerts', doc('a-1', 2, { orgId: 'org-b', index: { status: 'closed' } }))).to.equal(2);
        const stored = await store.getDocument<Alert>('alerts', 'a-1');
        expect(stored).to.include({ version: 2, orgId: 'org-b', sortKey: '000002' });
        expect(stored?.index).to.deep.equal({ status: 'closed' });
        expect(await ids(store, { collection: 'alerts', where: { owner: 'li' } })).to.deep.equal([]);
        expect(await ids(store, { collection: 'alerts', orgIds: ['org-a'] })).to.deep.equal([]);
        expect(await ids(store, { collection: 'alerts', orgIds: ['org-b'] })).to.deep.equal(['a-1']);
      });

      it('lets exactly one of several concurrent writers of the same version win', async () => {
        const creates = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => store.putDocument('alerts', doc('a-1', n), { expectVersion: 0 })));
        expect(creates.filter((r) => r.status === 'fulfilled').map((r) => r.value)).to.deep.equal([1]);
        for (const r of creates.filter((r) => r.status === 'rejected')) expect(r.reason).to.be.instanceOf(DocumentConflictError).and.include({ actual: 1 });
        const updates = await Promise.allSettled([6, 7, 8, 9].map((n) => store.putDocument('alerts', doc('a-1', n), { expectVersion: 1 })));
        expect(updates.filter((r) => r.status === 'fulfilled').map((r) => r.value)).to.deep.equal([2]);
        for (const r of updates.filter((r) => r.status === 'rejected')) expect(r.reason).to.be.instanceOf(DocumentConflictError).and.include({ actual: 2 });
        expect((await store.getDocument('alerts', 'a-1'))?.version).to.equal(2);
      });

      it('gives each of several concurrent last-writer-wins puts its own version', async () => {
        await store.putDocument('alerts', doc('a-1', 0));
        const versions = await Promise.all([1, 2, 3, 4].map((n) => store.putDocument('alerts', doc('a-1', n))));
        expect([...versions].sort()).to.deep.equal([2, 3, 4, 5]);
        expect((await store.getDocument('alerts', 'a-1'))?.version).to.equal(5);
      });

      it('keeps a document across close and reopen', async () => {
        await store.putDocument('alerts', doc('a-1', 1, { orgId: 'org-a', index: { status: 'open', tags: ['x'] } }));
        await store.putDocument('alerts', doc('a-1', 2, { orgId: 'org-a', index: { status: 'open', tags: ['x'] } }), { expectVersion: 1 });
        const before = await store.getDocument('alerts', 'a-1');
        await store.close();
        const again = await reopen();
        expect(await again.getDocument('alerts', 'a-1')).to.deep.equal(before);
        expect((await again.queryDocuments({ collection: 'alerts', where: { tags: 'x' }, orgIds: ['org-a'] })).documents).to.deep.equal([before]);
        const stale = await rejection(again.putDocument('alerts', doc('a-1', 3), { expectVersion: 1 }));
        expect(stale).to.be.instanceOf(DocumentConflictError).and.include({ actual: 2 });
        expect(await again.putDocument('alerts', doc('a-1', 3), { expectVersion: 2 })).to.equal(3);
      });
    });

    describe('deleteDocument', () => {
      it('deletes one document, which then is gone from get and query; a second delete finds nothing', async () => {
        await putAll(store, 'alerts', [doc('a-1', 1), doc('a-2', 2)]);
        expect(await store.deleteDocument('alerts', 'a-1')).to.equal(true);
        expect(await store.getDocument('alerts', 'a-1')).to.equal(undefined);
        expect(await ids(store, { collection: 'alerts' })).to.deep.equal(['a-2']);
        expect(await store.deleteDocument('alerts', 'a-1')).to.equal(false);
        expect(await store.deleteDocument('outbox', 'a-2')).to.equal(false);
        expect(await ids(store, { collection: 'alerts' })).to.deep.equal(['a-2']);
      });

      it('with expectVersion deletes only that version, and a delete then create starts at version 1 again', async () => {
        await store.putDocument('alerts', doc('a-1', 1));
        await store.putDocument('alerts', doc('a-1', 2));
        const stale = await rejection(store.deleteDocument('alerts', 'a-1', { expectVersion: 1 }));
        expect(stale).to.be.instanceOf(DocumentConflictError).and.include({ expected: 1, actual: 2 });
        expect(await store.getDocument('alerts', 'a-1')).to.include({ version: 2 });
        expect(await store.deleteDocument('alerts', 'a-1', { expectVersion: 2 })).to.equal(true);
        const missing = await rejection(store.deleteDocument('alerts', 'a-1', { expectVersion: 2 }));
        expect(missing).to.be.instanceOf(DocumentConflictError).and.include({ expected: 2, actual: 0 });
        expect(await store.putDocument('alerts', doc('a-1', 3), { expectVersion: 0 })).to.equal(1);
      });

      it('refuses a bad collection name with a TypeError', async () => {
        expect(await rejection(store.deleteDocument('Bad Name', 'x'))).to.be.instanceOf(TypeError);
      });
    });

    describe('queryDocuments', () => {
      it('filters by equality on string, number and boolean index values', async () => {
        await putAll(store, 'alerts', [
          doc('a', 1, { index: { status: 'open', grade: 3, acknowledged: false } }),
          doc('b', 2, { index: { status: 'closed', grade: 1, acknowledged: true } }),
          doc('c', 3, { index: { status: 'open', grade: 1.5, acknowledged: true } }),
        ]);
        expect(await ids(store, { collection: 'alerts', where: { status: 'open' } })).to.deep.equal(['a', 'c']);
        expect(await ids(store, { collection: 'alerts', where: { grade: 1 } })).to.deep.equal(['b']);
        expect(await ids(store, { collection: 'alerts', where: { grade: 1.5 } })).to.deep.equal(['c']);
        expect(await ids(store, { collection: 'alerts', where: { acknowledged: true } })).to.deep.equal(['b', 'c']);
        expect(await ids(store, { collection: 'alerts', where: { acknowledged: false } })).to.deep.equal(['a']);
        expect(await ids(store, { collection: 'alerts', where: { status: 'open', acknowledged: true } })).to.deep.equal(['c']);
        expect(await ids(store, { collection: 'alerts', where: { status: 'Open' } })).to.deep.equal([]);
        expect(await ids(store, { collection: 'alerts', where: { unknownKey: 'open' } })).to.deep.equal([]);
      });

      it('matches null to a null value and to a missing key', async () => {
        await putAll(store, 'alerts', [
          doc('a', 1, { index: { owner: 'li' } }),
          doc('b', 2, { index: { owner: null } }),
          doc('c', 3, { index: { status: 'open' } }),
          doc('d', 4),
        ]);
        expect(await ids(store, { collection: 'alerts', where: { owner: null } })).to.deep.equal(['b', 'c', 'd']);
        expect(await ids(store, { collection: 'alerts', where: { owner: null, status: 'open' } })).to.deep.equal(['c']);
      });

      it('matches an array-valued index when any element is equal', async () => {
        await putAll(store, 'alerts', [
          doc('a', 1, { index: { tags: ['ics', 'modbus'], 'asset.zone': 'z1' } }),
          doc('b', 2, { index: { tags: ['dnp3'] } }),
          doc('c', 3, { index: { tags: [] } }),
        ]);
        expect(await ids(store, { collection: 'alerts', where: { tags: 'modbus' } })).to.deep.equal(['a']);
        expect(await ids(store, { collection: 'alerts', where: { tags: 'ics' } })).to.deep.equal(['a']);
        expect(await ids(store, { collection: 'alerts', where: { tags: 'dnp3' } })).to.deep.equal(['b']);
        expect(await ids(store, { collection: 'alerts', where: { tags: 'opc-ua' } })).to.deep.equal([]);
        expect(await ids(store, { collection: 'alerts', where: { 'asset.zone': 'z1' } })).to.deep.equal(['a']);
      });

      it('matches a list of values as any of them, on scalar and array values; an empty list matches nothing', async () => {
        await putAll(store, 'alerts', [
          doc('a', 1, { index: { status: 'open', grade: 1, tags: ['ics'] } }),
          doc('b', 2, { index: { status: 'acknowledged', grade: 2, tags: ['it', 'dnp3'] } }),
          doc('c', 3, { index: { status: 'closed', grade: 3, tags: ['it'] } }),
        ]);
        expect(await ids(store, { collection: 'alerts', where: { status: ['open', 'acknowledged'] } })).to.deep.equal(['a', 'b']);
        expect(await ids(store, { collection: 'alerts', where: { grade: [1, 3] } })).to.deep.equal(['a', 'c']);
        expect(await ids(store, { collection: 'alerts', where: { tags: ['dnp3', 'ics'] } })).to.deep.equal(['a', 'b']);
        expect(await ids(store, { collection: 'alerts', where: { status: ['open', 'closed'], tags: ['it'] } })).to.deep.equal(['c']);
        expect(await ids(store, { collection: 'alerts', where: { status: [] } })).to.deep.equal([]);
      });

      it('ranges on sortKey: from inclusive, to exclusive, in either order', async () => {
        await putAll(store, 'alerts', [5, 1, 4, 2, 3].map((n) => doc(`d${n}`, n)));
        const range = { collection: 'alerts', from: '000002', to: '000004' };
        expect(await ids(store, range)).to.deep.equal(['d2', 'd3']);
        expect(await ids(store, { ...range, order: 'desc' })).to.deep.equal(['d3', 'd2']);
        expect(await ids(store, { collection: 'alerts', from: '000004' })).to.deep.equal(['d4', 'd5']);
        expect(await ids(store, { collection: 'alerts', to: '000002' })).to.deep.equal(['d1']);
        expect(await ids(store, { collection: 'alerts', order: 'desc' })).to.deep.equal(['d5', 'd4', 'd3', 'd2', 'd1']);
        expect(await ids(store, { collection: 'alerts', order: 'asc' })).to.deep.equal(['d1', 'd2', 'd3', 'd4', 'd5']);
        // Text order: a key with a NUL appended is the least above it, so `to` then takes in that key (the API's list paging relies on it).
        expect(await ids(store, { collection: 'alerts', to: '000003\u0000', order: 'desc' })).to.deep.equal(['d3', 'd2', 'd1']);
      });

      it('orders equal sortKeys by id', async () => {
        await putAll(store, 'alerts', ['c', 'a', 'b'].map((id) => doc(id, 7)));
        expect(await ids(store, { collection: 'alerts' })).to.deep.equal(['a', 'b', 'c']);
        expect(await ids(store, { collection: 'alerts', order: 'desc' })).to.deep.equal(['c', 'b', 'a']);
      });

      it('returns 100 documents by default and honours limit', async () => {
        await putAll(store, 'alerts', Array.from({ length: 120 }, (_, i) => doc(`d${i}`, i)));
        const first = await store.queryDocuments({ collection: 'alerts' });
        expect(first.documents).to.have.length(100);
        expect(first.nextCursor).to.be.a('string');
        expect((await store.queryDocuments({ collection: 'alerts', limit: 7 })).documents).to.have.length(7);
        expect((await store.queryDocuments({ collection: 'alerts', limit: 100_000 })).documents).to.have.length(120);
      });

      for (const order of ['asc', 'desc'] as const) {
        it(`pages through 250 documents (${order}) each exactly once, in order, with ties on sortKey`, async () => {
          // Two documents per sortKey, so pages also break between ties.
          const docs = Array.from({ length: 250 }, (_, i) => doc(`d${String(i).padStart(3, '0')}`, Math.floor(i / 2)));
          await putAll(store, 'alerts', docs);
          const { documents, pages } = await allPages(store, { collection: 'alerts', order, limit: 100 });
          expect(pages).to.equal(3);
          const expected = docs.map((d) => d.id);
          expect(documents.map((d) => d.id)).to.deep.equal(order === 'asc' ? expected : [...expected].reverse());
        });
      }

      it('has no nextCursor when the last page is exactly full', async () => {
        await putAll(store, 'alerts', Array.from({ length: 6 }, (_, i) => doc(`d${i}`, i)));
        const first = await store.queryDocuments({ collection: 'alerts', limit: 3 });
        const second = await store.queryDocuments({ collection: 'alerts', limit: 3, cursor: first.nextCursor });
        expect(second.documents.map((d) => d.id)).to.deep.equal(['d3', 'd4', 'd5']);
        expect(second.nextCursor).to.equal(undefined);
      });

      it('pages with where, range and scope', async () => {
        const docs = Array.from({ length: 60 }, (_, i) => doc(`d${String(i).padStart(2, '0')}`, i, { orgId: i % 2 === 0 ? 'org-a' : 'org-b', index: { odd3: i % 3 === 0 } }));
        await putAll(store, 'alerts', docs);
        const { documents } = await allPages(store, { collection: 'alerts', orgIds: ['org-a'], where: { odd3: true }, from: '000006', to: '000050', limit: 2 });
        expect(documents.map((d) => d.id)).to.deep.equal(['d06', 'd12', 'd18', 'd24', 'd30', 'd36', 'd42', 'd48']);
      });

      it('refuses a cursor it did not make, or made for the other order or another collection', async () => {
        await putAll(store, 'alerts', [doc('a', 1), doc('b', 2)]);
        await putAll(store, 'tasks', [doc('a', 1), doc('b', 2)]);
        const { nextCursor } = await store.queryDocuments({ collection: 'alerts', limit: 1 });
        expect(nextCursor).to.be.a('string');
        for (const query of [
          { collection: 'alerts', cursor: 'not-a-cursor' },
          { collection: 'alerts', cursor: nextCursor, order: 'desc' as const },
          { collection: 'tasks', cursor: nextCursor },
        ]) {
          expect(await rejection(store.queryDocuments(query))).to.be.instanceOf(TypeError);
        }
      });

      it('shows only the orgs in scope: [a] sees a, [] sees nothing, undefined sees all, documents without org included', async () => {
        await putAll(store, 'alerts', [doc('a1', 1, { orgId: 'org-a' }), doc('b1', 2, { orgId: 'org-b' }), doc('n1', 3), doc('a2', 4, { orgId: 'org-a' })]);
        expect(await ids(store, { collection: 'alerts', orgIds: ['org-a'] })).to.deep.equal(['a1', 'a2']);
        expect(await ids(store, { collection: 'alerts', orgIds: ['org-a', 'org-b'] })).to.deep.equal(['a1', 'b1', 'a2']);
        expect(await ids(store, { collection: 'alerts', orgIds: [] })).to.deep.equal([]);
        expect(await ids(store, { collection: 'alerts', orgIds: ['org-c'] })).to.deep.equal([]);
        expect(await ids(store, { collection: 'alerts' })).to.deep.equal(['a1', 'b1', 'n1', 'a2']);
        expect(await store.countDocuments({ collection: 'alerts', groupBy: 'status', orgIds: ['org-b'] })).to.deep.equal([{ key: null, count: 1 }]);
        expect(await store.countDocuments({ collection: 'alerts', groupBy: 'status', orgIds: [] })).to.deep.equal([]);
        expect(await store.countDocuments({ collection: 'alerts', groupBy: 'status' })).to.deep.equal([{ key: null, count: 4 }]);
      });

      it('keeps collections apart: the same id in two collections is two documents', async () => {
        await store.putDocument('alerts', doc('x', 1, { index: { status: 'open' } }));
        await store.putDocument('tasks', doc('x', 2, { index: { status: 'open' } }));
        await store.putDocument('tasks', doc('x', 3, { index: { status: 'open' } }));
        expect(await store.getDocument('alerts', 'x')).to.include({ collection: 'alerts', version: 1, sortKey: '000001' });
        expect(await store.getDocument('tasks', 'x')).to.include({ collection: 'tasks', version: 2, sortKey: '000003' });
        expect((await store.queryDocuments({ collection: 'alerts' })).documents.map((d) => d.collection)).to.deep.equal(['alerts']);
        expect(await store.countDocuments({ collection: 'tasks', groupBy: 'status' })).to.deep.equal([{ key: 'open', count: 1 }]);
        expect(await ids(store, { collection: 'advisories' })).to.deep.equal([]);
      });
    });

    describe('countDocuments', () => {
      it('counts per value, largest first, ties by key, with missing, null and empty arrays under null', async () => {
        await putAll(store, 'alerts', [
          doc('a', 1, { index: { status: 'open', tags: ['ics', 'modbus'] } }),
          doc('b', 2, { index: { status: 'open', tags: ['ics'] } }),
          doc('c', 3, { index: { status: 'open', tags: ['dnp3'] } }),
          doc('d', 4, { index: { status: 'closed', tags: [] } }),
          doc('e', 5, { index: { status: 'closed' } }),
          doc('f', 6, { index: { status: null } }),
          doc('g', 7),
        ]);
        expect(await store.countDocuments({ collection: 'alerts', groupBy: 'status' })).to.deep.equal([
          { key: 'open', count: 3 },
          { key: null, count: 2 },
          { key: 'closed', count: 2 },
        ]);
        expect(await store.countDocuments({ collection: 'alerts', groupBy: 'tags' })).to.deep.equal([
          { key: null, count: 4 },
          { key: 'ics', count: 2 },
          { key: 'dnp3', count: 1 },
          { key: 'modbus', count: 1 },
        ]);
      });

      it('gives numbers and booleans back typed', async () => {
        await putAll(store, 'alerts', [
          doc('a', 1, { index: { grade: 2, acknowledged: true } }),
          doc('b', 2, { index: { grade: 2, acknowledged: true } }),
          doc('c', 3, { index: { grade: 10, acknowledged: false } }),
          doc('d', 4, { index: { grade: 1.5, acknowledged: true } }),
        ]);
        expect(await store.countDocuments({ collection: 'alerts', groupBy: 'grade' })).to.deep.equal([
          { key: 2, count: 2 },
          { key: 1.5, count: 1 },
          { key: 10, count: 1 },
        ]);
        expect(await store.countDocuments({ collection: 'alerts', groupBy: 'acknowledged' })).to.deep.equal([
          { key: true, count: 3 },
          { key: false, count: 1 },
        ]);
      });

      it('honours where, range and scope', async () => {
        await putAll(store, 'alerts', [
          doc('a', 1, { orgId: 'org-a', index: { status: 'open', grade: 1 } }),
          doc('b', 2, { orgId: 'org-a', index: { status: 'open', grade: 2 } }),
          doc('c', 3, { orgId: 'org-b', index: { status: 'open', grade: 2 } }),
          doc('d', 4, { orgId: 'org-a', index: { status: 'closed', grade: 2 } }),
          doc('e', 5, { orgId: 'org-a', index: { status: 'open', grade: 2 } }),
        ]);
        const counts = await store.countDocuments({ collection: 'alerts', groupBy: 'grade', orgIds: ['org-a'], where: { status: 'open' }, from: '000001', to: '000005' });
        expect(counts).to.deep.equal([
          { key: 1, count: 1 },
          { key: 2, count: 1 },
        ]);
        expect(await store.countDocuments({ collection: 'alerts', groupBy: 'grade', where: { status: 'none' } })).to.deep.equal([]);
        expect(await store.countDocuments({ collection: 'empty', groupBy: 'grade' })).to.deep.equal([]);
      });
    });

    describe('deleteDocumentsBefore', () => {
      it('deletes only the documents of that collection whose sortKey is below `before`', async () => {
        await putAll(store, 'alerts', [1, 2, 3, 4].map((n) => doc(`a${n}`, n)));
        await putAll(store, 'tasks', [1, 2, 3, 4].map((n) => doc(`t${n}`, n)));
        expect(await store.deleteDocumentsBefore('alerts', '000003')).to.equal(2);
        expect(await ids(store, { collection: 'alerts' })).to.deep.equal(['a3', 'a4']);
        expect(await store.getDocument('alerts', 'a1')).to.equal(undefined);
        expect(await ids(store, { collection: 'tasks' })).to.deep.equal(['t1', 't2', 't3', 't4']);
        expect(await store.deleteDocumentsBefore('alerts', '000003')).to.equal(0);
        // A deleted document can be created again from version 1.
        expect(await store.putDocument('alerts', doc('a1', 1), { expectVersion: 0 })).to.equal(1);
      });

      it('deletes more than one page of documents', async function () {
        // 1,500 single-document writes, each visible at once: slow on a loaded 2-core machine, and not what is tested.
        this.timeout(120_000);
        await putAll(store, 'alerts', Array.from({ length: 1500 }, (_, i) => doc(`d${i}`, i)), 250);
        expect(await store.deleteDocumentsBefore('alerts', '001400')).to.equal(1400);
        const left = await allPages(store, { collection: 'alerts', limit: 1000 });
        expect(left.documents.map((d) => d.sortKey)).to.deep.equal(Array.from({ length: 100 }, (_, i) => String(1400 + i).padStart(6, '0')));
      });

      it('answers 0 on a collection with no documents', async () => {
        expect(await store.deleteDocumentsBefore('alerts', '999999')).to.equal(0);
      });
    });

    describe('names', () => {
      const badCollections = ['Alerts', '1alerts', 'a/b', '', 'a'.repeat(42), "x'; DROP TABLE documents; --", 'a_b', '-a', 'alerts*'];
      for (const collection of badCollections) {
        it(`refuses the collection name ${JSON.stringify(collection)} in every method`, async () => {
          const calls: Promise<unknown>[] = [
            store.putDocument(collection, doc('x', 1)),
            store.getDocument(collection, 'x'),
            store.queryDocuments({ collection }),
            store.countDocuments({ collection, groupBy: 'status' }),
            store.deleteDocumentsBefore(collection, 'z'),
          ];
          for (const call of calls) {
            const error = await rejection(call);
            expect(error).to.be.instanceOf(TypeError);
            expect((error as Error).message).to.include(JSON.stringify(collection));
          }
        });
      }

      it('takes the longest collection name and dots and underscores in index keys', async () => {
        const collection = `a${'b-9'.repeat(13)}c`;
        const key = `K${'a.b_9'.repeat(12)}z12`;
        expect(collection).to.have.length(41);
        expect(key).to.have.length(64);
        await store.putDocument(collection, doc('x', 1, { index: { [key]: 'v' } }));
        expect(await ids(store, { collection, where: { [key]: 'v' } })).to.deep.equal(['x']);
        expect(await store.countDocuments({ collection, groupBy: key })).to.deep.equal([{ key: 'v', count: 1 }]);
      });

      it('keeps index keys that share dotted parts apart (a, a.b, a..b, a.)', async () => {
        await putAll(store, 'alerts', [
          doc('x', 1, { index: { a: 'one', 'a.b': 'two', 'a..b': 'three', 'a.': 'four' } }),
          doc('y', 2, { index: { 'a.b': 'one' } }),
        ]);
        expect(await ids(store, { collection: 'alerts', where: { a: 'one' } })).to.deep.equal(['x']);
        expect(await ids(store, { collection: 'alerts', where: { 'a.b': 'one' } })).to.deep.equal(['y']);
        expect(await ids(store, { collection: 'alerts', where: { 'a..b': 'three', 'a.': 'four' } })).to.deep.equal(['x']);
        expect(await store.countDocuments({ collection: 'alerts', groupBy: 'a.b' })).to.deep.equal([
          { key: 'one', count: 1 },
          { key: 'two', count: 1 },
        ]);
        expect((await store.getDocument('alerts', 'x'))?.index).to.deep.equal({ a: 'one', 'a.b': 'two', 'a..b': 'three', 'a.': 'four' });
      });

      const badKeys = ['a b', '1a', 'a"b', '$.a', '_a', 'a'.repeat(65), 'a-b', 'a[0]', ''];
      for (const key of badKeys) {
        it(`refuses the index key ${JSON.stringify(key)} in documents, where and groupBy`, async () => {
          const calls: Promise<unknown>[] = [
            store.putDocument('alerts', doc('x', 1, { index: { [key]: 'v' } })),
            store.queryDocuments({ collection: 'alerts', where: { [key]: 'v' } }),
            store.countDocuments({ collection: 'alerts', groupBy: key }),
            store.countDocuments({ collection: 'alerts', groupBy: 'status', where: { [key]: null } }),
          ];
          for (const call of calls) {
            const error = await rejection(call);
            expect(error).to.be.instanceOf(TypeError);
            expect((error as Error).message).to.include(JSON.stringify(key));
          }
          expect(await store.getDocument('alerts', 'x')).to.equal(undefined);
        });
      }

      it('refuses index values that are not strings, finite numbers, booleans, null or string arrays', async () => {
        for (const value of [{ nested: 'x' }, [1, 2], Number.NaN, Number.POSITIVE_INFINITY]) {
          const error = await rejection(store.putDocument('alerts', doc('x', 1, { index: { key: value as never } })));
          expect(error).to.be.instanceOf(TypeError);
        }
        expect(await rejection(store.putDocument('alerts', doc('x', 1), { expectVersion: -1 }))).to.be.instanceOf(TypeError);
        expect(await rejection(store.putDocument('alerts', doc('', 1)))).to.be.instanceOf(TypeError);
        expect(await store.getDocument('alerts', 'x')).to.equal(undefined);
      });
    });
  });
}
