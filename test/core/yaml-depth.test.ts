import { expect } from 'chai';
import { MAX_YAML_NESTING, yamlNesting } from '../../core/yaml-depth.js';

describe('yamlNesting', () => {
  it('counts levels of indentation, compact block indicators and open flow brackets', () => {
    expect(yamlNesting('a: 1\nb: 2\n').depth).to.equal(1);
    expect(yamlNesting('a:\n  b:\n    c: 1\n  d: 2\n').depth).to.equal(3);
    expect(yamlNesting('- - - x\n').depth).to.equal(4);
    expect(yamlNesting('a: [1, {b: [2]}]\n').depth).to.equal(4);
  });

  it('does not count brackets in quoted scalars or comments', () => {
    expect(yamlNesting("a: '[[[['\nb: \"{{{\\\"[\"\nc: 1 # [[[[\n").depth).to.equal(1);
  });

  it('says on which line the limit is passed', () => {
    const text = `a: 1\nb: ${'['.repeat(MAX_YAML_NESTING)}${']'.repeat(MAX_YAML_NESTING)}\n`;
    expect(yamlNesting(text)).to.deep.equal({ depth: MAX_YAML_NESTING + 1, line: 2 });
    expect(yamlNesting(`${'- '.repeat(50_000)}x\n`).line).to.equal(1);
    expect(yamlNesting(`${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`).line).to.equal(MAX_YAML_NESTING + 1);
  });

  it('stays far below the limit on real rules (a Sigma rule nests a few levels)', () => {
    const rule = 'title: t\nlogsource:\n    product: windows\ndetection:\n    sel:\n        - CommandLine|contains|all:\n            - a\n            - b\n    condition: sel\n';
    expect(yamlNesting(rule).depth).to.be.below(10);
  });
});
