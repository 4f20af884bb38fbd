import { expect } from 'chai';
import type { PlaceholderSource } from '../../../../../detector/sigma/model.js';
import { buildModifierTable, modifiers } from '../../../../../detector/sigma/parse/modifiers/index.js';
import { parseRuleText } from '../../../../../detector/sigma/parse.js';
import { itemsOf, parseBad, parseOk, ruleText, values } from '../rule-text.js';

const placeholders: PlaceholderSource = {
  names: () => ['EngineeringHosts', 'Admins'],
  values: () => [],
};

const sel = (body: string): string => `    sel:\n${body}\n    condition: sel\n`;
const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

describe('sigma modifiers', () => {
  describe('table', () => {
    it('holds every modifier of the v2.1 appendix', () => {
      const spec = 'contains startswith endswith all exists cased neq windash re i m s base64 base64offset utf16le utf16be utf16 wide lt lte gt gte minute hour day week month year cidr expand fieldref';
      for (const name of spec.split(' ')) expect(modifiers.has(name), name).to.equal(true);
    });
    it('refuses duplicate names', () => {
      const m = modifiers.get('contains');
      if (!m) throw new Error('contains missing');
      expect(() => buildModifierTable([m, m])).to.throw(/duplicate Sigma modifier contains/);
    });
  });

  describe('contains/startswith/endswith', () => {
    it('put wildcards around, after and before the value', () => {
      expect(values(sel('        a|contains: foo'))).to.deep.equal(['*foo*']);
      expect(values(sel('        a|startswith: foo'))).to.deep.equal(['foo*']);
      expect(values(sel('        a|endswith: foo'))).to.deep.equal(['*foo']);
    });
    it('do not double existing wildcards', () => {
      expect(values(sel("        a|contains: '*foo*'"))).to.deep.equal(['*foo*']);
      expect(values(sel("        a|endswith: '*foo'"))).to.deep.equal(['*foo']);
    });
    it('keep escaped wildcards literal', () => {
      expect(values(sel("        a|contains: 'foo\\*'"))).to.deep.equal(['*foo\\**']);
    });
    it('apply to every value of a list', () => {
      expect(values(sel('        a|endswith:\n            - \\cmd.exe\n            - \\pwsh.exe'))).to.deep.equal(['*\\cmd.exe', '*\\pwsh.exe']);
    });
    it('treat a number as its text', () => {
      expect(values(sel('        a|contains: 4624'))).to.deep.equal(['*4624*']);
    });
    it('wrap regular expressions as pySigma does', () => {
      const item = (b: string) => itemsOf(parseOk(sel(b)))[0].values[0];
      expect(item("        a|re|contains: 'foo?bar'")).to.deep.include({ kind: 'regex', source: '.*foo?bar.*' });
      expect(item("        a|re|contains: '^foo'")).to.deep.include({ source: '^foo.*' });
      expect(item("        a|re|startswith: 'foo$'")).to.deep.include({ source: 'foo$' });
      expect(item("        a|re|endswith: 'a|b'")).to.deep.include({ source: '.*(?:a|b)' });
    });
  });

  describe('all', () => {
    it('makes the values AND-ed', () => {
      const [item] = itemsOf(parseOk(sel('        a|contains|all:\n            - x\n            - y')));
      expect(item.all).to.equal(true);
      expect(item.values).to.have.length(2);
    });
    it('is an error with a single value', () => {
      const [p] = parseBad(sel('        a|contains|all: x'));
      expect(p.message).to.match(/all needs a list of several values/);
      expect(p.key).to.equal('detection.sel.a|contains|all');
    });
    it('as a keyword map `|all` AND-s keywords', () => {
      const rule = parseOk("    kw:\n        '|all':\n            - 'OabVirtualDirectory'\n            - ' -ExternalUrl '\n    condition: kw\n");
      const [item] = itemsOf(rule, 'kw');
      expect(item.field).to.equal(null);
      expect(item.all).to.equal(true);
      expect(item.values.map((v) => v.kind)).to.deep.equal(['pattern', 'pattern']);
    });
    it('keeps expansions OR-ed by splitting into one item per value', () => {
      const items = itemsOf(parseOk(sel('        a|windash|contains|all:\n            - -x\n            - -y')));
      expect(items).to.have.length(2);
      expect(items.every((i) => !i.all && i.values.length === 5)).to.equal(true);
    });
  });

  describe('cased / neq', () => {
    it('cased marks the item case-sensitive', () => {
      expect(itemsOf(parseOk(sel('        a|cased: Foo')))[0].cased).to.equal(true);
      expect(itemsOf(parseOk(sel('        a: Foo')))[0].cased).to.equal(false);
    });
    it('neq marks the item negated', () => {
      const [item] = itemsOf(parseOk(sel('        a|neq:\n            - 1\n            - 2')));
      expect(item.negated).to.equal(true);
      expect(item.values).to.deep.equal([{ kind: 'number', value: 1 }, { kind: 'number', value: 2 }]);
    });
  });

  describe('exists', () => {
    it('produces an exists value', () => {
      expect(itemsOf(parseOk(sel('        a|exists: true')))[0].values).to.deep.equal([{ kind: 'exists', exists: true }]);
      expect(itemsOf(parseOk(sel('        a|exists: false')))[0].values).to.deep.equal([{ kind: 'exists', exists: false }]);
    });
    it('needs a boolean', () => {
      expect(parseBad(sel("        a|exists: 'yes'"))[0].message).to.match(/exists cannot apply to a string/);
    });
    it('needs a field', () => {
      expect(parseBad("    kw:\n        '|exists': true\n    condition: kw\n")[0].message).to.match(/exists must be applied to a field/);
    });
  });

  describe('windash', () => {
    it('produces every permutation of the five dashes, as pySigma', () => {
      const got = values(sel("        a|windash: '-param-1 -param2'"));
      const want = DASHES.flatMap((d1) => DASHES.map((d2) => `${d1}param-1 ${d2}param2`));
      expect(got).to.deep.equal(want);
    });
    it('only replaces a dash not after a word character and before one', () => {
      expect(values(sel("        a|windash: 'a-b c- -'"))).to.deep.equal(['a-b c- -']);
      // in `--c` only the second dash is before a word character (pySigma's \\B[-/]\\b)
      expect(values(sel("        a|windash: '--c'"))).to.deep.equal(DASHES.map((d) => `-${d}c`));
      expect(values(sel("        a|windash|contains: ' /x'"))).to.deep.equal(DASHES.map((d) => `* ${d}x*`));
    });
    // Found by fuzzing (test/hostile/fuzz.test.ts): 13 dashes made 5^13 variants and exhausted memory.
    it('refuses more than five dashes (5^5 variants) as unsupported', () => {
      expect(values(sel(`        a|windash: '${' -a'.repeat(5)}'`))).to.have.length(5 ** 5);
      const [p] = parseBad(sel(`        a|windash: '${' -a'.repeat(13)}'`));
      expect(p).to.deep.include({ severity: 'unsupported', feature: 'windash over more than 5 dashes' });
      expect(p.message).to.match(/13 dashes would make 5\^13 variants/);
    });
  });

  describe('growth of values', () => {
    // Found by fuzzing (test/hostile/fuzz.test.ts): each wide doubles the value; 27 of them ran out of memory.
    it('refuses a chain of modifiers that makes a value larger than the limits', () => {
      const [p] = parseBad(sel(`        a${'|wide'.repeat(30)}: abcdefgh`));
      expect(p).to.deep.include({ severity: 'unsupported', feature: 'value beyond the size limits after modifiers' });
      expect(p.message).to.match(/^modifiers (wide\|){17}wide make 1 alternatives of 2,097,152 characters/);
      expect(values(sel(`        a${'|wide'.repeat(3)}: ab`))).to.have.length(1);
    });
  });

  describe('re', () => {
    it('takes the value as a regex, without wildcard or escape parsing', () => {
      const [v] = itemsOf(parseOk(sel("        a|re: 'foo\\\\bar.*?'")))[0].values;
      expect(v).to.deep.equal({ kind: 'regex', source: 'foo\\\\bar.*?', flags: { i: false, m: false, s: false } });
    });
    it('sets i, m, s flags from sub-modifiers', () => {
      const [v] = itemsOf(parseOk(sel("        a|re|i|m|s: 'x'")))[0].values;
      expect(v).to.deep.include({ flags: { i: true, m: true, s: true } });
    });
    it('turns a leading (?i) group into the flag', () => {
      const [v] = itemsOf(parseOk(sel("        a|re: '(?i)abc'")))[0].values;
      expect(v).to.deep.equal({ kind: 'regex', source: 'abc', flags: { i: true, m: false, s: false } });
    });
    it('must come first', () => {
      expect(parseBad(sel("        a|contains|re: 'x'"))[0].message).to.match(/re only applies to unmodified values/);
    });
    it('flag modifiers need re', () => {
      expect(parseBad(sel("        a|i: 'x'"))[0].message).to.match(/modifier i cannot apply to a string/);
    });
    it('refuses an invalid expression', () => {
      expect(parseBad(sel("        a|re: '(unclosed'"))[0].message).to.match(/invalid regular expression/);
    });
    it('refuses an expression that backtracks exponentially, naming file, rule, key, line and the repetition to change', () => {
      const set = parseRuleText(ruleText(sel("        CommandLine|re: 'cmd(?:.*\\)){1,}.*x'"), 'Obfuscated set'), 'rules/obf.yml');
      expect(set.rules).to.deep.equal([]);
      expect(set.problems).to.have.length(1);
      const [p] = set.problems;
      expect(p).to.deep.include({ severity: 'unsupported', feature: 'regular expression with catastrophic backtracking', rule: 'Obfuscated set', key: 'detection.sel.CommandLine|re' });
      expect(p.location).to.deep.include({ file: 'rules/obf.yml', line: 7 });
      expect(p.message).to.include(`regular expression ${JSON.stringify('cmd(?:.*\\)){1,}.*x')} can backtrack catastrophically`);
      expect(p.message).to.include(`the repetition ${JSON.stringify('(?:.*\\)){1,}')}`);
    });
    for (const pattern of ['(a+)+$', '(a|a)*b', '(\\w+\\.?)+@', '(?=(x+)+y)z']) {
      it(`refuses ${pattern}`, () => {
        expect(parseBad(sel(`        a|re: '${pattern}'`))[0]).to.deep.include({ severity: 'unsupported', feature: 'regular expression with catastrophic backtracking' });
      });
    }
    it('checks again when a flag widens what the expression matches', () => {
      expect(values(sel("        a|re: '(?:a|A)+b'"))).to.have.length(1);
      expect(parseBad(sel("        a|re|i: '(?:a|A)+b'"))[0].feature).to.equal('regular expression with catastrophic backtracking');
      expect(values(sel("        a|re: '(?:.*\\n)+x'"))).to.have.length(1);
      expect(parseBad(sel("        a|re|s: '(?:.*\\n)+x'"))[0].feature).to.equal('regular expression with catastrophic backtracking');
    });
    it('refuses an expression too large to run as an automaton', () => {
      expect(parseBad(sel("        a|re: '(a?){2020}b'"))[0]).to.deep.include({ severity: 'unsupported', feature: 'regular expression too large for linear-time matching' });
    });
    it('keeps polynomial expressions (they run on the linear-time automaton)', () => {
      expect(values(sel("        a|re: '(set).*&&\\s?set.*(environment|invoke|\\$?\\{?input).*&&.*\"'"))).to.have.length(1);
    });
  });

  describe('base64 / base64offset', () => {
    it('base64 encodes the value', () => {
      expect(values(sel('        a|base64: foobar'))).to.deep.equal(['Zm9vYmFy']);
    });
    it('base64offset gives the three shifted encodings (pySigma test_base64offset)', () => {
      expect(values(sel('        a|base64offset|contains: foobar'))).to.deep.equal(['*Zm9vYmFy*', '*Zvb2Jhc*', '*mb29iYX*']);
    });
    it('base64offset of a SigmaHQ value', () => {
      // expected strings computed with pySigma's SigmaBase64OffsetModifier algorithm
      expect(values(sel("        a|base64offset|contains: 'IEX ('"))).to.deep.equal(['*SUVYIC*', '*lFWCAo*', '*JRVggK*']);
    });
    it('refuses wildcards', () => {
      expect(parseBad(sel("        a|base64: 'foo*'"))[0].message).to.match(/wildcards is not allowed/);
    });
  });

  describe('utf16le / wide / utf16be / utf16', () => {
    it('wide and utf16le put a zero byte after each ASCII character', () => {
      expect(values(sel("        a|wide: 'cmd'"))).to.deep.equal(['c\0m\0d\0']);
      expect(values(sel("        a|utf16le: 'cmd'"))).to.deep.equal(['c\0m\0d\0']);
    });
    it('utf16be puts it before', () => {
      expect(values(sel("        a|utf16be: 'cmd'"))).to.deep.equal(['\0c\0m\0d']);
    });
    it('then base64 encodes the bytes: utf16 with its FF FE byte order mark', () => {
      expect(values(sel("        a|utf16le|base64: 'cmd'"))).to.deep.equal([Buffer.from('cmd', 'utf16le').toString('base64')]);
      expect(values(sel("        a|utf16be|base64: 'cmd'"))).to.deep.equal([Buffer.from([0, 0x63, 0, 0x6d, 0, 0x64]).toString('base64')]);
      expect(values(sel("        a|utf16|base64: 'cmd'"))).to.deep.equal([Buffer.from([0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0]).toString('base64')]);
    });
    it('wide|base64offset|contains shifts the UTF-16 bytes', () => {
      expect(values(sel("        a|wide|base64offset|contains: 'ping'"))).to.deep.equal(['*cABpAG4AZw*', '*AAaQBuAGcA*', '*wAGkAbgBnA*']);
    });
    it('wide refuses non-ASCII text (as pySigma)', () => {
      expect(parseBad(sel("        a|wide: 'é'"))[0].message).to.match(/ASCII/);
    });
  });

  describe('lt / lte / gt / gte', () => {
    for (const op of ['lt', 'lte', 'gt', 'gte'] as const) {
      it(`${op} compares numbers`, () => {
        expect(itemsOf(parseOk(sel(`        a|${op}: 10`)))[0].values).to.deep.equal([{ kind: 'compare', op, value: 10 }]);
      });
    }
    it('refuse strings (pySigma test_compare_string)', () => {
      expect(parseBad(sel("        a|gte: '123'"))[0].message).to.match(/gte cannot apply to a string/);
    });
  });

  describe('minute / hour / day / week / month / year', () => {
    for (const [part, n] of [['minute', 30], ['hour', 23], ['day', 1], ['week', 52], ['month', 12], ['year', 2024]] as const) {
      it(`${part} makes a timepart value`, () => {
        expect(itemsOf(parseOk(sel(`        a|${part}: ${n}`)))[0].values).to.deep.equal([{ kind: 'timepart', part, op: 'eq', value: n }]);
      });
    }
    it('combine with comparisons in either order', () => {
      expect(itemsOf(parseOk(sel('        a|hour|gte: 18')))[0].values).to.deep.equal([{ kind: 'timepart', part: 'hour', op: 'gte', value: 18 }]);
      expect(itemsOf(parseOk(sel('        a|lt|hour: 6')))[0].values).to.deep.equal([{ kind: 'timepart', part: 'hour', op: 'lt', value: 6 }]);
    });
    it('refuse out-of-range values', () => {
      expect(parseBad(sel('        a|hour: 24'))[0].message).to.match(/hour needs an integer 0..23/);
    });
  });

  describe('cidr', () => {
    it('accepts IPv4 and IPv6 blocks', () => {
      const items = itemsOf(parseOk(sel("        a|cidr:\n            - '10.0.0.0/8'\n            - '2001:db8::/32'\n            - 'fe80::/10'")));
      expect(items[0].values).to.deep.equal([
        { kind: 'cidr', cidr: '10.0.0.0/8' }, { kind: 'cidr', cidr: '2001:db8::/32' }, { kind: 'cidr', cidr: 'fe80::/10' },
      ]);
    });
    it('refuses non-IPs and host bits (pySigma test_cidr_invalid)', () => {
      expect(parseBad(sel("        a|cidr: 'server01/8'"))[0].message).to.match(/not a CIDR block/);
      expect(parseBad(sel("        a|cidr: '192.168.1.1/24'"))[0].message).to.match(/host bits/);
      expect(parseBad(sel("        a|cidr: '2001:db8::1/64'"))[0].message).to.match(/host bits/);
    });
  });

  describe('expand', () => {
    it('makes a placeholder value when the source knows it', () => {
      expect(itemsOf(parseOk(sel("        a|expand: '%Admins%'"), { placeholders }))[0].values).to.deep.equal([{ kind: 'placeholder', name: 'Admins', as: 'pattern' }]);
    });
    it('with cidr makes a CIDR placeholder', () => {
      expect(itemsOf(parseOk(sel("        a|expand|cidr: '%EngineeringHosts%'"), { placeholders }))[0].values).to.deep.equal([{ kind: 'placeholder', name: 'EngineeringHosts', as: 'cidr' }]);
    });
    it('makes the rule unsupported for an unknown placeholder', () => {
      const [p] = parseBad(sel("        a|expand: '%Servers%'"), { placeholders });
      expect(p).to.deep.include({ severity: 'unsupported', feature: 'placeholder %Servers%', key: 'detection.sel.a|expand' });
    });
    it('leaves %name% literal without expand, and \\% literal with it', () => {
      expect(values(sel("        a: '%Servers%'"))).to.deep.equal(['%Servers%']);
      expect(values(sel("        a|expand: '\\%plain'"))).to.deep.equal(['%plain']);
    });
  });

  describe('fieldref', () => {
    it('refers to another field, with contains/startswith/endswith', () => {
      const v = (m: string) => itemsOf(parseOk(sel(`        a|${m}: b`)))[0].values[0];
      expect(v('fieldref')).to.deep.equal({ kind: 'fieldref', field: 'b', match: 'equals' });
      expect(v('fieldref|contains')).to.deep.equal({ kind: 'fieldref', field: 'b', match: 'contains' });
      expect(v('fieldref|startswith')).to.deep.equal({ kind: 'fieldref', field: 'b', match: 'startswith' });
      expect(v('fieldref|endswith')).to.deep.equal({ kind: 'fieldref', field: 'b', match: 'endswith' });
    });
    it('with neq negates', () => {
      expect(itemsOf(parseOk(sel('        a|fieldref|neq: b')))[0].negated).to.equal(true);
    });
    it('refuses wildcards', () => {
      expect(parseBad(sel("        a|fieldref: 'b*'"))[0].message).to.match(/must not contain wildcards/);
    });
  });

  describe('unknown modifiers', () => {
    it('are an error naming the modifier, key and line', () => {
      const [p] = parseBad(sel('        Image|endswith: x\n        Image|foo: bar'));
      expect(p).to.deep.include({ severity: 'error', key: 'detection.sel.Image|foo', message: 'unknown modifier "foo"' });
      expect(p.location).to.deep.equal({ file: 'test.yml', document: 0, line: 8 });
      expect(p.rule).to.equal('Test rule');
    });
  });
});
