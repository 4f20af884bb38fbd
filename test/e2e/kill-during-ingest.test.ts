/**
 * Nothing acknowledged is ever lost: a node killed with SIGKILL in the
 * middle of HTTP ingest keeps every event whose request got a 2xx.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SqliteStore } from '../../core/store/sqlite/sqlite-store.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { startNodeProcess } from '../helpers/node-process.js';

const ORG = 'js-jinling-motor';
const TOKEN = 'kill-test-token-0123456789';
const BATCH_SIZE = 50;
const CONCURRENCY = 4;

function writeConfig(dir: string): string {
  const tokens = join(dir, 'tokens.yaml');
  writeFileSync(tokens, stringify([{ id: 'kill-test', org: ORG, parser: 'ecs', token: TOKEN }]));
  const file = join(dir, 'node.yaml');
  writeFileSync(file, stringify({
    node: { id: 'kill-test', tier: 'enterprise' },
    registry: join(repoRoot, 'seeds', 'orgs.yaml'),
    dataDir: join(dir, 'data'),
    ingestTokens: tokens,
    sources: [{ type: 'http', listen: { host: '127.0.0.1', port: 0 } }],
    log: { level: 'info' },
  }));
  return file;
}

function batchBody(batch: number): string {
  const lines: string[] = [];
  for (let i = 0; i < BATCH_SIZE; i++) {
    lines.push(JSON.stringify({
      '@timestamp': new Date().toISOString(),
      message: `kill-test ${batch}-${i}`,
      event: { category: ['network'], action: 'connection' },
      source: { ip: i % 2 ? '2001:db8::7' : '203.0.113.7', port: 40000 + i },
      labels: { marker: `${batch}-${i}` },
    }));
  }
  return lines.join('\n');
}

describe('node process', () => {
  describe('SIGKILL during HTTP ingest', function () {
    this.timeout(120_000);

    it('keeps every event of every request that was acknowledged with 2xx', async () => {
      const dir = tempDir('iisa-kill-');
      const config = writeConfig(dir);
      const node = await startNodeProcess(config);
      const url = `http://127.0.0.1:${node.ports.http}/api/v1/ingest`;

      const acknowledged: number[] = [];
      let next = 0;
      let killed = false;
      const sender = async () => {
        while (!killed) {
          const batch = next++;
          try {
            const res = await fetch(url, {
              method: 'POST',
              headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
              body: batchBody(batch),
            });
            if (res.status >= 200 && res.status < 300) acknowledged.push(batch);
            await res.arrayBuffer();
          } catch {
            // The connection died with the process: that request was never acknowledged.
          }
        }
      };
      const senders = Array.from({ length: CONCURRENCY }, sender);
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
        const page = await store.searchEvents({ orgIds: [ORG], limit: 10_000, order: 'asc' });
        const stored = new Set(page.events.map((e) => e.labels?.marker));
        const missing: string[] = [];
        for (const batch of acknowledged) {
          for (let i = 0; i < BATCH_SIZE; i++) if (!stored.has(`${batch}-${i}`)) missing.push(`${batch}-${i}`);
        }
        expect(missing, `acknowledged but lost: ${missing.slice(0, 10).join(', ')}`).to.deep.equal([]);
        expect(page.events.length).to.be.at.least(acknowledged.length * BATCH_SIZE);
        expect(page.events.every((e) => e.org?.id === ORG)).to.equal(true);
      } finally {
        await store.close();
      }
    });
  });
});
