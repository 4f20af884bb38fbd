import { expect } from 'chai';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadRules, parseRuleText, ruleFiles } from '../../../detector/sigma/parse.js';
import { corpusPath, tempDir } from '../../helpers/paths.js';

const RULE = (title: string, extra = '') =>
  `title: ${title}\n${extra}logsource:\n    product: windows\ndetection:\n    sel:\n        a: 1\n    condition: sel\n`;

describe('sigma parse', () => {
  describe('parseRuleText', () => {
    it('maps attributes into the model and keeps custom attributes', () => {
      const set = parseRuleText(
        `title: T\nid: 5b1c3a42-0e8c-4b5a-9d3f-1a2b3c4d5e6f\nstatus: test\nlevel: high\ndate: 2024-01-02\ntags:\n    - attack.t1059\nfalsepositives:\n    - admins\niisa:\n    match: [{a: 1}]\nlogsource:\n    product: windows\ndetection:\n    sel:\n        a: 1\n    condition: sel\nfields: [a]\n`,
        'a.yml',
      );
      expect(set.problems).to.deep.equal([]);
      expect(set.rules[0]).to.deep.include({
        title: 'T', id: '5b1c3a42-0e8c-4b5a-9d3f-1a2b3c4d5e6f', status: 'test', level: 'high', date: '2024-01-02', tags: ['attack.t1059'],
        falsepositives: ['admins'], fields: ['a'], custom: { iisa: { match: [{ a: 1 }] } }, location: { file: 'a.yml', document: 0, line: 1 },
      });
    });
    it('reports attribute errors with key and line', () => {
      const set = parseRuleText('title: T\nlevel: severe\nlogsource:\n    product: windows\ndetection:\n    sel:\n        a: 1\n    condition: sel\n', 'b.yml');
      expect(set.problems).to.have.length(1);
      expect(set.problems[0]).to.deep.include({ key: 'level', rule: 'T', severity: 'error' });
      expect(set.problems[0].location).to.deep.equal({ file: 'b.yml', document: 0, line: 2 });
    });
    it('requires title, logsource, detection', () => {
      const set = parseRuleText('id: 5b1c3a42-0e8c-4b5a-9d3f-1a2b3c4d5e6f\ndetection:\n    sel:\n        a: 1\n    condition: sel\n', 'c.yml');
      expect(set.problems.map((p) => p.message)).to.include.members(['missing required attribute title', 'missing required attribute logsource']);
      expect(set.problems[0].rule).to.equal('5b1c3a42-0e8c-4b5a-9d3f-1a2b3c4d5e6f');
    });
    it('refuses ids that are not UUIDs and bad dates', () => {
      expect(parseRuleText(RULE('T', 'id: 1234\n'), 'd.yml').problems[0]).to.deep.include({ key: 'id' });
      expect(parseRuleText(RULE('T', 'date: 2024/01/02\n'), 'd.yml').problems[0]).to.deep.include({ key: 'date' });
    });
    it('loads every document of a multi-document file and reports the bad one by index and line', () => {
      const text = `${RULE('One')}---\n${RULE('Two').replace('a: 1', 'a|bad: 1')}---\n${RULE('Three')}`;
      const set = parseRuleText(text, 'multi.yml');
      expect(set.rules.map((r) => r.title)).to.deep.equal(['One', 'Three']);
      expect(set.rules.map((r) => r.location.document)).to.deep.equal([0, 2]);
      expect(set.rules[1].location.line).to.equal(17);
      expect(set.problems).to.have.length(1);
      expect(set.problems[0]).to.deep.include({ rule: 'Two', key: 'detection.sel.a|bad' });
      expect(set.problems[0].location).to.deep.equal({ file: 'multi.yml', document: 1, line: 14 });
    });
    it('supports Sigma 1.x collections: action global, repeat, reset', () => {
      const text = [
        'action: global\ntitle: Base\nlogsource:\n    product: windows\ndetection:\n    condition: sel\n',
        'detection:\n    sel:\n        a: 1\n',
        'action: repeat\ntitle: Repeated\ndetection:\n    sel:\n        a: 2\n',
        'action: reset\n',
        RULE('Alone'),
      ].join('---\n');
      const set = parseRuleText(text, 'coll.yml');
      expect(set.problems).to.deep.equal([]);
      expect(set.rules.map((r) => r.title)).to.deep.equal(['Base', 'Repeated', 'Alone']);
      expect(set.rules[1].identifiers.get('sel')?.groups[0][0].values).to.deep.equal([{ kind: 'number', value: 2 }]);
      expect(set.rules[0].logsource).to.deep.equal({ product: 'windows' });
    });
    it('reports unknown actions', () => {
      expect(parseRuleText('action: merge\ntitle: x\n', 'x.yml').problems[0]).to.deep.include({ key: 'action' });
    });
    it('reports YAML syntax errors with the line, and keeps other documents', () => {
      const set = parseRuleText(`${RULE('Good')}---\ntitle: [unclosed\n`, 'y.yml');
      expect(set.rules).to.have.length(1);
      expect(set.problems[0].severity).to.equal('error');
      expect(set.problems[0].location.document).to.equal(1);
      expect(set.problems[0].message).to.match(/^YAML: /);
    });
    it('never throws on garbage', () => {
      for (const text of ['', '---\n---\n', '- a\n- b\n', 'just text', '{a: ', 'detection: 5\n', 'title: x\ncorrelation: 3\n']) {
        expect(() => parseRuleText(text, 'g.yml'), text).to.not.throw();
      }
    });
  });

  describe('loadRules', () => {
    it('loads .yml/.yaml recursively in a stable order and reports missing paths', () => {
      const dir = tempDir();
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'b.yml'), RULE('B'));
      writeFileSync(join(dir, 'a.yaml'), RULE('A'));
      writeFileSync(join(dir, 'sub', 'c.yml'), RULE('C'));
      writeFileSync(join(dir, 'notes.txt'), 'not a rule');
      const set = loadRules([dir, join(dir, 'missing')]);
      expect(set.rules.map((r) => r.title)).to.deep.equal(['A', 'B', 'C']);
      expect(set.problems).to.have.length(1);
      expect(set.problems[0].message).to.match(/cannot read/);
    });

    it('loads every example of the specification (tests/schema: all valid)', () => {
      // The folder holds only valid examples (rules/, correlation/, filter/); there is no invalid set to check.
      const set = loadRules([corpusPath('sigma-specification', 'tests')]);
      expect(set.problems).to.deep.equal([]);
      expect(set.rules.length).to.equal(2);
      expect(set.correlations.map((c) => c.type).sort()).to.deep.equal(
        ['event_count', 'event_count', 'temporal', 'temporal_ordered', 'value_avg', 'value_count', 'value_percentile', 'value_sum'],
      );
      expect(set.filters.length).to.equal(2);
    });

    it('loads SigmaHQ: no errors, under 1% unsupported, each with its feature', function () {
      this.timeout(120_000);
      const dirs = ['rules', 'rules-compliance', 'rules-dfir', 'rules-placeholder'].map((d) => corpusPath('sigmahq', d));
      const set = loadRules(dirs);
      const files = new Set<string>();
      for (const d of dirs) for (const f of ruleFiles(d)) files.add(f);
      const badFiles = new Map<string, 'error' | 'unsupported'>();
      for (const p of set.problems) {
        if (p.severity === 'error' || !badFiles.has(p.location.file)) badFiles.set(p.location.file, p.severity);
        if (p.severity === 'unsupported') expect(p.feature, JSON.stringify(p)).to.be.a('string').and.not.equal('');
      }
      const errors = set.problems.filter((p) => p.severity === 'error');
      const unsupportedFiles = [...badFiles.values()].filter((s) => s === 'unsupported').length;
      const ratio = unsupportedFiles / files.size;
      console.log(`      SigmaHQ: ${files.size} files, ${set.rules.length} rules loaded, ${unsupportedFiles} unsupported (${(ratio * 100).toFixed(2)}%), ${errors.length} errors`);
      expect(errors.map((p) => `${relative(process.cwd(), p.location.file)}:${p.location.line} ${p.message}`)).to.deep.equal([]);
      expect(set.rules.length + set.correlations.length + set.filters.length + unsupportedFiles).to.equal(files.size);
      expect(ratio).to.be.below(0.01);
    });
  });
});
