/**
 * Sigma rule model -> an Elasticsearch query selecting exactly the events
 * the stream matcher (../stream/) matches, on an index mapped by
 * core/store/elasticsearch/mapping.ts; test/detector/sigma/differential.test.ts
 * holds stream, SQL and this to the same hits. Mirrors ../sql/compile.ts:
 * the same walk of the model, the same refusals (as EsCompileError), the
 * same `rule AND NOT filter`.
 *
 * How the stream semantics map to the index, per field type:
 * - keyword (strings, and whatever a sender puts outside the schema):
 *   values are indexed as sent, numbers and booleans as their JSON text
 *   (= JS `String()`), each array element as one value, so "any element
 *   matches" is what a term-level query does anyway. Exact patterns are
 *   `term`/`terms`, `*`-only patterns `prefix` or `wildcard`, with
 *   `case_insensitive` unless `cased`. Elasticsearch folds ASCII only, so a
 *   pattern holding a letter JavaScript folds differently (non-ASCII
 *   letters, `k` with the Kelvin sign) becomes a `regexp` with the
 *   equivalent characters spelled out (./charset.ts). A Sigma number equals
 *   the decimal literals of that number ("502", "0502", "+502.0"): a
 *   `regexp`. `re` is translated by ./regex.ts.
 * - long/double: numbers compare as numbers; a pattern is the canonical
 *   text of a number (`term`) or nothing; `gt`.. are `range`s.
 * - ip: `cidr` is a `term` with the block (IPv4 and IPv6); an exact pattern
 *   is a `term` when it is the canonical text the index stores (a value that
 *   is not an IP matches nothing rather than failing the search).
 * - boolean: patterns and regexes are decided here against "true"/"false".
 * - `null`: no value, or only '' (`must_not` a non-empty value);
 *   `exists`: the `exists` query.
 *
 * Refused (EsCompileError, with `reason` naming the construct): `fieldref`
 * and time parts (both need a script; this Elasticsearch has no painless),
 * regexes Lucene cannot express, wildcards on ip/numeric fields, numeric
 * comparisons on keyword fields (text there), CIDR on non-ip fields,
 * anything but presence on date fields, fields whose type differs between
 * indices, placeholders without the orgs to expand them for.
 *
 * Not exact, documented: characters outside the BMP (`?` and `.` are one
 * UTF-16 unit in JavaScript, one code point in Lucene); number text in
 * exponent notation ("5.02e2") is not taken as a number on keyword fields;
 * what the mapping cannot hold as sent (empty arrays, arrays of null or '',
 * strings coerced into numeric fields, keyword values over `ignore_above`).
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
import type { FieldMapping, ResolvedLogsource, RouteClause } from '../mapping/index.js';
import { Cidr, canonicalIp } from '../../../core/ip.js';
import { esFieldType } from '../../../core/store/elasticsearch/field-types.js';
import type { EsFieldType } from '../../../core/store/elasticsearch/field-types.js';
import { foldCondition } from '../condition-fold.js';
import { filterApplies } from '../stream/filters.js';
import { keywordSearchValue, exactText, patternTest, wildcardPattern } from '../stream/values.js';
import { asciiFoldIsExact, foldClassOf, luceneChar, luceneSet, normaliseSet } from './charset.js';
import type { Fold } from './charset.js';
import { MATCH_ALL, MATCH_NONE, and, atLeast, exists, not, or } from './query.js';
import type { Query } from './query.js';
import { RegexTranslationError, translateRegex } from './regex.js';

/** A field's type in the searched indices; `conflict` when indices disagree, `unsupported` for text/object/other. */
export type EsFieldKind = EsFieldType | 'conflict' | 'unsupported';

