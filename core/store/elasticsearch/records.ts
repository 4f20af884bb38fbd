/**
 * The shapes of dead letters and rule hits as the Elasticsearch store takes
 * and gives them: checked by zod on append (times must be ISO, which the
 * date mapping reads), and built field by field so the strict mapping never
 * sees anything else.
 */
import { z } from 'zod';
import type { DeadLetter, RuleHit } from '../store.js';

const IsoTime = z.iso.datetime({ offset: true });
const Id = z.string().min(1).max(512);

export const DeadLetterSchema = z.object({
  id: Id,
  receivedAt: IsoTime,
  orgId: z.string().min(1).optional(),
  source: z.string(),
  parser: z.string().optional(),
  code: z.string(),
  reason: z.string(),
  raw: z.string(),
});

export const RuleHitSchema = z.object({
  id: Id,
  kind: z.enum(['detection', 'correlation']),
  ruleId: z.string().min(1),
  ruleTitle: z.string(),
  level: z.string().optional(),
  tags: z.array(z.string()),
  orgId: z.string().min(1),
  time: IsoTime,
  detectedAt: IsoTime,
  eventIds: z.array(z.string()),
  groupKey: z.record(z.string(), z.unknown()).optional(),
  value: z.number().optional(),
  assets: z.array(z.string()).optional(),
});

function checked<T>(schema: z.ZodType<T>, value: unknown, what: string, index: number): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TypeError(`${what} ${index} of the batch: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}

export function deadLetterDocument(letter: DeadLetter, index: number): DeadLetter {
  return checked(DeadLetterSchema, letter, 'dead letter', index);
}

export function ruleHitDocument(hit: RuleHit, index: number): RuleHit {
  return checked(RuleHitSchema, hit, 'rule hit', index);
}
