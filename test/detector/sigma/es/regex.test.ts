import { expect } from 'chai';
import { RegexTranslationError, translateRegex } from '../../../../detector/sigma/es/regex.js';

const plain = { i: false, m: false, s: false };
const lucene = (source: string, flags = plain): string => translateRegex(source, flags).value;

function refusal(source: string, flags = plain): string {
  try {
    translateRegex(source, flags);
  } catch (error) {
    if (error instanceof RegexTranslationError) return error.construct;
    throw error;
  }
  throw new Error(`${source} was translated`);
}

describe('translateRegex (JavaScript -> Lucene regexp)', () => {
  it('wraps an unanchored search in .* and keeps anchored ends bare', () => {
    expect(lucene('abc')).to.equal('.*abc.*');
    expect(lucene('^abc')).to.equal('abc.*');
    expect(lucene('abc$')).to.equal('.*abc');
    expect(lucene('^abc$')).to.equal('abc');
    expect(lucene('^a|b$')).to.equal('a.*|.*b');
  });

  it('escapes every non-alphanumeric literal, Lucene operators included', () => {
    expect(lucene('^a\\.b@c~d#e&f<g>"h$')).to.equal('a\\.b\\@c\\~d\\#e\\&f\\<g\\>\\"h');
  });

  it('expands \\d \\w \\s and their negations to explicit classes', () => {
    expect(lucene('^\\d$')).to.equal('[0-9]');
    expect(lucene('^\\w$')).to.equal('[0-9A-Z\\_a-z]');
    expect(lucene('^\\s$')).to.contain('\\ ').and.contain('\u3000');
    // Control characters are escaped too (a backslash makes any character literal); lone surrogates are left out.
    expect(lucene('^\\D$')).to.equal('[\\\u0000-\\/\\:-\ud7ff\ue000-\u{10ffff}]');
  });

  it('translates . without s as anything but line terminators, and with s as anything', () => {
    expect(lucene('^.$')).to.equal('[\\\u0000-\\\t\\\u000b-\\\f\\\u000e-\u2027\u202a-\ud7ff\ue000-\u{10ffff}]');
    expect(lucene('^.$', { ...plain, s: true })).to.equal('[\\\u0000-\ud7ff\ue000-\u{10ffff}]');
  });

  it('keeps groups, alternation and counted quantifiers; drops laziness; turns empty branches into ()', () => {
    expect(lucene('^(?:ab|c){2,3}?x+?(?<n>y)$')).to.equal('((ab|c)){2,3}(x)+(y)');
    expect(lucene('^(a|)$')).to.equal('(a|())');
  });

  it('folds case as JavaScript does under i, ranges and non-ASCII letters included', () => {
    const t = translateRegex('^[a-c]ä$', { ...plain, i: true });
    expect(t.caseInsensitive).to.equal(true);
    expect(t.value).to.equal('[A-Ca-c][Ää]');
    expect(lucene('^[^a]$', { ...plain, i: true })).to.equal('[\\\u0000-\\@B-\\`b-\ud7ff\ue000-\u{10ffff}]');
  });

  it('translates escapes of characters (\\x41, \\u00e4, \\t, \\/)', () => {
    expect(lucene('^\\x41\\u00e4\\t\\/$')).to.equal('A\u00e4\\\t\\/');
  });

  it('refuses what has no exact Lucene form, naming the construct', () => {
    expect(refusal('a(?=b)')).to.equal('lookahead');
    expect(refusal('a(?!b)')).to.equal('lookahead');
    expect(refusal('(?<=a)b')).to.equal('lookbehind');
    expect(refusal('(a)\\1')).to.equal('backreference');
    expect(refusal('(?<x>a)\\k<x>')).to.equal('named backreference');
    expect(refusal('\\bword\\b')).to.equal('word boundary \\b');
    expect(refusal('a^b')).to.equal('anchor ^ inside the expression');
    expect(refusal('(^a|b)')).to.equal('anchor ^ inside the expression');
    expect(refusal('a$b')).to.equal('anchor $ inside the expression');
    expect(refusal('^a', { ...plain, m: true })).to.equal('anchor ^ with the m flag');
    expect(refusal('(unclosed')).to.equal('invalid regular expression');
  });

  it('translates without anchors under m (line anchors only matter when present)', () => {
    expect(lucene('abc', { ...plain, m: true })).to.equal('.*abc.*');
  });
});