export interface EsCompileOptions {
  /** Field mapping and logsource routing, the same table the stream matcher uses. */
  readonly mapping: FieldMapping;
  /** Values of `expand` placeholders; read at compile time, per org of `placeholderOrgs`. */
  readonly placeholders?: PlaceholderSource;
  /**
   * Orgs whose placeholder values the query carries (events of other orgs
   * get the values for no org). Required for a rule with placeholders.
   */
  readonly placeholderOrgs?: readonly string[];
  /** Sigma filters that apply to this rule (see `filtersFor`); each adds `AND NOT (filter)`. */
  readonly filters?: readonly SigmaFilter[];
  /** As the SQL compiler's and the stream matcher's option: `skip` (default) or `every-event`. */
  readonly unrouted?: 'skip' | 'every-event';
  /**
   * The type of a field in the searched indices (see `liveFieldTypes` in
   * ./hunt.ts). Default: the event schema's type, keyword for other fields.
   */
  readonly fieldType?: (path: string) => EsFieldKind | undefined;
}

export interface CompiledEs {
  readonly query: Query;
  /** Filters left out because they cannot compile for this rule (the matcher runs the rule unfiltered too). */
  readonly skippedFilters: readonly { readonly filter: string; readonly message: string }[];
}

/** Thrown when a rule cannot be expressed exactly; `reason` is a short name of the construct, for grouping. */
export class EsCompileError extends Error {
  constructor(message: string, readonly reason: string) {
    super(message);
    this.name = 'EsCompileError';
  }
}

/** The id a rule is named by in messages and hits. */
export function ruleKey(rule: DetectionRule): string {
  return rule.id ?? rule.name ?? rule.title;
}

/**
 * Compile one detection rule to a query over any org and time (the caller
 * adds scope). Throws EsCompileError naming the rule and the construct.
 */
export function compileRuleToEs(rule: DetectionRule, options: EsCompileOptions): CompiledEs {
  const resolved = options.mapping.resolve(rule.logsource);
  if (resolved.route === null && options.unrouted !== 'every-event') return { query: MATCH_NONE, skippedFilters: [] };
  const ctx: Context = { resolved, options, fieldType: options.fieldType ?? defaultFieldType };
  try {
    const parts = [...(resolved.route ?? []).map((clause) => routeClause(clause, ctx)), condition(rule.condition, rule.identifiers, ctx)];
    const skippedFilters: { filter: string; message: string }[] = [];
    for (const filter of options.filters ?? []) {
      try {
        parts.push(not(condition(filter.condition, filter.identifiers, ctx)));
      } catch (error) {
        if (!(error instanceof EsCompileError)) throw error;
        skippedFilters.push({ filter: filter.id ?? filter.title, message: error.message });
      }
    }
    return { query: and(parts), skippedFilters };
  } catch (error) {
    if (!(error instanceof EsCompileError)) throw error;
    throw new EsCompileError(`rule ${ruleKey(rule)} (${JSON.stringify(rule.title)}): ${error.message}`, error.reason);
  }
}

/** The filters that apply to a rule, as the stream matcher decides (`filterApplies`). */
export function filtersFor(rule: DetectionRule, filters: readonly SigmaFilter[]): SigmaFilter[] {
  return filters.filter((filter) => filterApplies(filter, rule));
}

function defaultFieldType(path: string): EsFieldKind {
  return esFieldType(path) ?? 'keyword';
}

interface Context {
  readonly resolved: ResolvedLogsource;
  readonly options: EsCompileOptions;
  readonly fieldType: (path: string) => EsFieldKind | undefined;
}

// ---------------------------------------------------------------- conditions

function condition(node: Condition, identifiers: ReadonlyMap<string, SearchIdentifier>, ctx: Context): Query {
  return foldCondition<Query>(node, { and, or, not, ref: (name) => identifier(identifiers, name, ctx), never: MATCH_NONE, atLeast });
}

function identifier(identifiers: ReadonlyMap<string, SearchIdentifier>, name: string, ctx: Context): Query {
  const found = identifiers.get(name);
  if (found === undefined) throw new EsCompileError(`condition names ${name}, which the rule does not define`, 'undefined identifier');
  return or(found.groups.map((group) => and(group.map((item) => detectionItem(item, ctx)))));
}

