/**
 * The `detection` section: search identifiers (maps, lists of maps, keyword
 * lists, `'|all':` keyword maps) and their items `field|mod|mod: values`,
 * plus the condition. Problems are collected per item, so one report lists
 * every bad key of a rule.
 */
import type { Condition, DetectionItem, PlaceholderSource, SearchIdentifier, SigmaValue } from '../model.js';
import { parseConditions } from './condition.js';
import { modifiers } from './modifiers/index.js';
import type { ItemFlag, ModifierContext, WorkingValue } from './modifiers/index.js';
import { hasPlaceholder, parseSigmaString, toPattern } from './pattern.js';
import { RuleProblem, unsupported } from './problem.js';

export interface DetectionOptions {
  readonly placeholders?: PlaceholderSource;
}

export interface ParsedDetection {
  readonly identifiers: ReadonlyMap<string, SearchIdentifier>;
  readonly condition?: Condition;
  /** Key paths are relative to the document root (they start with `detection`). */
  readonly problems: readonly RuleProblem[];
}

/** Keys of `detection` that are not search identifiers. */
const RESERVED = new Set(['condition', 'timeframe']);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Parse a `detection:` map (the section's name in `section`, e.g. `detection` or `filter`). */
export function parseDetection(
  detection: unknown,
  options: DetectionOptions,
  section = 'detection',
  /** Further keys of the section that are not identifiers (a filter's `rules`). */
  extraReserved: readonly string[] = [],
): ParsedDetection {
  const reserved = new Set([...RESERVED, ...extraReserved]);
  const problems: RuleProblem[] = [];
  const identifiers = new Map<string, SearchIdentifier>();
  if (!isPlainObject(detection)) {
    return { identifiers, problems: [new RuleProblem(`${section} must be a map of search identifiers and a condition`, [section])] };
  }
  if ('timeframe' in detection) {
    problems.push(unsupported('detection timeframe (Sigma 1 aggregation)', 'timeframe belongs to Sigma 1 aggregations; use a correlation rule', [section, 'timeframe']));
  }
  for (const [name, definition] of Object.entries(detection)) {
    if (reserved.has(name)) continue;
    const groups = parseIdentifier(definition, options, problems, [section, name]);
    if (groups) identifiers.set(name, { name, groups });
  }
  if (!('condition' in detection)) {
    problems.push(new RuleProblem(`${section} has no condition`, [section]));
    return { identifiers, problems };
  }
  try {
    // Identifiers that failed are still defined names: their own problem is reported, not a second one here.
    const condition = parseConditions(detection.condition, Object.keys(detection).filter((k) => !reserved.has(k)));
    return { identifiers, condition, problems };
  } catch (err) {
    if (!(err instanceof RuleProblem)) throw err;
    problems.push(err.under(section, 'condition'));
    return { identifiers, problems };
  }
}

function parseIdentifier(
  definition: unknown,
  options: DetectionOptions,
  problems: RuleProblem[],
  path: readonly (string | number)[],
): DetectionItem[][] | undefined {
  const before = problems.length;
  const groups: DetectionItem[][] = [];
  if (isPlainObject(definition)) {
    groups.push(parseMap(definition, options, problems, path));
  } else if (Array.isArray(definition)) {
    if (definition.length === 0) problems.push(new RuleProblem('empty search identifier list', path));
    else if (definition.every(isPlainObject)) {
      definition.forEach((m, i) => groups.push(parseMap(m as Record<string, unknown>, options, problems, [...path, i])));
    } else if (definition.every((v) => isScalar(v))) {
      collect(problems, path, () => groups.push(buildItems(null, [], definition, options)));
    } else {
      problems.push(new RuleProblem('a search identifier list must hold only maps or only plain values (keywords)', path));
    }
  } else if (typeof definition === 'string' || typeof definition === 'number') {
    collect(problems, path, () => groups.push(buildItems(null, [], [definition], options)));
  } else {
    problems.push(new RuleProblem(`a search identifier must be a map or a list, got ${definition === null ? 'null' : typeof definition}`, path));
  }
  return problems.length === before ? groups : undefined;
}

function parseMap(map: Record<string, unknown>, options: DetectionOptions, problems: RuleProblem[], path: readonly (string | number)[]): DetectionItem[] {
  const items: DetectionItem[] = [];
  const entries = Object.entries(map);
  if (entries.length === 0) problems.push(new RuleProblem('empty map in search identifier', path));
  for (const [key, value] of entries) {
    collect(problems, [...path, key], () => {
      const [fieldPart, ...mods] = key.split('|');
      const field = fieldPart === '' ? null : fieldPart;
      if (field === null && mods.length === 0) throw new RuleProblem('empty field name');
      items.push(...buildItems(field, mods, value, options));
    });
  }
  return items;
}

function collect(problems: RuleProblem[], path: readonly (string | number)[], fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof RuleProblem)) throw err;
    problems.push(err.under(...path));
  }
}

