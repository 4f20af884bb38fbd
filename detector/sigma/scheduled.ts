/**
 * Which Sigma rules are scheduled searches: detection rules with the custom
 * top-level attribute `scheduled: '<cron expression>'` (Sigma keeps keys it
 * does not define as custom attributes). They run as searches over the
 * store on their schedule (console/jobs/scheduled-searches.ts) instead of on every
 * event in the stream, so the stream detector must leave out exactly the
 * rules this module calls scheduled (`withoutScheduledRules`): every rule
 * then runs in one place.
 *
 * A rule whose `scheduled` is not a cron expression, or that a correlation
 * references (a correlation needs its rules' hits as events stream by), is
 * not scheduled: it stays in the stream and the problem is reported.
 */
import { validateDetailed } from 'node-cron';
import { ruleKey } from '../detector.js';
import type { DetectionRule, RuleSet } from './model.js';

/** The custom attribute naming a rule's schedule. */
export const ScheduledAttribute = 'scheduled';

export interface ScheduledRule {
  /** How hits name the rule (id, else name, else title). */
  readonly key: string;
  readonly rule: DetectionRule;
  readonly expression: string;
}

export interface ScheduledRuleProblem {
  readonly rule: string;
  readonly file: string;
  readonly message: string;
}

export interface ScheduledRules {
  /** By rule key; a key given twice keeps the first. */
  readonly rules: ReadonlyMap<string, ScheduledRule>;
  readonly problems: readonly ScheduledRuleProblem[];
}

/**
 * Why a schedule is not a cron expression (undefined: it is one). Checked
 * here rather than with the scheduler's helper, so that this module needs
 * only detector code and node-cron and the stream detector can import it.
 */
function cronProblem(expression: string): string | undefined {
  try {
    const check = validateDetailed(expression);
    return check.valid ? undefined : check.errors.map((e) => e.message).join('; ');
  } catch (err) {
    return (err as Error).message;
  }
}

/** Rule ids and names the correlations of a set reference. */
function referenced(ruleSet: RuleSet): Set<string> {
  return new Set(ruleSet.correlations.flatMap((c) => c.rules));
}

function referencedBy(rule: DetectionRule, refs: ReadonlySet<string>): boolean {
  return (rule.id !== undefined && refs.has(rule.id)) || (rule.name !== undefined && refs.has(rule.name));
}

/** The scheduled searches of a rule set, and why rules marked `scheduled` are not. */
export function scheduledRules(ruleSet: RuleSet): ScheduledRules {
  const refs = referenced(ruleSet);
  const rules = new Map<string, ScheduledRule>();
  const problems: ScheduledRuleProblem[] = [];
  for (const rule of ruleSet.rules) {
    const value = rule.custom[ScheduledAttribute];
    if (value === undefined) continue;
    const key = ruleKey(rule);
    const problem = (message: string): void => { problems.push({ rule: key, file: rule.location.file, message }); };
    if (typeof value !== 'string') {
      problem(`${ScheduledAttribute} must be a cron expression in quotes, not ${JSON.stringify(value)}; the rule runs in the stream`);
      continue;
    }
    const invalid = cronProblem(value);
    if (invalid !== undefined) {
      problem(`${ScheduledAttribute}: "${value}" is not a cron expression (${invalid}); the rule runs in the stream`);
      continue;
    }
    if (referencedBy(rule, refs)) {
      problem('a correlation references this rule, so it runs in the stream; remove scheduled or the reference');
      continue;
    }
    if (rules.has(key)) {
      problem(`another scheduled rule has the id ${key}; this one is not scheduled`);
      continue;
    }
    rules.set(key, { key, rule, expression: value });
  }
  return { rules, problems };
}

/** The rule set the stream detector should run: every rule but the scheduled searches. */
export function withoutScheduledRules(ruleSet: RuleSet): RuleSet {
  const scheduled = new Set([...scheduledRules(ruleSet).rules.values()].map((s) => s.rule));
  if (scheduled.size === 0) return ruleSet;
  return { ...ruleSet, rules: ruleSet.rules.filter((rule) => !scheduled.has(rule)) };
}
