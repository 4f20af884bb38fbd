import { expect } from 'chai';
import { RefRing } from '../../../../detector/sigma/correlation/ref-ring.js';
import { detection } from './build.js';

const rule = detection('r');
const ref = (timeMs: number): { rule: typeof rule; event: object; timeMs: number } => ({ rule, event: {}, timeMs });

describe('RefRing', () => {
  describe('since', () => {
    it('keeps the most recent refs up to capacity, oldest first, from a time', () => {
      const ring = new RefRing(3);
      for (const t of [1, 2, 3, 4, 5]) ring.push(ref(t));
      expect(ring.length).to.equal(3);
      expect(ring.since(0).map((r) => r.timeMs)).to.deep.equal([3, 4, 5]);
      expect(ring.since(4).map((r) => r.timeMs)).to.deep.equal([4, 5]);
      ring.clear();
      expect(ring.since(0)).to.deep.equal([]);
    });

    it('holds nothing with capacity 0', () => {
      const ring = new RefRing(0);
      ring.push(ref(1));
      expect(ring.since(0)).to.deep.equal([]);
    });
  });
});
