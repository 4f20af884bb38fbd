/**
 * Builders for parser tests: a whole rule from just its detection body, and
 * shortcuts to the parts a test asserts on.
 */
import { expect } from 'chai';
import type { DetectionItem, DetectionRule, RuleSet, SigmaValue } from '../../../../detector/sigma/model.js';
import { parseRuleText } from '../../../../detector/sigma/parse.js';
import type { ParseOptions } from '../../../../detector/sigma/parse.js';

/** A rule whose detection section is `detection` (YAML, indented by the caller as under `detection:`). */
export function ruleText(detection: string, title = 'Test rule'): string {
  return `title: ${title}\nid: 5b1c3a42-0e8c-4b5a-9d3f-1a2b3c4d5e6f\nlogsource:\n    product: windows\ndetection:\n${detection}`;
}

/** Parse a detection body; the rule must load without problems. */
export function parseOk(detection: string, options: ParseOptions = {}): DetectionRule {
  const set = parseRuleText(ruleText(detection), 'test.yml', options);
  expect(set.problems, JSON.stringify(set.problems)).to.deep.equal([]);
  expect(set.rules).to.have.length(1);
  return set.rules[0];
}

/** Parse a detection body that must fail; returns the problems. */
export function parseBad(detection: string, options: ParseOptions = {}): RuleSet['problems'] {
  const set = parseRuleText(ruleText(detection), 'test.yml', options);
  expect(set.rules).to.have.length(0);
  expect(set.problems.length).to.be.greaterThan(0);
  return set.problems;
}

/** The items of the first group of identifier `name` (default `sel`). */
export function itemsOf(rule: DetectionRule, name = 'sel'): readonly DetectionItem[] {
  const id = rule.identifiers.get(name);
  if (!id) throw new Error(`no identifier ${name}`);
  return id.groups[0];
}

/** A pattern value rendered as text with wildcards shown as `*`/`?` and literal ones as `\*`/`\?`, for compact assertions. */
export function show(value: SigmaValue): string {
  if (value.kind !== 'pattern') return JSON.stringify(value);
  return value.pattern.parts.map((p) => ('wildcard' in p ? p.wildcard : p.text.replace(/[*?]/g, (c) => `\\${c}`))).join('');
}

/** Values of the single item of a one-item selection, shown. */
export function values(detectionBody: string, options: ParseOptions = {}): string[] {
  const items = itemsOf(parseOk(detectionBody, options));
  expect(items).to.have.length(1);
  return items[0].values.map(show);
}
