/**
 * The node's scheduled jobs, configured by the `jobs` section and put on one
 * JobScheduler: posture summaries, task deadlines (overdue marks and
 * reminders), data-source silence, retention, and the scheduled Sigma
 * searches. Each job is a no-op where it has nothing to do (no enterprise
 * served, no task, no scheduled rule), so every node runs the same set.
 *
 * Several detector processes of one node (scaled out, sharing a store) run
 * each scheduled time once between them: the first to claim it in the
 * store runs it (./run-claims.ts); the task and alert writes would stay
 * correct anyway (compare-and-set, deterministic ids), only done N times.
 */
import { z } from 'zod';
import type { Logger } from '../../collector/sources/types.js';
import { Collections } from '../../core/store/documents.js';
import type { AlertBook } from '../../detector/alerts/alert-book.js';
import { SigmaLevels } from '../../detector/sigma/model.js';
import type { ExtraRule } from '../../detector/sigma/extra-rules.js';
import type { NodeContext } from '../coordination/context.js';
import type { TaskBook } from '../coordination/tasks.js';
import { eventSearchFor } from './event-search.js';
import { AlertBookHitRecorder } from './hit-recorder.js';
import { postureJob } from './posture.js';
import { ReloadJobName, RuleReloadExpression, ScheduledSearches } from './scheduled-searches.js';
import { CLAIMS_KEPT_DAYS, StoreRunClaims } from './run-claims.js';
import { JobScheduler, cronProblem } from './scheduler.js';
import { silenceJob } from './silence.js';

/** A cron expression with its default; the message of a bad one says what node-cron found wrong. */
const Cron = (fallback: string, what: string) => z.string()
  .refine((expression) => cronProblem(expression) === undefined, {
    error: (issue) => `not a cron expression (5 fields, or 6 with seconds first): ${cronProblem(String(issue.input)) ?? ''}`,
  })
  .default(fallback)
  .describe(`cron expression: ${what}`);

export const JobsSectionSchema = z.strictObject({
  timezone: z.string().min(1).optional().describe('IANA time zone the cron expressions are read in; default: the host\'s'),
  posture: Cron('*/5 * * * *', 'when each served enterprise\'s posture summary is computed, stored and sent to the parent'),
  posturePeriodMinutes: z.number().int().positive().default(5)
    .describe('minutes each posture summary covers, ending at the run time rounded down to a multiple of it; keep it equal to the posture interval'),
  overdue: Cron('* * * * *', 'when tasks past their deadline are marked overdue'),
  reminders: Cron('*/15 * * * *', 'when targets of tasks close to their deadline are reminded'),
  reminderAheadHours: z.number().positive().default(24).describe('remind a target this many hours before the deadline'),
  silence: Cron('*/5 * * * *', 'when data sources are checked for silence'),
  silenceMinutes: z.number().positive().default(30).describe('a source that sent nothing for this long is silent'),
  lookbackHours: z.number().positive().default(24)
    .describe('only a source that sent within this many hours can fall silent (and counts in posture summaries)'),
  silenceLevel: z.enum(SigmaLevels).default('medium').describe('Sigma level of the silence alert\'s rule hit (the grading policy grades it)'),
  retention: Cron('17 * * * *', 'when events, rule hits and dead letters older than store.retentionDays, and expired link nonces, are deleted'),
  scheduledSearches: z.boolean().default(true).describe('run the rules marked `scheduled: <cron>` as searches over the store on their schedule'),
  scheduledSearchLookbackMinutes: z.number().positive().default(60).describe('window of a scheduled rule\'s first run'),
  scheduledSearchSettleMinutes: z.number().min(0).default(5)
    .describe('each scheduled run also searches this far back into the previous window, for events that arrived late'),
});
export type JobsSection = z.output<typeof JobsSectionSchema>;

export interface JobsDeps {
  /** The `jobs` section, validated. */
  readonly config: JobsSection;
  /** The coordination context (Coordination.ctx): store, registry, node, served orgs, uplink, log, clock. */
  readonly ctx: NodeContext;
  /** Coordination.tasks. */
  readonly tasks: TaskBook;
  readonly alerts: AlertBook;
  /** store.retentionDays of the node config. */
  readonly retentionDays: number;
  /** Rule files and folders the scheduled searches are read from (detector.rules); none: no scheduled searches. */
  readonly rules: readonly string[];
  /** Rules from elsewhere, as the detector stage gets them (installedDetections). */
  readonly extraRules?: () => Promise<readonly ExtraRule[]>;
  /** Default: ctx.log. */
  readonly log?: Logger;
}

