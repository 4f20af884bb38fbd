/**
 * The query strings of the read API, as zod schemas: what a person may type
 * in a URL, turned into the Store's query types (or a 400 naming the
 * parameter and what is wrong with it).
 */
import { z } from 'zod';
import { parseFilterArg, parseTimeArg } from '../core/query-text.js';

/** A parameter given once, repeated (`?org=a&org=b`) or comma separated (`?org=a,b`). */
export const List = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''));

export const Time = z.string().transform((text, ctx) => {
  try {
    return parseTimeArg(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const Filters = z.union([z.string(), z.array(z.string())]).transform((v, ctx) =>
  (Array.isArray(v) ? v : [v]).flatMap((text) => {
    try {
      return [parseFilterArg(text)];
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return [];
    }
  }));

export const Limit = z.coerce.number().int().min(1).max(10_000);

const Range = {
  from: Time.optional().describe('inclusive start: ISO time, now, or -15m / -2h / -7d'),
  to: Time.optional().describe('exclusive end'),
  org: List.optional().describe('only these orgs (each must be visible to the caller)'),
};

export const EventSearchParams = z.strictObject({
  ...Range,
  filter: Filters.optional().describe('FIELD=VALUE (equality) or FIELD=PREFIX* (prefix), repeatable'),
  text: z.string().min(1).max(1000).optional().describe('words that must all occur in message / event.original'),
  limit: Limit.optional(),
  order: z.enum(['asc', 'desc']).optional(),
  cursor: z.string().min(1).max(4096).optional().describe('nextCursor of the previous page'),
});

export const EventCountParams = EventSearchParams.omit({ limit: true, order: true, cursor: true });

export const AggregateParams = EventCountParams.extend({
  groupBy: List.describe('fields to group by, comma separated (may be empty with bucketSeconds)'),
  bucketSeconds: z.coerce.number().int().min(1).max(366 * 86_400).optional(),
  limit: Limit.optional(),
});

export const RuleHitParams = z.strictObject({
  ...Range,
  ruleId: z.string().min(1).optional(),
  kind: z.enum(['detection', 'correlation']).optional(),
  limit: Limit.optional(),
});

export const DeadLetterParams = z.strictObject({
  ...Range,
  source: z.string().min(1).optional(),
  code: z.string().min(1).optional(),
  limit: Limit.optional(),
});
