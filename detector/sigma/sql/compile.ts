/**
 * Sigma rule model -> a WHERE fragment over the store's `events` table
 * (aliased `e`), selecting exactly the events the stream matcher
 * (../stream/) matches; test/detector/sigma/differential.test.ts holds the
 * two to that.
 *
 * How the stream semantics map to SQLite:
 * - A field is read from the JSON document `e.doc` along the path the
 *   matcher's reader walks (nested objects, or a flattened key holding the
 *   rest of the path), computed in SQL as a JSON path; `json_each` over it
 *   yields the one scalar or each array element, so "any element matches"
 *   is an EXISTS. Nested arrays and objects match no value.
 * - An element's text form is JS `String()`: text as is, integers as
 *   digits, reals as their JSON literal (which JSON.stringify wrote, so the
 *   same digits), booleans as `true`/`false`.
 * - Case-insensitive text compares `iisa_lower(text)` (JS toLowerCase,
 *   registered by functions.ts) with pattern text lowered by the same JS
 *   function here, so non-ASCII letters (`Ä`/`ä`, the Kelvin sign) fold as in
 *   the matcher. SQLite's `lower()` and `LIKE` fold ASCII only and are not
 *   used for pattern text. Patterns with only `*` become GLOB on the lowered
 *   text (literal `*`, `?`, `[` written as one-character classes; LIKE's
 *   `%`/`_` play no part); patterns with `?` run the matcher's own anchored
 *   RegExp (flag `i`) through `iisa_regexp`, because its case folding and
 *   its "one UTF-16 unit" differ from lowering and GLOB's "one character".
 * - Regex, CIDR, placeholders, numeric strings and time parts call the
 *   matcher's JS code through registered functions (functions.ts).
 *
 * Every value reaches SQL as a bound parameter; field names are validated
 * and bound as JSON paths. Every boolean fragment is 0 or 1, never NULL, so
 * NOT is exact.
 */
import type {
  Condition,
  DetectionItem,
  DetectionRule,
  PlaceholderSource,
  SearchIdentifier,
  SigmaFilter,
  SigmaPattern,
  SigmaValue,
} from '../model.js';
import type { FieldMapping, ResolvedLogsource, RouteClause, RouteTest } from '../mapping/index.js';
import { Cidr } from '../../../core/ip.js';
import { foldCondition } from '../condition-fold.js';
import { globRegexSource } from '../glob-regex.js';
import { filterApplies } from '../stream/filters.js';
import { keywordSearchValue } from '../stream/values.js';
import { FALSE, TRUE, and, not, or, raw, sql } from './fragment.js';
import type { SqlFragment, SqlParam } from './fragment.js';

export interface SqlCompileOptions {
  /** Field mapping and logsource routing, the same table the stream matcher uses. */
  readonly mapping: FieldMapping;
  /** Needed only to check placeholder names; values are read at run time by `iisa_placeholder`. */
  readonly placeholders?: PlaceholderSource;
  /** Sigma filters that apply to this rule (see `filtersFor`); each adds `AND NOT (filter)`. */
  readonly filters?: readonly SigmaFilter[];
  /**
   * A rule whose logsource has no route: `skip` (default; it selects
   * nothing) or `every-event` (no route condition), as the stream matcher's
   * option of the same name.
   */
  readonly unrouted?: 'skip' | 'every-event';
}

/** A compiled rule: `SELECT ... FROM events e WHERE ${where}` with `params` bound in order. */
export interface CompiledSql {
  readonly where: string;
  readonly params: readonly SqlParam[];
  /** Filters left out because they cannot compile for this rule's logsource (the matcher runs the rule unfiltered too). */
  readonly skippedFilters: readonly { readonly filter: string; readonly message: string }[];
}

/** Thrown when a rule cannot be expressed in SQL (an invalid field name, an unknown placeholder). */
export class SqlCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlCompileError';
  }
}

/** A path segment is any text but `"`, `\` and control characters: it is written inside a quoted JSON path label. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const SEGMENT = /^[^"\\\u0000-\u001f]+$/u;
const MAX_FIELD_LENGTH = 256;

/** Elements of a `json_each` over a field: the scalar itself (key NULL) or array elements, never object members. */
const elementOf = (alias: string): string => `(${alias}.key IS NULL OR typeof(${alias}.key) = 'integer')`;

/** The JS `String()` of an element, NULL for null, objects and arrays. */
const textOf = (alias: string): SqlFragment =>
  raw(
    `(CASE ${alias}.type WHEN 'text' THEN ${alias}.value WHEN 'integer' THEN CAST(${alias}.value AS TEXT) ` +
      `WHEN 'real' THEN e.doc -> ${alias}.fullkey WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END)`,
  );

const isNumeric = (alias: string): string => `${alias}.type IN ('integer', 'real')`;

