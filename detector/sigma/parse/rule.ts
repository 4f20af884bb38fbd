/**
 * A detection rule document (`logsource` + `detection`) -> `DetectionRule`.
 */
import type { DetectionRule, PlaceholderSource, RuleLocation } from '../model.js';
import { customAttributes, parseCommon, parseLogsource, ruleCommon } from './attributes.js';
import { parseDetection } from './detection.js';
import { RuleProblem } from './problem.js';

export function parseDetectionRule(
  doc: Record<string, unknown>,
  location: RuleLocation,
  options: { readonly placeholders?: PlaceholderSource },
  problems: RuleProblem[],
): DetectionRule | undefined {
  const attrs = parseCommon(doc, problems);
  const logsource = parseLogsource(doc.logsource, problems);
  if (!('detection' in doc)) {
    problems.push(new RuleProblem('missing required attribute detection', ['detection']));
    return undefined;
  }
  const detection = parseDetection(doc.detection, options);
  problems.push(...detection.problems);
  if (!attrs || !logsource || !detection.condition || problems.length > 0) return undefined;
  return {
    kind: 'detection',
    ...ruleCommon(attrs),
    location,
    logsource,
    identifiers: detection.identifiers,
    condition: detection.condition,
    fields: attrs.fields ?? [],
    custom: customAttributes(doc, 'detection'),
  };
}
