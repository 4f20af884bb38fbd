/**
 * Small builders for Elasticsearch query DSL that keep the compiled queries
 * flat: AND is `bool.filter` (no scoring: a hunt selects, it does not rank),
 * OR is `bool.should` with `minimum_should_match`, NOT is `bool.must_not`,
 * and match_all / match_none fold away.
 */
import type { estypes } from '@elastic/elasticsearch';

export type Query = estypes.QueryDslQueryContainer;

export const MATCH_ALL: Query = { match_all: {} };
export const MATCH_NONE: Query = { match_none: {} };

const isAll = (q: Query): boolean => q.match_all !== undefined && Object.keys(q).length === 1;
const isNone = (q: Query): boolean => q.match_none !== undefined && Object.keys(q).length === 1;

export function and(parts: readonly Query[]): Query {
  const kept = parts.filter((q) => !isAll(q));
  if (kept.some(isNone)) return MATCH_NONE;
  if (kept.length === 0) return MATCH_ALL;
  if (kept.length === 1) return kept[0];
  return { bool: { filter: kept } };
}

export function or(parts: readonly Query[]): Query {
  const kept = parts.filter((q) => !isNone(q));
  if (kept.some(isAll)) return MATCH_ALL;
  if (kept.length === 0) return MATCH_NONE;
  if (kept.length === 1) return kept[0];
  return { bool: { should: kept, minimum_should_match: 1 } };
}

/** At least `n` of the parts (n >= 1). */
export function atLeast(parts: readonly Query[], n: number): Query {
  if (n <= 1) return or(parts);
  if (n > parts.length) return MATCH_NONE;
  if (n === parts.length) return and(parts);
  return { bool: { should: [...parts], minimum_should_match: n } };
}

export function not(part: Query): Query {
  if (isAll(part)) return MATCH_NONE;
  if (isNone(part)) return MATCH_ALL;
  return { bool: { must_not: [part] } };
}

export function exists(field: string): Query {
  return { exists: { field } };
}
