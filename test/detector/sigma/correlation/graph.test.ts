import { expect } from 'chai';
import { buildCorrelationGraph, ruleLabel, type ReferencedRule } from '../../../../detector/sigma/correlation/index.js';
import type { CorrelationRule } from '../../../../detector/sigma/model.js';
import { CorrelationEngine } from '../../../../detector/sigma/correlation/index.js';
import { correlation, detection } from './build.js';

const base = detection('base', 'b0000000-0000-4000-8000-000000000000');

function graphOf(correlations: readonly CorrelationRule[]): ReturnType<typeof buildCorrelationGraph> {
  const lookup = new Map<string, ReferencedRule>([['base', base], [base.id!, base]]);
  for (const c of correlations) lookup.set(c.name!, c);
  return buildCorrelationGraph(correlations, (ref) => lookup.get(ref));
}

const count = (name: string, rules: string[]): CorrelationRule => correlation({ name, type: 'event_count', rules, condition: { gte: 1 } });

describe('buildCorrelationGraph', () => {
  it('orders chained correlations inner first and resolves references', () => {
    const outer = correlation({ name: 'outer', type: 'temporal', rules: ['middle', 'base'] });
    const middle = count('middle', ['inner']);
    const inner = count('inner', [base.id!]);
    const graph = graphOf([outer, middle, inner]);
    expect(graph.problems).to.deep.equal([]);
    expect(graph.plans.map((p) => p.rule.name)).to.deep.equal(['inner', 'middle', 'outer']);
    expect(graph.plans[2]!.inputs).to.deep.equal([middle, base]);
  });

  it('reports a cycle for every member, and every correlation built on it', () => {
    const x = count('x', ['y']);
    const y = count('y', ['x']);
    const onTop = count('on_top', ['x']);
    const fine = count('fine', ['base']);
    const graph = graphOf([onTop, x, y, fine]);
    expect(graph.plans.map((p) => p.rule.name)).to.deep.equal(['fine']);
    const messages = graph.problems.map((p) => `${p.rule}: ${p.message}`);
    expect(messages).to.include('x: correlation chain has a cycle: x -> y -> x');
    expect(messages).to.include('y: correlation chain has a cycle: x -> y -> x');
    expect(messages).to.include('on_top: references correlation "x", which is invalid');
    expect(graph.problems.every((p) => p.severity === 'error')).to.equal(true);
  });

  it('reports a correlation referencing itself', () => {
    const self = count('self', ['self', 'base']);
    const graph = graphOf([self]);
    expect(graph.plans).to.deep.equal([]);
    expect(graph.problems.map((p) => p.message)).to.deep.equal(['correlation chain has a cycle: self -> self']);
  });

  it('reports rule-level mistakes with the key they concern', () => {
    const problems = graphOf([
      correlation({ name: 'no_field', type: 'value_count', rules: ['base'], condition: { gte: 3 } }),
      correlation({ name: 'no_condition', type: 'event_count', rules: ['base'] }),
      correlation({ name: 'no_time', type: 'event_count', rules: ['base'], timespanMs: 0, condition: { gte: 1 } }),
      correlation({ name: 'no_rules', type: 'temporal', rules: [] }),
      correlation({ name: 'bad_alias', type: 'temporal', rules: ['base'], aliases: { ip: { stranger: 'source.ip' } } }),
      correlation({ name: 'bad_percentile', type: 'value_percentile', rules: ['base'], condition: { field: 'x', percentile: 0, gt: 1 } }),
    ]).problems;
    expect(problems.map((p) => [p.rule, p.key])).to.deep.equal([
      ['no_field', 'correlation.condition.field'],
      ['no_condition', 'correlation.condition'],
      ['no_time', 'correlation.timespan'],
      ['no_rules', 'correlation.rules'],
      ['bad_alias', 'correlation.aliases.ip.stranger'],
      ['bad_percentile', 'correlation.condition.percentile'],
    ]);
  });

  it('is what the engine reports at construction', () => {
    const x = count('x', ['y']);
    const y = count('y', ['x']);
    const engine = new CorrelationEngine({ correlations: [x, y], rules: [base] });
    expect(engine.problems).to.have.length(2);
    expect(engine.stats().rules).to.deep.equal([]);
  });
});

describe('ruleLabel', () => {
  it('prefers id, then name, then title', () => {
    expect(ruleLabel(base)).to.equal(base.id);
    expect(ruleLabel(detection('only_name'))).to.equal('only_name');
    expect(ruleLabel({ ...detection('x'), name: undefined, title: 'Title' })).to.equal('Title');
  });
});
