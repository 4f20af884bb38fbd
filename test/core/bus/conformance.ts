/**
 * The Bus conformance suite: what core/bus/bus.ts promises, checked against
 * any implementation. Each backend's test file calls `busConformance(name, open)`.
 *
 * Tests use fresh topic and group names, so a backend may share one broker
 * across tests. Waits are driven by the handlers and bounded by a timeout;
 * no assertion depends on how long something took.
 */
import { expect } from 'chai';
import type { Bus, BusMessage, Subscription } from '../../../core/bus/bus.js';
import { uuidv7 } from '../../../core/ids.js';

export type OpenBus = () => Promise<{ bus: Bus; cleanup(): Promise<void> }>;

/** Message value used throughout: which key and its position in that key's sequence. */
export interface Seq {
  readonly key: string;
  readonly seq: number;
}

const WAIT_MS = 15_000;

/** Names Kafka accepts too, unique per call. */
export function unique(prefix: string): string {
  return `${prefix}-${uuidv7()}`;
}

/** `count` messages spread over `keys` keys, numbered per key in publish order. */
export function sequence(count: number, keys: readonly string[], start: Map<string, number> = new Map()): BusMessage<Seq>[] {
  const messages: BusMessage<Seq>[] = [];
  for (let i = 0; i < count; i++) {
    const key = keys[i % keys.length];
    const seq = start.get(key) ?? 0;
    start.set(key, seq + 1);
    messages.push({ key, value: { key, seq } });
  }
  return messages;
}

export function label(value: Seq): string {
  return `${value.key}#${value.seq}`;
}

