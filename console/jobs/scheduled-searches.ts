/**
 * Scheduled searches: Sigma detection rules marked `scheduled: '<cron>'`
 * (detector/sigma/scheduled.ts) run on their schedule as searches over the stored
 * events (./event-search.ts) instead of in the stream.
 *
 * Each run searches from where the rule's previous run stopped (kept per
 * rule in a document, so a restart resumes there; the first run looks back
 * `lookbackMs`), less `settleMs`: events that arrived late, or that
 * Elasticsearch had not made searchable yet, are found on the next run.
 * Re-reading that overlap costs nothing else: hits are built exactly as the
 * stream detector builds them (`toRuleHit`: id = rule + event), so the store
 * keeps one copy and the alert book calls the second a duplicate.
 *
 * The rule files are re-read every minute; a rule that became scheduled,
 * changed its schedule or stopped being scheduled is rescheduled.
 */
import type { Logger } from '../../collector/sources/types.js';
import { Collections } from '../../core/store/documents.js';
import { toRuleHit } from '../../detector/detector.js';
import { loadDefaultMapping } from '../../detector/sigma/mapping/index.js';
import type { RuleSet, SigmaFilter } from '../../detector/sigma/model.js';
import { loadRules } from '../../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../../detector/sigma/placeholders.js';
import { withExtraRules, type ExtraRule } from '../../detector/sigma/extra-rules.js';
import type { NodeContext } from '../coordination/context.js';
import type { EventSearch } from './event-search.js';
import type { HitRecorder } from './hit-recorder.js';
import type { JobScheduler } from './scheduler.js';
import { scheduledRules, type ScheduledRule } from '../../detector/sigma/scheduled.js';

/** How often the rule files are re-read for scheduled rules. */
export const RuleReloadExpression = '* * * * *';
/** Job names: one per scheduled rule, and the reload. */
export const ScheduledSearchPrefix = 'scheduled-search:';
export const ReloadJobName = 'scheduled-searches-reload';

/** Where a rule's last run stopped; the next one starts there. */
export interface ScheduledSearchState {
  readonly ruleId: string;
  readonly expression: string;
  /** ISO bounds of the last window searched. */
  readonly searchedFrom: string;
  readonly searchedTo: string;
  readonly hits: number;
}

export interface ScheduledSearchResult {
  readonly ruleId: string;
  readonly from: string;
  readonly to: string;
  /** Hits found in the window (new or seen by an earlier run). */
  readonly hits: number;
  /** What the alert book did with them. */
  readonly created: number;
  readonly updated: number;
  readonly duplicates: number;
  readonly suppressed: number;
}

export interface ScheduledSearchesDeps {
  readonly ctx: NodeContext;
  readonly hits: HitRecorder;
  readonly search: EventSearch;
  readonly scheduler: JobScheduler;
  /** Rule files and folders (the detector's). */
  readonly rules: readonly string[];
  /** Rules from elsewhere (the detections advisories installed). */
  readonly extraRules?: () => Promise<readonly ExtraRule[]>;
  /** Window of a rule's first run. */
  readonly lookbackMs: number;
  /** How far each run reaches back into the previous run's window. */
  readonly settleMs: number;
  readonly log: Logger;
}

/** The state document of a rule. */
export function searchStateId(ruleId: string): string {
  return `${ScheduledSearchPrefix}${ruleId}`;
}

export class ScheduledSearches {
  private readonly placeholders: RegistryPlaceholderSource;
  private rules = new Map<string, ScheduledRule>();
  private filters: readonly SigmaFilter[] = [];
  private problemsSeen = '';

  constructor(private readonly deps: ScheduledSearchesDeps) {
    this.placeholders = new RegistryPlaceholderSource(deps.ctx.registry);
  }

  /** The rules scheduled now, by key. */
  scheduled(): ReadonlyMap<string, ScheduledRule> {
    return this.rules;
  }