function initialValue(v: unknown, keyword: boolean): WorkingValue {
  if (typeof v === 'string') return { t: 'string', parts: parseSigmaString(v), raw: v };
  if (typeof v === 'number') {
    if (keyword) return { t: 'string', parts: parseSigmaString(String(v)), raw: String(v) };
    return { t: 'number', value: v };
  }
  if (typeof v === 'boolean') return { t: 'boolean', value: v };
  if (v === null) return { t: 'null' };
  throw new RuleProblem(`a value must be a string, number, boolean or null, got ${Array.isArray(v) ? 'a list' : 'a map'}`);
}

/**
 * Apply one modifier to one value as pySigma does: expansions are modified
 * element by element, a number meets a string modifier as its text.
 */
function applyModifier(name: string, value: WorkingValue, ctx: ModifierContext): WorkingValue {
  const def = modifiers.get(name);
  if (!def) throw new RuleProblem(`unknown modifier ${name}`);
  if (value.t === 'expansion') return { t: 'expansion', values: value.values.map((v) => applyModifier(name, v, ctx)) };
  let v = value;
  if (def.accepts !== 'any' && !def.accepts.includes(v.t)) {
    if (v.t === 'number' && def.accepts.includes('string')) v = { t: 'string', parts: [{ text: String(v.value) }], raw: String(v.value) };
    else throw new RuleProblem(`modifier ${name} cannot apply to a ${describe(v)}${ctx.applied.length ? ` (after ${ctx.applied.join('|')})` : ''}`);
  }
  return def.apply ? def.apply(v, ctx) : v;
}

/**
 * What modifiers may make of one value. `|wide|wide|...` doubles a value at
 * each step and expansions multiply, so twenty-odd modifiers would exhaust
 * memory while the rule loads; such a value is refused as soon as it passes
 * a limit (the step that passes it allocates at most twice the limit).
 */
const MAX_VALUE_ALTERNATIVES = 10_000;
const MAX_VALUE_CHARS = 1 << 20;

function measure(value: WorkingValue): { alternatives: number; chars: number } {
  if (value.t === 'expansion') {
    let alternatives = 0;
    let chars = 0;
    for (const v of value.values) {
      const m = measure(v);
      alternatives += m.alternatives;
      chars += m.chars;
    }
    return { alternatives, chars };
  }
  if (value.t !== 'string') return { alternatives: 1, chars: 0 };
  return { alternatives: 1, chars: value.parts.reduce((n, p) => n + ('text' in p ? p.text.length : 'placeholder' in p ? p.placeholder.length : 1), 0) };
}

function boundGrowth(value: WorkingValue, applied: readonly string[]): void {
  const { alternatives, chars } = measure(value);
  if (alternatives > MAX_VALUE_ALTERNATIVES || chars > MAX_VALUE_CHARS) {
    throw unsupported('value beyond the size limits after modifiers',
      `modifiers ${applied.join('|')} make ${alternatives.toLocaleString('en')} alternatives of ${chars.toLocaleString('en')} characters in all ` +
      `(at most ${MAX_VALUE_ALTERNATIVES.toLocaleString('en')} alternatives and ${MAX_VALUE_CHARS.toLocaleString('en')} characters)`);
  }
}

const KIND_NAMES: Readonly<Record<WorkingValue['t'], string>> = {
  string: 'string', number: 'number', boolean: 'boolean', null: 'null value', regex: 'regular expression', cidr: 'CIDR block',
  'cidr-placeholder': 'CIDR placeholder', compare: 'numeric comparison', exists: 'exists check', fieldref: 'field reference',
  timepart: 'time part', expansion: 'value expansion',
};
const describe = (v: WorkingValue): string => KIND_NAMES[v.t];

