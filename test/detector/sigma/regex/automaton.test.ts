import { expect } from 'chai';
import { Mulberry32 } from '../../../../core/prng.js';
import { automatonMatcher, automatonTooLarge, ruleRegex } from '../../../../detector/sigma/regex/automaton.js';
import type { RegexFlags } from '../../../../detector/sigma/regex/syntax.js';

const plain: RegexFlags = { i: false, m: false, s: false };
const flagText = (f: RegexFlags): string => `${f.i ? 'i' : ''}${f.m ? 'm' : ''}${f.s ? 's' : ''}`;

/** Small random patterns over the syntax rules use: classes, escapes, assertions, groups, every quantifier. */
function randomPattern(rng: Mulberry32, depth = 0): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng.next() * items.length)];
  const atoms = ['a', 'b', 'A', '.', '\\w', '\\W', '\\d', '\\s', '\\S', '[ab]', '[^a]', '[^ab\\n]', '[a-z]', '\\b', '\\B', '^', '$', '\\n', ' ', '-', 'é', 'É', 'ſ', 'K', 'k', 's', '[\\w-]', '\\x41'];
  if (depth > 3 || rng.next() < 0.3) return pick(atoms);
  const sub = (): string => randomPattern(rng, depth + 1);
  switch (Math.floor(rng.next() * 4)) {
    case 0: return sub() + sub();
    case 1: return `(?:${sub()}|${sub()})`;
    case 2: return `(?:${sub()})${pick(['*', '+', '?', '{2}', '{0,3}', '{1,}', '*?', '{2,4}?'])}`;
    default: return `(${sub()})`;
  }
}

describe('automatonMatcher', () => {
  it('answers as RegExp.test on random patterns, flags and texts', () => {
    const rng = new Mulberry32(20261125);
    const chars = ['a', 'b', 'A', 'B', ' ', '\n', '\r', '1', '_', '-', 'é', 'É', 'ſ', 'K', 'k', 's', 'S', '\u2028', '!'];
    let compared = 0;
    for (let t = 0; t < 3000; t++) {
      const source = randomPattern(rng);
      const flags = { i: rng.next() < 0.4, m: rng.next() < 0.4, s: rng.next() < 0.4 };
      const re = new RegExp(source, flagText(flags));
      const automaton = automatonMatcher(source, flags);
      expect(automaton, source).not.to.equal(undefined);
      for (let k = 0; k < 8; k++) {
        const text = Array.from({ length: Math.floor(rng.next() * 9) }, () => chars[Math.floor(rng.next() * chars.length)]).join('');
        expect(automaton!.test(text), `/${source}/${flagText(flags)} on ${JSON.stringify(text)}`).to.equal(re.test(text));
        compared++;
      }
    }
    expect(compared).to.equal(24_000);
  });

  it('folds case as RegExp i does without u: the long s and Kelvin sign only match themselves or their own case', () => {
    const [longS, kelvin] = ['\u017f', '\u212a'];
    for (const [pattern, text, want] of [['s', longS, false], [longS, 'S', false], ['k', kelvin, false], ['K', 'k', true], ['\u00e9', '\u00c9', true], ['[^a]', 'A', false], ['\\W', longS, true]] as const) {
      expect(automatonMatcher(pattern, { ...plain, i: true })!.test(text), `${pattern} ${text}`).to.equal(want);
      expect(new RegExp(pattern, 'i').test(text)).to.equal(want);
    }
  });

  it('reads ^, $ per line with m, \\b at the edges of the text, and . across lines with s', () => {
    expect(automatonMatcher('^b', plain)!.test('a\nb')).to.equal(false);
    expect(automatonMatcher('^b', { ...plain, m: true })!.test('a\nb')).to.equal(true);
    expect(automatonMatcher('a$', { ...plain, m: true })!.test('a\r\nb')).to.equal(true);
    expect(automatonMatcher('\\bword\\b', plain)!.test('a word.')).to.equal(true);
    expect(automatonMatcher('\\bword\\b', plain)!.test('swordfish')).to.equal(false);
    expect(automatonMatcher('a.b', plain)!.test('a\nb')).to.equal(false);
    expect(automatonMatcher('a.b', { ...plain, s: true })!.test('a\nb')).to.equal(true);
  });

  it('unrolls counted repetitions exactly', () => {
    const m = automatonMatcher('^x[0-9a-f]{2,4}y$', plain)!;
    expect(['x1y', 'x12y', 'x123y', 'x1234y', 'x12345y'].map((t) => m.test(t))).to.deep.equal([false, true, true, true, false]);
    expect(automatonMatcher('^(?:\\b){100000}a', plain)!.test('a')).to.equal(true);
  });

  it('has no automaton for lookarounds, backreferences, or patterns too large unrolled', () => {
    for (const pattern of ['a(?=b)', '(?<!a)b', '(a)\\1', '(?<n>a)\\k<n>', 'a{100000}', '(a?){2020}']) {
      expect(automatonMatcher(pattern, plain), pattern).to.equal(undefined);
    }
  });

  it('says why a pattern without lookaround or backreference has none: its size', () => {
    expect(automatonTooLarge('(a?){2020}', plain)).to.match(/too large to match in linear time \(more than 2,048 character positions or 200,000 transitions/);
    expect(automatonTooLarge('a{100000}', plain)).to.be.a('string');
    expect(automatonTooLarge('(?=a)b', plain)).to.equal(undefined);
    expect(automatonTooLarge('[^\\\\]{1,256}$', plain)).to.equal(undefined);
  });

  it('matches a hostile 64 KiB line without backtracking (polynomial for RegExp)', () => {
    // RegExp takes about 90 s on 4 KiB of this; the automaton reads each character once.
    const pattern = '(set).*&&\\s?set.*(environment|invoke|\\$?\\{?input).*&&.*"';
    const unit = 'set && set environment invoke input &&';
    const line = unit.repeat(Math.ceil(65_536 / unit.length)).slice(0, 65_536);
    const m = automatonMatcher(pattern, { ...plain, i: true })!;
    expect(m.test(line)).to.equal(false);
    expect(m.test(`${line}"`)).to.equal(true);
  });
});

describe('ruleRegex', () => {
  it('runs patterns that can backtrack on the automaton', () => {
    for (const pattern of ['a.*b', '\\s+x', '(?:ab|a)+c', '[^\\\\]{1,256}$']) expect(ruleRegex(pattern, plain), pattern).not.to.be.instanceOf(RegExp);
  });

  it('keeps RegExp where it cannot backtrack more than a few ways per start, or has no automaton', () => {
    for (const pattern of ['ab', '0x[a-fA-F0-9]{8}', 'APT\\d', '\\\\mypipe-(?:f|h)[0-9a-f]{2}', 'a(?=b)']) expect(ruleRegex(pattern, plain), pattern).to.be.instanceOf(RegExp);
  });

  it('refuses what RegExp refuses', () => {
    expect(() => ruleRegex('(unclosed', plain)).to.throw(SyntaxError);
  });
});
