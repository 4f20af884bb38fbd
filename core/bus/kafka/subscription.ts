/**
 * One subscriber: a kafkajs consumer in the subscription's group.
 *
 * Each fetched partition batch is cut into handler batches of at most
 * maxBatch, handed over one at a time (one partition after another, so a
 * key's messages are handled in order). An offset is resolved and committed
 * only after the handler resolved for everything before it. When the handler
 * throws, nothing of that batch is resolved: the partition is paused for a
 * backoff, and the next fetch starts again at the failed batch. A value that
 * cannot be decoded becomes a dead letter and is committed past, so it
 * cannot stall its partition.
 *
 * Rebalances: the handler in flight finishes first (kafkajs rejoins between
 * batches), its offsets are committed, and the partition's new owner starts
 * from the committed offset, so nothing handled is lost and nothing
 * unhandled is skipped; what was handled but not yet committed is delivered
 * again (at least once).
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import type { Logger } from '../../../collector/sources/types.js';
import type { DeadLetter } from '../../store/store.js';
import type { BatchHandler, BusMessage, Subscription } from '../bus.js';
import { decodeValue } from './codec.js';
import type { KafkaBusConfig } from './config.js';
import { deadLetterOf } from './dead-letter.js';

export interface KafkaSubscriptionSpec<T> {
  readonly topic: string;
  readonly group: string;
  readonly maxBatch: number;
  readonly schema?: z.ZodType<T>;
  readonly handler: BatchHandler<T>;
}

export interface KafkaSubscriptionDeps {
  readonly kafka: Kafka;
  readonly config: KafkaBusConfig;
  readonly logger: Logger;
  /** Durably record an undecodable message; resolves once the broker has it. */
  readonly deadLetter: (letter: DeadLetter) => Promise<void>;
}

/** A message of the batch and, once decoded, its value. */
interface Ready<T> {
  readonly raw: KafkaMessage;
  readonly message: BusMessage<T>;
}

const REJOIN_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']);

/** Why a batch stopped before its end. */
type Outcome = 'done' | 'stop';

export class KafkaSubscription<T> implements Subscription {
  private readonly consumer: Consumer;
  private closing = false;
  private closed: Promise<void> | undefined;
  /** Consecutive failures per partition, for the backoff. */
  private readonly failures = new Map<number, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  /**
   * The group is rebalancing and kafkajs will rejoin once the batches of the
   * current fetch are through: skip them (unresolved, so they are fetched
   * again by whoever owns their partitions next) instead of making the
   * group wait for their handlers.
   */
  private rejoining = false;

  constructor(
    private readonly spec: KafkaSubscriptionSpec<T>,
    private readonly deps: KafkaSubscriptionDeps,
  ) {
    const { config } = deps;
    this.consumer = deps.kafka.consumer({
      groupId: spec.group,
      sessionTimeout: config.sessionTimeoutMs,
      rebalanceTimeout: config.rebalanceTimeoutMs,
      heartbeatInterval: config.heartbeatIntervalMs,
      maxWaitTimeInMs: config.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.rejoining = false;
    });
  }

