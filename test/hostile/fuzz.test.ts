/**
 * Hostile input, fuzzed: every parser of the table, every framing, the Sigma
 * parser on rule documents and from rule text with the stream matcher, and
 * rule regular expressions, each on a
 * fixed-seed sample of mutated inputs (bench/fuzz.ts runs a million per
 * target). Every input must keep its target's property (test/fuzz/) and
 * finish within a second, which catches hangs and runaway backtracking
 * without being a speed test. A failure names the seed, the input number
 * (replay it with bench/fuzz.js --replay) and the smallest input found that
 * still fails.
 */
import { expect } from 'chai';
import { Rng, inputSeed } from '../fuzz/mutator.js';
import { PropertyViolation, describeFailure, replayInput, runTarget } from '../fuzz/runner.js';
import type { FuzzTarget } from '../fuzz/runner.js';
import { allTargets } from '../fuzz/targets.js';

const SEED = 20261125;
/** Inputs per target: the supplementary ones parse YAML and compile rules, or run regexes on 64 KiB texts, about 50 times slower than a parser. */
const inputsFor = (target: FuzzTarget): number => (target.supplementary ? 600 : 3000);

describe('fuzzing (hostile input)', function () {
  this.timeout(60_000);

  for (const target of allTargets()) {
    const inputs = inputsFor(target);
    it(`${target.name}: ${inputs} mutated inputs each keep the property and finish within a second`, () => {
      const report = runTarget(target, { seed: SEED, inputs, maxInputMs: 1000 });
      expect(report.inputs).to.equal(inputs);
      expect(report.failures.map(describeFailure), `${target.property}\n`).to.deep.equal([]);
    });
  }

  describe('runner', () => {
    /** A target with planted bugs: a crash on `X`, a broken property on `P`, a slow input on `S`. */
    const planted: FuzzTarget = {
      name: 'planted',
      property: 'no X, P or S',
      seeds: () => ['hello world', 'a=b c=d'],
      generate: (rng, seeds) => `${rng.pick(seeds)}${rng.pick(['', '', 'X', 'P', 'S'])}${rng.pick(seeds)}`,
      check(input) {
        if (input.includes('X')) throw new TypeError('crashed on X');
        if (input.includes('P')) throw new PropertyViolation('P is not allowed');
        if (input.includes('S')) {
          const until = Date.now() + 30;
          while (Date.now() < until) { /* a slow input */ }
        }
      },
    };

    it('reports each kind of failure once, with seed, input number and the minimal failing input', () => {
      const report = runTarget(planted, { seed: 3, inputs: 60, maxInputMs: 10 });
      const byKind = new Map(report.failures.map((f) => [f.kind, f]));
      expect([...byKind.keys()].sort()).to.deep.equal(['crash', 'property', 'slow']);
      expect(byKind.get('crash')).to.deep.include({ minimal: 'X', seed: 3, message: 'TypeError: crashed on X' });
      expect(byKind.get('property')).to.deep.include({ minimal: 'P', message: 'PropertyViolation: P is not allowed' });
      expect(report.repeatedFailures).to.be.greaterThan(0);
      const crash = byKind.get('crash')!;
      expect(replayInput(planted, planted.seeds(), 3, crash.index)).to.include('X');
      expect(describeFailure(crash)).to.match(/^planted: crash TypeError: crashed on X\n {2}replay: seed 3, input \d+ \(\d+ chars\)\n {2}minimal input: "X"$/);
    });

    it('makes input i from the seed, the target and i alone', () => {
      const target = allTargets().find((t) => t.name === 'parser:cef')!;
      const seeds = target.seeds();
      const first = replayInput(target, seeds, SEED, 77);
      runTarget(target, { seed: SEED + 1, inputs: 50, maxInputMs: 1000 });
      expect(replayInput(target, seeds, SEED, 77)).to.equal(first);
      expect(inputSeed(SEED, 'parser:cef', 77)).not.to.equal(inputSeed(SEED, 'parser:iptables', 77));
      expect(new Rng(inputSeed(SEED, 'x', 1)).next()).not.to.equal(new Rng(inputSeed(SEED, 'x', 2)).next());
    });
  });
});