/**
 * Compile one detection rule. Throws SqlCompileError for what SQL cannot
 * express; otherwise the fragment selects exactly the events (of any org
 * and time: the caller adds scope) the stream matcher would report.
 */
export function compileRuleToSql(rule: DetectionRule, options: SqlCompileOptions): CompiledSql {
  const resolved = options.mapping.resolve(rule.logsource);
  if (resolved.route === null && options.unrouted !== 'every-event') return { where: FALSE.sql, params: [], skippedFilters: [] };
  const ctx: Context = { resolved, options };
  const parts = [...(resolved.route ?? []).map(routeClause), condition(rule.condition, rule.identifiers, ctx)];
  const skippedFilters: { filter: string; message: string }[] = [];
  for (const filter of options.filters ?? []) {
    try {
      parts.push(not(condition(filter.condition, filter.identifiers, ctx)));
    } catch (error) {
      if (!(error instanceof SqlCompileError)) throw error;
      skippedFilters.push({ filter: filter.id ?? filter.title, message: error.message });
    }
  }
  const where = and(parts);
  return { where: where.sql, params: where.params, skippedFilters };
}

/** The filters that apply to a rule, as the stream matcher decides (`filterApplies`). */
export function filtersFor(rule: DetectionRule, filters: readonly SigmaFilter[]): SigmaFilter[] {
  return filters.filter((filter) => filterApplies(filter, rule));
}

interface Context {
  readonly resolved: ResolvedLogsource;
  readonly options: SqlCompileOptions;
}

// ---------------------------------------------------------------- conditions

function condition(node: Condition, identifiers: ReadonlyMap<string, SearchIdentifier>, ctx: Context): SqlFragment {
  return foldCondition<SqlFragment>(node, {
    and, or, not,
    ref: (name) => identifier(identifiers, name, ctx),
    never: FALSE,
    atLeast: (refs, n) => {
      // Each ref is 0 or 1, so their sum counts the identifiers that match.
      const sum = refs.reduce((acc, ref, i) => (i === 0 ? sql`(${ref})` : sql`${acc} + (${ref})`), TRUE);
      return sql`(${sum}) >= ${n}`;
    },
  });
}

function identifier(identifiers: ReadonlyMap<string, SearchIdentifier>, name: string, ctx: Context): SqlFragment {
  const found = identifiers.get(name);
  if (found === undefined) throw new SqlCompileError(`condition names ${name}, which the rule does not define`);
  return or(found.groups.map((group) => and(group.map((item) => detectionItem(item, ctx)))));
}

// ---------------------------------------------------------------- items

/** Item-level kinds: decided on the field as a whole, not per element. */
const WHOLE_FIELD_KINDS = new Set<SigmaValue['kind']>(['null', 'exists']);

function detectionItem(item: DetectionItem, ctx: Context): SqlFragment {
  const paths = (item.field === null ? ctx.resolved.keywordFields : ctx.resolved.fieldsFor(item.field)).map(fieldPath);
  const keyword = item.field === null;
  const values = keyword ? item.values.map(keywordSearchValue) : item.values;
  let matched: SqlFragment;
  if (item.all) {
    matched = and(values.map((value) => or(paths.map((path) => valueOnField(path, [value], item, ctx)))));
  } else {
    matched = or(paths.map((path) => valueOnField(path, values, item, ctx)));
  }
  return item.negated ? not(matched) : matched;
}

/** Any of `values` matches the field at `path` (an element of it, for element kinds). */
function valueOnField(path: SqlFragment, values: readonly SigmaValue[], item: DetectionItem, ctx: Context): SqlFragment {
  const whole = values.filter((v) => WHOLE_FIELD_KINDS.has(v.kind)).map((v) => wholeField(path, v));
  const elementValues = values.filter((v) => !WHOLE_FIELD_KINDS.has(v.kind));
  // Exact patterns (no wildcard) become one IN over a bound JSON list, as the matcher makes them one Set lookup.
  const exact = elementValues.flatMap((v) => (v.kind === 'pattern' && !v.pattern.parts.some((p) => 'wildcard' in p) ? [literalOf(v.pattern)] : []));
  const element =
    exact.length > 1
      ? [exactSet('j', exact, item.cased), ...elementValues.filter((v) => !(v.kind === 'pattern' && !v.pattern.parts.some((p) => 'wildcard' in p))).map((v) => elementMatch('j', v, item, ctx))]
      : elementValues.map((v) => elementMatch('j', v, item, ctx));
  const parts = [...whole];
  if (element.length > 0) {
    parts.push(sql`EXISTS (SELECT 1 FROM json_each(e.doc, ${path}) j WHERE ${raw(elementOf('j'))} AND (${or(element)}))`);
  }
  return or(parts);
}

