/**
 * Tiered classification: a Sigma rule hit -> incident grade I..IV (the
 * national convention: I especially serious, II serious, III relatively
 * serious, IV general) and the tiers the grade escalates to.
 *
 * The policy is data (rules/grading.policy.yml, commented for operators):
 * an additive score (rule level + enterprise grade + enterprise category +
 * the most critical registered asset involved), thresholds from score to
 * grade, then overrides that raise or cap the grade for given rules or
 * ATT&CK tags. `gradeHit` is pure and writes every step into `reasons`, so
 * a grade can always be retraced.
 *
 * The shipped policy is rules/grading.policy.yml, beside the rules it
 * grades; Sigma rule loaders skip `*.policy.yml` (detector/sigma/parse.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, loadConfigFile } from '../../core/config.js';
import { Categories, Criticalities } from '../../core/orgs.js';
import type { Asset, Org } from '../../core/orgs.js';
import { Grades, UpperTiers as EscalationTiers, type Grade, type UpperTier as EscalationTier } from '../../core/alert.js';
import { SigmaLevels } from '../sigma/model.js';
import type { SigmaLevel } from '../sigma/model.js';

// Incident grades (most serious first) and the tiers an alert can be escalated to are the alert's (core/alert.ts).
export { Grades, type Grade, UpperTiers as EscalationTiers, type UpperTier as EscalationTier } from '../../core/alert.js';

/** 1 for I (most serious) .. 4 for IV: a lower rank is more serious. */
export function gradeRank(grade: Grade): number {
  return Grades.indexOf(grade) + 1;
}

/** Whether `a` is strictly more serious than `b` (`moreSerious('II', 'III')` is true, `moreSerious('II', 'II')` false). */
export function moreSerious(a: Grade, b: Grade): boolean {
  return gradeRank(a) < gradeRank(b);
}

const Points = z.number({ error: (iss) => (iss.input === undefined ? 'missing: give the points (a whole number, 0 or more)' : undefined) })
  .int('points are whole numbers')
  .min(0, 'points are 0 or more');

const GradeSchema = z.enum(Grades, { error: 'a grade is I, II, III or IV' });

const TierList = z.array(
  z.enum(EscalationTiers, { error: 'unknown tier: tiers are provincial and national (the enterprise always keeps its alerts)' }),
  { error: (iss) => (iss.input === undefined ? 'missing: every grade needs an escalation entry ([] keeps it with the enterprise)' : undefined) },
);

const Threshold = z.number({ error: (iss) => (iss.input === undefined ? 'missing: give the lowest score of this grade' : undefined) })
  .int('thresholds are whole numbers')
  .min(0, 'thresholds are 0 or more');

const OverrideSchema = z.strictObject({
  rules: z.array(z.string().min(1)).min(1).optional()
    .describe('rule ids (the `id:` of the rule file) this override applies to'),
  tags: z.array(z.string().regex(/^[a-z0-9]+\.[a-z0-9._-]+$/, 'a Sigma tag such as attack.t0831 (lower case, namespace.name)')).min(1).optional()
    .describe('tags (e.g. attack.t0831): a hit whose rule carries any of them matches'),
  enterpriseGrades: z.array(z.number().int().min(1, 'grade is 1..3').max(3, 'grade is 1..3')).min(1).optional()
    .describe('only for enterprises of these grades (1..3); default: any'),
  categories: z.array(z.enum(Categories)).min(1).optional()
    .describe('only for enterprises of these categories; default: any'),
  minGrade: GradeSchema.optional().describe('at least this grade: II means II or I'),
  maxGrade: GradeSchema.optional().describe('at most this grade: III means III or IV'),
  reason: z.string().trim().min(1, 'say why: the alert quotes it').describe('why, quoted in the alert\'s reasons'),
});