// ---------------------------------------------------------------- items

function detectionItem(item: DetectionItem, ctx: Context): Query {
  const fields = item.field === null ? ctx.resolved.keywordFields : ctx.resolved.fieldsFor(item.field);
  const values = item.field === null ? item.values.map(keywordSearchValue) : item.values;
  const matched = item.all
    ? and(values.map((value) => or(fields.map((field) => valuesOnField(field, [value], item, ctx)))))
    : or(fields.map((field) => valuesOnField(field, values, item, ctx)));
  return item.negated ? not(matched) : matched;
}

function typeOf(field: string, ctx: Context): EsFieldType {
  if (field.length === 0 || field.split('.').some((s) => s.length === 0)) {
    throw new EsCompileError(`field name ${JSON.stringify(field)} has an empty segment`, 'invalid field name');
  }
  const kind = ctx.fieldType(field) ?? 'keyword';
  if (kind === 'conflict') throw new EsCompileError(`field ${field} has different types in the searched indices`, 'field type conflict');
  if (kind === 'unsupported') throw new EsCompileError(`field ${field} is not a keyword, numeric, ip, date or boolean field`, 'unsupported field type');
  return kind;
}

/** Any of `values` matches the field. */
function valuesOnField(field: string, values: readonly SigmaValue[], item: DetectionItem, ctx: Context): Query {
  const type = typeOf(field, ctx);
  const exact: string[] = [];
  const parts: Query[] = [];
  for (const value of values) {
    const text = value.kind === 'pattern' ? exactText(value.pattern) : undefined;
    if (text !== undefined && type === 'keyword') exact.push(text);
    else parts.push(valueOnField(field, type, value, item, ctx));
  }
  if (exact.length > 0) parts.unshift(keywordExact(field, exact, item.cased));
  return or(parts);
}

function valueOnField(field: string, type: EsFieldType, value: SigmaValue, item: DetectionItem, ctx: Context): Query {
  switch (value.kind) {
    case 'null':
      // Absent, null, [] or '' (an array of only '' too: the index cannot tell it from '').
      return type === 'keyword' ? not({ range: { [field]: { gt: '' } } }) : not(exists(field));
    case 'exists':
      return value.exists ? exists(field) : not(exists(field));
    case 'fieldref':
      throw new EsCompileError(
        `fieldref ${field} vs ${value.field} compares two fields of one document, which needs a script query; this Elasticsearch has no lang-painless`,
        'fieldref needs a painless script',
      );
    case 'timepart':
      throw new EsCompileError(`time part ${value.part} of ${field} needs a script query; this Elasticsearch has no lang-painless`, 'time part needs a painless script');
    case 'placeholder':
      return placeholder(field, type, value, item, ctx);
    default:
      break;
  }
  switch (type) {
    case 'keyword':
      return onKeyword(field, value, item);
    case 'long':
    case 'double':
      return onNumeric(field, type, value);
    case 'ip':
      return onIp(field, value, item.cased);
    case 'boolean':
      return onBoolean(field, value, item.cased);
    case 'date':
      throw new EsCompileError(
        `${value.kind} value on date field ${field}: the stream compares the ISO text, the index holds instants`,
        'value test on a date field',
      );
  }
}

// ---------------------------------------------------------------- keyword fields

