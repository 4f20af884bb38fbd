import { expect } from 'chai';
import { AhoCorasick } from '../../../../detector/sigma/stream/aho-corasick.js';
import { Rng } from '../../../helpers/sigma-events.js';

/** The patterns found by one scan, as a sorted list of indices. */
function found(ac: AhoCorasick, text: string): number[] {
  const n = ac.scan(text);
  return [...ac.found.subarray(0, n)].sort((a, b) => a - b);
}

/** What `includes` says, the definition the prefilter relied on before. */
function expected(patterns: readonly string[], text: string): number[] {
  return patterns.flatMap((p, i) => (text.includes(p) ? [i] : []));
}

describe('AhoCorasick', () => {
  describe('scan', () => {
    it('finds overlapping patterns, patterns inside others and repeated ones, each once', () => {
      const patterns = ['he', 'she', 'his', 'hers', 'e', 'hershe', 'x'];
      const ac = new AhoCorasick(patterns);
      expect(found(ac, 'ushers')).to.deep.equal(expected(patterns, 'ushers'));
      expect(found(ac, 'hershehe')).to.deep.equal(expected(patterns, 'hershehe'));
      expect(found(ac, '')).to.deep.equal([]);
      expect(found(ac, 'zzz')).to.deep.equal([]);
      // A second scan forgets the first.
      expect(found(ac, 'x')).to.deep.equal([6]);
    });

    it('matches code units outside ASCII, and treats characters no pattern holds as breaks', () => {
      const patterns = ['ünï', 'cödé', '/é', '😀x', 'ab'];
      const ac = new AhoCorasick(patterns);
      for (const text of ['xünïx', 'cödé/é', 'a😀xb', 'aéb', 'a\u0000b', 'aüb', 'ab😀', 'cöd é']) {
        expect(found(ac, text), text).to.deep.equal(expected(patterns, text));
      }
    });

    it('agrees with includes on random patterns and texts', () => {
      const rng = new Rng(3);
      const alphabet = [...'abc./-é'];
      const word = (max: number): string => Array.from({ length: 1 + rng.int(max) }, () => rng.pick(alphabet)).join('');
      for (let round = 0; round < 200; round++) {
        const patterns = Array.from({ length: 1 + rng.int(40) }, () => word(6));
        const ac = new AhoCorasick(patterns);
        for (let k = 0; k < 20; k++) {
          const text = rng.chance(0.1) ? '' : word(60);
          expect(found(ac, text), `${JSON.stringify(patterns)} in ${text}`).to.deep.equal(expected(patterns, text));
        }
      }
    });

    it('rejects an empty pattern (it would match every text)', () => {
      expect(() => new AhoCorasick(['a', ''])).to.throw(/empty/);
    });
  });

  describe('occursIn', () => {
    it('says whether any pattern occurs, agreeing with includes on random patterns and texts', () => {
      const rng = new Rng(4);
      const alphabet = [...'abc./-é'];
      const word = (max: number): string => Array.from({ length: 1 + rng.int(max) }, () => rng.pick(alphabet)).join('');
      let hits = 0;
      for (let round = 0; round < 200; round++) {
        const patterns = Array.from({ length: 1 + rng.int(12) }, () => word(5));
        const ac = new AhoCorasick(patterns);
        for (let k = 0; k < 20; k++) {
          const text = rng.chance(0.1) ? '' : word(30);
          const want = patterns.some((p) => text.includes(p));
          if (want) hits++;
          expect(ac.occursIn(text), `${JSON.stringify(patterns)} in ${text}`).to.equal(want);
        }
      }
      // Both answers occur often enough for the comparison to mean something.
      expect(hits).to.be.within(400, 3600);
    });

    it('finds a pattern that ends inside another one (a suffix output)', () => {
      const ac = new AhoCorasick(['xabcy', 'bc']);
      expect(ac.occursIn('zabcq')).to.equal(true);
      expect(ac.occursIn('zacbq')).to.equal(false);
    });
  });
});
