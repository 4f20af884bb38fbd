/**
 * Scheduled runs across the processes of one node: two schedulers on two
 * connections to one SQLite file (as two detector processes sharing the
 * node's store) run each scheduled time once between them.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { Collections } from '../../../core/store/documents.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { StoreRunClaims, type RunClaim } from '../../../console/jobs/run-claims.js';
import { JobScheduler } from '../../../console/jobs/scheduler.js';
import { waitFor } from '../../helpers/wait-for.js';
import { CapturingLogger, tempSqliteStore, type TempSqlite } from './helpers.js';

const EVERY_SECOND = '* * * * * *';
const KEY = 'posture:2026-11-25T06:00:00.000Z';

describe('StoreRunClaims', function () {
  this.timeout(20_000);
  let temp: TempSqlite;
  let other: SqliteStore;

  beforeEach(() => {
    temp = tempSqliteStore();
    // A second connection to the same file: what a second process of the node has.
    other = SqliteStore.open({ path: join(temp.dir, 'iisa.db'), synchronous: 'normal' });
  });
  afterEach(async () => {
    await other.close();
    await temp.close();
  });

  it('lets the first process claim a scheduled time and no other, and keeps who ran it', async () => {
    const a = new StoreRunClaims(temp.store, 'node-1', 'process-a');
    const b = new StoreRunClaims(other, 'node-1', 'process-b');
    expect(await a.shouldRun(KEY)).to.equal(true);
    expect(await b.shouldRun(KEY)).to.equal(false);
    expect(await a.shouldRun(KEY), 'a time is run once, by its claimer too').to.equal(false);
    expect(await b.shouldRun('posture:2026-11-25T06:05:00.000Z')).to.equal(true);
    const claims = (await other.queryDocuments<RunClaim>({ collection: Collections.jobRuns })).documents;
    const claim = claims.find((c) => c.body.key === KEY);
    expect(claims).to.have.length(2);
    expect(claim?.body).to.include({ key: KEY, owner: 'process-a' });
    expect(claim?.sortKey, 'sorted by the scheduled time, for retention').to.equal('2026-11-25T06:00:00.000Z');
  });

  it('runs a job registered as unclaimed in every process', async () => {
    const ran: number[] = [];
    const schedulers = [temp.store, other].map((store, i) => {
      const scheduler = new JobScheduler({ log: new CapturingLogger(), claims: new StoreRunClaims(store, 'node-1', `process-${i}`) });
      scheduler.register('reload-own-rules', EVERY_SECOND, async () => { ran.push(i); }, { claimed: false });
      return scheduler;
    });
    try {
      for (const s of schedulers) s.start();
      await waitFor(() => ran.includes(0) && ran.includes(1), 10_000, 'a run in each process');
      expect((await temp.store.queryDocuments({ collection: Collections.jobRuns })).documents).to.have.length(0);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
  });

  it('keeps the nodes that share a store apart', async () => {
    expect(await new StoreRunClaims(temp.store, 'node-1').shouldRun(KEY)).to.equal(true);
    expect(await new StoreRunClaims(temp.store, 'node-2').shouldRun(KEY)).to.equal(true);
  });

  it('runs each scheduled time of a job once between two schedulers, the others counted as run elsewhere', async () => {
    const ran: string[] = [];
    const schedulers = [temp.store, other].map((store, i) => {
      const scheduler = new JobScheduler({ log: new CapturingLogger(), claims: new StoreRunClaims(store, 'node-1', `process-${i}`) });
      scheduler.register('tick', EVERY_SECOND, async () => { ran.push(`process-${i}`); });
      return scheduler;
    });
    try {
      for (const s of schedulers) s.start();
      await waitFor(() => ran.length >= 3, 10_000, 'three scheduled runs');
      await Promise.all(schedulers.map((s) => s.stop()));
      const claims = (await temp.store.queryDocuments<RunClaim>({ collection: Collections.jobRuns, limit: 100 })).documents;
      const status = schedulers.map((s) => s.status()[0]);
      // A run needs a claim of its own and a time has one claim: a time run twice would make more runs than claims.
      // Stopping may cut the last claimed time before it runs, never more than that.
      expect(new Set(claims.map((c) => c.body.key)).size).to.equal(claims.length);
      expect(ran.length).to.be.at.most(claims.length).and.at.least(claims.length - 1);
      expect(status[0].runs + status[1].runs).to.equal(ran.length);
      // The scheduler that lost a time saw it claimed (a time fired more than a second late is missed, not lost to the other).
      expect(status[0].ranElsewhere + status[1].ranElsewhere).to.be.at.least(1);
      expect(status[0].unclaimed + status[1].unclaimed).to.equal(0);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
  });

  it('skips, counts and logs a scheduled time whose claim fails, and runs manual runs regardless', async () => {
    const log = new CapturingLogger();
    let runs = 0;
    const scheduler = new JobScheduler({ log, claims: { shouldRun: async () => { throw new Error('store unreachable'); } } });
    scheduler.register('tick', EVERY_SECOND, async () => ++runs);
    try {
      scheduler.start();
      await waitFor(() => scheduler.status()[0].unclaimed >= 1, 5000, 'a failed claim');
      expect(runs).to.equal(0);
      const said = log.lines.find((l) => l.level === 'error' && /could not claim a scheduled run/.test(l.msg));
      expect(said?.fields).to.include({ job: 'tick' });
      expect(String(said?.fields.error)).to.match(/store unreachable/);
      expect(await scheduler.runNow('tick')).to.equal(1);
    } finally {
      await scheduler.stop();
    }
  });
});
