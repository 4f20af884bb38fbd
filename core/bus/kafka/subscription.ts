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
 *
 * A consumer kafkajs gives up on (a crash it does not restart from, such as
 * no group coordinator found while the broker restarts) is replaced: the
 * subscription starts a new consumer in the same group, with backoff, until
 * one joins or the subscription is closed. Left alone, the subscriber's
 * process would stay up and consume nothing ever again.
 *
 * Retention (a subscriber with state, see `Retention` in ../bus.ts): handled
 * batches stay on a per-partition list until the subscriber's clock passes
 * their release time, and the committed offset stays at the oldest one
 * still listed. The commit carries, as its metadata, the last offset handled,
 * so whoever consumes the partition next (another process after a crash,
 * this one after a rebalance) marks everything up to there `replayed`.
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import type { Logger } from '../../../collector/sources/types.js';
import type { DeadLetter } from '../../store/store.js';
import type { BatchHandler, BusMessage, Retention, Subscription } from '../bus.js';
import { uuidv7 } from '../../ids.js';
import { decodeValue } from './codec.js';
import type { KafkaBusConfig } from './config.js';
import { deadLetterOf } from './dead-letter.js';
import { retryWhileSettling } from './broker-settling.js';

export interface KafkaSubscriptionSpec<T> {
  readonly topic: string;
  readonly group: string;
  readonly maxBatch: number;
  readonly schema?: z.ZodType<T>;
  readonly handler: BatchHandler<T>;
  readonly retain?: Retention<T>;
  readonly startAt?: 'earliest' | 'latest';
}

/** Handled messages [first, last] of one partition still needed by the subscriber until its clock reaches `releaseAt`. */
interface HeldRange {
  readonly first: bigint;
  readonly last: bigint;
  readonly releaseAt: number;
}

/** Per partition, for the group generation this consumer is in (reset when it rejoins). */
interface PartitionState {
  readonly held: HeldRange[];
  /** The last offset any member of the group handled, as the committed metadata says: up to it, deliveries are replays. */
  replayThrough: bigint;
  /** The last offset handled here (or by the previous owner). */
  handledThrough: bigint;
  /** Names this partition's replay in this generation (see BusMessage.replayRun). */
  readonly run: string;
}

/**
 * The Kafka consumer group of a subscription. A bus group is per topic (the
 * store writer reads three topics as group "iisa-store"), but a Kafka group
 * spans topics and assigns every partition of every topic its members
 * subscribe to among all of them: members of one group with different topics
 * would be handed partitions they never read. So each topic gets its own
 * Kafka group.
 */
export function kafkaGroupId(group: string, topic: string): string {
  return `${group}.${topic}`;
}

/** What a retaining subscription commits as metadata. */
function commitMetadata(handledThrough: bigint): string {
  return JSON.stringify({ handledThrough: handledThrough.toString() });
}

