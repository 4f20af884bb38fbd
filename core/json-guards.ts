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
  // Values and their depths on two stacks, children read in place: this runs on every JSON record ingested.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    if (Array.isArray(v)) {
      for (const child of v) {
        if (child !== null && typeof child === 'object') {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key of Object.keys(v)) {
        const child = (v as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** The dotted path of the first number in `value` that is not finite (`"a.b.0"`; `""` for the value itself), or undefined. */
export function nonFiniteNumberAt(value: unknown): string | undefined {
  // Paths are built only for a value that has such a number: almost none do, and every ingested JSON record is checked.
  return hasNonFiniteNumber(value) ? pathOfNonFinite(value) : undefined;
}

function hasNonFiniteNumber(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return true;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const child of v) stack.push(child);
    } else {
      for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return false;
}

function pathOfNonFinite(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) return path;
    if (v === null || typeof v !== 'object') continue;
    for (const [key, child] of Object.entries(v as Record<string, unknown>)) stack.push([child, path === '' ? key : `${path}.${key}`]);
  }
  return undefined;
}