/** Each key's values in the order first seen (duplicates from redelivery dropped). */
export function firstSeenByKey(values: readonly Seq[]): Map<string, number[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, number[]>();
  for (const value of values) {
    if (seen.has(label(value))) continue;
    seen.add(label(value));
    const list = byKey.get(value.key) ?? [];
    list.push(value.seq);
    byKey.set(value.key, list);
  }
  return byKey;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Lets a test wait, with a bound, for a condition that handlers make true. */
class Progress {
  private waiters: { condition: () => boolean; resolve: () => void }[] = [];

  /** Call after changing anything a condition reads. */
  notify(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.condition()) return true;
      waiter.resolve();
      return false;
    });
  }

  until(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`gave up after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ condition, resolve: done });
    });
  }
}

/** A promise the test resolves by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A few turns of the event loop, for a backend to do what it does right after a call. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function busConformance(name: string, open: OpenBus): void {
  describe(`Bus conformance: ${name}`, () => {
    let bus: Bus;
    let cleanup: () => Promise<void>;
    let topic: string;
    let progress: Progress;

    beforeEach(async () => {
      ({ bus, cleanup } = await open());
      topic = unique('conformance');
      progress = new Progress();
    });

    afterEach(async () => {
      await cleanup();
    });

    /** Subscribe a handler that records every value it acknowledges. */
    async function recorder(group: string, received: Seq[], maxBatch?: number): Promise<Subscription> {
      return bus.subscribe<Seq>(topic, { group, maxBatch }, async (batch) => {
        for (const message of batch) received.push(message.value);
        progress.notify();
      });
    }

    describe('publish / subscribe', () => {
      it('delivers every message', async () => {
        const received: Seq[] = [];
        await recorder(unique('g'), received);
        const messages = sequence(500, ['org-a', 'org-b', 'org-c', 'org-d', 'org-e', 'org-f', 'org-g']);
        await bus.publish(topic, messages.slice(0, 100));
        await bus.publish(topic, messages.slice(100, 101));
        await bus.publish(topic, messages.slice(101));
        await progress.until(() => new Set(received.map(label)).size === 500, '500 distinct messages');
        expect(new Set(received.map(label))).to.deep.equal(new Set(messages.map((m) => label(m.value))));
      });

      it('treats one group name on several topics as one group per topic (the store writer reads three topics as one group)', async () => {
        const group = unique('g');
        const topics = [topic, unique('conformance'), unique('conformance')];
        const received = topics.map((): Seq[] => []);
        for (const [i, t] of topics.entries()) {
          await bus.subscribe<Seq>(t, { group }, async (batch) => {
            for (const message of batch) received[i].push(message.value);
            progress.notify();
          });
        }
        const messages = sequence(60, ['org-a', 'org-b', 'org-c', 'org-d', 'org-e', 'org-f']);
        for (const t of topics) await bus.publish(t, messages);
        await progress.until(() => received.every((r) => new Set(r.map(label)).size === 60), '60 distinct messages on each topic');
        for (const r of received) expect(new Set(r.map(label))).to.deep.equal(new Set(messages.map((m) => label(m.value))));
      });

      it('resolves a publish of no messages', async () => {
        await bus.publish(topic, []);
      });

      it('keeps publish order within each key', async () => {
        const received: Seq[] = [];
        await recorder(unique('g'), received, 7);
        const keys = ['org-a', 'org-b', 'org-c', 'org-d', 'org-e'];
        const counters = new Map<string, number>();
        for (let round = 0; round < 4; round++) await bus.publish(topic, sequence(75, keys, counters));
        await progress.until(() => new Set(received.map(label)).size === 300, '300 distinct messages');
        const byKey = firstSeenByKey(received);
        for (const key of keys) expect(byKey.get(key), key).to.deep.equal(range(60));
      });

      it('delivers a failed batch again, before later messages of its key, losing nothing', async () => {
        const acknowledged: Seq[] = [];
        let attemptsAt10 = 0;
        await bus.subscribe<Seq>(topic, { group: unique('g'), maxBatch: 5 }, async (batch) => {
          if (batch.some((m) => m.value.seq === 10) && ++attemptsAt10 === 1) {
            progress.notify();
            throw new Error('handler failed (deliberately, by the test)');
          }
          for (const message of batch) acknowledged.push(message.value);
          progress.notify();
        });
        const messages = sequence(30, ['org-a']);
        await bus.publish(topic, messages);
        await progress.until(() => new Set(acknowledged.map(label)).size === 30, 'all 30 messages acknowledged');
        expect(attemptsAt10).to.be.at.least(2);
        expect(firstSeenByKey(acknowledged).get('org-a')).to.deep.equal(range(30));
      });

      it('delivers messages published before anyone subscribed', async () => {
        const messages = sequence(50, ['org-a', 'org-b']);
        const published = bus.publish(topic, messages);
        published.catch(() => undefined); // awaited below; an in-process bus confirms only once handled
        await Promise.race([published, turns()]);
        const received: Seq[] = [];
        await recorder(unique('g'), received);
        await published;
        await progress.until(() => new Set(received.map(label)).size === 50, '50 distinct messages');
        const byKey = firstSeenByKey(received);
        expect(byKey.get('org-a')).to.deep.equal(range(25));
        expect(byKey.get('org-b')).to.deep.equal(range(25));
      });

      it('starts a group at the latest message when asked: it gets what comes after it joined, the earlier wait for a group from the earliest', async () => {
        const before = sequence(20, ['org-a']);
        const published = bus.publish(topic, before);
        published.catch(() => undefined);
        // A broker confirms them at once (so they are behind the live group's start); an in-process bus only once a group has them.
        await Promise.race([published, new Promise((resolve) => setTimeout(resolve, 1000))]);
        const live: Seq[] = [];
        await bus.subscribe<Seq>(topic, { group: unique('live'), startAt: 'latest' }, async (batch) => {
          for (const message of batch) live.push(message.value);
          progress.notify();
        });
        const after = sequence(10, ['org-b']);
        await bus.publish(topic, after);
        await progress.until(() => live.length >= 10, 'the 10 published after the live group joined');
        expect(live.map(label).sort()).to.deep.equal(after.map((m) => label(m.value)).sort());
        expect(live.filter((v) => v.key === 'org-a'), 'none of those published before it joined').to.deep.equal([]);
        const earliest: Seq[] = [];
        await recorder(unique('g'), earliest);
        await published;
        await progress.until(() => (firstSeenByKey(earliest).get('org-a') ?? []).length >= 20, 'the 20 published before anyone subscribed');
        expect(firstSeenByKey(earliest).get('org-a')).to.deep.equal(range(20));
      });

      it('hands a blocked consumer no more than one batch at a time, then delivers the rest', async () => {
        const release = gate();
        const received: Seq[] = [];
        let inFlight = 0;
        let maxInFlight = 0;
        let calls = 0;
        await bus.subscribe<Seq>(topic, { group: unique('g'), maxBatch: 5 }, async (batch) => {
          calls++;
          inFlight += batch.length;
          maxInFlight = Math.max(maxInFlight, inFlight);
          progress.notify();
          await release.promise;
          for (const message of batch) received.push(message.value);
          inFlight -= batch.length;
          progress.notify();
        });
        const published = bus.publish(topic, sequence(100, ['org-a', 'org-b', 'org-c']));
        published.catch(() => undefined); // awaited below
        await progress.until(() => calls >= 1, 'the first batch');
        await turns();
        expect(maxInFlight).to.be.at.most(5);
        release.open();
        await published;
        await progress.until(() => new Set(received.map(label)).size === 100, '100 distinct messages');
        expect(maxInFlight).to.be.at.most(5);
      });
    });

    describe('consumer groups', () => {
      it('gives every group every message', async () => {
        const first: Seq[] = [];
        const second: Seq[] = [];
        await recorder(unique('g1'), first);
        await recorder(unique('g2'), second);
        const messages = sequence(120, ['org-a', 'org-b', 'org-c']);
        await bus.publish(topic, messages);
        await progress.until(() => new Set(first.map(label)).size === 120 && new Set(second.map(label)).size === 120, 'both groups to get 120');
        const expected = new Set(messages.map((m) => label(m.value)));
        expect(new Set(first.map(label))).to.deep.equal(expected);
        expect(new Set(second.map(label))).to.deep.equal(expected);
      });

      it('shares one group between its consumers, who together see everything', async () => {
        const group = unique('g');
        const a: Seq[] = [];
        const b: Seq[] = [];
        await recorder(group, a, 10);
        await recorder(group, b, 10);
        const keys = range(32).map((i) => `org-${i}`);
        const counters = new Map<string, number>();
        const published: string[] = [];
        // A broker may still be assigning work to the second consumer: publish
        // rounds until both have had some, within a bound.
        for (let round = 0; round < 50 && (a.length === 0 || b.length === 0); round++) {
          const messages = sequence(64, keys, counters);
          published.push(...messages.map((m) => label(m.value)));
          await bus.publish(topic, messages);
          await progress.until(() => new Set([...a, ...b].map(label)).size >= published.length, `round ${round} to be consumed`).catch(() => undefined);
        }
        await progress.until(() => new Set([...a, ...b].map(label)).size === published.length, 'every message');
        expect(a.length, 'first consumer got some').to.be.greaterThan(0);
        expect(b.length, 'second consumer got some').to.be.greaterThan(0);
        expect(new Set([...a, ...b].map(label))).to.deep.equal(new Set(published));
      });

      it('gives a closed consumer nothing more; the rest of its group gets everything', async () => {
        const group = unique('g');
        const leaving: Seq[] = [];
        const staying: Seq[] = [];
        const subscription = await recorder(group, leaving);
        await recorder(group, staying);
        await subscription.close();
        const messages = sequence(60, ['org-a', 'org-b', 'org-c', 'org-d']);
        await bus.publish(topic, messages);
        await progress.until(() => new Set(staying.map(label)).size === 60, 'the remaining consumer to get 60');
        expect(leaving).to.deep.equal([]);
      });
    });

    describe('Subscription.close', () => {
      it('can be called twice', async () => {
        const subscription = await recorder(unique('g'), []);
        await subscription.close();
        await subscription.close();
      });

      it('lets the batch in flight finish first', async () => {
        const release = gate();
        let started = false;
        let finished = false;
        const subscription = await bus.subscribe<Seq>(topic, { group: unique('g') }, async () => {
          started = true;
          progress.notify();
          await release.promise;
          finished = true;
        });
        const published = bus.publish(topic, sequence(1, ['org-a']));
        published.catch(() => undefined);
        await progress.until(() => started, 'the handler to start');
        const closed = subscription.close();
        release.open();
        await closed;
        expect(finished).to.equal(true);
        await published;
      });
    });

    describe('close', () => {
      it('can be called twice, and concurrently', async () => {
        await recorder(unique('g'), []);
        await Promise.all([bus.close(), bus.close()]);
        await bus.close();
      });
    });
  });
}
