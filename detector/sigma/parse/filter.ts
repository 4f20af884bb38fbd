/**
 * A Sigma filter document (`logsource` + `filter: { rules, <identifiers>,
 * condition }`, spec `sigma-filters-specification.md`) -> `SigmaFilter`.
 * `rules` may be left out: the filter then applies to every rule of its
 * logsource.
 */
import { z } from 'zod';
import type { PlaceholderSource, RuleLocation, SigmaFilter } from '../model.js';
import { parseCommon, parseLogsource, ruleCommon, zodProblems } from './attributes.js';
import { parseDetection } from './detection.js';
import { RuleProblem } from './problem.js';

const FilterRulesSchema = z.array(z.string().min(1)).refine((xs) => new Set(xs).size === xs.length, { message: 'items must be unique' });

export function parseFilter(
  doc: Record<string, unknown>,
  location: RuleLocation,
  options: { readonly placeholders?: PlaceholderSource },
  problems: RuleProblem[],
): SigmaFilter | undefined {
  const attrs = parseCommon(doc, problems);
  const logsource = parseLogsource(doc.logsource, problems);
  const section = doc.filter;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    problems.push(new RuleProblem('filter must be a map of rules, search identifiers and a condition', ['filter']));
    return undefined;
  }
  const map = section as Record<string, unknown>;
  let rules: string[] = [];
  if ('rules' in map) {
    const parsed = FilterRulesSchema.safeParse(typeof map.rules === 'string' ? [map.rules] : map.rules);
    if (parsed.success) rules = parsed.data;
    else problems.push(...zodProblems(parsed.error, ['filter', 'rules']));
  }
  const detection = parseDetection(map, options, 'filter', ['rules']);
  problems.push(...detection.problems);
  if (!attrs || !logsource || !detection.condition || problems.length > 0) return undefined;
  return { kind: 'filter', ...ruleCommon(attrs), location, logsource, rules, identifiers: detection.identifiers, condition: detection.condition };
}
