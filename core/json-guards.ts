/**
 * Guards for JSON from outside, checked without recursion.
 *
 * Depth: JSON.parse accepts any, but JSON.stringify, structuredClone and
 * recursive walkers overflow the stack a few thousand levels down: a 60 KiB
 * line of `[[[[...` parses, then crashes whatever stores or forwards it.
 *
 * Numbers: JSON.parse reads `1e309` as Infinity, which JSON.stringify then
 * writes as `null`: the stored event would not say what was sent.
 */

/** Nesting accepted in a record from outside: far beyond any real log or event, far below a stack overflow. */
export const MAX_JSON_DEPTH = 32;

/** True when `value` has arrays or objects nested more than `max` levels deep (a scalar is depth 0). */
export function nestedDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** The dotted path of the first number in `value` that is not finite (`"a.b.0"`; `""` for the value itself), or undefined. */
export function nonFiniteNumberAt(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) return path;
    if (v === null || typeof v !== 'object') continue;
    for (const [key, child] of Object.entries(v as Record<string, unknown>)) stack.push([child, path === '' ? key : `${path}.${key}`]);
  }
  return undefined;
}
