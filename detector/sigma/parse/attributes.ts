/**
 * Rule attributes shared by detection, correlation and filter documents,
 * validated with zod after the JSON schemas in
 * `sigma-specification/json-schema/`. Keys not defined by the specification
 * are custom attributes: allowed and kept.
 */
import { z } from 'zod';
import { SigmaLevels, SigmaStatuses } from '../model.js';
import type { Logsource } from '../model.js';
import { RuleProblem } from './problem.js';

const unique = <T extends z.ZodType>(item: T) =>
  z.array(item).refine((xs) => new Set(xs.map((x) => JSON.stringify(x))).size === xs.length, { message: 'items must be unique' });

const DateString = z.string().regex(/^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$/, { message: 'must be a date YYYY-MM-DD' });
/** pySigma refuses rule ids that are not UUIDs; the schema declares `format: uuid`. */
const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'must be a UUID' });

export const CommonAttributesSchema = z.object({
  title: z.string().min(1).max(256),
  id: Uuid.optional(),
  name: z.string().min(1).max(256).optional(),
  related: z.array(z.object({ id: Uuid, type: z.enum(['derived', 'obsolete', 'merged', 'renamed', 'similar']) })).optional(),
  taxonomy: z.string().max(256).optional(),
  status: z.enum(SigmaStatuses).optional(),
  description: z.string().max(65535).optional(),
  license: z.string().optional(),
  author: z.string().optional(),
  references: unique(z.string()).optional(),
  date: DateString.optional(),
  modified: DateString.optional(),
  tags: unique(z.string().regex(/^[a-z0-9_-]+\.[a-z0-9._-]+$/, { message: 'must look like namespace.name (lowercase)' })).optional(),
  level: z.enum(SigmaLevels).optional(),
  falsepositives: unique(z.string().min(2)).optional(),
  fields: unique(z.string()).optional(),
  scope: z.array(z.string().min(2)).optional(),
});
export type CommonAttributes = z.infer<typeof CommonAttributesSchema>;

export const LogsourceSchema = z.object({
  category: z.string().optional(),
  product: z.string().optional(),
  service: z.string().optional(),
  definition: z.string().optional(),
});

/** Top-level keys defined by the specification for each document kind (the rest is custom). */
export const KnownKeys = {
  common: new Set([...Object.keys(CommonAttributesSchema.shape), 'action']),
  detection: new Set(['logsource', 'detection']),
  correlation: new Set(['correlation', 'generate']),
  filter: new Set(['logsource', 'filter']),
} as const;

/** zod issues -> problems with key paths. */
export function zodProblems(error: z.ZodError, prefix: readonly (string | number)[] = []): RuleProblem[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
    const key = path.length > 0 ? String(path[path.length - 1]) : 'document';
    const message = issue.code === 'invalid_type' && issue.input === undefined ? `missing required attribute ${key}` : `${key}: ${issue.message}`;
    return new RuleProblem(message, path);
  });
}

/** Validate the common attributes. Returns them or pushes problems. */
export function parseCommon(doc: Record<string, unknown>, problems: RuleProblem[]): CommonAttributes | undefined {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(CommonAttributesSchema.shape)) if (key in doc) picked[key] = doc[key];
  const result = CommonAttributesSchema.safeParse(picked);
  if (!result.success) {
    problems.push(...zodProblems(result.error));
    return undefined;
  }
  return result.data;
}

export function parseLogsource(value: unknown, problems: RuleProblem[]): Logsource | undefined {
  if (value === undefined) {
    problems.push(new RuleProblem('missing required attribute logsource', ['logsource']));
    return undefined;
  }
  const result = LogsourceSchema.safeParse(value);
  if (!result.success) {
    problems.push(...zodProblems(result.error, ['logsource']));
    return undefined;
  }
  return result.data;
}

/** The attributes every model document carries, from validated common attributes. */
export function ruleCommon(attrs: CommonAttributes) {
  return {
    id: attrs.id,
    name: attrs.name,
    title: attrs.title,
    status: attrs.status,
    description: attrs.description,
    author: attrs.author,
    date: attrs.date,
    modified: attrs.modified,
    references: attrs.references ?? [],
    tags: attrs.tags ?? [],
    level: attrs.level,
    falsepositives: attrs.falsepositives ?? [],
  };
}

/** Custom attributes: every top-level key the specification does not define for this kind. */
export function customAttributes(doc: Record<string, unknown>, kind: 'detection' | 'correlation' | 'filter'): Record<string, unknown> {
  const custom: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (!KnownKeys.common.has(k) && !KnownKeys[kind].has(k)) custom[k] = v;
  return custom;
}
