import { expect } from 'chai';
import { MinHeap } from '../../core/heap.js';
import { Mulberry32 } from '../../core/prng.js';

const ascending = (a: number, b: number): number => a - b;

describe('MinHeap', () => {
  describe('push / pop', () => {
    it('pops the least item first by the compare function', () => {
      const heap = new MinHeap<number>(ascending);
      for (const n of [5, 1, 9, 3, 3, 0, 7, -2]) heap.push(n);
      expect(heap.size).to.equal(8);
      const out: number[] = [];
      for (let n = heap.pop(); n !== undefined; n = heap.pop()) out.push(n);
      expect(out).to.deep.equal([-2, 0, 1, 3, 3, 5, 7, 9]);
      expect(heap.size).to.equal(0);
    });

    it('follows the compare function, not the natural order', () => {
      const heap = new MinHeap<string>((a, b) => b.length - a.length);
      for (const s of ['a', 'ccc', 'bb', 'dddd']) heap.push(s);
      expect([heap.pop(), heap.pop(), heap.pop(), heap.pop()]).to.deep.equal(['dddd', 'ccc', 'bb', 'a']);
    });

    it('returns undefined when empty, and works again after emptying', () => {
      const heap = new MinHeap<number>(ascending);
      expect(heap.pop()).to.equal(undefined);
      heap.push(4);
      expect(heap.pop()).to.equal(4);
      expect(heap.pop()).to.equal(undefined);
      heap.push(2);
      heap.push(1);
      expect(heap.pop()).to.equal(1);
      expect(heap.size).to.equal(1);
    });

    it('keeps equal items in arrival order when the compare breaks ties by an arrival number', () => {
      const heap = new MinHeap<{ time: number; seq: number; id: string }>((a, b) => a.time - b.time || a.seq - b.seq);
      let seq = 0;
      for (const [time, id] of [[5, 'a'], [1, 'b'], [5, 'c'], [3, 'd'], [1, 'e'], [9, 'f'], [0, 'g']] as const) heap.push({ time, seq: seq++, id });
      const out: string[] = [];
      for (let item = heap.pop(); item; item = heap.pop()) out.push(item.id);
      expect(out).to.deep.equal(['g', 'b', 'e', 'd', 'a', 'c', 'f']);
    });

    it('agrees with a sorted list under random interleaved pushes and pops', () => {
      const rng = new Mulberry32(11);
      const heap = new MinHeap<number>(ascending);
      const reference: number[] = [];
      for (let step = 0; step < 5000; step++) {
        if (rng.next() < 0.6) {
          const n = Math.floor(rng.next() * 100);
          heap.push(n);
          reference.push(n);
          reference.sort(ascending);
        } else {
          expect(heap.pop()).to.equal(reference.shift());
        }
        expect(heap.size).to.equal(reference.length);
        expect(heap.peek()).to.equal(reference[0]);
      }
    });
  });

  describe('peek', () => {
    it('shows the least item without removing it', () => {
      const heap = new MinHeap<number>(ascending);
      expect(heap.peek()).to.equal(undefined);
      heap.push(3);
      heap.push(1);
      expect(heap.peek()).to.equal(1);
      expect(heap.size).to.equal(2);
    });
  });
});
