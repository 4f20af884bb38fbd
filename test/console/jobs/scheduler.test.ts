import { expect } from 'chai';
import { JobScheduler } from '../../../console/jobs/scheduler.js';
import { waitFor } from '../../helpers/wait-for.js';
import { CapturingLogger } from './helpers.js';

const EVERY_SECOND = '* * * * * *';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('JobScheduler', function () {
  this.timeout(15_000);
  let scheduler: JobScheduler;
  let log: CapturingLogger;

  beforeEach(() => {
    log = new CapturingLogger();
    scheduler = new JobScheduler({ log });
  });
  afterEach(async () => {
    await scheduler.stop();
  });

  describe('register', () => {
    it('refuses an expression that is not cron, naming the job and the expression', () => {
      expect(() => scheduler.register('nightly-report', 'every night', async () => 1)).to.throw(/job nightly-report: "every night" is not a cron expression/);
      expect(() => scheduler.register('minutes', '61 * * * *', async () => 1)).to.throw(/job minutes: "61 \* \* \* \*"/);
      expect(scheduler.names()).to.deep.equal([]);
    });

    it('refuses a name given twice', () => {
      scheduler.register('posture', '*/5 * * * *', async () => 1);
      expect(() => scheduler.register('posture', '* * * * *', async () => 2)).to.throw(/posture is already registered/);
    });
  });

  describe('start', () => {
    it('runs a job on a one-second schedule within three seconds', async () => {
      let runs = 0;
      scheduler.register('tick', EVERY_SECOND, async () => ++runs);
      scheduler.start();
      const started = Date.now();
      await waitFor(() => runs >= 1, 3000);
      expect(Date.now() - started).to.be.below(3000);
      const status = scheduler.status()[0];
      expect(status.name).to.equal('tick');
      expect(status.lastRun?.outcome).to.equal('ok');
      expect(status.lastRun?.trigger).to.equal('scheduled');
      expect(status.nextRun).to.be.a('string');
      expect(Date.parse(status.nextRun ?? '')).to.be.above(Date.now() - 1000);
    });

    it('does not start a run while the previous one is going: the time is skipped and counted', async () => {
      let running = 0;
      let most = 0;
      let finished = 0;
      scheduler.register('slow', EVERY_SECOND, async () => {
        running++;
        most = Math.max(most, running);
        await sleep(2300);
        running--;
        finished++;
      });
      scheduler.start();
      await waitFor(() => finished >= 1 && (scheduler.status()[0].skipped ?? 0) >= 1, 6000);
      expect(most).to.equal(1);
      const status = scheduler.status()[0];
      expect(status.skipped).to.be.at.least(1);
      expect(log.with('warn', 'job still running; this scheduled run is skipped').length).to.equal(status.skipped);
    });

    it('logs a failing run and keeps the job running', async () => {
      let attempts = 0;
      scheduler.register('flaky', EVERY_SECOND, async () => {
        attempts++;
        throw new Error(`store unavailable (${attempts})`);
      });
      scheduler.start();
      await waitFor(() => attempts >= 2, 4000);
      await waitFor(() => scheduler.status()[0].failures >= 2, 1000);
      const failures = log.with('error', 'job failed');
      expect(failures.length).to.be.at.least(2);
      expect(failures[0].fields.job).to.equal('flaky');
      expect((failures[0].fields.error as Error).message).to.match(/store unavailable/);
      const status = scheduler.status()[0];
      expect(status.lastRun?.outcome).to.equal('error');
      expect(status.lastRun?.error).to.match(/store unavailable/);
    });
  });

  describe('runNow', () => {
    it('resolves with the run\'s result and records it', async () => {
      scheduler.register('count', '0 0 1 1 *', async () => ({ orgs: 3 }));
      expect(await scheduler.runNow('count')).to.deep.equal({ orgs: 3 });
      const status = scheduler.status()[0];
      expect(status.runs).to.equal(1);
      expect(status.lastRun?.trigger).to.equal('manual');
      expect(status.lastRun?.durationMs).to.be.at.least(0);
    });

    it('rejects with the run\'s error, which is also logged', async () => {
      scheduler.register('broken', '0 0 1 1 *', async () => { throw new Error('no such table'); });
      let caught: unknown;
      await scheduler.runNow('broken').catch((e: unknown) => { caught = e; });
      expect((caught as Error).message).to.equal('no such table');
      expect(log.with('error', 'job failed')[0].fields.job).to.equal('broken');
      expect(scheduler.status()[0].failures).to.equal(1);
    });

    it('waits for a run in progress: runs never overlap', async () => {
      let running = 0;
      let most = 0;
      let order = 0;
      scheduler.register('serial', '0 0 1 1 *', async () => {
        running++;
        most = Math.max(most, running);
        await sleep(100);
        running--;
        return ++order;
      });
      const results = await Promise.all([scheduler.runNow('serial'), scheduler.runNow('serial'), scheduler.runNow('serial')]);
      expect(most).to.equal(1);
      expect([...results].sort()).to.deep.equal([1, 2, 3]);
    });

    it('names the jobs there are when asked for one that is not', async () => {
      scheduler.register('posture', '*/5 * * * *', async () => 1);
      let caught: unknown;
      await scheduler.runNow('postur').catch((e: unknown) => { caught = e; });
      expect((caught as Error).message).to.equal('no job postur; jobs: posture');
    });
  });

  describe('stop', () => {
    it('waits for the runs in progress, then runs no more', async () => {
      let finished = 0;
      let started = 0;
      scheduler.register('slow', EVERY_SECOND, async () => {
        started++;
        await sleep(400);
        finished++;
      });
      scheduler.start();
      await waitFor(() => started === 1, 3000);
      await scheduler.stop();
      expect(finished).to.equal(1);
      await sleep(1500);
      expect(started).to.equal(1);
      expect(scheduler.status()[0].nextRun).to.equal(undefined);
      let caught: unknown;
      await scheduler.runNow('slow').catch((e: unknown) => { caught = e; });
      expect((caught as Error).message).to.match(/stopped/);
    });

    it('releases what the jobs used after their last run', async () => {
      const events: string[] = [];
      scheduler.register('search', '0 0 1 1 *', async () => {
        await sleep(100);
        events.push('run done');
      });
      scheduler.onStop(async () => { events.push('released'); });
      const run = scheduler.runNow('search');
      await scheduler.stop();
      await run;
      expect(events).to.deep.equal(['run done', 'released']);
    });
  });
});