export const GradingPolicySchema = z.strictObject({
  points: z.strictObject({
    level: z.strictObject({
      informational: Points.describe('points for a rule of level informational'),
      low: Points.describe('points for a rule of level low'),
      medium: Points.describe('points for a rule of level medium'),
      high: Points.describe('points for a rule of level high'),
      critical: Points.describe('points for a rule of level critical'),
    }).describe('points by the rule\'s Sigma level'),
    enterpriseGrade: z.strictObject({
      1: Points.describe('points for a grade-1 enterprise'),
      2: Points.describe('points for a grade-2 enterprise'),
      3: Points.describe('points for a grade-3 enterprise (the most important)'),
    }).describe('points by the enterprise grade of the org registry'),
    category: z.strictObject({
      industrial: Points.describe('points for a connected industrial enterprise'),
      platform: Points.describe('points for an industrial internet platform enterprise'),
      idres: Points.describe('points for an identifier-resolution enterprise'),
    }).describe('points by the enterprise category'),
    asset: z.strictObject({
      none: Points.describe('points when the hit involves no registered asset'),
      low: Points.describe('points for a low-criticality asset'),
      medium: Points.describe('points for a medium-criticality asset'),
      high: Points.describe('points for a high-criticality asset'),
      critical: Points.describe('points for a critical asset'),
    }).describe('points by the most critical registered asset the hit involves'),
  }).describe('what each part of a hit adds to its score'),
  unknownLevel: z.enum(SigmaLevels).default('medium')
    .describe('the level a rule without one (or with an unknown one) is scored as'),
  thresholds: z.strictObject({
    I: Threshold.describe('lowest score graded I'),
    II: Threshold.describe('lowest score graded II'),
    III: Threshold.describe('lowest score graded III; below it: IV'),
  }).describe('the lowest score of each grade, strictly decreasing from I to III'),
  overrides: z.array(OverrideSchema).default([])
    .describe('raise (minGrade) or cap (maxGrade) the grade of matching hits; raises first, then caps'),
  escalation: z.strictObject({
    I: TierList.describe('tiers a grade-I alert goes to'),
    II: TierList.describe('tiers a grade-II alert goes to'),
    III: TierList.describe('tiers a grade-III alert goes to'),
    IV: TierList.describe('tiers a grade-IV alert goes to ([]: it stays with the enterprise)'),
  }).describe('per grade, the tiers above the enterprise that receive the alert'),
}).superRefine((policy, ctx) => {
  // Runs even when fields are malformed (see `when`), so one load reports every problem: read defensively.
  const raw = policy as unknown as Record<string, unknown>;
  const thresholds = record(raw.thresholds);
  if (thresholds) {
    for (const [more, less] of [['I', 'II'], ['II', 'III']] as const) {
      const a = thresholds[more];
      const b = thresholds[less];
      if (typeof a === 'number' && typeof b === 'number' && !(b < a)) {
        ctx.addIssue({ code: 'custom', path: ['thresholds', less], message: `thresholds must strictly decrease from I to III: ${less} (${b}) must be below ${more} (${a})` });
      }
    }
  }
  const escalation = record(raw.escalation);
  if (escalation) {
    for (const grade of Grades) {
      const tiers = escalation[grade];
      if (!Array.isArray(tiers)) continue;
      const dup = tiers.find((t, i) => tiers.indexOf(t) !== i);
      if (dup !== undefined) ctx.addIssue({ code: 'custom', path: ['escalation', grade], message: `tier ${String(dup)} is listed twice` });
    }
    // A more serious grade must reach every tier a less serious one reaches.
    for (let i = 0; i < Grades.length - 1; i++) {
      const more = Grades[i];
      const less = Grades[i + 1];
      const moreTiers = escalation[more];
      const lessTiers = escalation[less];
      if (!Array.isArray(moreTiers) || !Array.isArray(lessTiers)) continue;
      // Unknown tiers are reported by the field schema already.
      const missing = lessTiers.filter((t) => (EscalationTiers as readonly unknown[]).includes(t) && !moreTiers.includes(t));
      if (missing.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['escalation', more], message: `${more} is more serious than ${less}, so it must go at least where ${less} goes (missing: ${missing.join(', ')})` });
      }
    }
  }
  if (Array.isArray(raw.overrides)) {
    raw.overrides.forEach((value: unknown, i: number) => {
      const o = record(value);
      if (!o) return;
      if (o.rules === undefined && o.tags === undefined) {
        ctx.addIssue({ code: 'custom', path: ['overrides', i], message: 'an override needs rules or tags to say which hits it applies to' });
      }
      if (o.minGrade === undefined && o.maxGrade === undefined) {
        ctx.addIssue({ code: 'custom', path: ['overrides', i], message: 'an override needs minGrade or maxGrade' });
      }
      const min = o.minGrade;
      const max = o.maxGrade;
      if (isGrade(min) && isGrade(max) && moreSerious(min, max)) {
        ctx.addIssue({ code: 'custom', path: ['overrides', i, 'minGrade'], message: `minGrade ${min} is more serious than maxGrade ${max}: no grade is at least ${min} and at most ${max}` });
      }
    });
  }
}, { when: (payload) => record(payload.value) !== undefined });

export type GradingPolicy = z.output<typeof GradingPolicySchema>;
export type GradingOverride = GradingPolicy['overrides'][number];

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

function isGrade(value: unknown): value is Grade {
  return (Grades as readonly unknown[]).includes(value);
}

function isSigmaLevel(value: unknown): value is SigmaLevel {
  return (SigmaLevels as readonly unknown[]).includes(value);
}

/**
 * Load and validate a grading policy file (YAML or JSON). Throws ConfigError
 * naming the file and, for every problem at once, the key path and reason.
 * The result is deeply frozen.
 */
export function loadGradingPolicy(path: string): GradingPolicy {
  return loadConfigFile(path, GradingPolicySchema);
}

/** The shipped grading.yml of this checkout, found by walking up from this module (works from source and from any build dir). */
export function defaultGradingPolicyPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'rules', 'grading.policy.yml');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new ConfigError('rules/grading.policy.yml', ['not found above the grading module; pass a policy path']);
    dir = parent;
  }
}

