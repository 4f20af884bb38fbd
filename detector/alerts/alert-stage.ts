/**
 * The alerting stage: rule hits from the bus become graded, deduplicated
 * alerts (./alert-book.ts), and every new or changed alert is offered to
 * `onChange` (the node queues escalated ones for its parent). Hits are keyed
 * by org on the bus, so one consumer at a time handles an org's hits, in
 * order. (Nothing is published on the alerts topic yet: an in-process
 * publish waits for a subscriber, and live views arrive with the console UI.)
 */
import { Topics, type Bus, type Subscription } from '../../core/bus/bus.js';
import type { Alert } from '../../core/alert.js';
import type { RuleHit } from '../../core/store/store.js';
import type { Logger, Metrics } from '../../collector/sources/types.js';
import type { AlertBook } from './alert-book.js';

export interface AlertStageOptions {
  readonly bus: Bus;
  readonly book: AlertBook;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly onChange?: (alert: Alert) => Promise<unknown>;
  readonly group?: string;
}

export class AlertStage {
  private constructor(private readonly subscription: Subscription) {}

  static async start(options: AlertStageOptions): Promise<AlertStage> {
    const subscription = await options.bus.subscribe<RuleHit>(Topics.ruleHits, { group: options.group ?? 'iisa-alerts', maxBatch: 500 }, async (batch) => {
      // The whole batch's alert, link and audit writes commit once (one fsync, not two or three per hit).
      const changed = await options.book.inWriteBatch(async () => {
        const latest = new Map<string, Alert>();
        for (const message of batch) {
          const outcome = await options.book.recordHit(message.value);
          options.metrics.increment('alerts.hits', { outcome: outcome.kind });
          const alert = options.onChange ? await options.book.alertToOffer(outcome) : undefined;
          // An alert counted on several times in the batch is offered once, as it stands at the end.
          if (alert) {
            latest.delete(alert.id);
            latest.set(alert.id, alert);
          }
          if (outcome.kind === 'unknown-org') {
            options.log.warn('rule hit for an org missing from the registry; no alert', { hit: message.value.id, org: message.value.orgId });
          }
        }
        return [...latest.values()];
      });
      // Offered once committed, so a live view never shows what a rolled-back batch wrote; a crash before
      // the handler returns means the batch comes again (Kafka) and its alerts are offered again.
      if (options.onChange && changed.length > 0) {
        const offer = options.onChange;
        await options.book.inWriteBatch(async () => { for (const alert of changed) await offer(alert); });
      }
    });
    return new AlertStage(subscription);
  }

  close(): Promise<void> {
    return this.subscription.close();
  }
}
