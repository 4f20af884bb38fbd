/**
 * The in-process Bus: consumer groups, per-key order, at-least-once
 * redelivery and back-pressure, without a broker.
 *
 * Model (a small Kafka): each topic+group has PARTITIONS queues; a message
 * goes to the queue its key hashes to, so one key always lands in one queue.
 * A queue hands out one batch at a time and waits for it to be acknowledged
 * (or, after a failure and `retryDelayMs`, hands out the same batch again),
 * which is what keeps per-key order through retries. Idle consumers of a
 * group take ready queues in turn, so batches are spread round-robin.
 *
 * Durability: there is no disk, so `publish` resolves only once every group
 * the messages were queued for has handled them. A group lives from its
 * first subscriber on, even while it has no consumer (its messages wait, as
 * in a Kafka consumer group); messages published before any group exists
 * wait for, and go to, the first group that subscribes from the earliest.
 *
 * A handler must not await a publish to a topic its own group consumes:
 * that publish waits for the handler, which waits for the publish.
 */
import type { BatchHandler, Bus, BusMessage, SubscribeOptions, Subscription } from './bus.js';

export interface InMemoryBusOptions {
  /** Most messages held per topic+group (queued, in flight or awaiting retry); `publish` waits beyond it. Default 10000. */
  readonly capacity?: number;
  /** Wait before a failed batch is handed out again. Default 500. */
  readonly retryDelayMs?: number;
  /** Told of every handler failure (the batch is retried regardless), e.g. to log it. */
  readonly onHandlerError?: (error: unknown, where: { topic: string; group: string }) => void;
}

/** Rejection of publishes the bus could not confirm, and of calls after close. */
export class BusClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BusClosedError';
  }
}

const DEFAULT_CAPACITY = 10_000;
const DEFAULT_RETRY_DELAY_MS = 500;
const DEFAULT_MAX_BATCH = 500;
/** Queues per topic+group: the most batches of one group in flight at once. */
const PARTITIONS = 16;
const CHUNK = 1024;

/**
 * FIFO in fixed-size chunks: push and take are O(1) per item and memory is
 * released as chunks drain, unlike Array.shift on a long array.
 */
class ChunkedQueue<T> {
  private chunks: T[][] = [];
  private head = 0;
  length = 0;

  push(item: T): void {
    let last = this.chunks[this.chunks.length - 1];
    if (last === undefined || last.length === CHUNK) {
      last = [];
      this.chunks.push(last);
    }
    last.push(item);
    this.length++;
  }

  /** Remove and return up to `n` items from the front. */
  take(n: number): T[] {
    const out: T[] = [];
    while (out.length < n && this.length > 0) {
      const first = this.chunks[0];
      const count = Math.min(n - out.length, first.length - this.head);
      for (let i = 0; i < count; i++) out.push(first[this.head + i]);
      this.head += count;
      this.length -= count;
      if (this.head === first.length) {
        // Only the last chunk can be partly filled; once drained, start over.
        if (this.chunks.length > 1) this.chunks.shift();
        else this.chunks = [];
        this.head = 0;
      }
    }
    return out;
  }
}

/** One publish call: resolves once every queued copy of its messages is acknowledged. */
class Ticket {
  outstanding = 0;
  private sealed = false;
  settled = false;
  readonly promise: Promise<void>;
  private resolve!: () => void;
  private reject!: (error: Error) => void;

  constructor(private readonly live: Set<Ticket>) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // The caller awaits it; this only stops an early failure counting as unhandled.
    this.promise.catch(() => undefined);
    live.add(this);
  }

  ack(n: number): void {
    this.outstanding -= n;
    this.settleIfDone();
  }

  /** Every message has been queued; from now on outstanding reaching 0 means done. */
  seal(): void {
    this.sealed = true;
    this.settleIfDone();
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.live.delete(this);
    this.reject(error);
  }

  private settleIfDone(): void {
    if (this.settled || !this.sealed || this.outstanding !== 0) return;
    this.settled = true;
    this.live.delete(this);
    this.resolve();
  }
}

interface Entry {
  readonly message: BusMessage<unknown>;
  readonly ticket: Ticket;
}

interface Partition {
  readonly queue: ChunkedQueue<Entry>;
  /** A batch of this partition is with a handler. */
  busy: boolean;
  /** The failed batch to hand out again before anything newer. */
  retry: Entry[] | null;
  retryTimer: NodeJS.Timeout | null;
}

interface Consumer {
  readonly handler: BatchHandler<unknown>;
  readonly maxBatch: number;
  busy: boolean;
  closed: boolean;
  inFlight: Promise<void> | null;
}

interface Group {
  /** Null while it is the holding queue of a topic nobody has subscribed to yet. */
  name: string | null;
  readonly topic: Topic;
  readonly partitions: Partition[];
  /** Messages held: queued, in flight or awaiting retry. */
  buffered: number;
  readonly consumers: Consumer[];
  nextPartition: number;
  nextConsumer: number;
}