function handledThroughOf(metadata: string | null | undefined): bigint {
  if (!metadata) return -1n;
  try {
    const parsed = JSON.parse(metadata) as { handledThrough?: unknown };
    return typeof parsed.handledThrough === 'string' && /^\d+$/.test(parsed.handledThrough) ? BigInt(parsed.handledThrough) : -1n;
  } catch {
    return -1n; // metadata someone else wrote: nothing is known to be handled
  }
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

/** How long close() waits for a replacement consumer to finish joining before it disconnects it anyway. */
const REPLACEMENT_CLOSE_WAIT_MS = 10_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

const closedBeforeJoin = (): Error => new Error('the subscription was closed before its consumer joined the group');

const REJOIN_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']);

/** Why a batch stopped before its end. */
type Outcome = 'done' | 'stop';

export class KafkaSubscription<T> implements Subscription {
  /** The consumer in use; replaced when kafkajs gives up on one (see `replaceConsumer`). */
  private consumer: Consumer;
  /** start() resolved: from then on a consumer kafkajs gives up on is replaced. */
  private started = false;
  private closing = false;
  private closed: Promise<void> | undefined;
  /** A replacement consumer being started, and how to cut its backoff short on close. */
  private replacing: Promise<void> | undefined;
  private wakeReplacement: (() => void) | undefined;
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
  /** Retaining subscriptions only: per partition, what is held and what is a replay. */
  private readonly partitions = new Map<number, PartitionState>();
  /** Group generations this consumer joined; part of each replay run's name. */
  private generation = 0;

  constructor(
    private readonly spec: KafkaSubscriptionSpec<T>,
    private readonly deps: KafkaSubscriptionDeps,
  ) {
    this.consumer = this.newConsumer();
  }

  /** Connect, join the group and start consuming; resolves once this consumer is a member of the group. */
  async start(): Promise<void> {
    const { topic, group } = this.spec;
    try {
      if (this.startsAt() === 'latest') await this.commitEndIfNew();
      await this.run(this.consumer);
      this.started = true;
    } catch (error) {
      await this.close().catch(() => undefined);
      throw new Error(`subscribe to ${topic} as group ${group}: ${(error as Error).message}`, { cause: error });
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
    this.wakeReplacement?.();
    // A replacement being started stops at its next step (see run). Its consumer is not disconnected
    // while it joins: kafkajs would drop a runner that still joins without stopping it. The wait is
    // bounded for a broker that is away; the consumer is disconnected after it either way.
    if (this.replacing) await Promise.race([this.replacing, delay(REPLACEMENT_CLOSE_WAIT_MS)]);
    // kafkajs stops fetching, waits for the batch in flight (which stops after its current handler call), leaves the group.
    await this.consumer.disconnect();
  }

  private newConsumer(): Consumer {
    const { config } = this.deps;
    const consumer = this.deps.kafka.consumer({
      groupId: kafkaGroupId(this.spec.group, this.spec.topic),
      sessionTimeout: config.sessionTimeoutMs,
      rebalanceTimeout: config.rebalanceTimeoutMs,
      heartbeatInterval: config.heartbeatIntervalMs,
      maxWaitTimeInMs: config.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.rejoining = false;
      // A new generation starts again from the committed offsets: what was held comes again as replays.
      this.partitions.clear();
      this.generation++;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts from most crashes by itself; before start() resolved, the crash fails the start instead.
      if (payload.restart || !this.started || this.closing || consumer !== this.consumer) return;
      this.replacing ??= this.replaceConsumer(payload.error)
        .catch((error: unknown) => this.deps.logger.error('replacing the Kafka consumer failed', { topic: this.spec.topic, group: this.spec.group, error }))
        .finally(() => {
          this.replacing = undefined;
        });
    });
    return consumer;
  }

  /** The pause before try `attempt` (1, 2, ...): doubling from retryDelayMs up to maxRetryDelayMs. */
  private backoffMs(attempt: number): number {
    const { retryDelayMs, maxRetryDelayMs } = this.deps.config;
    return Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(attempt - 1, 30));
  }

  /** Where a group with no commits of its own starts. */
  private startsAt(): 'earliest' | 'latest' {
    return this.spec.startAt ?? this.deps.config.startFrom;
  }

  /** Subscribe `consumer` and run it; resolves once it is a member of the group. */
  private async run(consumer: Consumer): Promise<void> {
    let removeListeners: (() => void)[] = [];
    const joined = new Promise<void>((resolve, reject) => {
      removeListeners = [
        consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          // A crash kafkajs restarts from is not the end of the start; one it gives up on is.
          if (!payload.restart) reject(payload.error);
        }),
        consumer.on(consumer.events.DISCONNECT, () => {
          if (this.closing) reject(closedBeforeJoin());
        }),
      ];
    });
    joined.catch(() => undefined); // awaited below, after run() returns
    const stopIfClosing = (): void => {
      if (this.closing) throw closedBeforeJoin();
    };
    try {
      await consumer.connect();
      stopIfClosing();
      await consumer.subscribe({ topics: [this.spec.topic], fromBeginning: this.startsAt() === 'earliest' });
      stopIfClosing();
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.onBatch(payload),
      });
      await joined;
    } finally {
      for (const remove of removeListeners) remove();
    }
  }

  /**
   * kafkajs gave up on the consumer and disconnected it: start a new one in
   * the same group (it resumes from the committed offsets), with backoff,
   * until one joins or the subscription closes.
   */
  private async replaceConsumer(cause: Error): Promise<void> {
    const { topic, group } = this.spec;
    this.deps.logger.error('Kafka consumer stopped on an error kafkajs does not restart from; starting a new one', { topic, group, error: cause });
    for (let attempt = 1; !this.closing; attempt++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.backoffMs(attempt));
        this.wakeReplacement = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeReplacement = undefined;
      if (this.closing) return;
      // Nothing of the old consumer's generation carries over: its batches in flight were left unresolved.
      this.rejoining = false;
      this.partitions.clear();
      this.failures.clear();
      const consumer = this.newConsumer();
      this.consumer = consumer;
      try {
        await this.run(consumer);
        this.deps.logger.warn('Kafka consumer replaced; consuming again from the committed offsets', { topic, group, attempt });
        return;
      } catch (error) {
        await consumer.disconnect().catch(() => undefined);
        if (this.closing) return;
        this.deps.logger.warn('a new Kafka consumer could not join its group; trying again', { topic, group, attempt, error });
      }
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { maxBatch, schema } = this.spec;
    const { batch } = payload;
    const owned = (): boolean => !this.closing && !this.rejoining && payload.isRunning() && !payload.isStale();
    const state = this.spec.retain ? await this.partitionState(batch.partition) : undefined;
    let pending: Ready<T>[] = [];
    for (const raw of batch.messages) {
      if (!owned()) return;
      const decoded = decodeValue(raw.value, schema);
      if (decoded.ok) {
        const key = raw.key?.toString('utf8') ?? '';
        const replayed = state !== undefined && BigInt(raw.offset) <= state.replayThrough;
        pending.push({ raw, message: replayed ? { key, value: decoded.value, replayed, replayRun: state.run } : { key, value: decoded.value } });
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
    const retain = this.spec.retain;
    if (retain) {
      let releaseAt = -Infinity;
      for (const entry of pending) releaseAt = Math.max(releaseAt, retain.releaseAt(entry.message.value));
      this.partitions.get(payload.batch.partition)?.held.push({
        first: BigInt(pending[0].raw.offset), last: BigInt(pending[pending.length - 1].raw.offset), releaseAt,
      });
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

  /**
   * Everything up to and including `offset` is handled: fetch from after it,
   * and commit that, or (retaining) the oldest offset still held.
   */
  private async acknowledge(payload: EachBatchPayload, offset: string): Promise<void> {
    const { topic, partition } = payload.batch;
    payload.resolveOffset(offset);
    // Kafka's committed offset is the next one to read.
    let next = (BigInt(offset) + 1n).toString();
    let metadata: string | undefined;
    const state = this.partitions.get(partition);
    const retain = this.spec.retain;
    if (state && retain) {
      if (BigInt(offset) > state.handledThrough) state.handledThrough = BigInt(offset);
      const clock = retain.clock();
      while (state.held.length > 0 && state.held[0].releaseAt <= clock) state.held.shift();
      if (state.held.length > 0) next = state.held[0].first.toString();
      metadata = commitMetadata(state.handledThrough);
    }
    // kafkajs passes a partition's `metadata` on to the OffsetCommit request; its types omit the field.
    const partitions = [{ partition, offset: next, ...(metadata !== undefined ? { metadata } : {}) }];
    await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions }] }).catch((error: unknown) => {
      this.noteGroupError(error);
      throw error;
    });
  }

  /**
   * A new group asked to start at the latest: commit the topic's end offsets
   * for it before it joins. Left to the consumer, "latest" is looked up at
   * its first fetch, some time after joining, and what is published in
   * between is skipped; committed now, everything published once `subscribe`
   * resolves is delivered. A group with commits of its own goes on from them,
   * as does a consumer replacing one kafkajs gave up on.
   */
  private async commitEndIfNew(): Promise<void> {
    const { topic } = this.spec;
    const groupId = kafkaGroupId(this.spec.group, topic);
    const admin = this.deps.kafka.admin();
    try {
      await admin.connect();
      await retryWhileSettling(async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        if (committed?.partitions.some((p) => p.offset !== '-1')) return;
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
      }, this.deps.config.requestTimeoutMs);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * The retention state of a partition in this generation; on first use, the
   * committed metadata says up to where deliveries are replays.
   */
  private async partitionState(partition: number): Promise<PartitionState> {
    const known = this.partitions.get(partition);
    if (known) return known;
    const admin = this.deps.kafka.admin();
    let replayThrough = -1n;
    try {
      await admin.connect();
      const [topicOffsets] = await admin.fetchOffsets({ groupId: kafkaGroupId(this.spec.group, this.spec.topic), topics: [this.spec.topic] });
      const committed = topicOffsets?.partitions.find((p) => p.partition === partition);
      replayThrough = handledThroughOf(committed?.metadata);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const state: PartitionState = { held: [], replayThrough, handledThrough: replayThrough, run: `${this.spec.topic}/${partition}/${this.generation}/${uuidv7()}` };
    // Another batch of the same partition may have set it meanwhile: keep the first.
    const existing = this.partitions.get(partition);
    if (existing) return existing;
    this.partitions.set(partition, state);
    return state;
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
    const delayMs = this.backoffMs(attempt);
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
