/**
 * Test builders for the stream matcher: Sigma rules from YAML through the
 * real parser, and compiled predicates over plain event objects.
 */
import { parseRuleText } from '../../../../detector/sigma/parse.js';
import type { DetectionRule, PlaceholderSource, RuleSet } from '../../../../detector/sigma/model.js';
import { loadDefaultMapping } from '../../../../detector/sigma/mapping/index.js';
import { compileRule } from '../../../../detector/sigma/stream/index.js';
import type { EventPredicate } from '../../../../detector/sigma/stream/index.js';

let counter = 0;

/** YAML of one detection rule; `detection` is the indented body under `detection:` (condition included). */
export function ruleYaml(detection: string, logsource = '{ product: ics }', head = ''): string {
  counter++;
  const id = `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
  return `title: test rule ${counter}\nid: ${id}\n${head}logsource: ${logsource}\ndetection:\n${detection.replace(/^\n/, '')}\n`;
}

/** Parse YAML text; fails the test on any problem. */
export function parseAll(text: string, placeholders?: PlaceholderSource): RuleSet {
  const set = parseRuleText(text, 'test.yml', placeholders ? { placeholders } : {});
  if (set.problems.length > 0) throw new Error(`rule does not parse: ${set.problems.map((p) => `${p.key ?? ''} ${p.message}`).join('; ')}`);
  return set;
}

export function rule(detection: string, logsource?: string, head?: string): DetectionRule {
  const [only] = parseAll(ruleYaml(detection, logsource, head)).rules;
  return only;
}

/** A rule's compiled predicate (shipped mapping). */
export function predicate(detection: string, logsource?: string, placeholders?: PlaceholderSource): EventPredicate {
  const text = ruleYaml(detection, logsource);
  const [only] = parseAll(text, placeholders).rules;
  return compileRule(only, { mapping: loadDefaultMapping(), ...(placeholders ? { placeholders } : {}) }).test;
}

/** One selection `sel:` with the given item lines, condition `sel`. */
export function sel(...items: string[]): string {
  return `  sel:\n${items.map((i) => `    ${i}`).join('\n')}\n  condition: sel`;
}
