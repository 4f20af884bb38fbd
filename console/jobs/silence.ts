/**
 * Data-source silence: a source (an `event.dataset` of an org) that sent
 * within the lookback but nothing for `silenceMs` has stopped, which in a
 * plant is as often an attacker (a log shipper killed, a firewall
 * reconfigured) as a broken cable. Each silence raises one synthetic rule
 * hit, graded and deduplicated by the alert book like any other.
 *
 * The hit's id is stable per org, dataset and the bucket the source was
 * last seen in: every run during one silence finds the same id (the alert
 * book counts it once), and a source that comes back and stops again has a
 * newer last-seen bucket, hence a new hit.
 */
import { stableId } from '../../core/ids.js';
import type { RuleHit } from '../../core/store/store.js';
import type { SigmaLevel } from '../../detector/sigma/model.js';
import type { NodeContext } from '../coordination/context.js';
import type { HitOutcome } from '../../detector/alerts/alert-book.js';
import type { HitRecorder } from './hit-recorder.js';
import { sourceActivity } from './source-activity.js';

export const SilenceRuleId = 'iisa-data-source-silent';
export const SilenceRuleTitle = 'Data source stopped sending';

export interface SilenceJobDeps {
  readonly ctx: NodeContext;
  readonly hits: HitRecorder;
  readonly silenceMs: number;
  readonly lookbackMs: number;
  /** Sigma level of the hit (the grading policy turns it into a grade). */
  readonly level: SigmaLevel;
}

export interface SilentSource {
  readonly orgId: string;
  readonly dataset: string;
  readonly lastSeen: string;
  readonly hitId: string;
  readonly outcome: HitOutcome['kind'];
}

/** The synthetic hit of one silence. */
export function silenceHit(orgId: string, dataset: string, lastBucket: string, level: SigmaLevel, now: Date): RuleHit {
  const at = now.toISOString();
  return {
    id: stableId('hit', SilenceRuleId, orgId, dataset, lastBucket),
    kind: 'detection',
    ruleId: SilenceRuleId,
    ruleTitle: SilenceRuleTitle,
    level,
    tags: ['iisa.liveness'],
    orgId,
    time: at,
    detectedAt: at,
    eventIds: [],
    groupKey: { 'event.dataset': dataset },
  };
}

/** Check every source of every org the node serves; raise a hit per silent one. */
export async function silenceJob(deps: SilenceJobDeps): Promise<SilentSource[]> {
  const { ctx } = deps;
  const now = ctx.now();
  const out: SilentSource[] = [];
  for (const orgId of [...ctx.servedOrgs].sort()) {
    if (!ctx.registry.get(orgId)) continue;
    const silent = (await sourceActivity(ctx.store, { orgId, now, lookbackMs: deps.lookbackMs, silenceMs: deps.silenceMs })).filter((s) => s.silent);
    if (silent.length === 0) continue;
    const hits = silent.map((s) => silenceHit(orgId, s.dataset, s.lastBucket, deps.level, now));
    const outcomes = await deps.hits.record(hits);
    silent.forEach((s, i) => {
      const outcome = outcomes[i];
      if (outcome.kind === 'created' || outcome.kind === 'updated') {
        ctx.log.warn('data source stopped sending', { org: orgId, dataset: s.dataset, lastSeen: s.lastBucket, alert: outcome.alert.id });
      }
      out.push({ orgId, dataset: s.dataset, lastSeen: s.lastBucket, hitId: hits[i].id, outcome: outcome.kind });
    });
  }
  return out;
}
