import { expect } from 'chai';
import { EsCompileError, compileRuleToEs, numberTextRegexp } from '../../../../detector/sigma/es/compile.js';
import type { EsCompileOptions } from '../../../../detector/sigma/es/compile.js';
import type { Query } from '../../../../detector/sigma/es/query.js';
import { parseOne, ruleText, testMapping, testPlaceholders } from '../sql/harness.js';

const ROUTE: Query = { term: { 'event.dataset': { value: 'test.events' } } };

/** The query of a `product: test` rule, without its route term. */
function compiled(detection: string, options: Partial<EsCompileOptions> = {}): Query {
  const { rule, filters } = parseOne(ruleText(detection));
  const { query } = compileRuleToEs(rule, { mapping: testMapping, placeholders: testPlaceholders, filters, ...options });
  // A detection that can match nothing folds the whole rule to match_none.
  if (query.match_none !== undefined) return query;
  const parts = query.bool?.filter;
  expect(parts, 'route AND detection').to.be.an('array');
  const list = parts as Query[];
  expect(list[0]).to.deep.equal(ROUTE);
  return list.length === 2 ? list[1] : { bool: { filter: list.slice(1) } };
}

function refused(detection: string): EsCompileError {
  try {
    compiled(detection);
  } catch (error) {
    if (error instanceof EsCompileError) return error;
    throw error;
  }
  throw new Error('compiled');
}

const sel = (body: string): string => `sel:\n  ${body.replace(/\n/g, '\n  ')}\ncondition: sel`;

