/**
 * Time modifiers (spec "Time Modifiers"): the field is a date, compared by
 * one part (minute..year) to a number; `|gt|hour` and `|hour|gt` both work.
 */
import type { TimePart } from '../../model.js';
import { RuleProblem } from '../problem.js';
import type { ModifierDefinition } from './types.js';

const RANGES: Readonly<Record<TimePart, readonly [number, number]>> = {
  minute: [0, 59],
  hour: [0, 23],
  day: [1, 31],
  week: [1, 53],
  month: [1, 12],
  year: [0, 9999],
};

function timeModifier(part: TimePart): ModifierDefinition {
  return {
    name: part,
    accepts: ['number', 'compare'],
    apply(value) {
      if (value.t !== 'number' && value.t !== 'compare') throw new RuleProblem(`modifier ${part} needs a number`);
      const [min, max] = RANGES[part];
      if (!Number.isInteger(value.value) || value.value < min || value.value > max) {
        throw new RuleProblem(`modifier ${part} needs an integer ${min}..${max}, got ${value.value}`);
      }
      return { t: 'timepart', part, op: value.t === 'compare' ? value.op : 'eq', value: value.value };
    },
  };
}

export const timeModifiers: readonly ModifierDefinition[] = (Object.keys(RANGES) as TimePart[]).map(timeModifier);
