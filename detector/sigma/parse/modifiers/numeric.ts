/**
 * Numeric modifiers (spec "Numeric Modifiers"): lt, lte, gt, gte on numbers.
 * After a time modifier (`|hour|gt: 17`) they set the time part's operator.
 */
import type { NumericOp } from '../../model.js';
import { RuleProblem } from '../problem.js';
import type { ModifierDefinition } from './types.js';

function compareModifier(op: NumericOp): ModifierDefinition {
  return {
    name: op,
    accepts: ['number', 'timepart'],
    apply(value) {
      if (value.t === 'number') return { t: 'compare', op, value: value.value };
      if (value.t === 'timepart') {
        if (value.op !== 'eq') throw new RuleProblem(`modifier ${op}: the time part already has operator ${value.op}`);
        return { ...value, op };
      }
      throw new RuleProblem(`modifier ${op} needs a number`);
    },
  };
}

export const numericModifiers: readonly ModifierDefinition[] = (['lt', 'lte', 'gt', 'gte'] as const).map(compareModifier);
