/**
 * Sigma string values: wildcards and escapes, exactly as the specification's
 * "Escape Character" section (and pySigma's `SigmaString`) define them.
 *
 * - `*` any run, `?` one character;
 * - `\*`, `\?` a literal wildcard character, `\\` one backslash;
 * - a backslash before any other character stays: `C:\Windows` is literal,
 *   so `\\*` is a backslash then a wildcard and `\\\*` a backslash then `*`.
 */
import type { PatternPart, SigmaPattern } from '../model.js';

/** A part of a string being modified: text, wildcard, or an `expand` placeholder. */
export type StringPart = PatternPart | { readonly placeholder: string };

const WILDCARDS: Readonly<Record<string, '*' | '?'>> = { '*': '*', '?': '?' };
const ESCAPE = '\\';

/** Parse a raw Sigma value into parts (wildcards split out, escapes resolved). */
export function parseSigmaString(raw: string): StringPart[] {
  const parts: StringPart[] = [];
  let acc = '';
  let escaped = false;
  for (const c of raw) {
    if (escaped) {
      acc += c in WILDCARDS || c === ESCAPE ? c : ESCAPE + c;
      escaped = false;
    } else if (c === ESCAPE) {
      escaped = true;
    } else if (c in WILDCARDS) {
      if (acc !== '') parts.push({ text: acc });
      parts.push({ wildcard: WILDCARDS[c] });
      acc = '';
    } else {
      acc += c;
    }
  }
  if (escaped) acc += ESCAPE;
  if (acc !== '') parts.push({ text: acc });
  return parts;
}

/** Merge adjacent text parts and drop empty ones (a canonical form, so equal patterns compare equal). */
export function normaliseParts(parts: readonly StringPart[]): StringPart[] {
  const out: StringPart[] = [];
  for (const p of parts) {
    if ('text' in p) {
      if (p.text === '') continue;
      const last = out[out.length - 1];
      if (last && 'text' in last) {
        out[out.length - 1] = { text: last.text + p.text };
        continue;
      }
    }
    out.push(p);
  }
  return out;
}

export function hasWildcard(parts: readonly StringPart[]): boolean {
  return parts.some((p) => 'wildcard' in p);
}

export function hasPlaceholder(parts: readonly StringPart[]): boolean {
  return parts.some((p) => 'placeholder' in p);
}

/** The literal text of parts without wildcards or placeholders (callers check first). */
export function plainText(parts: readonly StringPart[]): string {
  return parts.map((p) => ('text' in p ? p.text : '')).join('');
}

/** A pattern from parts that hold no placeholder. */
export function toPattern(parts: readonly StringPart[]): SigmaPattern {
  return { parts: normaliseParts(parts).filter((p): p is PatternPart => !('placeholder' in p)) };
}

/** A pattern matching exactly this literal text. */
export function literalPattern(text: string): SigmaPattern {
  return { parts: text === '' ? [] : [{ text }] };
}

/** Render a pattern back in Sigma syntax (escaping literal wildcards and backslashes before them). */
export function formatPattern(pattern: SigmaPattern): string {
  return pattern.parts
    .map((p) => ('wildcard' in p ? p.wildcard : p.text.replace(/\\(?=[*?\\]|$)/g, '\\\\').replace(/[*?]/g, (c) => `\\${c}`)))
    .join('');
}
