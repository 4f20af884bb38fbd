import { expect } from 'chai';
import { formatPattern, parseSigmaString, toPattern } from '../../../../detector/sigma/parse/pattern.js';

describe('sigma pattern', () => {
  describe('parseSigmaString', () => {
    // Cases straight from the specification's "Escape Character" section (raw text after YAML).
    const cases: [string, string, unknown[]][] = [
      ['plain', 'abc', [{ text: 'abc' }]],
      ['* and ? are wildcards', 'a*b?c', [{ text: 'a' }, { wildcard: '*' }, { text: 'b' }, { wildcard: '?' }, { text: 'c' }]],
      ['\\* is a literal star', 'a\\*b', [{ text: 'a*b' }]],
      ['\\? is a literal question mark', 'a\\?b', [{ text: 'a?b' }]],
      ['\\\\* is a backslash then a wildcard', 'a\\\\*', [{ text: 'a\\' }, { wildcard: '*' }]],
      ['\\\\\\* is a backslash then a literal star', 'a\\\\\\*', [{ text: 'a\\*' }]],
      ['\\\\\\\\ is two backslashes', 'a\\\\\\\\b', [{ text: 'a\\\\b' }]],
      ['three backslashes before a plain char are two', 'a\\\\\\b', [{ text: 'a\\\\b' }]],
      ['a single backslash before a plain char stays', 'C:\\Windows\\System32', [{ text: 'C:\\Windows\\System32' }]],
      ['\\\\ before a plain char is one backslash', 'C:\\\\Windows', [{ text: 'C:\\Windows' }]],
      ['a trailing backslash stays', 'dir\\', [{ text: 'dir\\' }]],
      ['the empty string has no parts', '', []],
    ];
    for (const [name, raw, parts] of cases) {
      it(name, () => {
        expect(toPattern(parseSigmaString(raw)).parts).to.deep.equal(parts);
      });
    }
  });

  describe('formatPattern', () => {
    it('round-trips through parseSigmaString', () => {
      for (const raw of ['a*b?c', 'a\\*b', 'a\\\\*', 'a\\\\\\*', 'C:\\Windows\\', '\\\\\\\\srv']) {
        const pattern = toPattern(parseSigmaString(raw));
        expect(toPattern(parseSigmaString(formatPattern(pattern)))).to.deep.equal(pattern);
      }
    });
  });
});
