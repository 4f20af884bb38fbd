/** Small things several benchmarks need: a numeric flag, and whether a URL answers yet. */

/** A `--name` flag that must be a positive integer; throws naming the flag otherwise. */
export function positiveInt(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

/** Whether `url` answers 2xx within a second (a node still starting does not). */
export async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
