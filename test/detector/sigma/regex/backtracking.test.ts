import { expect } from 'chai';
import { catastrophicBacktracking } from '../../../../detector/sigma/regex/backtracking.js';

const plain = { i: false, m: false, s: false };

describe('catastrophicBacktracking', () => {
  describe('refuses exponential backtracking', () => {
    const refused: [string, string][] = [
      ['(a+)+', '(a+)+'],
      ['(a*)*b', '(a*)*'],
      ['(a|a)*b', '(a|a)*'],
      ['(.*a){20}', '(.*a){20}'],
      ['(\\w+\\.?)+@', '(\\w+\\.?)+'],
      ['(\\w|\\d)+!', '(\\w|\\d)+'],
      ['(?:a?b?)*c', '(?:a?b?)*'],
      ['(\\d+|\\d+\\.\\d+)*x', '(\\d+|\\d+\\.\\d+)*'],
      ['(?:\\s*,?\\s*\\w+)+$', '(?:\\s*,?\\s*\\w+)+'],
      ['(a|a){1,50}', '(a|a){1,50}'],
      // SigmaHQ's invoke-obfuscation rules: 67 s on 30 characters of `)` in V8.
      ['cmd.{0,5}(?:/c|/r)(?:\\s|)"set\\s[a-zA-Z]{3,6}.*(?:\\{\\d\\}){1,}\\\\"\\s+?-f(?:.*\\)){1,}.*"', '(?:.*\\)){1,}'],
    ];
    for (const [pattern, blamed] of refused) {
      it(`${pattern}, blaming ${blamed}`, () => {
        const reason = catastrophicBacktracking(pattern, plain);
        expect(reason).to.be.a('string');
        expect(reason).to.include(`the repetition ${JSON.stringify(blamed)}`);
      });
    }

    it('inside a lookahead too', () => {
      expect(catastrophicBacktracking('x(?=(a+)+b)', plain)).to.include('(a+)+');
    });

    it('when the i or s flag makes two branches read the same characters', () => {
      expect(catastrophicBacktracking('(?:a|A)+b', plain)).to.equal(undefined);
      expect(catastrophicBacktracking('(?:a|A)+b', { ...plain, i: true })).to.be.a('string');
      expect(catastrophicBacktracking('(?:.*\\n)+x', plain)).to.equal(undefined);
      expect(catastrophicBacktracking('(?:.*\\n)+x', { ...plain, s: true })).to.be.a('string');
    });
  });

  describe('accepts', () => {
    const accepted = [
      '(\\s+\\w+)+', '(ab*)*', '([a-z]+\\.)+com', '(a|ab)*c', '.*a.*a.*b', 'a{5}', '[^\\\\]{1,256}$', '(?:\\{\\d\\})+',
      // \b is modelled exactly: each word run has one way to match.
      '(\\b\\w+\\b\\s*)*',
      // Counted repetitions of one character are unrolled, so exact counts stay exact.
      '-(W|R)\\s?(\\s|"|\')([0-9a-fA-F]{2}\\s?){2,20}(\\s|"|\')',
      'https?://(?:(?:25[0-5]|(?:2[0-4]|1\\d|[1-9])?\\d)(?:\\.|\\b)){4}',
      '\\$env:ComSpec\\[(\\s*\\d{1,3}\\s*,){2}',
      '(set).*&&\\s?set.*(environment|invoke|\\$?\\{?input).*&&.*"',
    ];
    for (const pattern of accepted) {
      it(pattern, () => {
        expect(catastrophicBacktracking(pattern, plain)).to.equal(undefined);
        expect(catastrophicBacktracking(pattern, { i: true, m: true, s: false })).to.equal(undefined);
      });
    }
  });

  describe('limits', () => {
    it('refuses patterns nested too deep to check, without overflowing the stack', () => {
      expect(catastrophicBacktracking(`${'('.repeat(10_000)}a${')'.repeat(10_000)}`, plain)).to.match(/nests groups more than 100 deep, too large to check/);
    });

    it('refuses patterns with too many character positions to check', () => {
      expect(catastrophicBacktracking('a'.repeat(5000), plain)).to.match(/more than 4000 character positions/);
    });

    it('reads Annex B syntax: literal braces, octal and identity escapes, \\c without a letter', () => {
      for (const pattern of ['a{', 'a{1,', '}', ']', '\\8\\9', '\\07', '\\c', '[\\c_]', '\\k', '(?<n>a)\\k<n>', '[\\d-z]', 'x{2,1}'.slice(0, 3)]) {
        let valid = true;
        try {
          new RegExp(pattern);
        } catch {
          valid = false;
        }
        if (valid) expect(() => catastrophicBacktracking(pattern, plain), pattern).not.to.throw();
      }
    });
  });
});