  /**
   * Re-read the rules and bring the scheduler's jobs in line: a job per
   * scheduled rule, named `scheduled-search:<rule id>`. Resolves with the
   * rule ids scheduled.
   */
  async reload(): Promise<string[]> {
    const { scheduled, filters } = await this.load();
    const { scheduler, log } = this.deps;
    for (const [key, current] of this.rules) {
      const next = scheduled.get(key);
      if (next && next.expression === current.expression) continue;
      await scheduler.unregister(jobName(key));
      if (!next) log.info('scheduled search removed', { rule: key });
    }
    for (const [key, next] of scheduled) {
      if (scheduler.has(jobName(key))) continue;
      try {
        scheduler.register(jobName(key), next.expression, () => this.run(key));
      } catch (error) {
        // The expression was checked; this is a scheduler shutting down under the reload.
        log.warn('scheduled search not registered', { rule: key, error });
        scheduled.delete(key);
        continue;
      }
      log.info('scheduled search', { rule: key, schedule: next.expression });
    }
    this.rules = scheduled;
    this.filters = filters;
    return [...scheduled.keys()];
  }

  /** Run one scheduled rule over the events since its last run. */
  async run(ruleId: string): Promise<ScheduledSearchResult> {
    const entry = this.rules.get(ruleId);
    if (!entry) throw new Error(`no scheduled rule ${ruleId}`);
    const { ctx, lookbackMs, settleMs } = this.deps;
    const now = ctx.now();
    const stateId = searchStateId(ruleId);
    const state = await ctx.store.getDocument<ScheduledSearchState>(Collections.jobState, stateId);
    const fromMs = state ? Math.min(Date.parse(state.body.searchedTo) - settleMs, now.getTime()) : now.getTime() - lookbackMs;
    const from = new Date(fromMs);
    const orgIds = [...ctx.servedOrgs].sort();
    const events = await this.deps.search.search(entry.rule, { from, to: now, orgIds }, {
      mapping: loadDefaultMapping(), placeholders: this.placeholders, filters: this.filters,
    });
    const hits = events.flatMap((event) => toRuleHit({ kind: 'detection', rule: entry.rule, event }, now, ctx.registry) ?? []);
    const outcomes = await this.deps.hits.record(hits);
    const count = (kind: string): number => outcomes.filter((o) => o.kind === kind).length;
    await ctx.store.putDocument<ScheduledSearchState>(Collections.jobState, {
      id: stateId, sortKey: now.toISOString(),
      body: { ruleId, expression: entry.expression, searchedFrom: from.toISOString(), searchedTo: now.toISOString(), hits: hits.length },
    });
    return {
      ruleId, from: from.toISOString(), to: now.toISOString(), hits: hits.length,
      created: count('created'), updated: count('updated'), duplicates: count('duplicate'), suppressed: count('suppressed'),
    };
  }

  /** The rule set as the detector would load it, and its scheduled rules (problems logged once each time they change). */
  private async load(): Promise<{ scheduled: Map<string, ScheduledRule>; filters: readonly SigmaFilter[] }> {
    const files = loadRules(this.deps.rules, { placeholders: this.placeholders });
    const set: RuleSet = await this.withExtraRules(files);
    const { rules, problems } = scheduledRules(set);
    const seen = JSON.stringify(problems);
    if (seen !== this.problemsSeen) {
      this.problemsSeen = seen;
      for (const p of problems) this.deps.log.warn('rule not scheduled', { rule: p.rule, file: p.file, message: p.message });
    }
    return { scheduled: new Map(rules), filters: set.filters };
  }

  /** The extra rules that may join the file rules (detector/sigma/extra-rules.ts; the detector stage logs those left out). */
  private async withExtraRules(files: RuleSet): Promise<RuleSet> {
    if (!this.deps.extraRules) return files;
    try {
      return withExtraRules(files, await this.deps.extraRules(), this.placeholders).set;
    } catch (error) {
      this.deps.log.error('reading extra rules failed; scheduling the rule files only', { error });
      return files;
    }
  }
}

function jobName(ruleId: string): string {
  return `${ScheduledSearchPrefix}${ruleId}`;
}
