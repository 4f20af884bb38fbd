/**
 * List paging over a real store when the caller sees few of many records:
 * one request reads a bounded number of records, a short page still says
 * where to go on, and following the cursors gives every visible item once,
 * newest first, ties at one time included.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import type { DocumentQuery } from '../../../core/store/documents.js';
import { pageOfDocuments } from '../../../console/coordination-api/paging.js';
import { tempDir } from '../../helpers/paths.js';

describe('coordination list paging', () => {
  let store: SqliteStore;
  let read = 0;

  before(async () => {
    store = SqliteStore.open({ path: join(tempDir('iisa-paging-'), 'iisa.db') });
    // 60 records, three per second (ties), one in ten visible to the caller.
    for (let i = 0; i < 60; i++) {
      const at = new Date(Date.UTC(2026, 10, 25, 10, 0, Math.floor(i / 3))).toISOString();
      await store.putDocument('advisories', { id: `a-${String(i).padStart(2, '0')}`, sortKey: at, body: { n: i, visible: i % 10 === 7 } });
    }
    const query = store.queryDocuments.bind(store);
    store.queryDocuments = async <T>(q: DocumentQuery) => {
      const page = await query<T>(q);
      read += page.documents.length;
      return page;
    };
  });
  after(() => store.close());

  it('reads at most the cap per request, and the cursors lead to every visible item once, newest first', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let requests = 0;
    do {
      read = 0;
      const page = await pageOfDocuments<{ n: number; visible: boolean }, number>(
        store, 'advisories', 'advisories', { limit: 2, ...(cursor ? { cursor } : {}) }, (b) => (b.visible ? b.n : undefined), 8);
      expect(read, `request ${requests}`).to.be.at.most(8);
      seen.push(...page.items);
      cursor = page.nextCursor;
      requests++;
    } while (cursor && requests < 50);
    expect(seen).to.deep.equal([57, 47, 37, 27, 17, 7]);
    expect(requests, 'short pages with a cursor on, not one request reading all 60').to.be.greaterThan(3);
  });
});
