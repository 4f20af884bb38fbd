/**
 * Sigma rules as SQL over the embedded store, for hunts and scheduled
 * searches:
 *
 *   const db = new Database(storePath, { readonly: true });
 *   const { hits, errors } = huntSql(db, rules, { from, to, orgIds }, { mapping, placeholders, filters });
 *
 * `compileRuleToSql` gives one rule's WHERE fragment and parameters;
 * `registerSigmaSqlFunctions` puts the `iisa_*` functions it calls on a
 * connection (huntSql does this itself).
 */
export { SqlCompileError, compileRuleToSql, fieldPath, filtersFor } from './compile.js';
export type { CompiledSql, SqlCompileOptions } from './compile.js';
export { registerSigmaSqlFunctions } from './functions.js';
export type { SigmaSqlFunctionOptions } from './functions.js';
export { huntSql, ruleKey } from './hunt.js';
export type { HuntHit, HuntOptions, HuntQuery, HuntResult } from './hunt.js';
