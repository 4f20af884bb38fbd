/**
 * No ReDoS from a rule or a log line: 64 KiB near-miss lines against rules
 * whose patterns a backtracking engine takes minutes on (SigmaHQ's
 * invoke-obfuscation regex, a `?` wildcard with many stars, a condition
 * pattern of many stars). Each runs in a worker thread with a generous
 * limit, so that a regression fails here instead of hanging the suite; the
 * answers are checked too.
 */
import { expect } from 'chai';
import { Worker } from 'node:worker_threads';

/** Far above the milliseconds these take; far below the minutes a backtracking engine takes. */
const LIMIT_MS = 20_000;

async function inWorker(name: string): Promise<unknown> {
  const worker = new Worker(new URL('./redos-worker.js', import.meta.url), { workerData: name });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      timer = setTimeout(() => reject(new Error(`${name}: no answer within ${LIMIT_MS / 1000} s (runaway backtracking?)`)), LIMIT_MS);
    });
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

describe('hostile lines against hostile patterns (ReDoS)', function () {
  this.timeout(LIMIT_MS + 10_000);

  it('a polynomial regex of SigmaHQ on a 64 KiB near-miss: no hit, then a hit with the missing quote', async () => {
    expect(await inWorker('polynomial regex')).to.deep.equal([0, 1]);
  });

  it('a ? wildcard with many stars on 64 KiB of a: no hit, then a hit', async () => {
    expect(await inWorker('wildcards with ?')).to.deep.equal([0, 1]);
  });

  it('a condition pattern of 40 stars over long identifier names loads the rule', async () => {
    expect(await inWorker('condition pattern')).to.deep.equal([2]);
  });
});
