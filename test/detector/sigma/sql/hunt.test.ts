import { expect } from 'chai';
import { huntSql } from '../../../../detector/sigma/sql/hunt.js';
import { parseRuleText } from '../../../../detector/sigma/parse.js';
import { SqlHarness, parseOne, ruleText, testMapping, testPlaceholders } from './harness.js';

describe('huntSql', () => {
  let harness: SqlHarness;
  before(async () => {
    harness = await SqlHarness.open({
      engA: { org: { id: 'org-a' }, source: { ip: '10.0.0.5' }, user: { name: 'Admin' } },
      engA6: { org: { id: 'org-a' }, source: { ip: '2001:db8::5' }, user: { name: 'root' } },
      notEngA: { org: { id: 'org-a' }, source: { ip: '10.0.0.6' }, user: { name: 'lit*' } },
      engB: { org: { id: 'org-b' }, source: { ip: '10.0.0.6' }, user: { name: 'guest' } },
      notEngB: { org: { id: 'org-b' }, source: { ip: '10.0.0.5' }, user: { name: 'admin' } },
      netA: { org: { id: 'org-a' }, source: { ip: 'fd00:1:2::3' }, user: { name: 'rXot' } },
      netB: { org: { id: 'org-b' }, source: { ip: '192.168.0.7' }, user: { name: 'literal' } },
      early: { org: { id: 'org-a' }, '@timestamp': '2023-06-01T00:00:00.000Z', source: { ip: '10.0.0.5' } },
    });
  });
  after(async () => {
    await harness.close();
  });

  describe('placeholders', () => {
    it('uses the values of each event’s own org', () => {
      const { rule } = parseOne(ruleText(`sel:\n  source.ip|expand: '%Eng%'\ncondition: sel`));
      expect(harness.sql(rule)).to.deep.equal(['early', 'engA', 'engA6', 'engB']);
      expect(harness.stream(rule)).to.deep.equal(harness.sql(rule));
    });
    it('reads CIDR placeholders as blocks, skipping values that are not', () => {
      const { rule } = parseOne(ruleText(`sel:\n  source.ip|expand|cidr: '%EngNets%'\ncondition: sel`));
      expect(harness.sql(rule)).to.deep.equal(['netA', 'netB']);
      expect(harness.stream(rule)).to.deep.equal(harness.sql(rule));
    });
    it('reads placeholder values as Sigma wildcard patterns, case-insensitively', () => {
      const { rule } = parseOne(ruleText(`sel:\n  user.name|expand: '%Names%'\ncondition: sel`));
      expect(harness.sql(rule)).to.deep.equal(['engA', 'engA6', 'engB', 'netA', 'notEngA']);
      expect(harness.stream(rule)).to.deep.equal(harness.sql(rule));
    });
  });

  describe('scope', () => {
    it('never returns events of an org outside orgIds', () => {
      const { rule } = parseOne(ruleText(`sel:\n  source.ip|exists: true\ncondition: sel`));
      expect(harness.sql(rule, [], { orgIds: ['org-a'] })).to.deep.equal(['early', 'engA', 'engA6', 'netA', 'notEngA']);
      expect(harness.sql(rule, [], { orgIds: ['org-b'] })).to.deep.equal(['engB', 'netB', 'notEngB']);
      expect(harness.sql(rule, [], { orgIds: [] })).to.deep.equal([]);
    });
    it('applies the time range, from inclusive and to exclusive', () => {
      const { rule } = parseOne(ruleText(`sel:\n  source.ip: '10.0.0.5'\ncondition: sel`));
      expect(harness.sql(rule, [], { from: new Date('2023-06-01T00:00:00Z'), to: new Date('2024-01-01T00:00:00Z') })).to.deep.equal(['early']);
      expect(harness.sql(rule, [], { from: new Date('2023-06-01T00:00:01Z') })).to.deep.equal(['engA', 'notEngB']);
    });
    it('refuses a query without orgIds', () => {
      const { rule } = parseOne(ruleText(`sel:\n  source.ip: x\ncondition: sel`));
      expect(() => huntSql(harness.db, [rule], { from: new Date(0), to: new Date() } as never, { mapping: testMapping })).to.throw();
    });
  });

  describe('filters', () => {
    it('excludes what a Sigma filter selects from the rules it names', () => {
      const text = `${ruleText(`sel:\n  source.ip|cidr: '10.0.0.0/8'\ncondition: sel`)}---
title: not the engineering host
logsource: { product: test }
filter:
  rules: [00000000-0000-4000-8000-000000000001]
  selection:
    user.name: admin
  condition: selection
`;
      const set = parseRuleText(text, 'filtered.yml', { placeholders: testPlaceholders });
      expect(set.problems).to.deep.equal([]);
      const [rule] = set.rules;
      expect(harness.sql(rule, set.filters)).to.deep.equal(['early', 'engB', 'notEngA']);
      expect(harness.stream(rule, set.filters)).to.deep.equal(harness.sql(rule, set.filters));
    });
  });

  describe('errors', () => {
    it('reports a rule SQL cannot express and still runs the others', () => {
      const { rule } = parseOne(ruleText(`sel:\n  source.ip: '10.0.0.6'\ncondition: sel`));
      const bad = { ...rule, id: 'bad', identifiers: new Map(), condition: { op: 'ref', name: 'missing' } } as const;
      const result = huntSql(harness.db, [bad, rule], { from: new Date(0), to: new Date('2100-01-01'), orgIds: ['org-a', 'org-b'] }, { mapping: testMapping });
      expect(result.errors.map((e) => e.ruleId)).to.deep.equal(['bad']);
      expect(result.hits.map((h) => harness.labels.get(h.eventId)).sort()).to.deep.equal(['engB', 'notEngA']);
    });
  });
});
