/**
 * The correlation condition (`gte: 10`, a range `gt: 100` + `lte: 200`,
 * `neq`) applied to the aggregate, and the choice of when to test it.
 */
import type { CorrelationCondition, CorrelationRule } from '../model.js';

/** Spec v2.1 adds `neq`; the model may not carry it yet, so it is read when present. */
type ConditionWithNeq = CorrelationCondition & { readonly neq?: number };

const Operators = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
type Operator = (typeof Operators)[number];

const Tests: Record<Operator, (value: number, bound: number) => boolean> = {
  gt: (v, b) => v > b,
  gte: (v, b) => v >= b,
  lt: (v, b) => v < b,
  lte: (v, b) => v <= b,
  eq: (v, b) => v === b,
  neq: (v, b) => v !== b,
};

/** The operator/bound pairs of a condition, in a fixed order. */
export interface Bounds {
  readonly tests: readonly (readonly [Operator, number])[];
}

/**
 * The bounds a rule is tested with. A temporal rule without any operator
 * requires every referenced rule (`gte: rules.length`), as pySigma does; the
 * parser is expected to reject other types without one (the engine reports it).
 */
export function effectiveBounds(rule: CorrelationRule): Bounds {
  const condition = rule.condition as ConditionWithNeq;
  const tests: (readonly [Operator, number])[] = [];
  for (const op of Operators) {
    const bound = condition[op];
    if (typeof bound === 'number') tests.push([op, bound]);
  }
  if (tests.length === 0 && (rule.type === 'temporal' || rule.type === 'temporal_ordered')) {
    tests.push(['gte', rule.rules.length]);
  }
  return { tests };
}

/** Whether `value` satisfies every bound (a range is an AND). NaN (no values) satisfies none. */
export function boundsHold(bounds: Bounds, value: number): boolean {
  if (Number.isNaN(value) || bounds.tests.length === 0) return false;
  for (const [op, bound] of bounds.tests) if (!Tests[op](value, bound)) return false;
  return true;
}

/**
 * Types whose aggregate only grows as events join a window: for them a
 * condition made only of lower bounds (gt/gte), once true, stays true, so it
 * can fire on the event that makes it true. Averages and percentiles can
 * fall again, and an upper bound (lt/lte/eq/neq) is only known to hold when
 * no further event can join, so those are tested when the window closes.
 */
const GrowingTypes: ReadonlySet<CorrelationRule['type']> = new Set(['event_count', 'value_count', 'value_sum', 'temporal', 'temporal_ordered']);

export function firesOnArrival(rule: CorrelationRule, bounds: Bounds): boolean {
  return GrowingTypes.has(rule.type) && bounds.tests.length > 0 && bounds.tests.every(([op]) => op === 'gt' || op === 'gte');
}

/** The smallest integer value that satisfies the lower bounds (for sizing caps), or 0 when there is none. */
export function lowerThreshold(bounds: Bounds): number {
  let threshold = 0;
  for (const [op, bound] of bounds.tests) {
    if (op === 'gte' || op === 'eq') threshold = Math.max(threshold, Math.ceil(bound));
    if (op === 'gt') threshold = Math.max(threshold, Math.floor(bound) + 1);
  }
  return threshold;
}
