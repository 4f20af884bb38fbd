import { expect } from 'chai';
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isOutOfSpace, StoreFullError, StoreWriteHealth, type OutOfSpace } from '../../../core/store/write-health.js';
import { tempDir } from '../../helpers/paths.js';

/** The error SQLite raises when it cannot grow the database: a page limit gives the same SQLITE_FULL a full disk does. */
function sqliteFullError(): unknown {
  const db = new Database(join(tempDir('iisa-full-'), 'full.db'));
  try {
    db.exec('CREATE TABLE t (v TEXT)');
    db.pragma('max_page_count = 8');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 10_000; i++) insert.run('x'.repeat(1_000));
  } catch (error) {
    return error;
  } finally {
    db.close();
  }
  throw new Error('SQLite never ran out of pages');
}

function constraintError(): unknown {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    db.prepare('INSERT INTO t VALUES (?)').run('a');
    db.prepare('INSERT INTO t VALUES (?)').run('a');
  } catch (error) {
    return error;
  } finally {
    db.close();
  }
  throw new Error('no constraint error');
}

/** Linux's /dev/full answers every write with ENOSPC, the file system's "disk full". */
function enospcError(): unknown {
  try {
    writeFileSync('/dev/full', 'x');
  } catch (error) {
    return error;
  }
  throw new Error('/dev/full took a write');
}

describe('store write health', () => {
  describe('isOutOfSpace', () => {
    it('knows SQLite\'s SQLITE_FULL and the file system\'s ENOSPC, also when wrapped', () => {
      expect(isOutOfSpace(sqliteFullError())).to.equal(true);
      expect(isOutOfSpace(enospcError())).to.equal(true);
      expect(isOutOfSpace(new Error('append failed', { cause: sqliteFullError() }))).to.equal(true);
    });

    it('knows Elasticsearch\'s flood-stage block', () => {
      const block = new Error('cluster_block_exception: index [iisa-events] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block]');
      expect(isOutOfSpace(block)).to.equal(true);
    });

    it('leaves other failures alone', () => {
      expect(isOutOfSpace(constraintError())).to.equal(false);
      expect(isOutOfSpace(new Error('connect ECONNREFUSED ::1:9200'))).to.equal(false);
      expect(isOutOfSpace(undefined)).to.equal(false);
    });
  });

  describe('StoreWriteHealth', () => {
    it('closes on a write that failed for want of space and reopens on the next success, waking the waiting', async () => {
      const changes: (OutOfSpace | undefined)[] = [];
      const health = new StoreWriteHealth((full) => changes.push(full));
      health.failed(constraintError());
      expect(health.outOfSpace).to.equal(undefined);
      expect(() => health.assertWritable()).to.not.throw();

      health.failed(sqliteFullError(), new Date('2026-11-26T04:00:00Z'));
      health.failed(sqliteFullError());
      expect(changes).to.have.length(1);
      let thrown: unknown;
      try { health.assertWritable(); } catch (error) { thrown = error; }
      expect(thrown).to.be.instanceOf(StoreFullError);
      expect((thrown as StoreFullError).retriable).to.equal(true);
      expect((thrown as Error).message).to.match(/out of disk space since 2026-11-26T04:00:00.000Z .*send it again later/);

      let resumed = false;
      const waiting = health.whenWritable().then(() => { resumed = true; });
      await new Promise((r) => setImmediate(r));
      expect(resumed).to.equal(false);
      health.succeeded();
      await waiting;
      expect(resumed).to.equal(true);
      expect(health.outOfSpace).to.equal(undefined);
      expect(changes).to.have.length(2);
      expect(changes[1]).to.equal(undefined);
    });
  });
});
