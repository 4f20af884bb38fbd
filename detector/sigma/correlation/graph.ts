/**
 * Load-time checks of a set of correlation rules: every referenced rule
 * exists, the conditions make sense for the type, aliases name referenced
 * rules, and chains have no cycle. Yields the valid correlations in
 * evaluation order (inner before outer) and a problem for each invalid one.
 */
import type { CorrelationRule, SigmaProblem } from '../model.js';
import { effectiveBounds } from './condition.js';
import type { ReferencedRule } from './types.js';

/** A valid correlation with its references resolved (same order as `rule.rules`). */
export interface CorrelationPlan {
  readonly rule: CorrelationRule;
  readonly inputs: readonly ReferencedRule[];
}

export interface CorrelationGraph {
  /** Valid correlations, each after every correlation it references. */
  readonly plans: readonly CorrelationPlan[];
  readonly problems: readonly SigmaProblem[];
}

/** The name a rule is known by in metrics and messages: id, else name, else title. */
export function ruleLabel(rule: ReferencedRule): string {
  return rule.id ?? rule.name ?? rule.title;
}

const ValueTypes: ReadonlySet<CorrelationRule['type']> = new Set(['value_count', 'value_sum', 'value_avg', 'value_percentile']);

/**
 * Resolve and check `correlations`. `lookup` finds a rule (detection or
 * correlation) by id or name. Never throws: each invalid correlation, and
 * every correlation that references one, is left out with a problem.
 */
export function buildCorrelationGraph(
  correlations: readonly CorrelationRule[],
  lookup: (ref: string) => ReferencedRule | undefined,
): CorrelationGraph {
  const problems: SigmaProblem[] = [];
  const invalid = new Set<CorrelationRule>();
  const inputs = new Map<CorrelationRule, ReferencedRule[]>();
  const fail = (rule: CorrelationRule, key: string, message: string): void => {
    invalid.add(rule);
    problems.push({ location: rule.location, rule: rule.title, key, severity: 'error', message });
  };

  for (const rule of correlations) {
    for (const [key, message] of ownProblems(rule)) fail(rule, key, message);
    const resolved: ReferencedRule[] = [];
    for (const ref of rule.rules) {
      const target = lookup(ref);
      if (target === undefined) fail(rule, 'correlation.rules', `references unknown rule ${JSON.stringify(ref)}`);
      else resolved.push(target);
    }
    inputs.set(rule, resolved);
    for (const [alias, mapping] of Object.entries(rule.aliases)) {
      for (const ref of Object.keys(mapping)) {
        const target = lookup(ref);
        if (target === undefined || !resolved.includes(target)) {
          fail(rule, `correlation.aliases.${alias}.${ref}`, `alias ${JSON.stringify(alias)} maps rule ${JSON.stringify(ref)}, which the correlation does not reference`);
        }
      }
    }
  }

  // Depth-first over correlation -> correlation edges: a grey node met again closes a cycle.
  const order: CorrelationRule[] = [];
  const colour = new Map<CorrelationRule, 'grey' | 'black'>();
  const stack: CorrelationRule[] = [];
  const visit = (rule: CorrelationRule): void => {
    colour.set(rule, 'grey');
    stack.push(rule);
    for (const input of inputs.get(rule) ?? []) {
      if (input.kind !== 'correlation') continue;
      const state = colour.get(input);
      if (state === 'grey') {
        const cycle = stack.slice(stack.indexOf(input));
        const path = [...cycle, input].map(ruleLabel).join(' -> ');
        for (const member of cycle) fail(member, 'correlation.rules', `correlation chain has a cycle: ${path}`);
      } else if (state === undefined) {
        visit(input);
      }
      if (invalid.has(input) && !invalid.has(rule)) {
        fail(rule, 'correlation.rules', `references correlation ${JSON.stringify(ruleLabel(input))}, which is invalid`);
      }
    }
    stack.pop();
    colour.set(rule, 'black');
    order.push(rule);
  };
  for (const rule of correlations) if (!colour.has(rule)) visit(rule);
  // A cycle found deep in a chain can invalidate rules already finished; settle to a fixpoint.
  let changed = true;
  while (changed) {
    changed = false;
    for (const rule of order) {
      if (invalid.has(rule)) continue;
      const bad = (inputs.get(rule) ?? []).find((input) => input.kind === 'correlation' && invalid.has(input));
      if (bad !== undefined) {
        fail(rule, 'correlation.rules', `references correlation ${JSON.stringify(ruleLabel(bad))}, which is invalid`);
        changed = true;
      }
    }
  }

  const plans = order.filter((rule) => !invalid.has(rule)).map((rule) => ({ rule, inputs: inputs.get(rule) ?? [] }));
  return { plans, problems };
}

/** Problems of one correlation on its own, as [key, message]. */
function ownProblems(rule: CorrelationRule): [string, string][] {
  const out: [string, string][] = [];
  if (rule.rules.length === 0) out.push(['correlation.rules', 'a correlation must reference at least one rule']);
  if (!(Number.isFinite(rule.timespanMs) && rule.timespanMs > 0)) out.push(['correlation.timespan', `timespan must be a positive duration, got ${rule.timespanMs} ms`]);
  if (ValueTypes.has(rule.type) && (rule.condition.field === undefined || rule.condition.field === '')) {
    out.push(['correlation.condition.field', `${rule.type} needs condition.field`]);
  }
  if (effectiveBounds(rule).tests.length === 0) out.push(['correlation.condition', `${rule.type} needs a condition (gt, gte, lt, lte, eq or neq)`]);
  const percentile = rule.condition.percentile;
  if (rule.type === 'value_percentile' && percentile !== undefined && !(percentile >= 1 && percentile <= 100)) {
    out.push(['correlation.condition.percentile', `percentile must be within 1..100, got ${percentile}`]);
  }
  return out;
}