function onKeyword(field: string, value: SigmaValue, item: DetectionItem): Query {
  switch (value.kind) {
    case 'pattern':
      return keywordPattern(field, value.pattern, item.cased);
    case 'number':
      return numberText(field, value.value);
    case 'boolean':
      return { term: { [field]: { value: String(value.value), case_insensitive: true } } };
    case 'regex': {
      const translated = translate(value.source, value.flags);
      return { regexp: { [field]: { value: translated.value, ...(translated.caseInsensitive ? { case_insensitive: true } : {}) } } };
    }
    case 'cidr':
      throw new EsCompileError(`cidr ${value.cidr} on ${field}, a keyword field: Elasticsearch matches CIDR blocks on ip fields only`, 'cidr on a non-ip field');
    case 'compare':
      throw new EsCompileError(
        `${value.op} ${value.value} on ${field}, a keyword field: the stream compares the number a text spells, a keyword range compares text`,
        'numeric comparison on a keyword field',
      );
    default:
      throw new EsCompileError(`value kind ${value.kind} on ${field}`, `value kind ${value.kind}`);
  }
}

function translate(source: string, flags: { i: boolean; m: boolean; s: boolean }): { value: string; caseInsensitive: boolean } {
  try {
    return translateRegex(source, flags);
  } catch (error) {
    if (error instanceof RegexTranslationError) throw new EsCompileError(error.message, `regex: ${error.construct}`);
    throw error;
  }
}

/** Whether ASCII case folding is the stream's folding on every character of `text`. */
function asciiFoldEnough(text: string, fold: Fold): boolean {
  for (const ch of text) if (!asciiFoldIsExact(ch.codePointAt(0) ?? 0, fold)) return false;
  return true;
}

const hasCase = (text: string): boolean => text.toLowerCase() !== text.toUpperCase();

/** Exact texts on a keyword field: `terms` where case does not matter, else one `term` (or folded `regexp`) each. */
function keywordExact(field: string, texts: readonly string[], cased: boolean): Query {
  const plain: string[] = [];
  const parts: Query[] = [];
  for (const text of texts) {
    if (cased || !hasCase(text)) plain.push(text);
    else if (asciiFoldEnough(text, 'lower')) parts.push({ term: { [field]: { value: text, case_insensitive: true } } });
    else parts.push(foldedRegexp(field, { parts: [{ text }] }, 'lower'));
  }
  if (plain.length === 1) parts.unshift({ term: { [field]: { value: plain[0] } } });
  if (plain.length > 1) parts.unshift({ terms: { [field]: [...new Set(plain)] } });
  return or(parts);
}

/** Merge adjacent text parts and `**`, as the matcher does. */
function normalise(pattern: SigmaPattern): SigmaPattern['parts'] {
  const out: SigmaPattern['parts'][number][] = [];
  for (const part of pattern.parts) {
    const prev = out[out.length - 1];
    if ('text' in part) {
      if (part.text === '') continue;
      if (prev !== undefined && 'text' in prev) out[out.length - 1] = { text: prev.text + part.text };
      else out.push(part);
    } else if (!(part.wildcard === '*' && prev !== undefined && 'wildcard' in prev && prev.wildcard === '*')) {
      out.push(part);
    }
  }
  return out;
}

/** Lucene wildcard syntax: `*`, `?`, and `\` escaping itself and them. */
function luceneWildcard(parts: SigmaPattern['parts']): string {
  return parts.map((p) => ('text' in p ? p.text.replace(/[\\*?]/g, '\\$&') : p.wildcard)).join('');
}

function keywordPattern(field: string, pattern: SigmaPattern, cased: boolean): Query {
  const parts = normalise(pattern);
  const text = parts.filter((p): p is { text: string } => 'text' in p).map((p) => p.text).join('');
  if (parts.every((p) => 'wildcard' in p)) {
    // Only wildcards: any value (`*`) or values of at least so many characters.
    if (parts.every((p) => 'wildcard' in p && p.wildcard === '*')) return exists(field);
  }
  if (!parts.some((p) => 'wildcard' in p)) return keywordExact(field, [text], cased);
  const hasQuestion = parts.some((p) => 'wildcard' in p && p.wildcard === '?');
  // The matcher folds `?` patterns with RegExp `i`, `*`-only patterns with toLowerCase.
  const fold: Fold = hasQuestion ? 'regex' : 'lower';
  const caseInsensitive = !cased && hasCase(text);
  if (caseInsensitive && !asciiFoldEnough(text, fold)) return foldedRegexp(field, { parts }, fold);
  const ci = caseInsensitive ? { case_insensitive: true } : {};
  const last = parts[parts.length - 1];
  if (parts.length === 2 && 'text' in parts[0] && 'wildcard' in last && last.wildcard === '*') {
    return { prefix: { [field]: { value: parts[0].text, ...ci } } };
  }
  return { wildcard: { [field]: { value: luceneWildcard(parts), ...ci } } };
}

