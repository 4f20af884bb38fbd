import { expect } from 'chai';
import { AggregateFactories, numeric, percentileOf, type AggregateContext } from '../../../../detector/sigma/correlation/aggregates.js';
import { detection } from './build.js';

const context = (overrides: Partial<AggregateContext> = {}): AggregateContext => ({
  sliding: true, ruleCount: 3, maxValues: 100, maxSamples: 100, percentile: 50, onCapped: () => undefined, random: Math.random, ...overrides,
});
const rule = detection('r');
const input = (timeMs: number, ruleIndex = 0, values: unknown[] = []): Parameters<ReturnType<typeof AggregateFactories.event_count>['add']>[0] =>
  ({ timeMs, ruleIndex, values, ref: { rule, event: {}, timeMs } });

describe('correlation aggregates', () => {
  describe('percentileOf', () => {
    it('interpolates linearly between closest ranks', () => {
      expect(percentileOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).to.equal(5.5);
      expect(percentileOf([10, 1, 5], 50)).to.equal(5);
      expect(percentileOf([1, 2, 3, 4], 100)).to.equal(4);
      expect(percentileOf([1, 2, 3, 4], 1)).to.be.closeTo(1.03, 1e-9);
      expect(percentileOf([42], 90)).to.equal(42);
      expect(Number.isNaN(percentileOf([], 50))).to.equal(true);
    });
  });

  describe('numeric', () => {
    it('takes numbers and numeric text, nothing else', () => {
      expect([5, '5', ' 2.5 ', '', 'x', true, null, Infinity, [1]].map(numeric)).to.deep.equal([5, 5, 2.5, undefined, undefined, undefined, undefined, undefined, undefined]);
    });
  });

  describe('event_count (sliding)', () => {
    it('forgets times before the window start and keeps order for ties and late inserts', () => {
      const agg = AggregateFactories.event_count(context());
      for (const t of [10, 20, 20, 15, 30]) agg.add(input(t));
      expect(agg.value()).to.equal(5);
      expect(agg.earliest()).to.equal(10);
      agg.expire(16);
      expect(agg.value()).to.equal(3);
      expect(agg.earliest()).to.equal(20);
      agg.expire(31);
      expect(agg.empty()).to.equal(true);
    });
  });

  describe('event_count (sliding) at maxSamples', () => {
    it('keeps the count exact and lets merged hits expire a little late', () => {
      let capped = 0;
      const agg = AggregateFactories.event_count(context({ maxSamples: 2, onCapped: () => capped++ }));
      for (const t of [0, 10, 20, 30]) agg.add(input(t));
      expect(agg.value()).to.equal(4);
      expect(capped).to.equal(1);
      // Hits at 0 and 10 were folded into 20: they leave together with it.
      agg.expire(5);
      expect(agg.value()).to.equal(4);
      agg.expire(21);
      expect(agg.value()).to.equal(1);
    });
  });

  describe('value_count (sliding)', () => {
    it('keeps each value until its last sighting leaves the window', () => {
      const agg = AggregateFactories.value_count(context());
      agg.add(input(0, 0, ['a']));
      agg.add(input(5, 0, ['b']));
      agg.add(input(10, 0, ['a']));
      agg.expire(6);
      expect(agg.value()).to.equal(1);
      agg.expire(11);
      expect(agg.value()).to.equal(0);
    });
  });

  describe('value_sum (sliding)', () => {
    it('subtracts what leaves the window, and merges the oldest entries beyond maxSamples', () => {
      let capped = 0;
      const agg = AggregateFactories.value_sum(context({ maxSamples: 2, onCapped: () => capped++ }));
      agg.add(input(0, 0, [1]));
      agg.add(input(1, 0, [10]));
      agg.add(input(2, 0, [100]));
      expect(agg.value()).to.equal(111);
      expect(capped).to.equal(1);
      agg.expire(2);
      expect(agg.value()).to.equal(100);
    });
  });

  describe('temporal_ordered', () => {
    it('counts the longest in-order prefix and keeps the chain with the latest start', () => {
      const agg = AggregateFactories.temporal_ordered(context());
      agg.add(input(0, 1));
      expect(agg.value()).to.equal(0);
      agg.add(input(1, 0));
      agg.add(input(2, 0));
      agg.add(input(3, 1));
      expect(agg.value()).to.equal(2);
      expect(agg.earliest()).to.equal(2);
      expect(agg.representatives()!.map((r) => r.timeMs)).to.deep.equal([2, 3]);
      agg.expire(3);
      expect(agg.value()).to.equal(0);
    });
  });
});