interface Topic {
  readonly name: string;
  readonly groups: Map<string, Group>;
  /**
   * Where messages published while no group exists wait, until a group
   * starting from the earliest subscribes and adopts them (a group starting
   * at the latest leaves them waiting). Once any group exists, messages go
   * to the groups there are, as to a second group.
   */
  unclaimed: Group;
  /** Whether a group adopted `unclaimed` (from then on it holds nothing). */
  claimed: boolean;
  /** Publishes queue their messages one after another, in call order. */
  tail: Promise<void>;
  /** The publish at the head of `tail`, waiting for room. */
  spaceWaiter: { resolve: () => void; reject: (error: Error) => void } | null;
}

/** The embedded implementation of the Bus contract. */
export class InMemoryBus implements Bus {
  private readonly capacity: number;
  private readonly retryDelayMs: number;
  private readonly onHandlerError: InMemoryBusOptions['onHandlerError'];
  private readonly topics = new Map<string, Topic>();
  private readonly tickets = new Set<Ticket>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: InMemoryBusOptions = {}) {
    const { capacity = DEFAULT_CAPACITY, retryDelayMs = DEFAULT_RETRY_DELAY_MS } = options;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!Number.isFinite(retryDelayMs) || retryDelayMs < 0) throw new RangeError(`retryDelayMs must be a non-negative number, got ${retryDelayMs}`);
    this.capacity = capacity;
    this.retryDelayMs = retryDelayMs;
    this.onHandlerError = options.onHandlerError;
  }

  /**
   * Queue `messages` for every group of `topic` (or for its first group to
   * come) and resolve once all of them have handled them. Waits while a
   * group is at capacity. Rejects with BusClosedError if the bus closes first.
   */
  async publish<T>(topic: string, messages: readonly BusMessage<T>[]): Promise<void> {
    this.assertOpen('publish');
    for (const message of messages) {
      if (typeof message?.key !== 'string') throw new TypeError(`publish to ${topic}: every message needs a string key`);
    }
    if (messages.length === 0) return;
    const state = this.topic(topic);
    const ticket = new Ticket(this.tickets);
    const queued = state.tail.then(() => this.enqueue(state, messages, ticket));
    state.tail = queued.catch(() => undefined);
    await queued;
    await ticket.promise;
  }

  async subscribe<T>(topic: string, options: SubscribeOptions<T>, handler: BatchHandler<T>): Promise<Subscription> {
    this.assertOpen('subscribe');
    const { group: name, maxBatch = DEFAULT_MAX_BATCH, startAt } = options;
    if (typeof name !== 'string' || name === '') throw new TypeError(`subscribe to ${topic}: group must be a non-empty string`);
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`subscribe to ${topic}: maxBatch must be a positive integer, got ${maxBatch}`);
    const state = this.topic(topic);
    let group = state.groups.get(name);
    if (group === undefined) {
      if (!state.claimed && startAt !== 'latest') {
        // The first group from the earliest takes what was published before it listened.
        group = state.unclaimed;
        group.name = name;
        state.unclaimed = newGroup(state);
        state.claimed = true;
      } else {
        group = newGroup(state, name);
      }
      state.groups.set(name, group);
    }
    const consumer: Consumer = {
      // Values on a topic are not checked at run time: the subscriber states their type.
      handler: handler as BatchHandler<unknown>,
      maxBatch,
      busy: false,
      closed: false,
      inFlight: null,
    };
    group.consumers.push(consumer);
    this.dispatch(group);
    const owner = group;
    return {
      close: async () => {
        if (!consumer.closed) {
          consumer.closed = true;
          const index = owner.consumers.indexOf(consumer);
          if (index !== -1) owner.consumers.splice(index, 1);
        }
        if (consumer.inFlight !== null) await consumer.inFlight;
      },
    };
  }

  /**
   * Stop delivering, reject every publish not yet confirmed, then wait for
   * batches already with a handler to finish. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Messages held for `group` on `topic` and not yet acknowledged; with no
   * group, those waiting for a topic's first subscriber. For tests and metrics.
   */
  buffered(topic: string, group?: string): number {
    const state = this.topics.get(topic);
    if (state === undefined) return 0;
    if (group === undefined) return state.unclaimed.buffered;
    return state.groups.get(group)?.buffered ?? 0;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    const error = new BusClosedError('bus closed before every subscriber group handled the published messages; they are not confirmed');
    for (const ticket of [...this.tickets]) ticket.fail(error);
    for (const state of this.topics.values()) {
      state.spaceWaiter?.reject(error);
      state.spaceWaiter = null;
      for (const group of [state.unclaimed, ...state.groups.values()]) {
        for (const consumer of group.consumers) consumer.closed = true;
        for (const partition of group.partitions) {
          if (partition.retryTimer !== null) clearTimeout(partition.retryTimer);
          partition.retryTimer = null;
        }
      }
    }
    await Promise.allSettled([...this.inFlight]);
    this.topics.clear();
  }

  private async enqueue(state: Topic, messages: readonly BusMessage<unknown>[], ticket: Ticket): Promise<void> {
    let next = 0;
    while (next < messages.length) {
      this.assertOpen('publish');
      // Only while nobody listens at all do messages wait (for the first group from the earliest).
      const targets = state.groups.size > 0 ? [...state.groups.values()] : [state.unclaimed];
      let room = Infinity;
      for (const group of targets) room = Math.min(room, this.capacity - group.buffered);
      if (room <= 0) {
        await new Promise<void>((resolve, reject) => {
          state.spaceWaiter = { resolve, reject };
        });
        continue;
      }
      const end = Math.min(messages.length, next + room);
      ticket.outstanding += (end - next) * targets.length;
      for (const group of targets) {
        for (let i = next; i < end; i++) {
          const message = messages[i];
          group.partitions[partitionOf(message.key)].queue.push({ message, ticket });
        }
        group.buffered += end - next;
      }
      next = end;
      for (const group of targets) this.dispatch(group);
    }
    ticket.seal();
  }

  /** Hand ready partitions' batches to idle consumers until one of the two runs out. */
  private dispatch(group: Group): void {
    while (!this.closed) {
      const consumer = nextIdleConsumer(group);
      if (consumer === undefined) return;
      const partition = nextReadyPartition(group);
      if (partition === undefined) return;
      const batch = partition.retry ?? partition.queue.take(consumer.maxBatch);
      partition.retry = null;
      partition.busy = true;
      consumer.busy = true;
      this.run(group, consumer, partition, batch);
    }
  }

  private run(group: Group, consumer: Consumer, partition: Partition, batch: Entry[]): void {
    const messages = batch.map((entry) => entry.message);
    // A turn later, so a handler that throws synchronously is a failure too, and dispatch never re-enters.
    const done = Promise.resolve()
      .then(() => consumer.handler(messages))
      .then(
        () => {
          partition.busy = false;
          consumer.busy = false;
          group.buffered -= batch.length;
          for (const entry of batch) entry.ticket.ack(1);
          const waiter = group.topic.spaceWaiter;
          if (waiter !== null) {
            group.topic.spaceWaiter = null;
            waiter.resolve();
          }
        },
        (error: unknown) => {
          partition.busy = false;
          consumer.busy = false;
          if (this.closed) return;
          partition.retry = batch;
          partition.retryTimer = setTimeout(() => {
            partition.retryTimer = null;
            this.dispatch(group);
          }, this.retryDelayMs);
          try {
            this.onHandlerError?.(error, { topic: group.topic.name, group: group.name ?? '' });
          } catch {
            // A failing error reporter must not stall delivery; the retry is already scheduled.
          }
        },
      )
      .finally(() => {
        this.inFlight.delete(done);
        if (consumer.inFlight === done) consumer.inFlight = null;
        this.dispatch(group);
      });
    consumer.inFlight = done;
    this.inFlight.add(done);
  }

  private topic(name: string): Topic {
    let state = this.topics.get(name);
    if (state === undefined) {
      const created: Topic = { name, groups: new Map(), unclaimed: undefined as unknown as Group, claimed: false, tail: Promise.resolve(), spaceWaiter: null };
      created.unclaimed = newGroup(created);
      this.topics.set(name, created);
      state = created;
    }
    return state;
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new BusClosedError(`cannot ${operation}: the bus is closed`);
  }
}

