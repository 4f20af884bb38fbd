import { expect } from 'chai';
import { compileRuleToSql, fieldPath, SqlCompileError } from '../../../../detector/sigma/sql/compile.js';
import type { DetectionRule } from '../../../../detector/sigma/model.js';
import type { EventOverrides } from '../../../helpers/events.js';
import { SqlHarness, parseOne, ruleText, testMapping } from './harness.js';

/** Events keyed by label; each `describe` stores its own set once. */
type Events = Record<string, EventOverrides>;

function suite(events: Events, body: (hits: (detection: string, logsource?: string) => string[]) => void): void {
  let harness: SqlHarness;
  before(async () => {
    harness = await SqlHarness.open(events);
  });
  after(async () => {
    await harness.close();
  });
  body((detection, logsource) => {
    const { rule, filters } = parseOne(ruleText(detection, logsource));
    const sql = harness.sql(rule, filters);
    // Every case also holds the stream matcher to the same answer.
    expect(harness.stream(rule, filters), 'stream matcher hits').to.deep.equal(sql);
    return sql;
  });
}

describe('compileRuleToSql', () => {
  describe('patterns', () => {
    suite(
      {
        cmd: { process: { executable: 'C:\\Windows\\System32\\CMD.EXE' } },
        cmd2: { process: { executable: 'c:\\windows\\system32\\cmd.exe2' } },
        umlautUpper: { a: { name: 'ÄRGER' } },
        umlautLower: { a: { name: 'ärger' } },
        chinese: { a: { name: '这是中文文本' } },
        kelvin: { a: { name: '\u212Aelvin' } },
        sharpS: { a: { name: 'straße' } },
        percent: { a: { name: '50%_off' } },
        likeLookalike: { a: { name: '50xxoff' } },
        star: { a: { name: 'a*b' } },
        starLookalike: { a: { name: 'axb' } },
        bracket: { a: { name: 'x[1]tail' } },
        bracketLookalike: { a: { name: 'x1tail' } },
        mixedCase: { a: { name: 'Abc' } },
        lowerCase: { a: { name: 'abc' } },
        multiline: { a: { name: 'first\nsecond' } },
        fOo: { a: { name: 'fÖo' } },
        emptyText: { a: { name: '' } },
        objectValue: { a: { name: { nested: 'abc' } } },
      },
      (hits) => {
        it('matches whole values case-insensitively', () => {
          expect(hits(`sel:\n  Image: 'C:\\Windows\\System32\\cmd.exe'\ncondition: sel`)).to.deep.equal(['cmd']);
        });
        it('folds non-ASCII letters as JavaScript does (Ä/ä, the Kelvin sign)', () => {
          expect(hits(`sel:\n  a.name: 'äRGER'\ncondition: sel`)).to.deep.equal(['umlautLower', 'umlautUpper']);
          expect(hits(`sel:\n  a.name|startswith: 'kel'\ncondition: sel`)).to.deep.equal(['kelvin']);
          expect(hits(`sel:\n  a.name: 'STRASSE'\ncondition: sel`)).to.deep.equal([]);
        });
        it('finds Chinese text with contains', () => {
          expect(hits(`sel:\n  a.name|contains: '中文'\ncondition: sel`)).to.deep.equal(['chinese']);
        });
        it('treats LIKE and GLOB special characters as text', () => {
          expect(hits(`sel:\n  a.name: '50%_off'\ncondition: sel`)).to.deep.equal(['percent']);
          expect(hits(`sel:\n  a.name|contains: '%_'\ncondition: sel`)).to.deep.equal(['percent']);
          expect(hits(`sel:\n  a.name: 'x[1]*'\ncondition: sel`)).to.deep.equal(['bracket']);
        });
        it('keeps escaped wildcards literal', () => {
          expect(hits(`sel:\n  a.name: 'a\\*b'\ncondition: sel`)).to.deep.equal(['star']);
        });
        it('matches * across lines and ? as one character', () => {
          expect(hits(`sel:\n  a.name: 'first*nd'\ncondition: sel`)).to.deep.equal(['multiline']);
          expect(hits(`sel:\n  a.name: 'f?o'\ncondition: sel`)).to.deep.equal(['fOo']);
          expect(hits(`sel:\n  a.name: 'a?b'\ncondition: sel`)).to.deep.equal(['star', 'starLookalike']);
        });
        it('honours cased', () => {
          expect(hits(`sel:\n  a.name|cased: 'Abc'\ncondition: sel`)).to.deep.equal(['mixedCase']);
          expect(hits(`sel:\n  a.name: 'Abc'\ncondition: sel`)).to.deep.equal(['lowerCase', 'mixedCase']);
        });
        it('matches the empty string only against empty text, and never objects', () => {
          expect(hits(`sel:\n  a.name: ''\ncondition: sel`)).to.deep.equal(['emptyText']);
          expect(hits(`sel:\n  a.name: '*'\ncondition: sel`)).to.not.include('objectValue');
        });
      },
    );
  });

  describe('numbers, booleans, arrays', () => {
    suite(
      {
        num: { a: { port: 502 } },
        numText: { a: { port: '502' } },
        numPadded: { a: { port: '0502' } },
        other: { a: { port: 503 } },
        real: { a: { port: 0.30000000000000004 } },
        yes: { a: { flag: true } },
        yesText: { a: { flag: 'TRUE' } },
        no: { a: { flag: false } },
        one: { a: { flag: 1 } },
        list: { a: { tags: ['x', 'Y', 'z'], port: [1, 502] } },
        listShort: { a: { tags: ['x'] } },
        nestedList: { a: { tags: [['x', 'y']] } },
      },
      (hits) => {
        it('compares a number value with numbers and numeric strings', () => {
          expect(hits(`sel:\n  a.port: 502\ncondition: sel`)).to.deep.equal(['list', 'num', 'numPadded', 'numText']);
        });
        it('compares a string value with a number by its text form', () => {
          expect(hits(`sel:\n  a.port: '502'\ncondition: sel`)).to.deep.equal(['list', 'num', 'numText']);
          expect(hits(`sel:\n  a.port|startswith: '0.3000'\ncondition: sel`)).to.deep.equal(['real']);
        });
        it('compares with gt/gte/lt/lte', () => {
          expect(hits(`sel:\n  a.port|gt: 502\ncondition: sel`)).to.deep.equal(['other']);
          expect(hits(`sel:\n  a.port|gte: 502\ncondition: sel`)).to.deep.equal(['list', 'num', 'numPadded', 'numText', 'other']);
          expect(hits(`sel:\n  a.port|lt: 1\ncondition: sel`)).to.deep.equal(['real']);
          expect(hits(`sel:\n  a.port|lte: 1\ncondition: sel`)).to.deep.equal(['list', 'real']);
        });
        it('matches booleans and their text', () => {
          expect(hits(`sel:\n  a.flag: true\ncondition: sel`)).to.deep.equal(['yes', 'yesText']);
          expect(hits(`sel:\n  a.flag: false\ncondition: sel`)).to.deep.equal(['no']);
          expect(hits(`sel:\n  a.flag: 'true'\ncondition: sel`)).to.deep.equal(['yes', 'yesText']);
        });
        it('matches any element of an array, and each value of all in some element', () => {
          expect(hits(`sel:\n  a.tags: 'y'\ncondition: sel`)).to.deep.equal(['list']);
          expect(hits(`sel:\n  a.tags|all: ['x', 'y']\ncondition: sel`)).to.deep.equal(['list']);
          expect(hits(`sel:\n  a.tags: 'x'\ncondition: sel`)).to.deep.equal(['list', 'listShort']);
        });
        it('does not look inside nested arrays', () => {
          expect(hits(`sel:\n  a.tags: 'x'\ncondition: sel`)).to.not.include('nestedList');
        });
        it('applies contains|all to one string', () => {
          expect(hits(`sel:\n  process.name|contains|all: ['a', 'b']\ncondition: sel`)).to.deep.equal([]);
        });
      },
    );
  });

  describe('null, exists, neq', () => {
    suite(
      {
        absent: {},
        nullValue: { a: { name: null } },
        empty: { a: { name: '' } },
        emptyList: { a: { name: [] } },
        listOfNull: { a: { name: [null] } },
        value: { a: { name: 'x' } },
        otherValue: { a: { name: 'y' } },
      },
      (hits) => {
        it('null matches absent, null, empty text and empty arrays', () => {
          expect(hits(`sel:\n  a.name: null\ncondition: sel`)).to.deep.equal(['absent', 'empty', 'emptyList', 'nullValue']);
        });
        it('exists means present and not null', () => {
          expect(hits(`sel:\n  a.name|exists: true\ncondition: sel`)).to.deep.equal(['empty', 'emptyList', 'listOfNull', 'otherValue', 'value']);
          expect(hits(`sel:\n  a.name|exists: false\ncondition: sel`)).to.deep.equal(['absent', 'nullValue']);
        });
        it('neq matches when no value matches, absent fields included', () => {
          expect(hits(`sel:\n  a.name|neq: 'X'\ncondition: sel`)).to.deep.equal(['absent', 'empty', 'emptyList', 'listOfNull', 'nullValue', 'otherValue']);
        });
        it('not null matches present, non-empty values', () => {
          expect(hits(`sel:\n  a.name: null\ncondition: not sel`)).to.deep.equal(['listOfNull', 'otherValue', 'value']);
        });
      },
    );
  });

  describe('regex, cidr, fieldref, timepart', () => {
    suite(
      {
        abc: { a: { name: 'xxABBBCxx', other: 'xxabbbcxx', n: 1234 }, source: { ip: '10.1.2.3' } },
        abcLower: { a: { name: 'abbc\nnext', other: 'ABBC' }, source: { ip: '2001:db8::1' } },
        mapped: { source: { ip: '::ffff:10.9.9.9' } },
        v6other: { source: { ip: '2001:db9::1' }, a: { name: 'pre', other: 'prefix' } },
        notIp: { source: { ip: 'not-an-ip' }, a: { name: 'fix', other: 'prefix' } },
        night: { '@timestamp': '2024-03-05T23:59:00.000Z', a: { when: '2024-03-05T23:59:00.000Z' } },
        morning: { '@timestamp': '2024-03-06T06:15:00.000Z', a: { when: 1709705700000 } },
      },
      (hits) => {
        it('searches with the JS regex and its flags, unanchored', () => {
          expect(hits(`sel:\n  a.name|re: 'AB+C'\ncondition: sel`)).to.deep.equal(['abc']);
          expect(hits(`sel:\n  a.name|re|i: 'ab+c'\ncondition: sel`)).to.deep.equal(['abc', 'abcLower']);
          expect(hits(`sel:\n  a.name|re|m: '^next$'\ncondition: sel`)).to.deep.equal(['abcLower']);
          expect(hits(`sel:\n  a.n|re: '^12'\ncondition: sel`)).to.deep.equal(['abc']);
        });
        it('matches IPv4 and IPv6 blocks, mapped addresses, never non-IPs', () => {
          expect(hits(`sel:\n  SourceIp|cidr: '10.0.0.0/8'\ncondition: sel`)).to.deep.equal(['abc', 'mapped']);
          expect(hits(`sel:\n  SourceIp|cidr: '2001:db8::/32'\ncondition: sel`)).to.deep.equal(['abcLower']);
          expect(hits(`sel:\n  SourceIp|cidr: '::/0'\ncondition: sel`)).to.deep.equal(['abcLower', 'mapped', 'v6other']);
        });
        it('compares with another field of the same event', () => {
          expect(hits(`sel:\n  a.name|fieldref: a.other\ncondition: sel`)).to.deep.equal(['abc']);
          expect(hits(`sel:\n  a.other|fieldref|startswith: a.name\ncondition: sel`)).to.deep.equal(['abc', 'v6other']);
          expect(hits(`sel:\n  a.other|fieldref|endswith: a.name\ncondition: sel`)).to.deep.equal(['abc', 'notIp']);
          expect(hits(`sel:\n  a.other|fieldref|contains: a.name\ncondition: sel`)).to.deep.equal(['abc', 'notIp', 'v6other']);
        });
        it('compares UTC time parts of date strings and epoch numbers', () => {
          expect(hits(`sel:\n  a.when|hour: 23\ncondition: sel`)).to.deep.equal(['night']);
          expect(hits(`sel:\n  a.when|hour|lt: 12\ncondition: sel`)).to.deep.equal(['morning']);
          expect(hits(`sel:\n  '@timestamp|day': 6\ncondition: sel`)).to.deep.equal(['morning']);
          expect(hits(`sel:\n  '@timestamp|week': 10\ncondition: sel`)).to.deep.equal(['morning', 'night']);
        });
      },
    );
  });

  describe('keywords, mapping, routing', () => {
    suite(
      {
        msg: { message: 'An ERROR 42 occurred in Ärger' },
        original: { message: 'fine', event: { original: 'raw error 42 text' } },
        quiet: { message: 'all good' },
        both: { a: { y: 'hit' } },
        flattened: { a: { 'b.c': 'flat' } },
        otherDataset: { event: { dataset: 'else' }, a: { name: 'x' }, message: 'error 42' },
        coded: { event: { dataset: 'x', code: 4104 }, a: { name: 'x' } },
        codedText: { event: { dataset: 'x', code: '4688' }, a: { name: 'x' } },
        codedList: { event: { dataset: 'x', code: [4104] }, a: { name: 'x' } },
      },
      (hits) => {
        it('searches keywords in message and event.original, case-insensitively', () => {
          expect(hits(`keywords:\n  - 'error 42'\ncondition: keywords`)).to.deep.equal(['msg', 'original']);
          expect(hits(`keywords:\n  - 'ärger'\ncondition: keywords`)).to.deep.equal(['msg']);
          expect(hits(`keywords:\n  - 42\ncondition: keywords`)).to.deep.equal(['msg', 'original']);
        });
        it('reads a rule field mapped to several ECS fields as any of them', () => {
          expect(hits(`sel:\n  Either: 'HIT'\ncondition: sel`)).to.deep.equal(['both']);
        });
        it('reads flattened keys holding the rest of the path, as getField does', () => {
          expect(hits(`sel:\n  a.b.c: 'flat'\ncondition: sel`)).to.deep.equal(['flattened']);
        });
        it('selects only events on the logsource route', () => {
          expect(hits(`sel:\n  a.name: 'x'\ncondition: sel`)).to.deep.equal([]);
          expect(hits(`sel:\n  a.name: 'x'\ncondition: sel`, 'product: coded')).to.deep.equal(['coded', 'codedText']);
        });
      },
    );
  });

  describe('conditions', () => {
    suite(
      {
        a: { a: { p: 'a' } },
        ab: { a: { p: 'a', q: 'b' } },
        abc: { a: { p: 'a', q: 'b', r: 'c' } },
        none: {},
      },
      (hits) => {
        const ids = `sel_p:\n  a.p: a\nsel_q:\n  a.q: b\nsel_r:\n  a.r: c\n`;
        it('combines with and, or, not and parentheses', () => {
          expect(hits(`${ids}condition: sel_p and not sel_q`)).to.deep.equal(['a']);
          expect(hits(`${ids}condition: sel_r or (sel_q and not sel_r)`)).to.deep.equal(['ab', 'abc']);
          expect(hits(`${ids}condition: not (sel_p or sel_q)`)).to.deep.equal(['none']);
        });
        it('counts with 1 of, 2 of and all of', () => {
          expect(hits(`${ids}condition: 1 of sel_*`)).to.deep.equal(['a', 'ab', 'abc']);
          expect(hits(`${ids}condition: 2 of sel_*`)).to.deep.equal(['ab', 'abc']);
          expect(hits(`${ids}condition: all of them`)).to.deep.equal(['abc']);
        });
        it('ORs the maps of a list and ANDs the items of a map', () => {
          expect(hits(`sel:\n  - a.p: a\n    a.q: b\n  - a.r: c\ncondition: sel`)).to.deep.equal(['ab', 'abc']);
        });
      },
    );
  });

  describe('fieldPath', () => {
    it('binds field names as JSON paths and refuses ones that cannot be quoted', () => {
      expect(fieldPath('source.ip').params).to.include('$."source"."ip"');
      expect(() => fieldPath('a."b')).to.throw(SqlCompileError);
      expect(() => fieldPath('a..b')).to.throw(SqlCompileError);
    });
  });

  describe('parameters', () => {
    it('never puts values in the SQL text', () => {
      const { rule } = parseOne(ruleText(`sel:\n  a.name: "x'); DROP TABLE events; --"\ncondition: sel`));
      const compiled = compileRuleToSql(rule, { mapping: testMapping });
      expect(compiled.where).to.not.include('DROP');
      expect(compiled.params).to.include("x'); drop table events; --");
    });
    it('refuses a placeholder without a source, as the matcher does', () => {
      const { rule } = parseOne(ruleText(`sel:\n  a.name|expand: '%Eng%'\ncondition: sel`));
      expect(() => compileRuleToSql(rule as DetectionRule, { mapping: testMapping })).to.throw(SqlCompileError, /Eng/);
    });
  });
});
