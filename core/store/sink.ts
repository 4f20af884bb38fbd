/**
 * The store writer: consumes events, dead letters and rule hits from the bus and
 * appends them to the store in batches. Resolving the bus handler only after
 * the store has committed is what makes delivery at-least-once end to end
 * (and the store's idempotent append makes re-delivery harmless).
 */
import { Topics, type Bus, type Subscription } from '../bus/bus.js';
import type { EcsEvent } from '../event.js';
import type { Metrics } from '../../collector/sources/types.js';
import type { AppendOptions, DeadLetter, RuleHit, Store } from './store.js';
import type { StoreWriteHealth } from './write-health.js';

export interface StoreSinkOptions {
  /** Largest batch written in one transaction. */
  readonly maxBatch?: number;
  /** Consumer group; every store writer of one deployment shares it. */
  readonly group?: string;
  /** Told of every write's outcome, so ingest can close while the disk is full and reopen once a retry succeeds. */
  readonly health?: StoreWriteHealth;
}

/**
 * The bus only needs the batch durable before it is acknowledged; waiting
 * for it to be searchable too would cost Elasticsearch a refresh per batch.
 */
const EVENTUAL: AppendOptions = { visibility: 'eventual' };

export class StoreSink {
  private constructor(private readonly subscriptions: Subscription[]) {}

  static async start(bus: Bus, store: Store, metrics: Metrics, options: StoreSinkOptions = {}): Promise<StoreSink> {
    const group = options.group ?? 'iisa-store';
    const maxBatch = options.maxBatch ?? 2000;
    const { health } = options;
    // A failed write throws on to the bus, which hands the same batch out again later.
    const watched = async <R>(write: () => Promise<R>): Promise<R> => {
      try {
        const result = await write();
        health?.succeeded();
        return result;
      } catch (error) {
        health?.failed(error);
        throw error;
      }
    };
    const events = await bus.subscribe<EcsEvent>(Topics.events, { group, maxBatch }, async (batch) => {
      const { inserted } = await watched(() => store.appendEvents(batch.map((m) => m.value), EVENTUAL));
      metrics.increment('store.events_written', {}, inserted);
    });
    const letters = await bus.subscribe<DeadLetter>(Topics.deadLetters, { group, maxBatch }, async (batch) => {
      await watched(() => store.appendDeadLetters(batch.map((m) => m.value), EVENTUAL));
      metrics.increment('store.dead_letters_written', {}, batch.length);
    });
    const hits = await bus.subscribe<RuleHit>(Topics.ruleHits, { group, maxBatch }, async (batch) => {
      await watched(() => store.appendRuleHits(batch.map((m) => m.value), EVENTUAL));
      metrics.increment('store.rule_hits_written', {}, batch.length);
    });
    return new StoreSink([events, letters, hits]);
  }

  async close(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.close()));
  }
}