/** A pattern as a `regexp` with each letter's fold class spelled out. */
function foldedRegexp(field: string, pattern: SigmaPattern, fold: Fold): Query {
  let value = '';
  for (const part of normalise(pattern)) {
    if ('wildcard' in part) {
      value += part.wildcard === '*' ? '.*' : '.';
      continue;
    }
    for (const ch of part.text) {
      const cp = ch.codePointAt(0) ?? 0;
      value += luceneSet(normaliseSet(foldClassOf(cp, fold).map((m) => [m, m] as const)));
    }
  }
  return { regexp: { [field]: { value } } };
}

/**
 * The decimal literals a keyword value may spell `n` with (the matcher's
 * `numericValue`): optional sign, leading zeros, trailing fractional zeros,
 * a zero exponent. A number whose shortest text needs an exponent is matched
 * by that text only.
 */
export function numberTextRegexp(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  const abs = String(Math.abs(n));
  if (/e/i.test(abs)) return undefined;
  const [int, frac = ''] = abs.split('.');
  const sign = n < 0 ? '\\-' : Object.is(n, 0) || n === 0 ? '[\\+\\-]?' : '\\+?';
  const digits = (s: string): string => [...s].map((c) => luceneChar(c.charCodeAt(0))).join('');
  let body: string;
  if (frac === '') {
    body = int === '0' ? '(0+(\\.0*)?|\\.0+)' : `0*${digits(int)}(\\.0*)?`;
  } else {
    body = int === '0' ? `0*\\.${digits(frac)}0*` : `0*${digits(int)}\\.${digits(frac)}0*`;
  }
  return `${sign}${body}([eE][\\+\\-]?0+)?`;
}

function numberText(field: string, n: number): Query {
  const re = numberTextRegexp(n);
  if (re === undefined) return Number.isFinite(n) ? { term: { [field]: { value: String(n) } } } : MATCH_NONE;
  return { regexp: { [field]: { value: re } } };
}

// ---------------------------------------------------------------- typed fields

/** The number a text is the canonical form of ("502" -> 502), as the matcher reads exact patterns against numbers. */
function canonicalNumber(text: string): number | undefined {
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return String(n) === text ? n : undefined;
}

function numberTerm(field: string, type: 'long' | 'double', n: number): Query {
  if (!Number.isFinite(n)) return MATCH_NONE;
  if (type === 'long' && !Number.isSafeInteger(n)) return MATCH_NONE;
  return { term: { [field]: { value: n } } };
}

function onlyStars(pattern: SigmaPattern): boolean {
  const parts = normalise(pattern);
  return parts.length > 0 && parts.every((p) => 'wildcard' in p && p.wildcard === '*');
}

function onNumeric(field: string, type: 'long' | 'double', value: SigmaValue): Query {
  switch (value.kind) {
    case 'pattern': {
      if (onlyStars(value.pattern)) return exists(field);
      const text = exactText(value.pattern);
      if (text === undefined) {
        throw new EsCompileError(`wildcard pattern on ${field}, a ${type} field: the stream matches the number's text`, 'wildcard on a numeric field');
      }
      const n = canonicalNumber(text);
      return n === undefined ? MATCH_NONE : numberTerm(field, type, n);
    }
    case 'number':
      return numberTerm(field, type, value.value);
    case 'compare': {
      if (!Number.isFinite(value.value)) return MATCH_NONE;
      return { range: { [field]: { [value.op]: value.value } } };
    }
    case 'regex':
      throw new EsCompileError(`regular expression on ${field}, a ${type} field: the stream matches the number's text`, 'regex on a numeric field');
    case 'boolean':
    case 'cidr':
      return MATCH_NONE;
    default:
      throw new EsCompileError(`value kind ${value.kind} on ${field}`, `value kind ${value.kind}`);
  }
}

