/**
 * One walk of a rule's condition tree for every compiler (stream predicate,
 * SQL, Elasticsearch DSL): each supplies how to combine its own pieces, so
 * the meaning of `and`, `or`, `not`, `1 of x*` and `all of them` is written
 * once.
 */
import type { Condition } from './model.js';

export interface ConditionAlgebra<Q> {
  and(parts: Q[]): Q;
  or(parts: Q[]): Q;
  not(part: Q): Q;
  /** A search identifier by name. */
  ref(name: string): Q;
  /** What never holds (`1 of x*` naming no identifier). */
  readonly never: Q;
  /** At least `n` of `parts` hold, for 2 <= n <= parts.length (smaller and larger n are decided here). */
  atLeast(parts: Q[], n: number): Q;
}

export function foldCondition<Q>(node: Condition, algebra: ConditionAlgebra<Q>): Q {
  switch (node.op) {
    case 'and': return algebra.and(node.args.map((arg) => foldCondition(arg, algebra)));
    case 'or': return algebra.or(node.args.map((arg) => foldCondition(arg, algebra)));
    case 'not': return algebra.not(foldCondition(node.arg, algebra));
    case 'ref': return algebra.ref(node.name);
    case 'of': {
      const refs = node.names.map((name) => algebra.ref(name));
      // `all of x*` / `N of x*` naming no identifier never holds.
      if (refs.length === 0) return algebra.never;
      if (node.quantifier === 'all') return algebra.and(refs);
      if (node.quantifier <= 1) return algebra.or(refs);
      if (node.quantifier > refs.length) return algebra.never;
      return algebra.atLeast(refs, node.quantifier);
    }
  }
}
