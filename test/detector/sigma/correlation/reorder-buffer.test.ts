import { expect } from 'chai';
import { ReorderBuffer } from '../../../../detector/sigma/correlation/reorder-buffer.js';

describe('ReorderBuffer', () => {
  describe('pop', () => {
    it('returns items by time, ties in arrival order', () => {
      const buffer = new ReorderBuffer<{ timeMs: number; id: string }>();
      const items = [[5, 'a'], [1, 'b'], [5, 'c'], [3, 'd'], [1, 'e'], [9, 'f'], [0, 'g']] as const;
      for (const [timeMs, id] of items) buffer.push({ timeMs, id });
      expect(buffer.size).to.equal(7);
      expect(buffer.peekTime()).to.equal(0);
      const out: string[] = [];
      for (let item = buffer.pop(); item; item = buffer.pop()) out.push(item.id);
      expect(out).to.deep.equal(['g', 'b', 'e', 'd', 'a', 'c', 'f']);
      expect(buffer.peekTime()).to.equal(undefined);
    });

    it('stays ordered under interleaved pushes and pops', () => {
      const buffer = new ReorderBuffer<{ timeMs: number }>();
      let seed = 7;
      const next = (): number => (seed = (seed * 48271) % 2147483647) % 1000;
      const popped: number[] = [];
      for (let round = 0; round < 200; round++) {
        for (let i = 0; i < 5; i++) buffer.push({ timeMs: 1000 * round + next() });
        for (let i = 0; i < 3; i++) popped.push(buffer.pop()!.timeMs);
        // Everything left is at least what was popped last in this round.
        expect(buffer.peekTime()! >= popped[popped.length - 1]!).to.equal(true);
      }
    });
  });
});
