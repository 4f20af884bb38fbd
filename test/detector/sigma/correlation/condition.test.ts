import { expect } from 'chai';
import { boundsHold, effectiveBounds, firesOnArrival } from '../../../../detector/sigma/correlation/index.js';
import { lowerThreshold } from '../../../../detector/sigma/correlation/condition.js';
import { correlation } from './build.js';

describe('correlation condition', () => {
  describe('boundsHold', () => {
    it('applies each operator and ANDs a range', () => {
      const cases: [Record<string, number>, number, boolean][] = [
        [{ gt: 10 }, 10, false], [{ gt: 10 }, 11, true],
        [{ gte: 10 }, 10, true], [{ gte: 10 }, 9, false],
        [{ lt: 10 }, 9, true], [{ lt: 10 }, 10, false],
        [{ lte: 10 }, 10, true], [{ lte: 10 }, 11, false],
        [{ eq: 10 }, 10, true], [{ eq: 10 }, 10.5, false],
        [{ neq: 10 }, 11, true], [{ neq: 10 }, 10, false],
        [{ gt: 100, lte: 200 }, 100, false], [{ gt: 100, lte: 200 }, 150, true], [{ gt: 100, lte: 200 }, 200, true], [{ gt: 100, lte: 200 }, 201, false],
        [{ gt: 500 }, 500.5, true],
      ];
      for (const [condition, value, expected] of cases) {
        const bounds = effectiveBounds(correlation({ type: 'event_count', rules: ['x'], condition }));
        expect(boundsHold(bounds, value), `${JSON.stringify(condition)} on ${value}`).to.equal(expected);
      }
    });

    it('never holds for NaN (an average of nothing)', () => {
      expect(boundsHold(effectiveBounds(correlation({ type: 'value_avg', rules: ['x'], condition: { field: 'f', lt: 1 } })), NaN)).to.equal(false);
    });
  });

  describe('effectiveBounds', () => {
    it('defaults a temporal rule without operator to all referenced rules', () => {
      const bounds = effectiveBounds(correlation({ type: 'temporal_ordered', rules: ['a', 'b', 'c'] }));
      expect(bounds.tests).to.deep.equal([['gte', 3]]);
    });

    it('gives other types without operator no bounds (the graph reports it)', () => {
      expect(effectiveBounds(correlation({ type: 'event_count', rules: ['a'] })).tests).to.deep.equal([]);
    });
  });

  describe('firesOnArrival', () => {
    it('is true only for growing aggregates with lower bounds only', () => {
      const mode = (type: Parameters<typeof correlation>[0]['type'], condition: Record<string, number | string>): boolean => {
        const rule = correlation({ type, rules: ['a'], condition });
        return firesOnArrival(rule, effectiveBounds(rule));
      };
      expect(mode('event_count', { gte: 3 })).to.equal(true);
      expect(mode('value_count', { field: 'f', gt: 3 })).to.equal(true);
      expect(mode('value_sum', { field: 'f', gt: 3 })).to.equal(true);
      expect(mode('temporal', {})).to.equal(true);
      expect(mode('event_count', { gt: 3, lte: 9 })).to.equal(false);
      expect(mode('event_count', { eq: 3 })).to.equal(false);
      expect(mode('value_avg', { field: 'f', gt: 3 })).to.equal(false);
      expect(mode('value_percentile', { field: 'f', gt: 3 })).to.equal(false);
    });
  });

  describe('lowerThreshold', () => {
    it('is the least integer satisfying the lower bounds', () => {
      const of = (condition: Record<string, number>): number => lowerThreshold(effectiveBounds(correlation({ type: 'event_count', rules: ['a'], condition })));
      expect(of({ gte: 100 })).to.equal(100);
      expect(of({ gt: 100 })).to.equal(101);
      expect(of({ eq: 7 })).to.equal(7);
      expect(of({ lt: 7 })).to.equal(0);
    });
  });
});
