/**
 * A Sigma wildcard pattern (`*` any run, `?` one UTF-16 unit) as one
 * anchored JavaScript RegExp source whose matching time stays linear in the
 * text for each segment of the pattern.
 *
 * The obvious translation, `^a[\s\S]*b[\s\S]*c...$`, backtracks
 * polynomially: with k stars, a text that almost matches makes the engine try
 * every placement of every star, O(n^k) — `*a*a*a*a*a?b` against a few
 * hundred characters of `a` takes seconds. Here each segment between two
 * stars is found at its leftmost place and kept (a lookahead that captures,
 * then a backreference to the capture: JavaScript's lookaheads are atomic,
 * so the engine never comes back to move it):
 *
 *   a*b?c*d   ->   ^a(?=([\s\S]*?b[\s\S]c))\1[\s\S]*d$
 *
 * Leftmost placement is optimal for segments of fixed length, so the result
 * matches exactly the texts the naive translation does.
 */
import type { PatternPart } from './model.js';

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** The anchored RegExp source of a wildcard pattern (flags are the caller's: `i` for case-insensitive). */
export function globRegexSource(parts: readonly PatternPart[]): string {
  // Segments between stars, as RegExp source (text escaped, `?` one unit).
  const segments: string[] = [''];
  for (const part of parts) {
    if ('text' in part) segments[segments.length - 1] += escapeRegExp(part.text);
    else if (part.wildcard === '?') segments[segments.length - 1] += '[\\s\\S]';
    else segments.push('');
  }
  if (segments.length === 1) return `^${segments[0]}$`;
  let source = `^${segments[0]}`;
  let group = 0;
  for (const segment of segments.slice(1, -1)) {
    if (segment === '') continue; // `**`
    group++;
    source += `(?=([\\s\\S]*?${segment}))\\${group}`;
  }
  return `${source}[\\s\\S]*${segments[segments.length - 1]}$`;
}
