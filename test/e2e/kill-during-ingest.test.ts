/**
 * Nothing acknowledged is ever lost, and nothing is counted twice: a node
 * killed with SIGKILL under sustained HTTP ingest keeps, for every request
 * that got a 2xx, its events, the rule hits they raised and the alert those
 * hits counted on; after the restart no event, hit or alert count is doubled.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { SqliteStore } from '../../core/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/paths.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { expectLedgerKept, postLedgerBatch, writeLedgerNodeConfig } from '../helpers/acknowledged-ingest.js';

const CONCURRENCY = 4;

describe('node process', () => {
  describe('SIGKILL during sustained HTTP ingest with detection and alerting', function () {
    this.timeout(120_000);

    it('keeps every acknowledged event, rule hit and alert count, and counts nothing twice', async () => {
      const dir = tempDir('iisa-kill-');
      const config = writeLedgerNodeConfig(dir, join(dir, 'data'));
      const node = await startNodeProcess(config);
      const urls = [`http://127.0.0.1:${node.ports.http}/api/v1/ingest`, `http://[::1]:${node.ports.http}/api/v1/ingest`];

      const acknowledged: number[] = [];
      let next = 0;
      let killed = false;
      const sender = async (senderIndex: number) => {
        while (!killed) {
          const batch = next++;
          try {
            const res = await postLedgerBatch(urls[senderIndex % urls.length]!, batch);
            if (res.status >= 200 && res.status < 300) acknowledged.push(batch);
            await res.arrayBuffer();
          } catch {
            // The connection died with the process: that request was never acknowledged.
          }
        }
      };
      const senders = Array.from({ length: CONCURRENCY }, (_, i) => sender(i));
      // Kill once enough has been acknowledged, while requests are still in flight.
      while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 5));
      node.child.kill('SIGKILL');
      killed = true;
      const exit = await node.exited;
      await Promise.all(senders);
      expect(exit.signal).to.equal('SIGKILL');
      expect(next).to.be.greaterThan(acknowledged.length, 'some requests must have been in flight at the kill');

      // The node starts again on the same data directory (WAL recovery) and stops cleanly.
      const again = await startNodeProcess(config);
      again.child.kill('SIGTERM');
      expect((await again.exited).code).to.equal(0);

      const store = SqliteStore.open({ path: join(dir, 'data', 'iisa.db') });
      try {
        const kept = await expectLedgerKept(store, acknowledged);
        console.log(`      ${acknowledged.length} of ${next} requests acknowledged before the kill; ${kept.events} events, ${kept.hits} hits, ${kept.alerts} alert(s) counting ${kept.counted}`);
      } finally {
        await store.close();
      }
    });
  });
});
