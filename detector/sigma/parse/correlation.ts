/**
 * A correlation rule document (`correlation:` section, spec
 * `sigma-correlation-rules-specification.md`) -> `CorrelationRule`.
 */
import { z } from 'zod';
import { CorrelationTypes } from '../model.js';
import type { CorrelationCondition, CorrelationRule, CorrelationType, RuleLocation } from '../model.js';
import { parseCommon, ruleCommon, zodProblems } from './attributes.js';
import { RuleProblem, unsupported } from './problem.js';

/** Timespan units: the spec's s/m/h/d, plus pySigma's w, M (average month), y (average year). */
const TIMESPAN_UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  M: 2_629_746_000,
  y: 31_556_952_000,
};

/** `90m` -> 5400000. Throws RuleProblem for anything but a positive integer and a unit letter. */
export function parseTimespan(text: string): number {
  const m = /^([0-9]+)([a-zA-Z])$/.exec(text.trim());
  const unit = m ? TIMESPAN_UNIT_MS[m[2]] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new RuleProblem(`timespan ${JSON.stringify(text)} must be a positive number and a unit (s, m, h, d, w, M, y), e.g. 90m`, ['correlation', 'timespan']);
  }
  return Number(m[1]) * unit;
}

const Threshold = z.number();
const ConditionSchema = z.strictObject({
  gt: Threshold.optional(),
  gte: Threshold.optional(),
  lt: Threshold.optional(),
  lte: Threshold.optional(),
  eq: Threshold.optional(),
  neq: Threshold.optional(),
  field: z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).min(1)]).optional(),
  percentile: z.number().min(1).max(100).optional(),
});

const SectionSchema = z.strictObject({
  type: z.enum(CorrelationTypes),
  rules: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  'group-by': z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  timespan: z.string(),
  aliases: z.record(z.string(), z.record(z.string(), z.string())).optional(),
  condition: ConditionSchema.optional(),
  generate: z.boolean().optional(),
});

const VALUE_TYPES: ReadonlySet<CorrelationType> = new Set(['value_count', 'value_sum', 'value_avg', 'value_percentile']);
const TEMPORAL_TYPES: ReadonlySet<CorrelationType> = new Set(['temporal', 'temporal_ordered']);
const OPS = ['gt', 'gte', 'lt', 'lte', 'eq'] as const;

const toList = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v]);

export function parseCorrelation(doc: Record<string, unknown>, location: RuleLocation, problems: RuleProblem[]): CorrelationRule | undefined {
  const attrs = parseCommon(doc, problems);
  const parsed = SectionSchema.safeParse(doc.correlation);
  if (!parsed.success) {
    problems.push(...zodProblems(parsed.error, ['correlation']));
    return undefined;
  }
  const section = parsed.data;
  const rules = toList(section.rules);
  if (new Set(rules).size !== rules.length) problems.push(new RuleProblem('correlation rules must be unique', ['correlation', 'rules']));
  let timespanMs = 0;
  try {
    timespanMs = parseTimespan(section.timespan);
  } catch (err) {
    if (!(err instanceof RuleProblem)) throw err;
    problems.push(err);
  }
  const condition = correlationCondition(section.type, section.condition, rules.length, problems);
  const generateAt = 'generate' in doc ? doc.generate : section.generate;
  if (generateAt !== undefined && typeof generateAt !== 'boolean') problems.push(new RuleProblem('generate must be true or false', ['generate']));
  const aliases = section.aliases ?? {};
  for (const [alias, mapping] of Object.entries(aliases)) {
    for (const ref of Object.keys(mapping)) {
      if (!rules.includes(ref)) problems.push(new RuleProblem(`alias ${alias} maps rule ${ref}, which is not in correlation.rules`, ['correlation', 'aliases', alias, ref]));
    }
  }
  if (!attrs || !condition || problems.length > 0) return undefined;
  return {
    kind: 'correlation',
    ...ruleCommon(attrs),
    location,
    type: section.type,
    rules,
    groupBy: toList(section['group-by']),
    timespanMs,
    aliases,
    condition,
    generate: generateAt === true,
  };
}

function correlationCondition(
  type: CorrelationType,
  raw: z.infer<typeof ConditionSchema> | undefined,
  ruleCount: number,
  problems: RuleProblem[],
): CorrelationCondition | undefined {
  const at = ['correlation', 'condition'];
  if (raw === undefined) {
    // pySigma: a temporal correlation without condition needs every referenced rule to match.
    if (TEMPORAL_TYPES.has(type)) return { gte: ruleCount };
    problems.push(new RuleProblem(`missing required attribute condition (needed for ${type})`, at));
    return undefined;
  }
  const ops = OPS.filter((op) => raw[op] !== undefined);
  if (ops.length === 0 && raw.neq === undefined) problems.push(new RuleProblem(`correlation condition needs one of ${OPS.join(', ')}`, at));
  if (raw.eq !== undefined && ops.length > 1) problems.push(new RuleProblem('correlation condition eq cannot be combined with other operators', at));
  const fields = toList(raw.field);
  if (VALUE_TYPES.has(type) && fields.length === 0) problems.push(new RuleProblem(`correlation type ${type} needs condition.field`, [...at, 'field']));
  if (!VALUE_TYPES.has(type) && fields.length > 0) problems.push(new RuleProblem(`correlation type ${type} takes no condition.field`, [...at, 'field']));
  if (fields.length > 1) problems.push(unsupported('correlation condition with several fields', 'condition.field with several fields is not supported', [...at, 'field']));
  if (raw.percentile !== undefined && type !== 'value_percentile') problems.push(new RuleProblem('condition.percentile only applies to value_percentile', [...at, 'percentile']));
  const condition: { -readonly [K in keyof CorrelationCondition]: CorrelationCondition[K] } = {};
  for (const op of ops) condition[op] = raw[op];
  if (fields.length === 1) condition.field = fields[0];
  if (raw.percentile !== undefined) condition.percentile = raw.percentile;
  if (raw.neq !== undefined) condition.neq = raw.neq;
  return condition;
}
