/**
 * SQL fragments that carry their bound parameters, so text and parameters
 * can only be put together in the same order. Values never enter SQL text.
 */
export type SqlParam = string | number | null;

export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/**
 * Tagged template: literal SQL with `${...}` slots that are either fragments
 * (spliced with their params) or values (bound as `?`).
 */
export function sql(strings: TemplateStringsArray, ...slots: readonly (SqlFragment | SqlParam)[]): SqlFragment {
  let text = strings[0];
  const params: SqlParam[] = [];
  slots.forEach((slot, i) => {
    if (slot !== null && typeof slot === 'object') {
      text += slot.sql;
      params.push(...slot.params);
    } else {
      text += '?';
      params.push(slot);
    }
    text += strings[i + 1];
  });
  return { sql: text, params };
}

/** Literal SQL text with no parameters (only for text this module writes itself). */
export function raw(text: string): SqlFragment {
  return { sql: text, params: [] };
}

export const TRUE = raw('1');
export const FALSE = raw('0');

/**
 * Join fragments with AND/OR as a balanced tree of parentheses, so a rule
 * with thousands of values stays far below SQLite's expression depth limit
 * (1000), which a flat chain would hit.
 */
function balanced(parts: readonly SqlFragment[], operator: string): SqlFragment {
  if (parts.length === 1) return parts[0];
  const middle = parts.length >> 1;
  const left = balanced(parts.slice(0, middle), operator);
  const right = balanced(parts.slice(middle), operator);
  return { sql: `(${left.sql}) ${operator} (${right.sql})`, params: [...left.params, ...right.params] };
}

/** AND of the parts (true when there are none). */
export function and(parts: readonly SqlFragment[]): SqlFragment {
  return parts.length === 0 ? TRUE : balanced(parts, 'AND');
}

/** OR of the parts (false when there are none). */
export function or(parts: readonly SqlFragment[]): SqlFragment {
  return parts.length === 0 ? FALSE : balanced(parts, 'OR');
}

export function not(part: SqlFragment): SqlFragment {
  return sql`NOT (${part})`;
}
