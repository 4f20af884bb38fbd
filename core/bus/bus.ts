/**
 * The Bus contract: how stages hand records to each other. The in-process
 * bus and the Kafka bus implement it; one conformance suite
 * (test/core/bus/conformance.ts) runs against each.
 *
 * Delivery is at least once. The acknowledgement point is the same for
 * every backend from the producer's side: `publish` resolves only once the
 * messages are durable — for Kafka when the broker has them, for the
 * in-process bus (which has no disk) when a consumer's handler has finished
 * with them (e.g. the store committed). That is what lets the HTTP source
 * answer 2xx only for data that survives `kill -9`.
 */

export interface BusMessage<T = unknown> {
  /** Partitioning key: messages with one key are delivered in publish order (we key by org id). */
  readonly key: string;
  readonly value: T;
}

/**
 * A consumer handler gets a batch; resolving acknowledges the whole batch,
 * throwing hands the batch back for redelivery (after a backoff).
 */
export type BatchHandler<T = unknown> = (batch: readonly BusMessage<T>[]) => Promise<void>;

export interface SubscribeOptions {
  /** Consumers in one group share the topic's messages; each group gets every message. */
  readonly group: string;
  /** Largest batch handed to the handler at once. */
  readonly maxBatch?: number;
}

export interface Subscription {
  /** Stop consuming; in-flight batches finish first. Idempotent. */
  close(): Promise<void>;
}

export interface Bus {
  publish<T>(topic: string, messages: readonly BusMessage<T>[]): Promise<void>;
  subscribe<T>(topic: string, options: SubscribeOptions, handler: BatchHandler<T>): Promise<Subscription>;
  /** Close every subscription and release resources. Idempotent. */
  close(): Promise<void>;
}

/** Topic names used across iisa, in one place. */
export const Topics = {
  events: 'iisa.events',
  deadLetters: 'iisa.dead-letters',
  ruleHits: 'iisa.rule-hits',
  alerts: 'iisa.alerts',
} as const;
