/**
 * Sigma rules as Elasticsearch query DSL, for hunts over the Elasticsearch
 * store:
 *
 *   const { events } = await huntEs(client, { index, rule, from, to, orgIds }, { mapping, placeholders, filters });
 *
 * `compileRuleToEs` gives one rule's query (exact, or EsCompileError naming
 * the construct); `translateRegex` is its JS-to-Lucene regex translation.
 */
export { EsCompileError, compileRuleToEs, filtersFor, numberTextRegexp, ruleKey } from './compile.js';
export type { CompiledEs, EsCompileOptions, EsFieldKind } from './compile.js';
export { RegexTranslationError, translateRegex } from './regex.js';
export type { LuceneRegex, RegexFlags } from './regex.js';
export { huntEs, huntEsMany, liveFieldTypes } from './hunt.js';
export type { EsHuntCompileOptions, EsHuntError, EsHuntHit, HuntEsManyOptions, HuntEsManyResult, HuntEsOptions, HuntEsResult } from './hunt.js';
export type { Query } from './query.js';
