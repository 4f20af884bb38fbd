/**
 * One YAML document -> one model document, by its shape: a `correlation`
 * section makes a correlation rule, a `filter` section a filter, anything
 * else a detection rule.
 */
import type { PlaceholderSource, RuleLocation, SigmaDocument } from '../model.js';
import { parseCorrelation } from './correlation.js';
import { parseFilter } from './filter.js';
import { RuleProblem } from './problem.js';
import { parseDetectionRule } from './rule.js';

export interface DocumentResult {
  readonly document?: SigmaDocument;
  readonly problems: readonly RuleProblem[];
}

export function parseSigmaDocument(value: unknown, location: RuleLocation, options: { readonly placeholders?: PlaceholderSource }): DocumentResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [new RuleProblem('a Sigma document must be a map')] };
  }
  const doc = value as Record<string, unknown>;
  const problems: RuleProblem[] = [];
  try {
    let document: SigmaDocument | undefined;
    if ('correlation' in doc) document = parseCorrelation(doc, location, problems);
    else if ('filter' in doc && !('detection' in doc)) document = parseFilter(doc, location, options, problems);
    else document = parseDetectionRule(doc, location, options, problems);
    return { document: problems.length === 0 ? document : undefined, problems };
  } catch (err) {
    // A bug in a parser unit must not stop the other rules from loading.
    if (err instanceof RuleProblem) return { problems: [...problems, err] };
    return { problems: [...problems, new RuleProblem(`internal parser error: ${(err as Error).message}`)] };
  }
}
