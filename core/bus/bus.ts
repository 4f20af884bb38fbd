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
  /**
   * Set on delivery when a subscriber of this group already handled the
   * message (its handler resolved) and it comes again only because the
   * subscription retains it (see `Retention`): its effects were published
   * then, so it is for rebuilding state, not for acting on again.
   */
  readonly replayed?: boolean;
  /**
   * With `replayed`: which replay it belongs to (one per partition handed
   * over). A subscriber rebuilding state per key starts that key afresh when
   * its replay run changes, so a second replay never adds to the first.
   */
  readonly replayRun?: string;
}

/**
 * A consumer handler gets a batch; resolving acknowledges the whole batch,
 * throwing hands the batch back for redelivery (after a backoff).
 */
export type BatchHandler<T = unknown> = (batch: readonly BusMessage<T>[]) => Promise<void>;

/**
 * For subscribers that keep state built from past messages (correlation
 * windows): a handled message stays "retained" until the subscriber's clock
 * passes its release time. A durable bus acknowledges (commits) past a
 * message only once it and every earlier one are released, so whoever
 * takes the subscription over after a crash or a rebalance gets the
 * retained messages again, marked `replayed`, and can rebuild the state.
 * A bus without durable positions (in-process) ignores it.
 */
export interface Retention<T> {
  /** When (ms, the subscriber's clock) the message is no longer needed to rebuild state. */
  releaseAt(value: T): number;
  /** The subscriber's clock now (ms), e.g. the newest event time it has seen. */
  clock(): number;
}

export interface SubscribeOptions<T = unknown> {
  /** Consumers in one group share the topic's messages; each group gets every message. */
  readonly group: string;
  /** Largest batch handed to the handler at once. */
  readonly maxBatch?: number;
  /** Keep handled messages for state rebuilding after a takeover (see `Retention`). */
  readonly retain?: Retention<T>;
  /**
   * Where a group the bus has never seen starts: at the oldest message kept
   * or at the next one published. Default: the bus's setting (Kafka's
   * `startFrom`). 'latest' is for listeners that care only about what
   * happens from now on (live views). On the in-process bus, which keeps
   * nothing once every group has it, 'latest' leaves what was published
   * before any group existed to the first group from the earliest.
   */
  readonly startAt?: 'earliest' | 'latest';
}

export interface Subscription {
  /** Stop consuming; in-flight batches finish first. Idempotent. */
  close(): Promise<void>;
}

export interface Bus {
  publish<T>(topic: string, messages: readonly BusMessage<T>[]): Promise<void>;
  subscribe<T>(topic: string, options: SubscribeOptions<T>, handler: BatchHandler<T>): Promise<Subscription>;
  /** Close every subscription and release resources. Idempotent. */
  close(): Promise<void>;
}

/** Topic names used across iisa, in one place. */
export const Topics = {
  events: 'iisa.events',
  deadLetters: 'iisa.dead-letters',
  ruleHits: 'iisa.rule-hits',
  alerts: 'iisa.alerts',
  /** Changes for the consoles' live views, from every process of a node that makes them (console/live/live-relay.ts). */
  live: 'iisa.live',
} as const;