describe('compileRuleToEs', () => {
  describe('patterns on keyword fields', () => {
    it('exact values: term with case_insensitive, or term/terms when cased', () => {
      expect(compiled(sel(`Image: 'C:\\x\\cmd.exe'`))).to.deep.equal({ term: { 'process.executable': { value: 'C:\\x\\cmd.exe', case_insensitive: true } } });
      expect(compiled(sel(`Image|cased: 'Cmd.exe'`))).to.deep.equal({ term: { 'process.executable': { value: 'Cmd.exe' } } });
      expect(compiled(sel(`Image|cased: ['A', 'B']`))).to.deep.equal({ terms: { 'process.executable': ['A', 'B'] } });
      // No letters: nothing to fold, so one terms query.
      expect(compiled(sel(`Image: ['123', '456']`))).to.deep.equal({ terms: { 'process.executable': ['123', '456'] } });
    });

    it('startswith is a prefix query, contains/endswith and ? are wildcard queries with Lucene escaping', () => {
      expect(compiled(sel(`Image|startswith: 'C:\\Win'`))).to.deep.equal({ prefix: { 'process.executable': { value: 'C:\\Win', case_insensitive: true } } });
      expect(compiled(sel(`Image|endswith: '\\cmd.exe'`))).to.deep.equal({ wildcard: { 'process.executable': { value: '*\\\\cmd.exe', case_insensitive: true } } });
      expect(compiled(sel(`Image|contains: 'a\\*b'`))).to.deep.equal({ wildcard: { 'process.executable': { value: '*a\\*b*', case_insensitive: true } } });
      expect(compiled(sel(`Image: 'r?ot'`))).to.deep.equal({ wildcard: { 'process.executable': { value: 'r?ot', case_insensitive: true } } });
      expect(compiled(sel(`Image: '*'`))).to.deep.equal({ exists: { field: 'process.executable' } });
    });

    it('spells out letters JavaScript folds beyond ASCII (ä/Ä, k with the Kelvin sign) as a regexp', () => {
      expect(compiled(sel(`Image: 'äb'`))).to.deep.equal({ regexp: { 'process.executable': { value: '[Ää][Bb]' } } });
      expect(compiled(sel(`Image|startswith: 'k'`))).to.deep.equal({ regexp: { 'process.executable': { value: '[Kk\u212a].*' } } });
    });

    it('a number equals the decimal texts of that number', () => {
      expect(compiled(sel(`Image: 502`))).to.deep.equal({ regexp: { 'process.executable': { value: '\\+?0*502(\\.0*)?([eE][\\+\\-]?0+)?' } } });
      expect(numberTextRegexp(-1.5)).to.equal('\\-0*1\\.50*([eE][\\+\\-]?0+)?');
      expect(numberTextRegexp(0.25)).to.equal('\\+?0*\\.250*([eE][\\+\\-]?0+)?');
      expect(numberTextRegexp(1e21)).to.equal(undefined);
    });

    it('keyword items search message and event.original anywhere', () => {
      const query = compiled(`keywords:\n  - 'evil'\ncondition: keywords`);
      expect(query).to.deep.equal({
        bool: {
          should: [
            { wildcard: { message: { value: '*evil*', case_insensitive: true } } },
            { wildcard: { 'event.original': { value: '*evil*', case_insensitive: true } } },
          ],
          minimum_should_match: 1,
        },
      });
    });

    it('re is a translated regexp, case_insensitive with i', () => {
      expect(compiled(sel(`Image|re: '^C:\\\\x'`))).to.deep.equal({ regexp: { 'process.executable': { value: 'C\\:\\\\x.*' } } });
      expect(compiled(sel(`Image|re|i: 'ab'`))).to.deep.equal({ regexp: { 'process.executable': { value: '.*[Aa][Bb].*', case_insensitive: true } } });
    });
  });

  describe('null, exists, all, neq, conditions, filters', () => {
    it('null is no non-empty value on keyword fields and no value on typed ones; exists is exists', () => {
      expect(compiled(sel(`Image: null`))).to.deep.equal({ bool: { must_not: [{ range: { 'process.executable': { gt: '' } } }] } });
      expect(compiled(sel(`process.pid: null`))).to.deep.equal({ bool: { must_not: [{ exists: { field: 'process.pid' } }] } });
      expect(compiled(sel(`Image|exists: true`))).to.deep.equal({ exists: { field: 'process.executable' } });
    });

    it('all is an AND of values; a field mapped to several fields ORs them', () => {
      expect(compiled(sel(`Either|contains|all: ['a', 'b']`))).to.deep.equal({
        bool: {
          filter: ['a', 'b'].map((v) => ({
            bool: { should: [{ wildcard: { 'a.x': { value: `*${v}*`, case_insensitive: true } } }, { wildcard: { 'a.y': { value: `*${v}*`, case_insensitive: true } } }], minimum_should_match: 1 },
          })),
        },
      });
    });

    it('1 of / N of / not', () => {
      const q = compiled(`a:\n  x: '1'\nb:\n  y: '2'\nc:\n  z: '3'\ncondition: 2 of a or b or c and not a`);
      expect(JSON.stringify(q)).to.contain('"must_not"');
      const two = compiled(`s1:\n  x: '1'\ns2:\n  y: '2'\ns3:\n  z: '3'\ncondition: 2 of s*`);
      expect(two).to.deep.equal({ bool: { should: [{ term: { x: { value: '1' } } }, { term: { y: { value: '2' } } }, { term: { z: { value: '3' } } }], minimum_should_match: 2 } });
    });

    it('a Sigma filter applies as rule AND NOT filter', () => {
      const text = `${ruleText(sel(`Image: 'a'`))}---\ntitle: f\nlogsource: { product: test }\nfilter:\n  rules: ['00000000-0000-4000-8000-000000000001']\n  selection:\n    Image: 'b'\n  condition: selection\n`;
      const { rule, filters } = parseOne(text);
      const { query } = compileRuleToEs(rule, { mapping: testMapping, filters });
      expect((query.bool?.filter as Query[]).at(-1)).to.deep.equal({ bool: { must_not: [{ term: { 'process.executable': { value: 'b', case_insensitive: true } } }] } });
    });
  });

  describe('typed fields', () => {
    it('cidr is a term on the ip field, IPv4 and IPv6; IPv6 blocks over the mapped range leave IPv4 out', () => {
      expect(compiled(sel(`SourceIp|cidr: '10.0.0.0/8'`))).to.deep.equal({ term: { 'source.ip': { value: '10.0.0.0/8' } } });
      expect(compiled(sel(`SourceIp|cidr: '2001:DB8::/32'`))).to.deep.equal({ term: { 'source.ip': { value: '2001:db8::/32' } } });
      expect(compiled(sel(`SourceIp|cidr: '::/0'`))).to.deep.equal({
        bool: { filter: [{ term: { 'source.ip': { value: '::/0' } } }, { bool: { must_not: [{ term: { 'source.ip': { value: '0.0.0.0/0' } } }] } }] },
      });
    });

    it('an exact value on an ip field is a term when it is the stored text, else matches nothing (never a 400)', () => {
      expect(compiled(sel(`SourceIp: '2001:DB8::1'`))).to.deep.equal({ term: { 'source.ip': { value: '2001:db8::1' } } });
      expect(compiled(sel(`SourceIp|cased: '2001:DB8::1'`))).to.deep.equal({ match_none: {} });
      expect(compiled(sel(`SourceIp: 'not-an-ip'`))).to.deep.equal({ match_none: {} });
      expect(refused(sel(`SourceIp|startswith: '10.'`)).reason).to.equal('wildcard on an ip field');
    });

    it('numbers on numeric fields: term, range for gt..lte, a canonical number text as a term', () => {
      expect(compiled(sel(`process.pid: 4`))).to.deep.equal({ term: { 'process.pid': { value: 4 } } });
      expect(compiled(sel(`process.pid|gte: 4`))).to.deep.equal({ range: { 'process.pid': { gte: 4 } } });
      expect(compiled(sel(`process.pid: '04'`))).to.deep.equal({ match_none: {} });
      expect(compiled(sel(`process.pid: 1.5`))).to.deep.equal({ match_none: {} });
    });

    it('boolean fields: patterns decided against true/false', () => {
      expect(compiled(sel(`ics.is_write: 'TRUE'`))).to.deep.equal({ term: { 'ics.is_write': { value: true } } });
      expect(compiled(sel(`ics.is_write: '*e'`))).to.deep.equal({ exists: { field: 'ics.is_write' } });
      expect(compiled(sel(`ics.is_write: 'f*'`))).to.deep.equal({ term: { 'ics.is_write': { value: false } } });
    });

    it('placeholders carry one branch per org and one for other orgs', () => {
      const q = compiled(sel(`SourceIp|expand|cidr: '%EngNets%'`), { placeholderOrgs: ['org-a'] });
      expect(JSON.stringify(q)).to.contain('"org.id":{"value":"org-a"}').and.contain('10.1.0.0/16').and.contain('fd00:1::/32').and.not.contain('192.168.0.0/24');
      expect(refused(sel(`SourceIp|expand|cidr: '%EngNets%'`)).reason).to.equal('placeholder without orgs');
    });
  });

  describe('refusals name the rule and the construct', () => {
    it('fieldref and time parts need painless', () => {
      const error = refused(sel(`Image|fieldref: SourceIp`));
      expect(error.reason).to.equal('fieldref needs a painless script');
      expect(error.message).to.contain('00000000-0000-4000-8000-000000000001').and.contain('test rule');
      expect(refused(sel(`'@timestamp|hour': 3`)).reason).to.equal('time part needs a painless script');
    });

    it('regexes Lucene cannot express, comparisons on text, cidr on text', () => {
      expect(refused(sel(`Image|re: 'a(?=b)'`)).reason).to.equal('regex: lookahead');
      expect(refused(sel(`Image|gt: 3`)).reason).to.equal('numeric comparison on a keyword field');
      expect(refused(sel(`Image|cidr: '10.0.0.0/8'`)).reason).to.equal('cidr on a non-ip field');
    });
  });
});
