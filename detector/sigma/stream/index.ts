/**
 * The stream matcher's public API.
 *
 *   const matcher = new StreamMatcher({ rules, filters, placeholders });
 *   matcher.match(event, (rule, event) => ...);   // per event
 *   matcher.stats();                              // counters, unrouted/failed rules
 *
 * `compileRule` / `applyFilters` are the building blocks, for tests and for
 * compilers that need one predicate.
 */
export { StreamMatcher } from './matcher.js';
export type { HitCallback, MatcherStats, StreamMatcherOptions } from './matcher.js';
export { compileRule, compileDetection, RuleCompileError } from './compile.js';
export type { CompileContext, CompiledRule, EventPredicate } from './compile.js';
export { applyFilters, filterApplies } from './filters.js';
export type { FilteredRules } from './filters.js';
export { timePartOf } from './values.js';
