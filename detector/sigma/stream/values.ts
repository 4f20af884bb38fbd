/**
 * Value matchers: each `SigmaValue` of the model compiled once to the
 * cheapest test that means the same. The semantics (case, numbers vs
 * strings, arrays, null/exists) are the ones every iisa backend shares; see
 * the module comment of ./compile.ts.
 *
 * A scalar test receives one element of the field (never an array) with its
 * text forms already computed by the caller, once per element: `text` is the
 * string, or the text form of a number or boolean when some test of the item
 * needs it; `lower` is `text` lower-cased when some test is case-insensitive.
 */
import { Cidr } from '../../../core/ip.js';
import type { NumericOp, PatternPart, PlaceholderSource, SigmaPattern, SigmaValue, TimePart } from '../model.js';
import { globRegexSource } from '../glob-regex.js';
import { ruleRegex } from '../regex/automaton.js';
import type { TextMatcher } from '../regex/automaton.js';
import { AhoCorasick } from './aho-corasick.js';
import { readSlot, sharedSlot } from './accessor.js';
import { cidrMembership } from './ip-match.js';

export { ipv4Number } from './ip-match.js';

export interface ScalarTest {
  /** Needs `lower` (case-insensitive text). */
  readonly needsLower: boolean;
  /** Needs `text` for number elements too (the caller then allocates String(n)). */
  readonly needsNumberText: boolean;
  test(value: unknown, text: string | undefined, lower: string | undefined, event: unknown): boolean;
}

/** A test of the whole field value (undefined, null, scalar or array): `null` and `exists`. */
export type WholeTest = (raw: unknown) => boolean;

export type ValueTest = { readonly whole: WholeTest } | { readonly scalar: ScalarTest };

/** Compilation needs, shared by all values of a rule. */
export interface ValueContext {
  /** Resolve a field name of the rule to ECS fields (fieldref targets). */
  fieldsFor(name: string): readonly string[];
  readonly placeholders?: PlaceholderSource;
  /** Max orgs whose placeholder values one placeholder value keeps compiled. */
  readonly placeholderCacheOrgs: number;
}

/** A problem that makes a rule impossible to compile (bad regex, bad CIDR, unknown placeholder). */
export class RuleCompileError extends Error {
  constructor(message: string, readonly feature?: string) {
    super(message);
    this.name = 'RuleCompileError';
  }
}

/** A decimal number literal, as a string field may hold one ("502", "-1.5", "1e3"). */
const NUMERIC_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a field element stands for: a number, or a string that is a decimal literal; NaN otherwise. */
export function numericValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
  return NaN;
}

// ------------------------------------------------------------------ patterns

/** Merge adjacent text parts and collapse `**`; drop empty text. */
function normalise(parts: readonly PatternPart[]): PatternPart[] {
  const out: PatternPart[] = [];
  for (const part of parts) {
    const prev = out[out.length - 1];
    if ('text' in part) {
      if (part.text === '') continue;
      if (prev && 'text' in prev) out[out.length - 1] = { text: prev.text + part.text };
      else out.push(part);
    } else if (!(part.wildcard === '*' && prev && 'wildcard' in prev && prev.wildcard === '*')) {
      out.push(part);
    }
  }
  return out;
}

/** The exact text of a pattern without wildcards, else undefined. */
export function exactText(pattern: SigmaPattern): string | undefined {
  const parts = normalise(pattern.parts);
  if (parts.some((p) => 'wildcard' in p)) return undefined;
  return parts.map((p) => ('text' in p ? p.text : '')).join('');
}

/** The number a text is the canonical form of ("502" -> 502), so number fields compare without String(n). */
function canonicalNumber(text: string): number | undefined {
  if (!NUMERIC_TEXT.test(text)) return undefined;
  const n = Number(text);
  return String(n) === text ? n : undefined;
}

/** Exact patterns, any of several: one Set lookup on the (lowered) text. */
export function exactSetTest(texts: readonly string[], cased: boolean): ScalarTest {
  const needles = new Set(texts.map((t) => (cased ? t : t.toLowerCase())));
  const numbers = new Set<number>();
  for (const t of texts) {
    const n = canonicalNumber(t);
    if (n !== undefined) numbers.add(n);
  }
  return {
    needsLower: !cased,
    needsNumberText: false,
    test: (value, text, lower) => {
      if (typeof value === 'number') return numbers.has(value);
      const s = cased ? text : lower;
      return s !== undefined && needles.has(s);
    },
  };
}

/**
 * Compile a wildcard pattern to the cheapest test: equality, startsWith,
 * endsWith, includes, an ordered indexOf walk for `*`-only patterns, or one
 * anchored RegExp when `?` occurs.
 */
