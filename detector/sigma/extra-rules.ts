/**
 * Rules that do not live in this node's rule files (the detections
 * advisories install, console/coordination) joined to the file rules, the
 * same way wherever rules are loaded (the stream detector, the scheduled
 * searches). They add detections only: a Sigma filter from outside could
 * silence this node's own rules, and a rule reusing a local rule's id would
 * mix its hits into that rule's alerts, so both are left out, as is a rule
 * that does not parse — with the reason, for the caller to log.
 */
import type { PlaceholderSource, RuleSet } from './model.js';
import { parseRuleText } from './parse.js';

/** A rule from somewhere other than a file: `name` says where in problems and logs. */
export interface ExtraRule {
  readonly name: string;
  readonly text: string;
}

export interface MergedRules {
  readonly set: RuleSet;
  readonly leftOut: readonly { readonly name: string; readonly reason: string }[];
}

export function withExtraRules(files: RuleSet, extra: readonly ExtraRule[], placeholders?: PlaceholderSource): MergedRules {
  if (extra.length === 0) return { set: files, leftOut: [] };
  const rules = [...files.rules];
  const correlations = [...files.correlations];
  const leftOut: { name: string; reason: string }[] = [];
  const taken = new Set([...files.rules, ...files.correlations].map((r) => r.id).filter((id): id is string => id !== undefined));
  for (const rule of extra) {
    const set = parseRuleText(rule.text, rule.name, placeholders ? { placeholders } : {});
    const ids = [...set.rules, ...set.correlations].map((r) => r.id).filter((id): id is string => id !== undefined);
    const error = set.problems.find((p) => p.severity === 'error');
    const reason = error ? error.message
      : set.filters.length ? 'Sigma filters are not taken from outside this node'
        : ids.some((id) => taken.has(id)) ? 'its rule id is already used by a rule of this node'
          : undefined;
    if (reason) {
      leftOut.push({ name: rule.name, reason });
      continue;
    }
    for (const id of ids) taken.add(id);
    rules.push(...set.rules);
    correlations.push(...set.correlations);
  }
  return { set: { rules, correlations, filters: files.filters, problems: files.problems }, leftOut };
}
