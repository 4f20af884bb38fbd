/**
 * Retry pauses: doubling from baseDelayMs up to maxDelayMs, half of each
 * pause random, and never shorter than the remote's Retry-After.
 */
import { expect } from 'chai';
import { backoffDelayMs, MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelayMs } from '../../../collector/forward/backoff.js';

const policy = { baseDelayMs: 100, maxDelayMs: 1000 };

describe('backoff', () => {
  describe('backoffDelayMs', () => {
    it('doubles from the base and stops at the maximum', () => {
      const ceilings = [0, 1, 2, 3, 4, 10, 1000].map((attempt) => backoffDelayMs(attempt, policy, () => 0.999999));
      expect(ceilings).to.deep.equal([100, 200, 400, 800, 1000, 1000, 1000]);
    });

    it('keeps the jitter within the upper half of the ceiling', () => {
      expect(backoffDelayMs(3, policy, () => 0)).to.equal(400);
      expect(backoffDelayMs(3, policy, () => 0.5)).to.equal(600);
    });
  });

  describe('parseRetryAfter', () => {
    const now = Date.parse('2026-11-25T06:00:00Z');
    it('reads delay-seconds and HTTP dates, and ignores what is neither', () => {
      expect(parseRetryAfter('5', now)).to.equal(5000);
      expect(parseRetryAfter('Wed, 25 Nov 2026 06:00:30 GMT', now)).to.equal(30_000);
      expect(parseRetryAfter('Wed, 25 Nov 2026 05:00:00 GMT', now)).to.equal(0);
      expect(parseRetryAfter('soon', now)).to.equal(undefined);
      expect(parseRetryAfter(undefined, now)).to.equal(undefined);
    });

    it('caps a very long Retry-After so a remote cannot park the collector for days', () => {
      expect(parseRetryAfter('864000', now)).to.equal(MAX_RETRY_AFTER_MS);
    });
  });

  describe('retryDelayMs', () => {
    it('waits the longer of the backoff and Retry-After', () => {
      expect(retryDelayMs(0, policy, 5000, () => 0)).to.equal(5000);
      expect(retryDelayMs(4, policy, 10, () => 0)).to.equal(500);
      expect(retryDelayMs(0, policy, undefined, () => 0)).to.equal(50);
    });
  });
});