  /** Connect, join the group and start consuming; resolves once this consumer is a member of the group. */
  async start(): Promise<void> {
    const { topic, group } = this.spec;
    const consumer = this.consumer;
    let removeListeners: (() => void)[] = [];
    const joined = new Promise<void>((resolve, reject) => {
      removeListeners = [
        consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          // A crash kafkajs restarts from is not the end of the start; one it gives up on is.
          if (!payload.restart) reject(payload.error);
        }),
      ];
    });
    joined.catch(() => undefined); // awaited below, after run() returns
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: this.deps.config.startFrom === 'earliest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.onBatch(payload),
      });
      await joined;
    } catch (error) {
      await this.close().catch(() => undefined);
      throw new Error(`subscribe to ${topic} as group ${group}: ${(error as Error).message}`, { cause: error });
    } finally {
      for (const remove of removeListeners) remove();
    }
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    // kafkajs stops fetching, waits for the batch in flight (which stops after its current handler call), leaves the group.
    await this.consumer.disconnect();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { maxBatch, schema } = this.spec;
    const { batch } = payload;
    const owned = (): boolean => !this.closing && !this.rejoining && payload.isRunning() && !payload.isStale();
    let pending: Ready<T>[] = [];
    for (const raw of batch.messages) {
      if (!owned()) return;
      const decoded = decodeValue(raw.value, schema);
      if (decoded.ok) {
        pending.push({ raw, message: { key: raw.key?.toString('utf8') ?? '', value: decoded.value } });
        if (pending.length < maxBatch) continue;
        if ((await this.deliver(pending, payload)) === 'stop') return;
        pending = [];
        continue;
      }
      if (pending.length > 0 && (await this.deliver(pending, payload)) === 'stop') return;
      pending = [];
      if (!owned()) return;
      if ((await this.bury(raw, decoded, payload)) === 'stop') return;
    }
    if (pending.length > 0 && owned()) await this.deliver(pending, payload);
  }

  /** Hand one batch to the handler; on success commit past it, on failure schedule its redelivery. */
  private async deliver(pending: readonly Ready<T>[], payload: EachBatchPayload): Promise<Outcome> {
    const messages = pending.map((entry) => entry.message);
    // Heartbeats while the handler runs keep a long batch from costing the partitions. A
    // rebalance they report is acted on after the handler, once its work is committed: a
    // failed heartbeat is not throttled, so the one after the commit reports it again.
    const beat = setInterval(() => {
      payload.heartbeat().catch((error: unknown) => this.noteGroupError(error));
    }, this.deps.config.heartbeatIntervalMs);
    try {
      // A turn later, so a handler that throws synchronously is a failure like any other.
      await Promise.resolve().then(() => this.spec.handler(messages));
    } catch (error) {
      this.retryLater(payload, error, pending.length);
      return 'stop';
    } finally {
      clearInterval(beat);
    }
    await this.acknowledge(payload, pending[pending.length - 1].raw.offset);
    this.failures.delete(payload.batch.partition);
    // A rebalance error leaving eachBatch is kafkajs' cue to rejoin the group.
    await payload.heartbeat().catch((error: unknown) => {
      this.noteGroupError(error);
      throw error;
    });
    return 'done';
  }

  /** Dead-letter an undecodable message and commit past it. */
  private async bury(raw: KafkaMessage, failure: { code: string; reason: string }, payload: EachBatchPayload): Promise<Outcome> {
    const { topic, partition } = payload.batch;
    const letter = deadLetterOf({ topic, partition, offset: raw.offset, timestamp: raw.timestamp, key: raw.key, value: raw.value }, failure);
    try {
      await this.deps.deadLetter(letter);
    } catch (error) {
      this.retryLater(payload, error, 1);
      return 'stop';
    }
    this.deps.logger.warn('undecodable Kafka message sent to the dead letters and skipped', {
      topic, group: this.spec.group, partition, offset: raw.offset, code: failure.code, deadLetterId: letter.id,
    });
    await this.acknowledge(payload, raw.offset);
    return 'done';
  }

  /** Everything up to and including `offset` is handled: fetch from after it, and commit that. */
  private async acknowledge(payload: EachBatchPayload, offset: string): Promise<void> {
    const { topic, partition } = payload.batch;
    payload.resolveOffset(offset);
    // Kafka's committed offset is the next one to read.
    const next = (BigInt(offset) + 1n).toString();
    await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] }).catch((error: unknown) => {
      this.noteGroupError(error);
      throw error;
    });
  }

  /** Errors by which the coordinator says this member must rejoin (kafkajs rejoins on them). */
  private noteGroupError(error: unknown): void {
    const type = (error as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && REJOIN_ERRORS.has(type)) this.rejoining = true;
  }

  /**
   * Leave the batch unresolved (the next fetch starts at it again) and pause
   * its partition for the backoff, so other partitions keep flowing meanwhile.
   */
  private retryLater(payload: EachBatchPayload, error: unknown, size: number): void {
    const { topic, partition } = payload.batch;
    if (this.closing || !payload.isRunning()) return;
    const attempt = (this.failures.get(partition) ?? 0) + 1;
    this.failures.set(partition, attempt);
    const { retryDelayMs, maxRetryDelayMs } = this.deps.config;
    const delayMs = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(attempt - 1, 30));
    this.deps.logger.warn('Kafka batch failed; it will be delivered again', {
      topic, group: this.spec.group, partition, size, attempt, delayMs, error,
    });
    const resume = payload.pause();
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, delayMs);
    this.resumeTimers.add(timer);
  }
}
