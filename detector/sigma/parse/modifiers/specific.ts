/**
 * Specific modifiers (spec "Specific Modifiers"): `expand` marks `%name%`
 * placeholders (pySigma `insert_placeholders`: `%\w+%` not preceded by a
 * backslash; `\%` is a plain percent), `fieldref` turns the value into the
 * name of another field.
 */
import { RuleProblem, unsupported } from '../problem.js';
import { hasWildcard, plainText } from '../pattern.js';
import type { StringPart } from '../pattern.js';
import type { ModifierDefinition } from './types.js';

const PLACEHOLDER = /(?<!\\)%([\p{L}\p{N}_]+)%/gu;

function insertPlaceholders(parts: readonly StringPart[]): StringPart[] {
  const out: StringPart[] = [];
  for (const part of parts) {
    if (!('text' in part)) {
      out.push(part);
      continue;
    }
    let last = 0;
    for (const m of part.text.matchAll(PLACEHOLDER)) {
      const before = part.text.slice(last, m.index).replaceAll('\\%', '%');
      if (before !== '') out.push({ text: before });
      out.push({ placeholder: m[1] });
      last = m.index + m[0].length;
    }
    const rest = part.text.slice(last).replaceAll('\\%', '%');
    if (rest !== '') out.push({ text: rest });
  }
  return out;
}

export const expandModifier: ModifierDefinition = {
  name: 'expand',
  accepts: ['string', 'regex'],
  apply(value) {
    if (value.t === 'regex') throw unsupported('modifier expand on a regular expression', 'placeholders inside regular expressions are not supported');
    if (value.t !== 'string') throw new RuleProblem('modifier expand needs a string');
    return { ...value, parts: insertPlaceholders(value.parts) };
  },
};

export const fieldrefModifier: ModifierDefinition = {
  name: 'fieldref',
  accepts: ['string'],
  apply(value) {
    if (value.t !== 'string') throw new RuleProblem('modifier fieldref needs a field name');
    if (hasWildcard(value.parts)) throw new RuleProblem('modifier fieldref: field references must not contain wildcards');
    const field = plainText(value.parts);
    if (field === '') throw new RuleProblem('modifier fieldref: empty field name');
    return { t: 'fieldref', field, startsWith: false, endsWith: false };
  },
};