/** Job names, as the scheduler and its status know them. */
export const JobNames = {
  posture: 'posture',
  overdue: 'task-overdue',
  reminders: 'task-reminders',
  silence: 'source-silence',
  retention: 'retention',
} as const;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Register every job on a new scheduler and start it (the scheduled rules
 * are read first, so a broken rule file shows in the log at start-up).
 * Throws only for a bad configuration. Stop it with `stop()` before the
 * store closes.
 */
export async function startJobs(deps: JobsDeps): Promise<JobScheduler> {
  const { config, ctx, tasks, alerts } = deps;
  const log = deps.log ?? ctx.log;
  // Detector processes of one node that share its store run each scheduled time once between them.
  const claims = new StoreRunClaims(ctx.store, ctx.nodeId);
  const scheduler = new JobScheduler({ log, claims, ...(config.timezone ? { timezone: config.timezone } : {}) });
  const hits = new AlertBookHitRecorder(ctx, alerts);
  const silenceMs = config.silenceMinutes * MINUTE_MS;
  const lookbackMs = config.lookbackHours * HOUR_MS;

  scheduler.register(JobNames.posture, config.posture, () => postureJob({ ctx, periodMs: config.posturePeriodMinutes * MINUTE_MS, silenceMs, lookbackMs }));
  scheduler.register(JobNames.overdue, config.overdue, () => tasks.markOverdue());
  scheduler.register(JobNames.reminders, config.reminders, () => tasks.remind(config.reminderAheadHours * HOUR_MS));
  scheduler.register(JobNames.silence, config.silence, () => silenceJob({ ctx, hits, silenceMs, lookbackMs, level: config.silenceLevel }));
  scheduler.register(JobNames.retention, config.retention, async () => {
    const now = ctx.now();
    const cutoff = new Date(now.getTime() - deps.retentionDays * DAY_MS);
    const removed = await ctx.store.deleteOlderThan(cutoff);
    // A nonce's sort key is its expiry: past it, the link auth refuses the request anyway.
    const nonces = await ctx.store.deleteDocumentsBefore(Collections.nonces, now.toISOString());
    // Bookkeeping that grows with traffic goes with the data it is about: hit links (by hit time),
    // posture history (by period end), the security log (by time), link feeds (by their ms
    // sequence; a child away longer than the retention misses what expired); job run claims go
    // after CLAIMS_KEPT_DAYS whatever the retention. Alerts, their audit
    // trails, advisories and tasks are the record of what happened and are kept.
    const iso = cutoff.toISOString();
    const documents = {
      alertLinks: await ctx.store.deleteDocumentsBefore(Collections.alertLinks, iso),
      posture: await ctx.store.deleteDocumentsBefore(Collections.posture, iso),
      securityLog: await ctx.store.deleteDocumentsBefore(Collections.securityLog, iso),
      feed: await ctx.store.deleteDocumentsBefore(Collections.feed, String(cutoff.getTime()).padStart(15, '0')),
      jobRuns: await ctx.store.deleteDocumentsBefore(Collections.jobRuns, new Date(now.getTime() - CLAIMS_KEPT_DAYS * DAY_MS).toISOString()),
      // Who changed what is kept at least 180 days whatever the data retention (network logs: six months).
      auditLog: await ctx.store.deleteDocumentsBefore(Collections.auditLog, new Date(now.getTime() - Math.max(deps.retentionDays, 180) * DAY_MS).toISOString()),
    };
    log.info('retention ran', { cutoff: iso, ...removed, nonces, ...documents });
    return { cutoff: iso, ...removed, nonces, ...documents };
  });

  if (config.scheduledSearches && deps.rules.length > 0) {
    const search = eventSearchFor(ctx.store);
    if (typeof search === 'string') {
      log.warn('scheduled searches are off', { reason: search });
    } else {
      const searches = new ScheduledSearches({
        ctx, hits, search, scheduler, rules: deps.rules, log,
        ...(deps.extraRules ? { extraRules: deps.extraRules } : {}),
        lookbackMs: config.scheduledSearchLookbackMinutes * MINUTE_MS,
        settleMs: config.scheduledSearchSettleMinutes * MINUTE_MS,
      });
      await searches.reload();
      // Every process reloads its own scheduled rules.
      scheduler.register(ReloadJobName, RuleReloadExpression, () => searches.reload(), { claimed: false });
      scheduler.onStop(() => search.close());
    }
  }
  scheduler.start();
  log.info('jobs started', { jobs: scheduler.names().join(',') });
  return scheduler;
}
