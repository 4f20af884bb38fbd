/**
 * Generic modifiers (spec "Generic Modifiers"): contains, startswith,
 * endswith (on strings, regexes and field references, as pySigma), all,
 * neq, cased, exists.
 */
import { RuleProblem } from '../problem.js';
import type { StringPart } from '../pattern.js';
import type { ModifierDefinition, WorkingValue } from './types.js';

const STAR: StringPart = { wildcard: '*' };

const startsWithStar = (parts: readonly StringPart[]): boolean => parts.length > 0 && 'wildcard' in parts[0] && parts[0].wildcard === '*';
const endsWithStar = (parts: readonly StringPart[]): boolean => {
  const last = parts[parts.length - 1];
  return last !== undefined && 'wildcard' in last && last.wildcard === '*';
};

/** pySigma `_regex_has_toplevel_alternation`: a `|` outside groups and classes. */
function hasTopLevelAlternation(re: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (re[i + 1] === '^') i++;
      if (re[i + 1] === ']') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

function endsWithUnescaped(re: string, suffix: string): boolean {
  if (!re.endsWith(suffix)) return false;
  const head = re.slice(0, re.length - suffix.length);
  const slashes = head.length - head.replace(/\\+$/, '').length;
  return slashes % 2 === 0;
}

const isOpenEnded = (re: string): boolean => !endsWithUnescaped(re, '.*') && !endsWithUnescaped(re, '$');
const groupAlternation = (re: string): string => (hasTopLevelAlternation(re) ? `(?:${re})` : re);

function wrap(value: WorkingValue, before: boolean, after: boolean): WorkingValue {
  switch (value.t) {
    case 'string': {
      let parts = value.parts;
      if (before && !startsWithStar(parts)) parts = [STAR, ...parts];
      if (after && !endsWithStar(parts)) parts = [...parts, STAR];
      return { ...value, parts };
    }
    case 'regex': {
      let source = groupAlternation(value.source);
      const original = source;
      if (before && !(original.startsWith('.*') || original.startsWith('^'))) source = `.*${source}`;
      if (after && isOpenEnded(original)) source = `${source}.*`;
      return { ...value, source };
    }
    case 'fieldref':
      return { ...value, startsWith: value.startsWith || after, endsWith: value.endsWith || before };
    default:
      return value;
  }
}

export const containsModifier: ModifierDefinition = {
  name: 'contains',
  accepts: ['string', 'regex', 'fieldref'],
  apply: (v) => wrap(v, true, true),
};

export const startswithModifier: ModifierDefinition = {
  name: 'startswith',
  accepts: ['string', 'regex', 'fieldref'],
  apply: (v) => wrap(v, false, true),
};

export const endswithModifier: ModifierDefinition = {
  name: 'endswith',
  accepts: ['string', 'regex', 'fieldref'],
  apply: (v) => wrap(v, true, false),
};

export const allModifier: ModifierDefinition = { name: 'all', accepts: 'any', flag: 'all' };

export const neqModifier: ModifierDefinition = { name: 'neq', accepts: 'any', flag: 'negated' };

export const casedModifier: ModifierDefinition = { name: 'cased', accepts: ['string'], flag: 'cased', apply: (v) => v };

export const existsModifier: ModifierDefinition = {
  name: 'exists',
  accepts: ['boolean'],
  apply(value, ctx) {
    if (ctx.field === null) throw new RuleProblem('modifier exists must be applied to a field, not to keywords');
    if (ctx.applied.length > 0) throw new RuleProblem(`modifier exists only applies to an unmodified boolean (found after ${ctx.applied.join('|')})`);
    if (value.t !== 'boolean') throw new RuleProblem('modifier exists needs true or false');
    return { t: 'exists', exists: value.value };
  },
};