/** What grading needs to know about one rule hit. */
export interface GradingInput {
  /** The rule's id, as hits carry it (RuleHit.ruleId); overrides' `rules` match it. */
  readonly ruleId: string;
  /** Sigma level of the rule; missing or unknown: the policy's `unknownLevel`. */
  readonly level?: string;
  readonly tags: readonly string[];
  /** The org the hit belongs to (grade and category are read from it). */
  readonly org: Org;
  /** The org's registered assets the hit involves; the most critical one counts. */
  readonly assets: readonly Asset[];
}

export interface GradeResult {
  readonly grade: Grade;
  readonly score: number;
  /** One sentence per step: each scored part (`...: +N`), the threshold, then each matching override. */
  readonly reasons: string[];
  /** Tiers above the enterprise the alert goes to, in the policy's order (a fresh array). */
  readonly escalateTo: EscalationTier[];
}

/** The most critical asset (the first of equals), if any. */
function mostCritical(assets: readonly Asset[]): Asset | undefined {
  let best: Asset | undefined;
  for (const a of assets) {
    if (!best || Criticalities.indexOf(a.criticality) > Criticalities.indexOf(best.criticality)) best = a;
  }
  return best;
}

/** What of an override a hit matched (`rule x`, `tags a, b`), or undefined when it does not apply. */
function overrideMatch(o: GradingOverride, input: GradingInput, tags: ReadonlySet<string>): string | undefined {
  if (o.enterpriseGrades && (input.org.grade === undefined || !o.enterpriseGrades.includes(input.org.grade))) return undefined;
  if (o.categories && (input.org.category === undefined || !o.categories.includes(input.org.category))) return undefined;
  const parts: string[] = [];
  if (o.rules?.includes(input.ruleId)) parts.push(`rule ${input.ruleId}`);
  const matchedTags = (o.tags ?? []).filter((t) => tags.has(t));
  if (matchedTags.length > 0) parts.push(`${matchedTags.length > 1 ? 'tags' : 'tag'} ${matchedTags.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/**
 * Grade one rule hit under `policy`. Pure: the same input always gives the
 * same grade, score, reasons and escalation.
 */
export function gradeHit(policy: GradingPolicy, input: GradingInput): GradeResult {
  const reasons: string[] = [];
  let score = 0;
  const add = (points: number, what: string): void => {
    score += points;
    reasons.push(`${what}: +${points}`);
  };

  const { unknownLevel } = policy;
  if (isSigmaLevel(input.level)) add(policy.points.level[input.level], `rule level ${input.level}`);
  else if (input.level === undefined) add(policy.points.level[unknownLevel], `rule level missing, counted as ${unknownLevel} (unknownLevel)`);
  else add(policy.points.level[unknownLevel], `rule level "${input.level}" is not a Sigma level, counted as ${unknownLevel} (unknownLevel)`);

  const { grade: orgGrade, category } = input.org;
  if (orgGrade === 1 || orgGrade === 2 || orgGrade === 3) add(policy.points.enterpriseGrade[orgGrade], `enterprise grade ${orgGrade}`);
  else add(0, `enterprise grade not set for ${input.org.id}`);
  if (category !== undefined) add(policy.points.category[category], `enterprise category ${category}`);
  else add(0, `enterprise category not set for ${input.org.id}`);

  const asset = mostCritical(input.assets);
  if (!asset) add(policy.points.asset.none, 'no registered asset involved');
  else {
    const of = input.assets.length > 1 ? `, the most critical of ${input.assets.length} involved` : '';
    add(policy.points.asset[asset.criticality], `asset ${asset.id} (${asset.criticality}${of})`);
  }

  const { thresholds } = policy;
  const reached = (['I', 'II', 'III'] as const).find((g) => score >= thresholds[g]);
  let grade: Grade = reached ?? 'IV';
  reasons.push(reached ? `score ${score} reaches ${reached} (>= ${thresholds[reached]})` : `score ${score} is below III (>= ${thresholds.III}): IV`);

  const tags = new Set(input.tags.map((t) => t.toLowerCase()));
  const matches = policy.overrides.flatMap((o, i) => {
    const what = overrideMatch(o, input, tags);
    return what === undefined ? [] : [{ o, at: `overrides[${i}] (${what})` }];
  });
  // Raises first, then caps: a cap is the operator's last word (grading.yml says so).
  for (const { o, at } of matches) {
    if (!o.minGrade) continue;
    if (moreSerious(o.minGrade, grade)) {
      reasons.push(`${at} raises ${grade} to ${o.minGrade}: ${o.reason}`);
      grade = o.minGrade;
    } else reasons.push(`${at} asks at least ${o.minGrade}, already ${grade}: ${o.reason}`);
  }
  for (const { o, at } of matches) {
    if (!o.maxGrade) continue;
    if (moreSerious(grade, o.maxGrade)) {
      reasons.push(`${at} caps ${grade} at ${o.maxGrade}: ${o.reason}`);
      grade = o.maxGrade;
    } else reasons.push(`${at} caps at ${o.maxGrade}, already ${grade}: ${o.reason}`);
  }

  return { grade, score, reasons, escalateTo: [...policy.escalation[grade]] };
}
