import { expect } from 'chai';
import type { BusMessage } from '../../../core/bus/bus.js';
import { BusClosedError, InMemoryBus } from '../../../core/bus/memory.js';
import { busConformance } from './conformance.js';

busConformance('InMemoryBus', async () => {
  const bus = new InMemoryBus({ retryDelayMs: 5 });
  return { bus, cleanup: () => bus.close() };
});

/** A promise the test resolves by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves once `condition` holds, checking after each turn of the event loop; bounded. */
async function settle(condition: () => boolean, what: string, maxTurns = 10_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`${what} did not happen within ${maxTurns} turns`);
}

function numbered(count: number, key = 'org-a'): BusMessage<number>[] {
  return Array.from({ length: count }, (_, i) => ({ key, value: i }));
}

/** Tracks whether a promise has settled, without awaiting it. */
function track(promise: Promise<void>): { readonly done: boolean; readonly error: unknown } {
  const state = { done: false, error: undefined as unknown };
  promise.then(
    () => {
      state.done = true;
    },
    (error: unknown) => {
      state.done = true;
      state.error = error;
    },
  );
  return state;
}

describe('InMemoryBus', () => {
  let bus: InMemoryBus;

  afterEach(async () => {
    await bus.close();
  });

  describe('constructor', () => {
    it('rejects a capacity that is not a positive integer and a negative retry delay', () => {
      bus = new InMemoryBus();
      expect(() => new InMemoryBus({ capacity: 0 })).to.throw(RangeError);
      expect(() => new InMemoryBus({ capacity: 1.5 })).to.throw(RangeError);
      expect(() => new InMemoryBus({ retryDelayMs: -1 })).to.throw(RangeError);
    });
  });

  describe('publish', () => {
    it('resolves only after the handler has finished with the messages', async () => {
      bus = new InMemoryBus();
      const release = gate();
      let handled = false;
      await bus.subscribe('t', { group: 'g' }, async () => {
        await release.promise;
        handled = true;
      });
      const publish = track(bus.publish('t', numbered(3)));
      await settle(() => bus.buffered('t', 'g') === 3, 'queueing');
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(publish.done).to.equal(false);
      release.open();
      await settle(() => publish.done, 'publish to resolve');
      expect(handled).to.equal(true);
      expect(publish.error).to.equal(undefined);
      expect(bus.buffered('t', 'g')).to.equal(0);
    });

    it('resolves only after every group has handled the messages', async () => {
      bus = new InMemoryBus();
      const release = gate();
      await bus.subscribe('t', { group: 'fast' }, async () => undefined);
      await bus.subscribe('t', { group: 'slow' }, async () => {
        await release.promise;
      });
      const publish = track(bus.publish('t', numbered(4)));
      await settle(() => bus.buffered('t', 'fast') === 0 && bus.buffered('t', 'slow') === 4, 'the fast group to finish');
      expect(publish.done).to.equal(false);
      release.open();
      await settle(() => publish.done, 'publish to resolve');
    });

    it('waits while a group is at capacity, holding no more than capacity', async () => {
      bus = new InMemoryBus({ capacity: 10 });
      const release = gate();
      const received: number[] = [];
      let calls = 0;
      await bus.subscribe<number>('t', { group: 'g', maxBatch: 4 }, async (batch) => {
        calls++;
        await release.promise;
        received.push(...batch.map((m) => m.value));
      });
      const publish = track(bus.publish('t', numbered(100)));
      await settle(() => calls === 1 && bus.buffered('t', 'g') === 10, 'the buffer to fill');
      for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      expect(publish.done).to.equal(false);
      expect(bus.buffered('t', 'g')).to.equal(10);
      expect(calls).to.equal(1);
      release.open();
      await settle(() => publish.done, 'publish to resolve');
      expect(publish.error).to.equal(undefined);
      expect(received).to.deep.equal(numbered(100).map((m) => m.value));
    });

    it('holds messages for a topic nobody subscribed to yet, up to capacity, for the first group', async () => {
      bus = new InMemoryBus({ capacity: 10 });
      const publish = track(bus.publish('t', numbered(25)));
      await settle(() => bus.buffered('t') === 10, 'the holding queue to fill');
      expect(publish.done).to.equal(false);
      const first: number[] = [];
      const second: number[] = [];
      await bus.subscribe<number>('t', { group: 'first' }, async (batch) => {
        first.push(...batch.map((m) => m.value));
      });
      await bus.subscribe<number>('t', { group: 'late' }, async (batch) => {
        second.push(...batch.map((m) => m.value));
      });
      await settle(() => publish.done, 'publish to resolve');
      expect(publish.error).to.equal(undefined);
      expect(first).to.deep.equal(numbered(25).map((m) => m.value));
      // A group that joins later gets what is published from then on (as a Kafka group starting at the end would).
      expect(second.length).to.be.at.most(15);
    });

    it('queues publishes to one topic in call order', async () => {
      bus = new InMemoryBus({ capacity: 3 });
      const received: number[] = [];
      await bus.subscribe<number>('t', { group: 'g', maxBatch: 2 }, async (batch) => {
        received.push(...batch.map((m) => m.value));
      });
      await Promise.all([
        bus.publish('t', [0, 1, 2, 3, 4].map((value) => ({ key: 'k', value }))),
        bus.publish('t', [5, 6, 7].map((value) => ({ key: 'k', value }))),
        bus.publish('t', [8, 9].map((value) => ({ key: 'k', value }))),
      ]);
      expect(received).to.deep.equal(range(10));
    });

    it('moves a large volume through a small buffer in order', async () => {
      bus = new InMemoryBus({ capacity: 1000 });
      const count = 200_000;
      let next = 0;
      let outOfOrder = 0;
      await bus.subscribe<number>('t', { group: 'g', maxBatch: 500 }, async (batch) => {
        for (const message of batch) {
          if (message.value !== next) outOfOrder++;
          next++;
        }
      });
      await bus.publish('t', numbered(count));
      expect(next).to.equal(count);
      expect(outOfOrder).to.equal(0);
    });

    it('rejects a message without a string key', async () => {
      bus = new InMemoryBus();
      let error: unknown;
      try {
        await bus.publish('t', [{ key: 7 as unknown as string, value: 1 }]);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(TypeError);
    });
  });

  describe('subscribe', () => {
    it('hands batches of at most maxBatch', async () => {
      bus = new InMemoryBus();
      const sizes: number[] = [];
      await bus.subscribe('t', { group: 'g', maxBatch: 3 }, async (batch) => {
        sizes.push(batch.length);
      });
      await bus.publish('t', numbered(10));
      expect(Math.max(...sizes)).to.be.at.most(3);
      expect(sizes.reduce((a, b) => a + b, 0)).to.equal(10);
    });

    it('retries a handler that throws synchronously, and reports each failure', async () => {
      const failures: unknown[] = [];
      bus = new InMemoryBus({ retryDelayMs: 1, onHandlerError: (error, where) => failures.push({ error, where }) });
      let attempts = 0;
      await bus.subscribe('t', { group: 'g' }, ((() => {
        attempts++;
        if (attempts < 3) throw new Error(`attempt ${attempts}`);
        return Promise.resolve();
      }) as () => Promise<void>));
      await bus.publish('t', numbered(2));
      expect(attempts).to.equal(3);
      expect(failures).to.have.length(2);
      expect(failures[0]).to.have.deep.property('where', { topic: 't', group: 'g' });
    });

    it('keeps a group and its messages while it has no consumer', async () => {
      bus = new InMemoryBus();
      const first = await bus.subscribe('t', { group: 'g' }, async () => undefined);
      await first.close();
      const publish = track(bus.publish('t', numbered(5)));
      await settle(() => bus.buffered('t', 'g') === 5, 'queueing');
      expect(publish.done).to.equal(false);
      const received: number[] = [];
      await bus.subscribe<number>('t', { group: 'g' }, async (batch) => {
        received.push(...batch.map((m) => m.value));
      });
      await settle(() => publish.done, 'publish to resolve');
      expect(received).to.deep.equal(range(5));
    });
  });

  describe('close', () => {
    it('rejects publishes not yet handled with a BusClosedError, and later calls too', async () => {
      bus = new InMemoryBus({ capacity: 5 });
      const release = gate();
      await bus.subscribe('t', { group: 'g' }, async () => {
        await release.promise;
      });
      const waiting = track(bus.publish('t', numbered(20)));
      const unclaimed = track(bus.publish('nobody-listens', numbered(1)));
      await settle(() => bus.buffered('t', 'g') === 5 && bus.buffered('nobody-listens') === 1, 'queueing');
      const closing = bus.close();
      await settle(() => waiting.done && unclaimed.done, 'pending publishes to fail');
      expect(waiting.error).to.be.instanceOf(BusClosedError).with.property('message').that.matches(/closed/);
      expect(unclaimed.error).to.be.instanceOf(BusClosedError);
      release.open();
      await closing;
      const later = [bus.publish('t', numbered(1)), bus.subscribe('t', { group: 'g' }, async () => undefined)];
      for (const call of later) {
        let error: unknown;
        try {
          await call;
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(BusClosedError);
      }
    });

    it('waits for batches already with a handler', async () => {
      bus = new InMemoryBus();
      const release = gate();
      let finished = false;
      let started = false;
      await bus.subscribe('t', { group: 'g' }, async () => {
        started = true;
        await release.promise;
        finished = true;
      });
      track(bus.publish('t', numbered(1)));
      await settle(() => started, 'the handler to start');
      const closing = track(bus.close());
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(closing.done).to.equal(false);
      release.open();
      await settle(() => closing.done, 'close to finish');
      expect(finished).to.equal(true);
    });

    it('stops retrying failed batches', async () => {
      bus = new InMemoryBus({ retryDelayMs: 1 });
      let attempts = 0;
      await bus.subscribe('t', { group: 'g' }, async () => {
        attempts++;
        throw new Error('always fails');
      });
      const publish = track(bus.publish('t', numbered(1)));
      await settle(() => attempts >= 2, 'a retry');
      await bus.close();
      const after = attempts;
      await new Promise<void>((resolve) => setTimeout(resolve, 20));
      expect(attempts).to.equal(after);
      await settle(() => publish.done, 'publish to fail');
      expect(publish.error).to.be.instanceOf(BusClosedError);
    });
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