/**
 * One `field|modifiers: values` entry -> detection items (usually one; with
 * `all` over values that expand into alternatives, one item per value, so
 * alternatives stay OR-ed while the values are AND-ed).
 */
export function buildItems(field: string | null, mods: readonly string[], raw: unknown, options: DetectionOptions): DetectionItem[] {
  for (const m of mods) if (!modifiers.has(m)) throw new RuleProblem(`unknown modifier ${JSON.stringify(m)}`);
  const rawValues = Array.isArray(raw) ? raw : [raw];
  if (rawValues.length === 0) throw new RuleProblem('empty value list');
  if (rawValues.length > 1 && rawValues.some((v) => v === null)) throw new RuleProblem('null cannot be part of a list of values (use a separate selection)');
  const flags = new Set<ItemFlag>();
  for (const m of mods) {
    const flag = modifiers.get(m)?.flag;
    if (flag) flags.add(flag);
  }
  if (flags.has('all') && rawValues.length === 1) throw new RuleProblem('modifier all needs a list of several values');
  const keyword = field === null;
  const perValue: SigmaValue[][] = rawValues.map((rawValue) => {
    let value = initialValue(rawValue, keyword);
    mods.forEach((m, i) => {
      value = applyModifier(m, value, { field, applied: mods.slice(0, i), placeholders: options.placeholders });
      boundGrowth(value, mods.slice(0, i + 1));
    });
    return toSigmaValues(value, options);
  });
  if (mods.includes('exists') && rawValues.length !== 1) throw new RuleProblem('modifier exists takes one boolean');
  const base = { field, modifiers: [...mods], cased: flags.has('cased'), negated: flags.has('negated') };
  const all = flags.has('all');
  if (all && perValue.some((alts) => alts.length > 1)) {
    if (base.negated) throw unsupported('modifier neq with all over expanded values', 'neq together with all over windash/base64offset alternatives is not supported');
    return perValue.map((values) => ({ ...base, values, all: false }));
  }
  return [{ ...base, values: perValue.flat(), all }];
}

/** Final working value -> model values (expansions flattened). */
function toSigmaValues(value: WorkingValue, options: DetectionOptions): SigmaValue[] {
  switch (value.t) {
    case 'expansion':
      return value.values.flatMap((v) => toSigmaValues(v, options));
    case 'string': {
      if (!hasPlaceholder(value.parts)) return [{ kind: 'pattern', pattern: toPattern(value.parts) }];
      const names = value.parts.flatMap((p) => ('placeholder' in p ? [p.placeholder] : []));
      checkPlaceholders(names, options);
      const only = value.parts.length === 1 ? value.parts[0] : undefined;
      if (only && 'placeholder' in only) return [{ kind: 'placeholder', name: only.placeholder, as: 'pattern' }];
      throw unsupported(`placeholder %${names[0]}% inside a larger pattern`, `placeholder %${names[0]}% is combined with other text or wildcards in one value (${JSON.stringify(value.raw)})`);
    }
    case 'cidr-placeholder':
      checkPlaceholders([value.name], options);
      return [{ kind: 'placeholder', name: value.name, as: 'cidr' }];
    case 'number':
      return [{ kind: 'number', value: value.value }];
    case 'boolean':
      return [{ kind: 'boolean', value: value.value }];
    case 'null':
      return [{ kind: 'null' }];
    case 'regex':
      return [{ kind: 'regex', source: value.source, flags: value.flags }];
    case 'cidr':
      return [{ kind: 'cidr', cidr: value.cidr }];
    case 'compare':
      return [{ kind: 'compare', op: value.op, value: value.value }];
    case 'exists':
      return [{ kind: 'exists', exists: value.exists }];
    case 'fieldref': {
      const match = value.startsWith && value.endsWith ? 'contains' : value.startsWith ? 'startswith' : value.endsWith ? 'endswith' : 'equals';
      return [{ kind: 'fieldref', field: value.field, match }];
    }
    case 'timepart':
      return [{ kind: 'timepart', part: value.part, op: value.op, value: value.value }];
  }
}

function checkPlaceholders(names: readonly string[], options: DetectionOptions): void {
  const known = new Set(options.placeholders?.names() ?? []);
  for (const name of names) {
    if (!known.has(name)) throw unsupported(`placeholder %${name}%`, `placeholder %${name}% has no source of values`);
  }
}
