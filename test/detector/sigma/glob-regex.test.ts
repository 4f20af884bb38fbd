import { expect } from 'chai';
import { Mulberry32 } from '../../../core/prng.js';
import type { PatternPart } from '../../../detector/sigma/model.js';
import { globRegexSource } from '../../../detector/sigma/glob-regex.js';

/** The obvious translation, which backtracks polynomially: the reference for what must match. */
function naive(parts: readonly PatternPart[]): RegExp {
  const source = parts.map((p) => ('text' in p ? p.text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&') : p.wildcard === '*' ? '[\\s\\S]*' : '[\\s\\S]')).join('');
  return new RegExp(`^${source}$`);
}

describe('globRegexSource', () => {
  it('matches exactly what the naive translation matches, on random patterns and texts', () => {
    const rng = new Mulberry32(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rng.next() * items.length)];
    let compared = 0;
    for (let t = 0; t < 5000; t++) {
      const parts: PatternPart[] = Array.from({ length: Math.floor(rng.next() * 6) }, () =>
        rng.next() < 0.5 ? { text: pick(['a', 'b', 'ab', 'A', '\\1', '1', '(', '$']) } : { wildcard: pick(['*', '?'] as const) });
      const text = Array.from({ length: Math.floor(rng.next() * 8) }, () => pick(['a', 'b', 'A', '1', '\\', '(', '$', '\n'])).join('');
      for (const flags of ['', 'i']) {
        const want = new RegExp(naive(parts).source, flags).test(text);
        expect(new RegExp(globRegexSource(parts), flags).test(text), `${JSON.stringify(parts)} /${flags} on ${JSON.stringify(text)}`).to.equal(want);
        compared++;
      }
    }
    expect(compared).to.equal(10_000);
  });

  it('keeps each segment at its leftmost place (a lookahead, then a backreference)', () => {
    const parts: PatternPart[] = [{ text: 'a' }, { wildcard: '*' }, { text: 'b' }, { wildcard: '?' }, { text: 'c' }, { wildcard: '*' }, { text: 'd' }];
    expect(globRegexSource(parts)).to.equal('^a(?=([\\s\\S]*?b[\\s\\S]c))\\1[\\s\\S]*d$');
  });

  it('answers for many stars over a long near-miss (the naive form tries every placement)', () => {
    const parts: PatternPart[] = [];
    for (let k = 0; k < 8; k++) parts.push({ wildcard: '*' }, { text: 'a' });
    parts.push({ wildcard: '?' }, { text: 'b' });
    const re = new RegExp(globRegexSource(parts), 'i');
    expect(re.test('a'.repeat(65_536))).to.equal(false);
    expect(re.test(`${'a'.repeat(65_536)}xb`)).to.equal(true);
  });
});
