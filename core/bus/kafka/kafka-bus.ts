/**
 * The Bus contract on Kafka (kafkajs). Topics are created on first use with
 * the configured partitions; messages are JSON keyed by the message key (the
 * org id), so one org's messages stay in one partition and in order; a
 * publish resolves once the broker has every message (acks from all in-sync
 * replicas); each subscription is a consumer in its group and commits only
 * what its handler finished. See subscription.ts for the consuming side.
 */
import { Kafka } from 'kafkajs';
import type { KafkaConfig } from 'kafkajs';
import type { z } from 'zod';
import type { Logger } from '../../../collector/sources/types.js';
import { validateConfig } from '../../config.js';
import type { DeadLetter } from '../../store/store.js';
import { JsonLogger } from '../../telemetry.js';
import type { BatchHandler, Bus, BusMessage, SubscribeOptions, Subscription } from '../bus.js';
import { BusClosedError } from '../memory.js';
import { KafkaBusConfigSchema } from './config.js';
import type { KafkaBusConfig, KafkaBusConfigInput } from './config.js';
import { KAFKAJS_LOG_LEVEL, kafkaLogCreator } from './log.js';
import { Publisher } from './publisher.js';
import { KafkaSubscription } from './subscription.js';
import { TopicAdmin } from './topic-admin.js';
import { assertTopicName } from './topic-names.js';

const DEFAULT_MAX_BATCH = 500;

export interface KafkaBusOptions {
  /** Where the bus and kafkajs log (warnings and errors). Default: JSON lines on stderr at warn. */
  readonly logger?: Logger;
}

export interface KafkaSubscribeOptions<T> extends SubscribeOptions<T> {
  /**
   * Checked on every value before the handler sees it; a value that fails
   * becomes a dead letter (code `schema`) instead of a handler error that
   * would be retried forever.
   */
  readonly schema?: z.ZodType<T>;
}

export class KafkaBus implements Bus {
  readonly config: KafkaBusConfig;
  private readonly logger: Logger;
  private readonly kafka: Kafka;
  private readonly topics: TopicAdmin;
  private readonly publisher: Publisher;
  private readonly subscriptions = new Set<Subscription>();
  /** Subscriptions still joining, and publishes not yet acknowledged: close waits for both. */
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(config: KafkaBusConfigInput, options: KafkaBusOptions = {}) {
    this.config = validateConfig(config, KafkaBusConfigSchema, 'Kafka bus config');
    this.logger = options.logger ?? new JsonLogger('warn', { component: 'kafka-bus' });
    this.kafka = new Kafka(clientConfig(this.config, this.logger));
    this.topics = new TopicAdmin(this.kafka, this.config, this.logger);
    this.publisher = new Publisher(this.kafka, this.config);
  }

  async publish<T>(topic: string, messages: readonly BusMessage<T>[]): Promise<void> {
    this.assertOpen('publish');
    assertTopicName(topic);
    for (const message of messages) {
      if (typeof message?.key !== 'string') throw new TypeError(`publish to ${topic}: every message needs a string key`);
    }
    if (messages.length === 0) return;
    await this.track(this.send(topic, messages));
  }

  async subscribe<T>(topic: string, options: KafkaSubscribeOptions<T>, handler: BatchHandler<T>): Promise<Subscription> {
    this.assertOpen('subscribe');
    assertTopicName(topic);
    const { group, maxBatch = DEFAULT_MAX_BATCH, schema, retain, startAt } = options;
    if (typeof group !== 'string' || group === '') throw new TypeError(`subscribe to ${topic}: group must be a non-empty string`);
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`subscribe to ${topic}: maxBatch must be a positive integer, got ${maxBatch}`);
    if (typeof handler !== 'function') throw new TypeError(`subscribe to ${topic}: handler must be a function`);
    const subscription = new KafkaSubscription<T>({ topic, group, maxBatch, schema, handler, ...(retain ? { retain } : {}), ...(startAt ? { startAt } : {}) }, {
      kafka: this.kafka,
      config: this.config,
      logger: this.logger,
      deadLetter: (letter) => this.sendDeadLetter(letter),
    });
    await this.track((async () => {
      await this.topics.ensure(topic);
      await subscription.start();
      if (this.closed) {
        // close() began while this one was joining: it waits for this, but did not see it.
        await subscription.close();
        throw new BusClosedError(`subscribe to ${topic}: the Kafka bus was closed meanwhile`);
      }
      this.subscriptions.add(subscription);
    })());
    return {
      close: async () => {
        await subscription.close();
        this.subscriptions.delete(subscription);
      },
    };
  }

  /** Create `topic` with the configured layout if it does not exist yet. Publish and subscribe do this themselves. */
  async ensureTopic(topic: string): Promise<void> {
    this.assertOpen('ensureTopic');
    assertTopicName(topic);
    await this.topics.ensure(topic);
  }

  /** Partitions `topic` has at the broker (0 if it does not exist). */
  async partitionCount(topic: string): Promise<number> {
    this.assertOpen('partitionCount');
    assertTopicName(topic);
    return this.topics.partitionCount(topic);
  }

  /**
   * Close every subscription (each finishes the batch it is handling and
   * commits it), wait for publishes in flight, then disconnect. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    await this.settlePending();
    const results = await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.close()));
    this.subscriptions.clear();
    // Dead letters the last batches sent.
    await this.settlePending();
    await Promise.allSettled([this.publisher.close(), this.topics.close()]);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  private async settlePending(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async send(topic: string, messages: readonly BusMessage<unknown>[]): Promise<void> {
    await this.topics.ensure(topic);
    await this.publisher.send(topic, messages);
  }

  private sendDeadLetter(letter: DeadLetter): Promise<void> {
    // Not refused while closing: a subscription finishing its last batch may need it.
    return this.track(this.send(this.config.deadLetterTopic, [{ key: letter.orgId ?? '', value: letter }]));
  }

  private track<R>(work: Promise<R>): Promise<R> {
    this.pending.add(work);
    const forget = (): void => {
      this.pending.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new BusClosedError(`${what} after the Kafka bus was closed`);
  }
}

function clientConfig(config: KafkaBusConfig, logger: Logger): KafkaConfig {
  return {
    clientId: config.clientId,
    brokers: [...config.brokers],
    // Copies: the validated config is frozen, and kafkajs/tls may annotate what it is given.
    ...(config.ssl === undefined ? {} : { ssl: typeof config.ssl === 'boolean' ? config.ssl : { ...config.ssl } }),
    ...(config.sasl === undefined ? {} : { sasl: { ...config.sasl } }),
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: KAFKAJS_LOG_LEVEL,
    logCreator: kafkaLogCreator(logger),
  };
}
