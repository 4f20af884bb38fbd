import { expect } from 'chai';
import { parseRuleText } from '../../../../detector/sigma/parse.js';

describe('sigma filter', () => {
  describe('parseFilter', () => {
    it('parses rules, identifiers and condition', () => {
      const set = parseRuleText(
        "title: Filter admins\nlogsource:\n    category: process_creation\n    product: windows\nfilter:\n    rules:\n        - 6f3e2987-db24-4c78-a860-b4f4095a7095\n    selection:\n        User|startswith: 'adm_'\n    condition: selection\n",
        'f.yml',
      );
      expect(set.problems).to.deep.equal([]);
      const [f] = set.filters;
      expect(f).to.deep.include({ kind: 'filter', title: 'Filter admins', rules: ['6f3e2987-db24-4c78-a860-b4f4095a7095'], condition: { op: 'ref', name: 'selection' } });
      expect(f.identifiers.get('selection')?.groups[0][0].values).to.deep.equal([{ kind: 'pattern', pattern: { parts: [{ text: 'adm_' }, { wildcard: '*' }] } }]);
    });
    it('applies to the whole logsource without rules', () => {
      const set = parseRuleText('title: F\nlogsource: {product: windows}\nfilter:\n    s:\n        a: 1\n    condition: s\n', 'f.yml');
      expect(set.filters[0].rules).to.deep.equal([]);
    });
    it('reports errors in the filter section with its key path', () => {
      const set = parseRuleText('title: F\nlogsource: {product: windows}\nfilter:\n    s:\n        a|nope: 1\n    condition: s\n', 'f.yml');
      expect(set.problems[0]).to.deep.include({ key: 'filter.s.a|nope' });
      expect(set.problems[0].location.line).to.equal(5);
    });
  });
});
