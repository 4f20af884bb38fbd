/**
 * Creates the bus's topics on first use. The broker does not auto-create
 * topics (a typo must not make one), so every topic a bus publishes to or
 * consumes from goes through here once per bus.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '../../../collector/sources/types.js';
import { retryWhileSettling, waitForLeaders } from './broker-settling.js';

export interface TopicLayout {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly requestTimeoutMs: number;
}

export class TopicAdmin {
  private admin: Promise<Admin> | undefined;
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly layout: TopicLayout,
    private readonly logger: Logger,
  ) {}

  /** Resolves once `topic` exists with leaders for its partitions. Idempotent; a failure is retried on the next call. */
  ensure(topic: string): Promise<void> {
    let pending = this.ensured.get(topic);
    if (pending === undefined) {
      pending = this.create(topic).catch((error: unknown) => {
        // Said without context, "This server does not host this topic-partition" leaves an operator guessing which topic.
        throw new Error(`Kafka topic ${topic}: ${(error as Error).message}`, { cause: error });
      });
      this.ensured.set(topic, pending);
      pending.catch(() => this.ensured.delete(topic));
    }
    return pending;
  }

  /** Partitions `topic` has at the broker; 0 when it does not exist. */
  async partitionCount(topic: string): Promise<number> {
    const admin = await this.connected();
    // Asking for the metadata of a missing topic is an error (after retries), not an empty answer.
    if (!(await admin.listTopics()).includes(topic)) return 0;
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length ?? 0;
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin === undefined) return;
    await Promise.allSettled([...this.ensured.values()]);
    const connected = await admin.catch(() => undefined);
    await connected?.disconnect();
  }

  private connected(): Promise<Admin> {
    if (this.admin === undefined) {
      const admin = this.kafka.admin();
      const connecting = admin.connect().then(() => admin);
      connecting.catch(() => {
        if (this.admin === connecting) this.admin = undefined;
      });
      this.admin = connecting;
    }
    return this.admin;
  }

  private async create(topic: string): Promise<void> {
    const admin = await this.connected();
    const { partitions, replicationFactor, requestTimeoutMs } = this.layout;
    // Processes starting together create the same topics at once; the broker may answer one of them
    // "not hosted here" while the leaders are being elected, and kafkajs gives up after its own few retries.
    const created = await retryWhileSettling(() => admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor }],
      waitForLeaders: true,
      timeout: requestTimeoutMs,
    }), 2 * requestTimeoutMs);
    if (created) return;
    // It existed: made by another bus (perhaps a moment ago, its leaders not yet elected), or by hand with another layout.
    const actual = await waitForLeaders(admin, topic, 2 * requestTimeoutMs);
    if (actual !== partitions) {
      this.logger.warn('Kafka topic exists with a different partition count than configured; using it as it is', { topic, partitions: actual, configured: partitions });
    }
  }
}