/** The text an ip field holds for an exact pattern, when the pattern is one (canonical, no zone). */
function ipText(text: string, cased: boolean): string | undefined {
  const v = cased ? text : text.toLowerCase();
  if (v.includes('%')) return undefined;
  return canonicalIp(v) === v ? v : undefined;
}

function onIp(field: string, value: SigmaValue, cased: boolean): Query {
  switch (value.kind) {
    case 'pattern': {
      if (onlyStars(value.pattern)) return exists(field);
      const text = exactText(value.pattern);
      if (text === undefined) {
        throw new EsCompileError(`wildcard pattern on ${field}, an ip field: the index holds addresses, not text`, 'wildcard on an ip field');
      }
      const ip = ipText(text, cased);
      // `::ffff:a.b.c.d` is the same address as a.b.c.d to the index, never the same text to the matcher.
      return ip === undefined || (MAPPED_V4.contains(ip) && ip.includes(':')) ? MATCH_NONE : { term: { [field]: { value: ip } } };
    }
    case 'cidr':
      return cidrQuery(field, value.cidr);
    case 'regex':
      throw new EsCompileError(`regular expression on ${field}, an ip field: the index holds addresses, not text`, 'regex on an ip field');
    case 'number':
    case 'boolean':
    case 'compare':
      return MATCH_NONE;
    default:
      throw new EsCompileError(`value kind ${value.kind} on ${field}`, `value kind ${value.kind}`);
  }
}

/** IPv4 addresses as the index holds them: IPv4-mapped IPv6 (`::ffff:0:0/96`). */
const MAPPED_V4 = Cidr.parse('::ffff:0:0/96');

/**
 * A CIDR block as Elasticsearch reads it (canonical address/prefix); invalid
 * blocks are refused as the matcher refuses them. An IPv6 block overlapping
 * the IPv4-mapped range would also find IPv4 addresses in the index (which
 * holds them mapped), while the matcher keeps the families apart: those are
 * taken out.
 */
function cidrQuery(field: string, block: string): Query {
  try {
    Cidr.parse(block);
  } catch (error) {
    throw new EsCompileError((error as Error).message, 'invalid cidr');
  }
  const slash = block.indexOf('/');
  const address = canonicalIp(slash === -1 ? block : block.slice(0, slash)) ?? block;
  const prefix = slash === -1 ? undefined : Number(block.slice(slash + 1));
  const text = prefix === undefined ? address : `${address}/${prefix}`;
  const term: Query = { term: { [field]: { value: text } } };
  if (!address.includes(':')) return term;
  const overlapsMapped = Cidr.parse(block).contains('::ffff:0:0') || ((prefix ?? 128) >= 96 && MAPPED_V4.contains(address));
  return overlapsMapped ? and([term, not({ term: { [field]: { value: '0.0.0.0/0' } } })]) : term;
}

const BOOLEAN_TEXTS = [
  { value: true, text: 'true' },
  { value: false, text: 'false' },
] as const;

/** A test decided on "true" and "false" as the matcher would, as a `terms` on the boolean field. */
function booleansWhere(field: string, test: (value: boolean, text: string) => boolean): Query {
  const values = BOOLEAN_TEXTS.filter((b) => test(b.value, b.text)).map((b) => b.value);
  if (values.length === 0) return MATCH_NONE;
  if (values.length === 2) return exists(field);
  return { term: { [field]: { value: values[0] } } };
}