export function patternTest(pattern: SigmaPattern, cased: boolean): ScalarTest {
  const parts = normalise(pattern.parts);
  const hasWildcard = parts.some((p) => 'wildcard' in p);
  if (!hasWildcard) return exactSetTest([parts.map((p) => ('text' in p ? p.text : '')).join('')], cased);

  if (parts.some((p) => 'wildcard' in p && p.wildcard === '?')) {
    // Not the naive `^...[\s\S]*...$`, which backtracks O(n^stars) on a hostile value (../glob-regex.ts).
    const re = new RegExp(globRegexSource(parts), cased ? '' : 'i');
    // The 'i' flag matches on the original text: no lower-casing needed.
    return { needsLower: false, needsNumberText: true, test: (_v, text) => text !== undefined && re.test(text) };
  }

  // `*`-only: text segments between stars, anchored at the ends that have no star.
  const anchoredStart = 'text' in parts[0];
  const anchoredEnd = 'text' in parts[parts.length - 1];
  const segments = parts.filter((p): p is { text: string } => 'text' in p).map((p) => (cased ? p.text : p.text.toLowerCase()));
  const pick = (text: string | undefined, lower: string | undefined): string | undefined => (cased ? text : lower);
  const common = { needsLower: !cased, needsNumberText: true } as const;

  if (segments.length === 0) return { ...common, needsLower: false, test: (_v, text) => text !== undefined };
  if (segments.length === 1) {
    const [needle] = segments;
    if (anchoredStart) return { ...common, test: (_v, t, l) => pick(t, l)?.startsWith(needle) ?? false };
    if (anchoredEnd) return { ...common, test: (_v, t, l) => pick(t, l)?.endsWith(needle) ?? false };
    return { ...common, test: (_v, t, l) => pick(t, l)?.includes(needle) ?? false };
  }
  const first = anchoredStart ? segments[0] : undefined;
  const last = anchoredEnd ? segments[segments.length - 1] : undefined;
  const middle = segments.slice(anchoredStart ? 1 : 0, anchoredEnd ? segments.length - 1 : segments.length);
  return {
    ...common,
    test: (_v, t, l) => {
      const s = pick(t, l);
      if (s === undefined) return false;
      let pos = 0;
      if (first !== undefined) {
        if (!s.startsWith(first)) return false;
        pos = first.length;
      }
      // Leftmost match of each middle segment is optimal for `*`-only globs.
      for (const seg of middle) {
        const at = s.indexOf(seg, pos);
        if (at === -1) return false;
        pos = at + seg.length;
      }
      return last === undefined || (s.length - last.length >= pos && s.endsWith(last));
    },
  };
}

/** The text of a pure `*text*` pattern (a `contains` value), else undefined. */
export function containedText(pattern: SigmaPattern): string | undefined {
  const parts = normalise(pattern.parts);
  if (parts.length !== 3) return undefined;
  const [a, b, c] = parts;
  return 'wildcard' in a && a.wildcard === '*' && 'wildcard' in c && c.wildcard === '*' && 'text' in b ? b.text : undefined;
}

/** A keyword (field-less) value: it matches anywhere in the text (an implicit `*` on both sides); numbers and booleans as their text. */
export function keywordSearchValue(value: SigmaValue): SigmaValue {
  if (value.kind === 'pattern') return { kind: 'pattern', pattern: containsPattern(value.pattern) };
  if (value.kind === 'number' || value.kind === 'boolean') {
    return { kind: 'pattern', pattern: containsPattern(wildcardPattern(String(value.value).replace(/[*?\\]/g, '\\$&'))) };
  }
  return value;
}

/** From this many `contains` values of one item on, one automaton pass beats an `includes` per value. */
export const CONTAINS_AUTOMATON_MIN = 4;

/**
 * Any of many `contains` values (`keywords` lists of 30 SQL-injection
 * fragments, `|contains` lists of tool names): one Aho-Corasick pass over
 * the text that stops at the first occurrence.
 */
export function containsAnyTest(texts: readonly string[], cased: boolean): ScalarTest {
  const automaton = new AhoCorasick(texts.map((t) => (cased ? t : t.toLowerCase())));
  return {
    needsLower: !cased,
    needsNumberText: true,
    test: (_v, text, lower) => {
      const s = cased ? text : lower;
      return s !== undefined && automaton.occursIn(s);
    },
  };
}

/** Sigma wildcard text (`10.1.*`, `a\*b`) to a pattern: `*` and `?` are wildcards, `\` escapes them and itself. */
export function wildcardPattern(text: string): SigmaPattern {
  const parts: PatternPart[] = [];
  let buf = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '*' || text[i + 1] === '?' || text[i + 1] === '\\')) {
      buf += text[++i];
    } else if (c === '*' || c === '?') {
      if (buf) parts.push({ text: buf });
      buf = '';
      parts.push({ wildcard: c });
    } else {
      buf += c;
    }
  }
  if (buf) parts.push({ text: buf });
  return { parts };
}

