/**
 * The node's scheduled jobs, on node-cron: named jobs on cron expressions
 * (5 fields, or 6 with seconds first), each run at most once at a time.
 *
 * A job that is still running when its next time comes is not started
 * again: that time is skipped and counted (a slow posture or search must not
 * pile up runs on the store). A failing run is logged and counted, never
 * thrown out of the timer, and the job runs again next time. `runNow` runs a
 * job at once (an operator, a test) and resolves with its result; it waits
 * for a run in progress first, so runs never overlap either way.
 *
 * With `claims`, a scheduled time runs only where it was claimed
 * (./run-claims.ts), so processes of one node sharing a store run it once
 * between them; a job registered with `claimed: false` runs everywhere.
 */
import { createTask, validateDetailed, type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { Logger } from '../../collector/sources/types.js';
import type { RunClaims } from './run-claims.js';

/** How one run ended, for the status endpoint. */
export interface JobRun {
  readonly trigger: 'scheduled' | 'manual';
  /** ISO times. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly outcome: 'ok' | 'error';
  /** The error's message, when the run failed. */
  readonly error?: string;
}

export interface JobStatus {
  readonly name: string;
  readonly expression: string;
  readonly running: boolean;
  /** Runs finished since registration (ok or not). */
  readonly runs: number;
  readonly failures: number;
  /** Scheduled times skipped because the previous run was still going. */
  readonly skipped: number;
  /** Scheduled times another process of the node had claimed; with `claims` only. */
  readonly ranElsewhere: number;
  /** Scheduled times not run because the claim could not be made (the store failed; logged with the cause). */
  readonly unclaimed: number;
  readonly lastRun?: JobRun;
  /** ISO time of the next scheduled run; absent while the scheduler is not started. */
  readonly nextRun?: string;
}

export interface JobSchedulerOptions {
  readonly log: Logger;
  /** IANA time zone the expressions are read in (default: the host's). */
  readonly timezone?: string;
  /**
   * Asked before each scheduled run (never a manual one) whether this
   * process runs that time (./run-claims.ts): processes of one node that
   * share a store run each scheduled time once between them. Absent: every
   * scheduled time runs here.
   */
  readonly claims?: RunClaims;
}

export interface RegisterOptions {
  /**
   * Whether a scheduled time must be claimed (JobSchedulerOptions.claims)
   * before it runs here (default true). False for a job whose work is this
   * process's own (reloading its rules): it runs in every process.
   */
  readonly claimed?: boolean;
}

interface Job {
  readonly name: string;
  readonly expression: string;
  readonly run: () => Promise<unknown>;
  readonly task: ScheduledTask;
  readonly claimed: boolean;
  current: Promise<unknown> | undefined;
  runs: number;
  failures: number;
  skipped: number;
  ranElsewhere: number;
  unclaimed: number;
  lastRun: JobRun | undefined;
}

/** Why an expression is not a cron expression, or undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  try {
    const check = validateDetailed(expression);
    return check.valid ? undefined : check.errors.map((e) => e.message).join('; ');
  } catch (err) {
    return (err as Error).message;
  }
}

export class JobScheduler {
  private readonly jobs = new Map<string, Job>();
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly cronLog: CronLogger;
  private readonly stopHooks: (() => Promise<void>)[] = [];

  constructor(private readonly options: JobSchedulerOptions) {
    const { log } = options;
    // node-cron's own notices (a missed time after a blocked event loop) go to our log, not the console.
    const text = (m: string | Error): string => (m instanceof Error ? m.message : m);
    this.cronLog = {
      info: (m) => log.info(m, { component: 'node-cron' }),
      warn: (m) => log.warn(m, { component: 'node-cron' }),
      error: (m, err) => log.error(text(m), { component: 'node-cron', ...(err ? { error: err } : {}) }),
      debug: () => undefined,
    };
  }

  /**
   * Add a job. Throws when the name is taken or the expression is not a
   * cron expression (the message names both). A job registered after
   * `start()` is scheduled at once.
   */
  register(name: string, expression: string, run: () => Promise<unknown>, options: RegisterOptions = {}): void {
    if (this.stopping) throw new Error(`job ${name}: the scheduler is stopped`);
    if (this.jobs.has(name)) throw new Error(`job ${name} is already registered`);
    const problem = cronProblem(expression);
    if (problem !== undefined) throw new Error(`job ${name}: "${expression}" is not a cron expression: ${problem}`);
    // node-cron hands the scheduled time (whole seconds), the same in every process: what a claim is for.
    const task = createTask(expression, (context) => this.fire(name, context.date), {
      name, unref: true, logger: this.cronLog, ...(this.options.timezone ? { timezone: this.options.timezone } : {}),
    });
    this.jobs.set(name, {
      name, expression, run, task, claimed: options.claimed ?? true, current: undefined, runs: 0, failures: 0, skipped: 0, ranElsewhere: 0, unclaimed: 0, lastRun: undefined,
    });
    if (this.started) void task.start();
  }

  /** Remove a job: no further runs; resolves once a run in progress finished. */
  async unregister(name: string): Promise<void> {
    const job = this.jobs.get(name);
    if (!job) return;
    this.jobs.delete(name);
    await job.task.destroy();
    await job.current?.catch(() => undefined);
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  /** Registered job names, in registration order. */
  names(): string[] {
    return [...this.jobs.keys()];
  }

  /**
   * Run a job now and resolve with its result (reject with its error, which
   * is also logged and counted). Waits for a run in progress to finish first.
   */
  async runNow(name: string): Promise<unknown> {
    if (this.stopping) throw new Error(`job ${name}: the scheduler is stopped`);
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no job ${name}; jobs: ${this.names().join(', ') || 'none'}`);
    while (job.current) await job.current.catch(() => undefined);
    return this.execute(job, 'manual');
  }

  /** Start every job's timer (idempotent). */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    for (const job of this.jobs.values()) void job.task.start();
  }

  /** Something to release once `stop()` has seen the last run finish (what the jobs read through). */
  onStop(hook: () => Promise<void>): void {
    this.stopHooks.push(hook);
  }

  /** Stop every timer and resolve once the runs in progress finished (then the `onStop` hooks ran). Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const jobs = [...this.jobs.values()];
      for (const job of jobs) await job.task.destroy();
      await Promise.allSettled(jobs.map((job) => job.current ?? Promise.resolve()));
      for (const hook of this.stopHooks) {
        await hook().catch((error: unknown) => this.options.log.error('releasing a job resource failed', { error }));
      }
    })();
    return this.stopping;
  }

  /** Every job's last run and counters, for a status endpoint. */
  status(): JobStatus[] {
    return [...this.jobs.values()].map((job) => {
      const next = this.started && !this.stopping ? job.task.getNextRun() : null;
      return {
        name: job.name, expression: job.expression, running: job.current !== undefined,
        runs: job.runs, failures: job.failures, skipped: job.skipped, ranElsewhere: job.ranElsewhere, unclaimed: job.unclaimed,
        ...(job.lastRun ? { lastRun: job.lastRun } : {}),
        ...(next ? { nextRun: next.toISOString() } : {}),
      };
    });
  }

  /** A scheduled time came: run unless the previous run is still going, or another process claimed the time. Never rejects. */
  private async fire(name: string, slot: Date): Promise<void> {
    const job = this.jobs.get(name);
    if (!job || this.stopping) return;
    if (job.current) {
      job.skipped++;
      this.options.log.warn('job still running; this scheduled run is skipped', { job: name, skipped: job.skipped });
      return;
    }
    const claims = job.claimed ? this.options.claims : undefined;
    if (claims) {
      // The claim is part of the run (`current` from here on): a runNow or stop() waits for it.
      const claiming = this.claim(job, claims, slot);
      job.current = claiming;
      const mine = await claiming;
      // The run takes over `current` at once (execute sets it before anything else runs), so nothing slips in between.
      job.current = undefined;
      if (!mine || this.stopping) return;
    }
    await this.execute(job, 'scheduled').catch(() => undefined); // logged and counted in execute
  }

  /** Whether this process runs the job's scheduled time `slot`; false when another claimed it or the claim failed (counted, logged). */
  private async claim(job: Job, claims: RunClaims, slot: Date): Promise<boolean> {
    try {
      const mine = await claims.shouldRun(`${job.name}:${slot.toISOString()}`);
      if (!mine) job.ranElsewhere++;
      return mine;
    } catch (error) {
      job.unclaimed++;
      this.options.log.error('could not claim a scheduled run; this time is skipped', { job: job.name, slot: slot.toISOString(), error });
      return false;
    }
  }

  /** One run; `current` is set before the job's code starts, so a concurrent caller sees it. */
  private execute(job: Job, trigger: JobRun['trigger']): Promise<unknown> {
    const started = Date.now();
    const record = (outcome: JobRun['outcome'], error?: unknown): void => {
      const finished = Date.now();
      job.runs++;
      if (outcome === 'error') job.failures++;
      job.lastRun = {
        trigger, startedAt: new Date(started).toISOString(), finishedAt: new Date(finished).toISOString(),
        durationMs: finished - started, outcome, ...(error !== undefined ? { error: error instanceof Error ? error.message : String(error) } : {}),
      };
    };
    const run = Promise.resolve()
      .then(() => job.run())
      .then(
        (result) => {
          record('ok');
          return result;
        },
        (error: unknown) => {
          record('error', error);
          this.options.log.error('job failed', { job: job.name, trigger, error });
          throw error;
        },
      )
      .finally(() => {
        job.current = undefined;
      });
    job.current = run;
    return run;
  }
}