function onBoolean(field: string, value: SigmaValue, cased: boolean): Query {
  switch (value.kind) {
    case 'pattern': {
      const t = patternTest(value.pattern, cased);
      return booleansWhere(field, (v, text) => t.test(v, text, text, undefined));
    }
    case 'boolean':
      return { term: { [field]: { value: value.value } } };
    case 'regex': {
      let re: RegExp;
      try {
        re = new RegExp(value.source, `${value.flags.i ? 'i' : ''}${value.flags.m ? 'm' : ''}${value.flags.s ? 's' : ''}`);
      } catch (error) {
        throw new EsCompileError(`regular expression ${JSON.stringify(value.source)} is not valid: ${(error as Error).message}`, 'regex: invalid regular expression');
      }
      return booleansWhere(field, (_v, text) => re.test(text));
    }
    case 'number':
    case 'compare':
    case 'cidr':
      return MATCH_NONE;
    default:
      throw new EsCompileError(`value kind ${value.kind} on ${field}`, `value kind ${value.kind}`);
  }
}

// ---------------------------------------------------------------- placeholders

/**
 * The placeholder's values differ per org, so the query carries one branch
 * per org of `placeholderOrgs` (`org.id` = org AND its values) and one for
 * events of any other org or none (the values for no org), as the matcher
 * looks the values up by the event's `org.id`.
 */
function placeholder(field: string, type: EsFieldType, value: Extract<SigmaValue, { kind: 'placeholder' }>, item: DetectionItem, ctx: Context): Query {
  const source = ctx.options.placeholders;
  if (source === undefined || !source.names().includes(value.name)) {
    throw new EsCompileError(`placeholder %${value.name}% has no source of values`, 'unknown placeholder');
  }
  const orgs = ctx.options.placeholderOrgs;
  if (orgs === undefined) throw new EsCompileError(`placeholder %${value.name}% needs the orgs to expand it for`, 'placeholder without orgs');
  const forValues = (values: readonly string[]): Query => {
    if (value.as === 'cidr') {
      const blocks: string[] = [];
      for (const v of values) {
        try {
          Cidr.parse(v);
          blocks.push(v);
        } catch {
          // a non-CIDR registry value cannot match an IP; the matcher skips it too
        }
      }
      if (blocks.length === 0) return MATCH_NONE;
      if (type !== 'ip') throw new EsCompileError(`placeholder %${value.name}% as cidr on ${field}, a ${type} field`, 'cidr on a non-ip field');
      return or(blocks.map((b) => cidrQuery(field, b)));
    }
    return valuesOnField(field, values.map((v) => ({ kind: 'pattern', pattern: wildcardPattern(v) })), item, ctx);
  };
  const known = [...new Set(orgs)];
  const branches = known.map((org) => and([{ term: { 'org.id': { value: org } } }, forValues(source.values(value.name, org))]));
  const others = forValues(source.values(value.name, undefined));
  branches.push(and([known.length === 0 ? MATCH_ALL : not({ terms: { 'org.id': known } }), others]));
  return or(branches);
}

// ---------------------------------------------------------------- route

/** A route clause: any alternative, each with all its tests; values compared exactly. */
function routeClause(clause: RouteClause, ctx: Context): Query {
  return or(
    clause.map((alternative) =>
      and(
        alternative.map((test) => {
          const type = typeOf(test.field, ctx);
          if (type === 'keyword') return test.values.length === 1 ? { term: { [test.field]: { value: test.values[0] } } } : { terms: { [test.field]: [...test.values] } };
          const values: SigmaValue[] = test.values.map((v) => ({ kind: 'pattern', pattern: { parts: [{ text: v }] } }));
          const item: DetectionItem = { field: test.field, modifiers: [], values, all: false, cased: true, negated: false };
          return valuesOnField(test.field, values, item, ctx);
        }),
      ),
    ),
  );
}
