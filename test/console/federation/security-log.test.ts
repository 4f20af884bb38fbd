/**
 * The security log on a real SQLite store: refusals are kept, but anyone
 * who can reach the port cannot fill the disk or the process log with them:
 * one stored entry and one log line per key and minute, the swallowed ones
 * counted into the next entry of the key (or a summary once the window is
 * over and another refusal comes by).
 */
import { expect } from 'chai';
import { Collections } from '../../../core/store/documents.js';
import type { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { SecurityLog, type SecurityEntry } from '../../../console/federation/security-log.js';
import { openStore, recordingLogger, type LogLine } from './fixtures.js';

describe('SecurityLog', () => {
  let store: SqliteStore;
  let lines: LogLine[];
  let t: number;
  let security: SecurityLog;

  beforeEach(() => {
    store = openStore();
    const logger = recordingLogger();
    lines = logger.lines;
    t = Date.parse('2026-03-02T08:00:00.000Z');
    security = new SecurityLog(store, logger.log, () => new Date(t));
  });

  afterEach(async () => {
    await store.close();
  });

  async function stored(): Promise<SecurityEntry[]> {
    const page = await store.queryDocuments<SecurityEntry>({ collection: Collections.securityLog, order: 'asc', limit: 10_000 });
    return page.documents.map((d) => d.body);
  }

  const forged = { reason: 'bad-signature', linkId: 'js-jinling-motor', remote: '2001:db8::66', detail: 'POST /federation/v1/uplink: signature does not match' };

  describe('record', () => {
    it('keeps a refusal as a document and logs it', async () => {
      await security.record(forged);
      expect(await stored()).to.deep.equal([{ at: '2026-03-02T08:00:00.000Z', ...forged }]);
      expect(await security.list()).to.have.length(1);
      expect(lines.filter((l) => l.msg === 'federation refused')).to.have.length(1);
    });

    it('stores and logs one entry per key and minute however many refusals come, and counts the rest into the next', async () => {
      for (let i = 0; i < 1000; i++) {
        t += 50; // 1000 refusals over 50 seconds
        await security.record(forged);
      }
      expect(await stored()).to.have.length(1);
      expect(lines).to.have.length(1);
      t += 20_000;
      await security.record(forged);
      const entries = await stored();
      expect(entries).to.have.length(2);
      expect(entries[0].repeats).to.equal(undefined);
      expect(entries[1]).to.include({ reason: 'bad-signature', remote: '2001:db8::66', repeats: 999 });
      expect(lines).to.have.length(2);
      expect(lines[1]).to.include({ msg: 'federation refused', repeats: 999 });
    });

    it('keeps keys apart: reason, link, remote address and item', async () => {
      await security.record(forged);
      await security.record({ ...forged, remote: '192.0.2.66' });
      await security.record({ ...forged, linkId: 'js-yangtze-petro' });
      await security.record({ ...forged, reason: 'replayed' });
      await security.record({ ...forged, item: 'alert:a1' });
      await security.record({ ...forged, item: 'alert:a2' });
      await security.record({ ...forged, remote: '192.0.2.66' });
      expect(await stored()).to.have.length(6);
    });

    it('writes the count of a key that does not come back once its window is over and another refusal arrives', async () => {
      await security.record(forged);
      for (let i = 0; i < 5; i++) await security.record(forged);
      t += 61_000;
      await security.record({ ...forged, reason: 'stale', detail: 'too old' });
      const entries = await stored();
      expect(entries.map((e) => [e.reason, e.repeats])).to.deep.equal([['bad-signature', undefined], ['bad-signature', 5], ['stale', undefined]]);
      expect(entries[1].detail).to.match(/^5 more like the refusal at 2026-03-02T08:00:00.000Z: /);
      // The summary ended the window: the next refusal of the key is stored without a count.
      await security.record(forged);
      expect((await stored()).at(-1)).to.include({ reason: 'bad-signature' }).and.not.have.property('repeats');
    });

    it('tracks a bounded number of keys: beyond it, refusals share one key per reason', async () => {
      const small = new SecurityLog(store, recordingLogger().log, () => new Date(t), { maxKeys: 3 });
      for (let i = 0; i < 100; i++) await small.record({ ...forged, remote: `2001:db8::${i.toString(16)}` });
      expect(await stored()).to.have.length(4);
    });
  });
});
