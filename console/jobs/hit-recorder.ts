/**
 * Where the rule hits the jobs raise (silences, scheduled searches) go: the
 * store, beside the stream detector's hits, then the alert book, and an
 * alert that was created or changed to the parent when its grade escalates
 * there — what the alerting stage does for the detector's hits on the bus.
 * Hit ids are deterministic, so recording a hit again stores nothing new
 * and the alert book calls it a duplicate.
 */
import type { RuleHit } from '../../core/store/store.js';
import type { AlertBook, HitOutcome } from '../../detector/alerts/alert-book.js';
import type { NodeContext } from '../coordination/context.js';
import { alertChanged } from '../coordination/escalation.js';

export interface HitRecorder {
  /** Store the hits and record each on the alert book; resolves with each hit's outcome, in order. */
  record(hits: readonly RuleHit[]): Promise<HitOutcome[]>;
}

export class AlertBookHitRecorder implements HitRecorder {
  constructor(private readonly ctx: NodeContext, private readonly alerts: AlertBook) {}

  async record(hits: readonly RuleHit[]): Promise<HitOutcome[]> {
    if (hits.length === 0) return [];
    await this.ctx.store.appendRuleHits(hits);
    const outcomes: HitOutcome[] = [];
    for (const hit of hits) {
      const outcome = await this.alerts.recordHit(hit);
      const changed = await this.alerts.alertToOffer(outcome);
      if (changed) await alertChanged(this.ctx, changed);
      if (outcome.kind === 'unknown-org') this.ctx.log.warn('rule hit for an org missing from the registry; no alert', { hit: hit.id, org: hit.orgId });
      outcomes.push(outcome);
    }
    return outcomes;
  }
}
