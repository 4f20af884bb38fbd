/**
 * Sigma filters (v2.1 "global filters"): tuning a site applies to rules
 * without editing them. A filter applies to a rule when the filter's
 * logsource attributes are all present in the rule's logsource with the
 * same values, and the filter names the rule (by id or name) or names none.
 * An event the filter's condition matches is excluded from the rule: the
 * rule's predicate becomes `rule && !filter`.
 *
 * (pySigma instead ANDs the filter condition as written, so its filters say
 * `condition: not selection`; the specification's examples say
 * `condition: selection` for what is excluded, which is what iisa follows.)
 */
import type { DetectionRule, Logsource, SigmaFilter, SigmaProblem } from '../model.js';
import { RuleCompileError, compileDetection } from './compile.js';
import type { CompileContext, CompiledRule, EventPredicate } from './compile.js';

const ATTRIBUTES = ['product', 'category', 'service'] as const;

function logsourceWithin(filter: Logsource, rule: Logsource): boolean {
  return ATTRIBUTES.every((k) => {
    const want = filter[k];
    return want === undefined || (rule[k] !== undefined && rule[k].toLowerCase() === want.toLowerCase());
  });
}

/** Whether `filter` applies to `rule` (logsource and rule references). */
export function filterApplies(filter: SigmaFilter, rule: DetectionRule): boolean {
  if (!logsourceWithin(filter.logsource, rule.logsource)) return false;
  if (filter.rules.length === 0) return true;
  return filter.rules.some((ref) => ref === rule.id || ref === rule.name);
}

export interface FilteredRules {
  readonly rules: readonly CompiledRule[];
  /** Filters that could not be compiled for some rule's logsource; the rules they name run unfiltered. */
  readonly problems: readonly SigmaProblem[];
}

/**
 * Apply filters to compiled rules: each rule's test becomes `test && !f1 && !f2 ...`
 * for the filters that apply to it. A filter is compiled once per logsource
 * it meets (field names are mapped for the rule's logsource).
 */
export function applyFilters(rules: readonly CompiledRule[], filters: readonly SigmaFilter[], ctx: CompileContext): FilteredRules {
  if (filters.length === 0) return { rules, problems: [] };
  const problems: SigmaProblem[] = [];
  const compiled = new Map<string, EventPredicate | null>();
  const compiledFor = (filter: SigmaFilter, index: number, rule: CompiledRule): EventPredicate | null => {
    const key = `${index}\u0000${rule.logsource.key}`;
    if (compiled.has(key)) return compiled.get(key) ?? null;
    let predicate: EventPredicate | null = null;
    try {
      predicate = compileDetection(filter.identifiers, filter.condition, rule.logsource, ctx);
    } catch (err) {
      if (!(err instanceof RuleCompileError)) throw err;
      problems.push({
        location: filter.location,
        rule: filter.id ?? filter.title,
        severity: err.feature ? 'unsupported' : 'error',
        ...(err.feature ? { feature: err.feature } : {}),
        message: `filter "${filter.title}" cannot be compiled for logsource ${rule.logsource.key}: ${err.message}`,
      });
    }
    compiled.set(key, predicate);
    return predicate;
  };

  const out = rules.map((compiledRule) => {
    const excluders: EventPredicate[] = [];
    filters.forEach((filter, i) => {
      if (!filterApplies(filter, compiledRule.rule)) return;
      const p = compiledFor(filter, i, compiledRule);
      if (p) excluders.push(p);
    });
    if (excluders.length === 0) return compiledRule;
    const base = compiledRule.test;
    const test: EventPredicate = excluders.length === 1
      ? ((only) => (e: unknown) => base(e) && !only(e))(excluders[0])
      : (e) => {
        if (!base(e)) return false;
        for (const x of excluders) if (x(e)) return false;
        return true;
      };
    return { ...compiledRule, test };
  });
  return { rules: out, problems };
}