/** The pattern with `*` added at either end that lacks one (keyword items match anywhere). */
export function containsPattern(pattern: SigmaPattern): SigmaPattern {
  // A doubled `**` is collapsed when compiled, so wrapping unconditionally is safe.
  return { parts: [{ wildcard: '*' }, ...pattern.parts, { wildcard: '*' }] };
}

// ------------------------------------------------------------- other kinds

const COMPARE: Readonly<Record<NumericOp | 'eq', (a: number, b: number) => boolean>> = {
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  eq: (a, b) => a === b,
};

const TRUE_TEXT = /^true$/i;
const FALSE_TEXT = /^false$/i;

function regexTest(source: string, flags: { i: boolean; m: boolean; s: boolean }): ScalarTest {
  let re: TextMatcher;
  try {
    // Linear in the text whatever the pattern (../regex/automaton.ts): a log line cannot make it backtrack.
    re = ruleRegex(source, flags);
  } catch (err) {
    throw new RuleCompileError(`regular expression ${JSON.stringify(source)} is not valid here: ${(err as Error).message}`, 'regular expression syntax');
  }
  // Unanchored, as PCRE search: `re: 'abc'` matches "xabcx".
  return { needsLower: false, needsNumberText: true, test: (_v, text) => text !== undefined && re.test(text) };
}

function cidrTests(blocks: readonly Cidr[]): ScalarTest {
  const member = cidrMembership(blocks);
  return {
    needsLower: false,
    needsNumberText: false,
    test: (value) => typeof value === 'string' && member(value),
  };
}

function parseCidr(text: string): Cidr {
  try {
    return Cidr.parse(text);
  } catch (err) {
    throw new RuleCompileError((err as Error).message, 'cidr value');
  }
}

// ----------------------------------------------------------------- timepart

const DAY_MS = 86_400_000;

/**
 * Days since 1970-01-01 -> civil date packed as year * 10000 + month * 100 + day,
 * UTC (H. Hinnant's algorithm; a number, not an object, so the hot path allocates nothing).
 */
function civilDate(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 10_000 + month * 100 + (doy - Math.floor((153 * mp + 2) / 5) + 1);
}