function wholeField(path: SqlFragment, value: SigmaValue): SqlFragment {
  switch (value.kind) {
    case 'exists':
      return sql`COALESCE(json_type(e.doc, ${path}), 'null') ${raw(value.exists ? '<>' : '=')} 'null'`;
    case 'null':
      // Absent, null, empty text or an empty array (not an array holding a null).
      return sql`COALESCE(json_type(e.doc, ${path}), 'null') = 'null' OR COALESCE(CASE json_type(e.doc, ${path}) WHEN 'text' THEN json_extract(e.doc, ${path}) = '' WHEN 'array' THEN json_array_length(e.doc, ${path}) = 0 END, 0)`;
    default:
      throw new SqlCompileError(`value kind ${value.kind} is not a whole-field test`);
  }
}

/** One element (json_each alias `a`) matches one value. */
function elementMatch(a: string, value: SigmaValue, item: DetectionItem, ctx: Context): SqlFragment {
  const text = textOf(a);
  switch (value.kind) {
    case 'pattern':
      return patternMatch(a, value.pattern, item.cased);
    case 'number':
      return sql`((${raw(isNumeric(a))} AND ${raw(a)}.value = ${value.value}) OR (${raw(a)}.type = 'text' AND iisa_number(${raw(a)}.value) = ${value.value}))`;
    case 'boolean': {
      // A boolean, or the text true/false in any ASCII case (SQLite's lower() folds exactly ASCII).
      const name = value.value ? 'true' : 'false';
      return sql`(${raw(a)}.type = ${name} OR (${raw(a)}.type = 'text' AND lower(${raw(a)}.value) = ${name}))`;
    }
    case 'regex': {
      checkRegex(value.source);
      const flags = `${value.flags.i ? 'i' : ''}${value.flags.m ? 'm' : ''}${value.flags.s ? 's' : ''}`;
      return sql`COALESCE(iisa_regexp(${value.source}, ${flags}, ${text}), 0)`;
    }
    case 'cidr':
      checkCidr(value.cidr);
      return sql`(${raw(a)}.type = 'text' AND iisa_cidr(${value.cidr}, ${raw(a)}.value))`;
    case 'compare': {
      const op = COMPARE_SQL[value.op];
      return sql`((${raw(isNumeric(a))} AND ${raw(a)}.value ${raw(op)} ${value.value}) OR (${raw(a)}.type = 'text' AND COALESCE(iisa_number(${raw(a)}.value) ${raw(op)} ${value.value}, 0)))`;
    }
    case 'timepart': {
      const op = value.op === 'eq' ? '=' : COMPARE_SQL[value.op];
      return sql`(${raw(a)}.type IN ('text', 'integer', 'real') AND COALESCE(iisa_timepart(${value.part}, ${raw(a)}.value) ${raw(op)} ${value.value}, 0))`;
    }
    case 'fieldref': {
      const relation = fieldRelation(text, textOf('k'), value.match, item.cased);
      return or(
        ctx.resolved.fieldsFor(value.field).map(
          (other) => sql`EXISTS (SELECT 1 FROM json_each(e.doc, ${fieldPath(other)}) k WHERE ${raw(elementOf('k'))} AND ${relation})`,
        ),
      );
    }
    case 'placeholder': {
      if (ctx.options.placeholders === undefined || !ctx.options.placeholders.names().includes(value.name)) {
        throw new SqlCompileError(`placeholder %${value.name}% has no source of values`);
      }
      return sql`iisa_placeholder(${value.name}, ${value.as}, ${item.cased ? 1 : 0}, e.org_id, ${raw(a)}.type, ${raw(a)}.value)`;
    }
    case 'null':
    case 'exists':
      throw new SqlCompileError(`value kind ${value.kind} is a whole-field test`);
  }
}

/** Values the matcher refuses to compile are refused here too, so both backends run the same rules. */
function checkRegex(source: string): void {
  try {
    new RegExp(source);
  } catch (error) {
    throw new SqlCompileError(`regular expression ${JSON.stringify(source)} is not valid here: ${(error as Error).message}`);
  }
}

function checkCidr(block: string): void {
  try {
    Cidr.parse(block);
  } catch (error) {
    throw new SqlCompileError((error as Error).message);
  }
}

const COMPARE_SQL: Readonly<Record<'gt' | 'gte' | 'lt' | 'lte', string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

function fieldRelation(left: SqlFragment, right: SqlFragment, match: 'equals' | 'startswith' | 'endswith' | 'contains', cased: boolean): SqlFragment {
  const a = cased ? left : sql`iisa_lower(${left})`;
  const b = cased ? right : sql`iisa_lower(${right})`;
  switch (match) {
    case 'equals':
      return sql`${a} = ${b}`;
    case 'startswith':
      return sql`substr(${a}, 1, length(${b})) = ${b}`;
    case 'endswith':
      return sql`(length(${b}) <= length(${a}) AND substr(${a}, length(${a}) - length(${b}) + 1) = ${b})`;
    case 'contains':
      return sql`instr(${a}, ${b}) > 0`;
  }
}

