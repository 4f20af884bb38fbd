/**
 * SQL functions the compiled Sigma queries call, registered on a
 * better-sqlite3 connection. Each runs the stream matcher's own JS code
 * (../stream/values.ts), so SQL and stream agree exactly on what SQLite
 * would do differently:
 *
 * - `iisa_lower(text)`: JS `toLowerCase()`. SQLite's `lower()` folds ASCII
 *   only (`Ä` stays `Ä`), and the JS fold also maps e.g. the Kelvin sign to
 *   `k`, so no native fold or LIKE prefilter is exact; pattern text is
 *   lowered at compile time by the same JS function.
 * - `iisa_regexp(source, flags, text)`: a JS RegExp search (unanchored, as
 *   the matcher does, by the same linear-time automaton where the pattern
 *   has one), also used for wildcard patterns with `?`, which the
 *   matcher runs as an anchored RegExp (its `i` flag folds case by
 *   upper-casing, not by toLowerCase).
 * - `iisa_cidr(block, text)`: `Cidr` from core/ip.ts (IPv4 and IPv6), for the
 *   strings the matcher would try (2..64 characters).
 * - `iisa_number(value)`: the matcher's `numericValue` (numbers, and strings
 *   that are decimal literals), NULL when it is NaN.
 * - `iisa_timepart(part, value)`: the UTC time part of a date string
 *   (`Date.parse`) or epoch-ms number, NULL when it is not a date.
 * - `iisa_placeholder(name, as, cased, org, type, value)`: 1 when the element
 *   (`json_each` type and value) matches one of the placeholder's values for
 *   that org, compiled by the matcher's `patternTest`/`wildcardPattern` (or
 *   as CIDR blocks). Placeholder values are only known per org at run time,
 *   so they cannot be bound at compile time.
 */
import type { Database } from 'better-sqlite3';
import { Cidr } from '../../../core/ip.js';
import type { PlaceholderSource, TimePart } from '../model.js';
import { anyOf, numericValue, patternTest, timePartOf, wildcardPattern } from '../stream/values.js';
import type { ScalarTest } from '../stream/values.js';
import { ruleRegex } from '../regex/automaton.js';
import type { TextMatcher } from '../regex/automaton.js';

export interface SigmaSqlFunctionOptions {
  /** Values for `expand` placeholders; without it a placeholder matches nothing. */
  readonly placeholders?: PlaceholderSource;
}

/** Compiled regexes, CIDR blocks and placeholder tests kept per registration; cleared when full. */
const CACHE_LIMIT = 4096;
/** The longest string the matcher tries as an IP (a full IPv6 address with a zone fits). */
const MAX_IP_TEXT = 64;

function cached<T>(cache: Map<string, T>, key: string, build: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = build();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, value);
  }
  return value;
}

const TIME_PARTS: ReadonlySet<string> = new Set<TimePart>(['minute', 'hour', 'day', 'week', 'month', 'year']);

/** A json_each element back as the JS value the matcher sees. */
function elementValue(type: unknown, value: unknown): unknown {
  if (type === 'true') return true;
  if (type === 'false') return false;
  return type === 'text' || type === 'integer' || type === 'real' ? value : undefined;
}

/**
 * Register the `iisa_*` functions on `db`. Registering again replaces them
 * (and drops their caches), e.g. before each hunt so placeholder values are
 * read afresh. Compiled hunt SQL needs them on the connection it runs on.
 */
export function registerSigmaSqlFunctions(db: Database, options: SigmaSqlFunctionOptions = {}): void {
  const regexes = new Map<string, TextMatcher | null>();
  const blocks = new Map<string, Cidr | null>();
  const placeholderTests = new Map<string, ScalarTest>();
  const deterministic = { deterministic: true } as const;

  db.function('iisa_lower', deterministic, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : null));

  db.function('iisa_regexp', deterministic, (source: unknown, flags: unknown, text: unknown) => {
    if (typeof source !== 'string' || typeof flags !== 'string' || typeof text !== 'string') return 0;
    const regex = cached(regexes, `${flags}/${source}`, () => {
      try {
        // As the stream matcher runs it: linear in the text (../regex/automaton.ts).
        return ruleRegex(source, { i: flags.includes('i'), m: flags.includes('m'), s: flags.includes('s') });
      } catch {
        return null; // the matcher refuses such a rule; here it matches nothing rather than failing the hunt
      }
    });
    return regex !== null && regex.test(text) ? 1 : 0;
  });

  const cidrContains = (block: string, text: string): boolean => {
    const cidr = cached(blocks, block, () => {
      try {
        return Cidr.parse(block);
      } catch {
        return null;
      }
    });
    return cidr !== null && text.length >= 2 && text.length <= MAX_IP_TEXT && cidr.contains(text);
  };

  db.function('iisa_cidr', deterministic, (block: unknown, text: unknown) =>
    typeof block === 'string' && typeof text === 'string' && cidrContains(block, text) ? 1 : 0,
  );

  db.function('iisa_number', deterministic, (value: unknown) => {
    const n = numericValue(value);
    return Number.isNaN(n) ? null : n;
  });

  db.function('iisa_timepart', deterministic, (part: unknown, value: unknown) => {
    if (typeof part !== 'string' || !TIME_PARTS.has(part)) return null;
    const ms = typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : NaN;
    return Number.isNaN(ms) ? null : timePartOf(ms, part as TimePart);
  });

  db.function('iisa_placeholder', deterministic, (name: unknown, as: unknown, cased: unknown, org: unknown, type: unknown, value: unknown) => {
    const source = options.placeholders;
    if (source === undefined || typeof name !== 'string') return 0;
    const orgId = typeof org === 'string' ? org : undefined;
    const isCased = cased === 1;
    const test = cached(placeholderTests, `${String(as)}\u0000${isCased ? 1 : 0}\u0000${orgId ?? '\u0000'}\u0000${name}`, () => {
      const values = source.values(name, orgId);
      if (as === 'cidr') {
        return {
          needsLower: false,
          needsNumberText: false,
          test: (v: unknown) => typeof v === 'string' && values.some((block) => cidrContains(block, v)),
        } satisfies ScalarTest;
      }
      return anyOf(values.map((v) => patternTest(wildcardPattern(v), isCased)));
    });
    const element = elementValue(type, value);
    if (element === undefined) return 0;
    const text = String(element);
    return test.test(element, text, text.toLowerCase(), undefined) ? 1 : 0;
  });
}