function newGroup(topic: Topic, name: string | null = null): Group {
  const partitions: Partition[] = [];
  for (let i = 0; i < PARTITIONS; i++) partitions.push({ queue: new ChunkedQueue<Entry>(), busy: false, retry: null, retryTimer: null });
  return { name, topic, partitions, buffered: 0, consumers: [], nextPartition: 0, nextConsumer: 0 };
}

function nextIdleConsumer(group: Group): Consumer | undefined {
  const n = group.consumers.length;
  for (let k = 0; k < n; k++) {
    const index = (group.nextConsumer + k) % n;
    const consumer = group.consumers[index];
    if (!consumer.busy && !consumer.closed) {
      group.nextConsumer = (index + 1) % n;
      return consumer;
    }
  }
  return undefined;
}

function nextReadyPartition(group: Group): Partition | undefined {
  for (let k = 0; k < PARTITIONS; k++) {
    const index = (group.nextPartition + k) % PARTITIONS;
    const partition = group.partitions[index];
    if (!partition.busy && partition.retryTimer === null && (partition.retry !== null || partition.queue.length > 0)) {
      group.nextPartition = (index + 1) % PARTITIONS;
      return partition;
    }
  }
  return undefined;
}

/** FNV-1a of the key: stable, cheap, and spreads org ids well enough over few partitions. */
function partitionOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PARTITIONS;
}
