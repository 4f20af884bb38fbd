/**
 * The disk under the store fills during ingest: a real full file system (a
 * small tmpfs), not a simulated error. Ingest answers 503 with Retry-After
 * instead of acknowledging what it cannot keep; the batch that was being
 * written when space ran out waits and is kept; once space returns, ingest
 * takes data again without a restart; after a SIGKILL and restart every
 * acknowledged event, rule hit and alert count is there, once.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../core/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/paths.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { expectLedgerKept, postLedgerBatch, writeLedgerNodeConfig } from '../helpers/acknowledged-ingest.js';

const TMPFS_SIZE = '40m';

/** Mount a tmpfs of TMPFS_SIZE at `path`; undefined when this process may not (not root, no mount). */
function mountTmpfs(path: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', path], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error).trim();
  }
}

/** Write to `file` until the file system says ENOSPC; returns the bytes written. */
function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(256 * 1024, 0x5a);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

describe('store disk full (a real full tmpfs under the data directory)', function () {
  this.timeout(180_000);
  let dir: string;
  let dataDir: string;
  let mounted = false;
  let node: NodeProcess | undefined;

  before(function () {
    dir = tempDir('iisa-disk-full-');
    dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const refused = mountTmpfs(dataDir);
    if (refused !== undefined) {
      // CI runs as root on a machine that allows it: there, not being able to mount is a failure, not a skip.
      if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs for the disk-full test: ${refused}`);
      console.log(`      skipped: cannot mount a tmpfs (${refused})`);
      this.skip();
    }
    mounted = true;
  });

  after(async () => {
    if (node && node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill('SIGKILL');
      await node.exited;
    }
    if (mounted) execFileSync('umount', ['-l', dataDir]);
  });

  it('answers 503 with Retry-After while full, keeps all it acknowledged, and takes data again once space returns', async () => {
    const config = writeLedgerNodeConfig(dir, dataDir, { retryAfterSeconds: 1 });
    node = await startNodeProcess(config, 30_000);
    const url = `http://[::1]:${node.ports.http}/api/v1/ingest`;
    const acknowledged: number[] = [];
    let next = 0;

    for (let i = 0; i < 10; i++) {
      const batch = next++;
      const res = await postLedgerBatch(url, batch);
      expect(res.status, await res.text()).to.equal(200);
      acknowledged.push(batch);
    }

    const filler = join(dataDir, 'filler');
    fillDisk(filler);

    // Keep sending, one request every few milliseconds, until the node refuses one. The batch being
    // written when space ran out does not fail: it waits (the store retries it) and is answered later.
    const waiting = new Map<number, Promise<Response>>();
    let refusal: Response | undefined;
    let refusedBatch = -1;
    for (let attempt = 0; attempt < 400 && refusal === undefined; attempt++) {
      const batch = next++;
      const answer = postLedgerBatch(url, batch);
      const settled = await Promise.race([answer, new Promise<undefined>((r) => setTimeout(r, 150, undefined))]);
      if (settled === undefined) {
        waiting.set(batch, answer);
      } else if (settled.status === 200) {
        acknowledged.push(batch);
        await settled.arrayBuffer();
      } else {
        expect(settled.status, await settled.clone().text()).to.equal(503);
        refusal = settled;
        refusedBatch = batch;
      }
    }
    expect(refusal, 'the node never refused a batch on a full disk').to.not.equal(undefined);
    expect(refusal!.headers.get('retry-after')).to.equal('1');
    const body = await refusal!.json() as { message?: string };
    expect(body.message).to.match(/disk space/);
    expect(node.child.exitCode, 'the node must stay up while its disk is full').to.equal(null);

    // While full, refusals come at once, on IPv4 as on IPv6.
    const again = await postLedgerBatch(`http://127.0.0.1:${node.ports.http}/api/v1/ingest`, next++);
    expect(again.status).to.equal(503);
    await again.arrayBuffer();

    unlinkSync(filler);

    // No restart: the waiting requests are answered, and the refused batch goes in when sent again.
    for (const [batch, answer] of waiting) {
      const res = await answer;
      expect(res.status, `batch ${batch} that was waiting for space`).to.equal(200);
      acknowledged.push(batch);
      await res.arrayBuffer();
    }
    let resent: Response | undefined;
    for (let attempt = 0; attempt < 60; attempt++) {
      resent = await postLedgerBatch(url, refusedBatch);
      if (resent.status === 200) break;
      await resent.arrayBuffer();
      await new Promise((r) => setTimeout(r, Number(resent!.headers.get('retry-after') ?? 1) * 1000));
    }
    expect(resent!.status, 'the refused batch, sent again once space was back').to.equal(200);
    acknowledged.push(refusedBatch);
    for (let i = 0; i < 5; i++) {
      const batch = next++;
      const res = await postLedgerBatch(url, batch);
      expect(res.status).to.equal(200);
      acknowledged.push(batch);
    }

    node.child.kill('SIGKILL');
    await node.exited;
    const restarted = await startNodeProcess(config, 30_000);
    restarted.child.kill('SIGTERM');
    expect((await restarted.exited).code).to.equal(0);

    const store = SqliteStore.open({ path: join(dataDir, 'iisa.db') });
    try {
      const kept = await expectLedgerKept(store, acknowledged);
      console.log(`      ${acknowledged.length} batches acknowledged (${waiting.size} after waiting for space), 1 refused then resent; ${kept.events} events, ${kept.hits} hits, ${kept.alerts} alert(s) counting ${kept.counted}`);
    } finally {
      await store.close();
    }
  });
});