function civilYear(days: number): number {
  return Math.floor(civilDate(days) / 10_000);
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** ISO-8601 week number (1..53) of a day. */
function isoWeek(days: number): number {
  const weekday = (((days + 3) % 7) + 7) % 7; // Monday 0; 1970-01-01 was a Thursday
  const thursday = days - weekday + 3;
  return Math.floor((thursday - daysFromCivil(civilYear(thursday), 1, 1)) / 7) + 1;
}

/** The UTC time part of an epoch-milliseconds instant. */
export function timePartOf(ms: number, part: TimePart): number {
  const days = Math.floor(ms / DAY_MS);
  switch (part) {
    case 'minute': return Math.floor(ms / 60_000) - Math.floor(ms / 3_600_000) * 60;
    case 'hour': return Math.floor(ms / 3_600_000) - days * 24;
    case 'day': return civilDate(days) % 100;
    case 'month': return Math.floor(civilDate(days) / 100) % 100;
    case 'year': return civilYear(days);
    case 'week': return isoWeek(days);
  }
}

function timepartTest(part: TimePart, op: NumericOp | 'eq', value: number): ScalarTest {
  const cmp = COMPARE[op];
  return {
    needsLower: false,
    needsNumberText: false,
    test: (v) => {
      // Dates are ISO strings in our events; a number is taken as epoch milliseconds.
      const ms = typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : NaN;
      return !Number.isNaN(ms) && cmp(timePartOf(ms, part), value);
    },
  };
}

// ----------------------------------------------------------------- fieldref

function fieldrefTest(name: string, match: 'equals' | 'startswith' | 'endswith' | 'contains', cased: boolean, ctx: ValueContext): ScalarTest {
  const others = ctx.fieldsFor(name).map(sharedSlot);
  const relate = (mine: string, other: string): boolean => {
    switch (match) {
      case 'equals': return mine === other;
      case 'startswith': return mine.startsWith(other);
      case 'endswith': return mine.endsWith(other);
      case 'contains': return mine.includes(other);
    }
  };
  const one = (mine: string, minenum: unknown, other: unknown): boolean => {
    if (match === 'equals' && typeof minenum === 'number' && typeof other === 'number') return minenum === other;
    const otherText = typeof other === 'string' ? other : typeof other === 'number' || typeof other === 'boolean' ? String(other) : undefined;
    if (otherText === undefined) return false;
    return relate(mine, cased ? otherText : otherText.toLowerCase());
  };
  return {
    needsLower: !cased,
    needsNumberText: true,
    test: (value, text, lower, event) => {
      const mine = cased ? text : lower;
      if (mine === undefined) return false;
      for (const slot of others) {
        const other = readSlot(slot, event);
        if (Array.isArray(other)) {
          for (const element of other) if (one(mine, value, element)) return true;
        } else if (one(mine, value, other)) {
          return true;
        }
      }
      return false;
    },
  };
}

// -------------------------------------------------------------- placeholder

const NO_ORG = '\u0000';
const orgSlot = sharedSlot('org.id');

function placeholderTest(name: string, as: 'pattern' | 'cidr', cased: boolean, ctx: ValueContext): ScalarTest {
  const source = ctx.placeholders;
  if (!source || !source.names().includes(name)) {
    throw new RuleCompileError(`placeholder %${name}% has no values here (known: ${source?.names().map((n) => `%${n}%`).join(', ') || 'none'})`, `modifier expand with placeholder %${name}%`);
  }
  // Per org: the org's values compiled once, kept for a bounded number of orgs.
  const perOrg = new Map<string, ScalarTest>();
  const max = Math.max(1, ctx.placeholderCacheOrgs);
  const build = (org: string | undefined): ScalarTest => {
    const values = source.values(name, org);
    if (as === 'cidr') {
      const blocks: Cidr[] = [];
      for (const v of values) {
        try { blocks.push(Cidr.parse(v)); } catch { /* a non-CIDR registry value cannot match an IP; skip it */ }
      }
      return cidrTests(blocks);
    }
    return anyOf(values.map((v) => patternTest(wildcardPattern(v), cased)));
  };
  return {
    needsLower: !cased,
    needsNumberText: true,
    test: (value, text, lower, event) => {
      const org = readSlot(orgSlot, event);
      const key = typeof org === 'string' ? org : NO_ORG;
      let compiled = perOrg.get(key);
      if (!compiled) {
        compiled = build(typeof org === 'string' ? org : undefined);
        if (perOrg.size >= max) perOrg.delete(perOrg.keys().next().value as string);
        perOrg.set(key, compiled);
      }
      return compiled.test(value, text, lower, event);
    },
  };
}

/** OR of scalar tests, exact patterns merged into one Set lookup. */
export function anyOf(tests: readonly ScalarTest[]): ScalarTest {
  if (tests.length === 1) return tests[0];
  const needsLower = tests.some((t) => t.needsLower);
  const needsNumberText = tests.some((t) => t.needsNumberText);
  return {
    needsLower,
    needsNumberText,
    test: (value, text, lower, event) => {
      for (const t of tests) if (t.test(value, text, lower, event)) return true;
      return false;
    },
  };
}

// ------------------------------------------------------------------ entry

/** Compile one model value. `cased` is the item's. Throws RuleCompileError for values that cannot work. */
export function compileValue(value: SigmaValue, cased: boolean, ctx: ValueContext): ValueTest {
  switch (value.kind) {
    case 'pattern':
      return { scalar: patternTest(value.pattern, cased) };
    case 'number': {
      const n = value.value;
      return { scalar: { needsLower: false, needsNumberText: false, test: (v) => numericValue(v) === n } };
    }
    case 'boolean': {
      const b = value.value;
      const re = b ? TRUE_TEXT : FALSE_TEXT;
      return { scalar: { needsLower: false, needsNumberText: false, test: (v) => (typeof v === 'boolean' ? v === b : typeof v === 'string' && re.test(v)) } };
    }
    case 'null':
      return { whole: (raw) => raw === undefined || raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0) };
    case 'exists': {
      const want = value.exists;
      return { whole: (raw) => (raw !== undefined && raw !== null) === want };
    }
    case 'regex':
      return { scalar: regexTest(value.source, value.flags) };
    case 'cidr':
      return { scalar: cidrTests([parseCidr(value.cidr)]) };
    case 'compare': {
      const cmp = COMPARE[value.op];
      const bound = value.value;
      return { scalar: { needsLower: false, needsNumberText: false, test: (v) => { const n = numericValue(v); return !Number.isNaN(n) && cmp(n, bound); } } };
    }
    case 'fieldref':
      return { scalar: fieldrefTest(value.field, value.match, cased, ctx) };
    case 'placeholder':
      return { scalar: placeholderTest(value.name, value.as, cased, ctx) };
    case 'timepart':
      return { scalar: timepartTest(value.part, value.op, value.value) };
  }
}
