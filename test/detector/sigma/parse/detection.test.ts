import { expect } from 'chai';
import { itemsOf, parseBad, parseOk, show } from './rule-text.js';

describe('sigma detection', () => {
  describe('parseDetection', () => {
    it('a map is one AND-group, a list of maps one group per map', () => {
      const rule = parseOk('    sel:\n        a: 1\n        b: x\n    alt:\n        - a: 1\n        - b: x\n    condition: sel or alt\n');
      expect(rule.identifiers.get('sel')?.groups).to.have.length(1);
      expect(rule.identifiers.get('sel')?.groups[0]).to.have.length(2);
      expect(rule.identifiers.get('alt')?.groups).to.have.length(2);
    });
    it('a list of plain values is a keyword item', () => {
      const rule = parseOk("    kw:\n        - 'event::clear'\n        - 4624\n    condition: kw\n");
      const [item] = itemsOf(rule, 'kw');
      expect(item.field).to.equal(null);
      expect(item.values.map(show)).to.deep.equal(['event::clear', '4624']);
    });
    it('keeps numbers, strings, booleans and null apart', () => {
      const rule = parseOk("    sel:\n        n: 4624\n        s: '4624'\n        b: true\n        z: null\n        e: ''\n    condition: sel\n");
      const items = itemsOf(rule);
      expect(items.map((i) => i.values[0])).to.deep.equal([
        { kind: 'number', value: 4624 },
        { kind: 'pattern', pattern: { parts: [{ text: '4624' }] } },
        { kind: 'boolean', value: true },
        { kind: 'null' },
        { kind: 'pattern', pattern: { parts: [] } },
      ]);
    });
    it('keeps the value case as written (matching is case-insensitive unless cased)', () => {
      expect(show(itemsOf(parseOk('    sel:\n        a: CmD.Exe\n    condition: sel\n'))[0].values[0])).to.equal('CmD.Exe');
    });
    it('resolves escapes in YAML single-quoted values', () => {
      const rule = parseOk("    sel:\n        a: 'C:\\Windows\\*'\n        b: 'C:\\\\Windows\\\\*'\n    condition: sel\n");
      expect(itemsOf(rule).map((i) => show(i.values[0]))).to.deep.equal(['C:\\Windows\\*', 'C:\\Windows\\*']);
      // the first is a literal star (\*), the second a wildcard after a backslash (\\*)
      expect(itemsOf(rule)[0].values[0]).to.deep.equal({ kind: 'pattern', pattern: { parts: [{ text: 'C:\\Windows*' }] } });
      expect(itemsOf(rule)[1].values[0]).to.deep.equal({ kind: 'pattern', pattern: { parts: [{ text: 'C:\\Windows\\' }, { wildcard: '*' }] } });
    });
    it('refuses null inside a value list', () => {
      const [p] = parseBad("    sel:\n        a:\n            - ''\n            - null\n    condition: sel\n");
      expect(p.message).to.match(/null cannot be part of a list/);
      expect(p.key).to.equal('detection.sel.a');
    });
    it('refuses empty lists, empty maps, maps as values, mixed lists', () => {
      expect(parseBad('    sel:\n        a: []\n    condition: sel\n')[0].message).to.match(/empty value list/);
      expect(parseBad('    sel: {}\n    condition: sel\n')[0].message).to.match(/empty map/);
      expect(parseBad('    sel:\n        a:\n            b: c\n    condition: sel\n')[0].message).to.match(/must be a string, number, boolean or null/);
      expect(parseBad('    sel:\n        - a: 1\n        - b\n    condition: sel\n')[0].message).to.match(/only maps or only plain values/);
    });
    it('refuses a missing condition and undefined identifiers, with the line', () => {
      expect(parseBad('    sel:\n        a: 1\n')[0].message).to.match(/no condition/);
      const [p] = parseBad('    sel:\n        a: 1\n    condition: sel and other\n');
      expect(p).to.deep.include({ key: 'detection.condition' });
      expect(p.location.line).to.equal(8);
      expect(p.message).to.match(/undefined search identifier "other"/);
    });
    it('collects every bad key of a rule', () => {
      const problems = parseBad('    sel:\n        a|foo: 1\n        b|bar: 2\n    condition: sel\n');
      expect(problems.map((p) => p.key)).to.deep.equal(['detection.sel.a|foo', 'detection.sel.b|bar']);
    });
    it('ORs a condition list', () => {
      expect(parseOk('    a:\n        x: 1\n    b:\n        y: 2\n    condition:\n        - a\n        - b\n').condition).to.deep.equal({
        op: 'or', args: [{ op: 'ref', name: 'a' }, { op: 'ref', name: 'b' }],
      });
    });
  });
});