/**
 * A pattern over element `a`, as the matcher's `patternTest` decides it:
 * - no wildcard: numbers compare by their exact text form, other elements by
 *   the (lowered) text;
 * - a `?`: the same anchored RegExp (`[\s\S]` per UTF-16 unit, flag `i`);
 * - `*` only: GLOB on the (lowered) text, which is the matcher's
 *   startsWith/indexOf/endsWith walk; literal `*`, `?`, `[` are
 *   one-character classes.
 */
function patternMatch(a: string, pattern: SigmaPattern, cased: boolean): SqlFragment {
  const text = textOf(a);
  const subject = cased ? text : sql`iisa_lower(${text})`;
  const fold = (s: string): string => (cased ? s : s.toLowerCase());
  const parts = pattern.parts;
  if (!parts.some((part) => 'wildcard' in part)) {
    const literal = parts.map((part) => ('text' in part ? part.text : '')).join('');
    return sql`CASE WHEN ${raw(isNumeric(a))} THEN ${text} = ${literal} ELSE COALESCE(${subject} = ${fold(literal)}, 0) END`;
  }
  if (parts.some((part) => 'wildcard' in part && part.wildcard === '?')) {
    return sql`iisa_regexp(${globRegexSource(parts)}, ${cased ? '' : 'i'}, ${text})`;
  }
  const glob = parts.map((part) => ('text' in part ? escapeGlob(fold(part.text)) : '*')).join('');
  return sql`COALESCE(${subject} GLOB ${glob}, 0)`;
}

function literalOf(pattern: SigmaPattern): string {
  return pattern.parts.map((part) => ('text' in part ? part.text : '')).join('');
}

/** Element `a` equals one of the literals: numbers by exact text form, others by (lowered) text. */
function exactSet(a: string, literals: readonly string[], cased: boolean): SqlFragment {
  const text = textOf(a);
  const subject = cased ? text : sql`iisa_lower(${text})`;
  const folded = cased ? literals : literals.map((l) => l.toLowerCase());
  return sql`CASE WHEN ${raw(isNumeric(a))} THEN ${text} IN (SELECT value FROM json_each(${JSON.stringify(literals)})) ELSE COALESCE(${subject} IN (SELECT value FROM json_each(${JSON.stringify(folded)})), 0) END`;
}

/** GLOB's special characters as one-character classes; `]` outside a class is literal. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[]/g, (c) => `[${c}]`);
}

// ---------------------------------------------------------------- fields

/**
 * The JSON path `getField(event, field)` reads, as a SQL expression: at each
 * level, the next segment if that key exists, else a flattened key holding
 * the rest of the path (`{"id.orig_h": ...}`). NULL paths make json_each
 * empty and json_type NULL, i.e. an absent field.
 */
export function fieldPath(field: string): SqlFragment {
  const segments = field.split('.');
  if (field.length === 0 || field.length > MAX_FIELD_LENGTH || !segments.every((s) => SEGMENT.test(s))) {
    throw new SqlCompileError(`field name ${JSON.stringify(field)} cannot be read in SQL (empty segment, quote, backslash or control character)`);
  }
  const label = (segment: string): string => `."${segment}"`;
  const build = (prefix: string, index: number): SqlFragment => {
    if (index === segments.length - 1) return sql`${prefix + label(segments[index])}`;
    const next = prefix + label(segments[index]);
    const flattened = prefix + label(segments.slice(index).join('.'));
    return sql`(CASE WHEN json_type(e.doc, ${next}) IS NOT NULL THEN ${build(next, index + 1)} ELSE ${flattened} END)`;
  };
  return build('$', 0);
}

/** A route clause: any alternative, each with all its tests. */
function routeClause(clause: RouteClause): SqlFragment {
  return or(clause.map((alternative) => and(alternative.map(routeTest))));
}

/**
 * The router's test: the field is one of the values exactly, as a string, a
 * string element of an array, or a scalar number's text (`event.code` 4104).
 */
function routeTest(test: RouteTest): SqlFragment {
  const path = fieldPath(test.field);
  const values = JSON.stringify(test.values);
  return sql`EXISTS (SELECT 1 FROM json_each(e.doc, ${path}) j WHERE ${raw(elementOf('j'))} AND CASE WHEN j.type = 'text' THEN j.value IN (SELECT value FROM json_each(${values})) WHEN j.key IS NULL AND ${raw(isNumeric('j'))} THEN ${textOf('j')} IN (SELECT value FROM json_each(${values})) ELSE 0 END)`;
}
