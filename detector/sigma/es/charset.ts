/**
 * Sets of characters for Lucene regular expressions, and the case folding
 * the stream matcher applies, written out as explicit classes.
 *
 * Elasticsearch's `case_insensitive` folds ASCII letters only (checked on
 * 8.19: `äbc` does not find `Äbc`, and `[A-Z]` is not folded at all), while
 * the stream matcher folds with JavaScript: `toLowerCase()` for patterns and
 * RegExp's `i` canonicalisation for `re|i` and `?` patterns. So where those
 * differ from ASCII folding (non-ASCII letters, the Kelvin sign for `k`,
 * character ranges) the compiler spells the equivalent characters out.
 *
 * Sets hold code points as sorted, disjoint, inclusive ranges. Lone
 * surrogates (U+D800..U+DFFF) are never emitted: no indexed text holds them.
 */

export type Range = readonly [number, number];
export type CharSet = readonly Range[];

export type Fold = 'lower' | 'regex';

const MAX_CODE_POINT = 0x10ffff;
const SURROGATES: Range = [0xd800, 0xdfff];

/** Sort and merge ranges. */
export function normaliseSet(ranges: readonly Range[]): CharSet {
  const sorted = [...ranges].filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function complement(set: CharSet): CharSet {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of normaliseSet(set)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

export function single(cp: number): CharSet {
  return [[cp, cp]];
}

/** JavaScript RegExp (non-unicode) `i` canonicalisation: upper case, unless that is not one unit or maps non-ASCII to ASCII. */
function regexCanon(cp: number): number {
  const upper = String.fromCharCode(cp).toUpperCase();
  if (upper.length !== 1) return cp;
  const u = upper.charCodeAt(0);
  return cp >= 128 && u < 128 ? cp : u;
}

/** `toLowerCase()` as one unit, or the code point itself when lowering changes the length (İ -> i̇). */
function lowerCanon(cp: number): number {
  const lower = String.fromCharCode(cp).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : cp;
}

interface FoldTable {
  readonly canon: Uint16Array;
  /** canon -> members, for classes with more than one member. */
  readonly classes: ReadonlyMap<number, readonly number[]>;
}

const tables = new Map<Fold, FoldTable>();

function table(fold: Fold): FoldTable {
  let t = tables.get(fold);
  if (t === undefined) {
    const canonOf = fold === 'lower' ? lowerCanon : regexCanon;
    const canon = new Uint16Array(0x10000);
    const members = new Map<number, number[]>();
    for (let cp = 0; cp < 0x10000; cp++) {
      const c = cp >= SURROGATES[0] && cp <= SURROGATES[1] ? cp : canonOf(cp);
      canon[cp] = c;
      const list = members.get(c);
      if (list === undefined) members.set(c, [cp]);
      else list.push(cp);
    }
    const classes = new Map<number, readonly number[]>();
    for (const [c, list] of members) if (list.length > 1) classes.set(c, list);
    t = { canon, classes };
    tables.set(fold, t);
  }
  return t;
}

/** The code points that fold to the same character as `cp`. */
export function foldClassOf(cp: number, fold: Fold): readonly number[] {
  if (cp > 0xffff) return [cp];
  const t = table(fold);
  return t.classes.get(t.canon[cp]) ?? [cp];
}

/** Whether ASCII-only case folding (Elasticsearch's `case_insensitive`) equals `fold` on this character. */
export function asciiFoldIsExact(cp: number, fold: Fold): boolean {
  const members = foldClassOf(cp, fold);
  const ascii = cp < 128 ? new Set([cp, String.fromCharCode(cp).toLowerCase().charCodeAt(0), String.fromCharCode(cp).toUpperCase().charCodeAt(0)]) : new Set([cp]);
  return members.length === ascii.size && members.every((m) => ascii.has(m));
}

/** The set closed under `fold`: every character equivalent to a member. */
export function foldSet(set: CharSet, fold: Fold): CharSet {
  const t = table(fold);
  const canons = new Set<number>();
  const out: Range[] = [...set];
  for (const [lo, hi] of set) {
    for (let cp = lo; cp <= Math.min(hi, 0xffff); cp++) canons.add(t.canon[cp]);
  }
  for (const c of canons) {
    const members = t.classes.get(c);
    if (members !== undefined) for (const m of members) out.push([m, m]);
  }
  return normaliseSet(out);
}

const PLAIN = /^[A-Za-z0-9]$/;

/** One character as Lucene regexp text: letters and digits as they are, other ASCII escaped, the rest literal. */
export function luceneChar(cp: number): string {
  const c = String.fromCodePoint(cp);
  if (PLAIN.test(c) || cp >= 128) return c;
  return `\\${c}`;
}

/** A set as Lucene regexp text: one character, or a bracket class of ranges (surrogates left out). */
export function luceneSet(set: CharSet): string {
  const ranges: Range[] = [];
  for (const [lo, hi] of normaliseSet(set)) {
    if (hi < SURROGATES[0] || lo > SURROGATES[1]) ranges.push([lo, hi]);
    else {
      if (lo < SURROGATES[0]) ranges.push([lo, SURROGATES[0] - 1]);
      if (hi > SURROGATES[1]) ranges.push([SURROGATES[1] + 1, hi]);
    }
  }
  if (ranges.length === 0) return '#';
  if (ranges.length === 1 && ranges[0][0] === ranges[0][1]) return luceneChar(ranges[0][0]);
  const body = ranges.map(([lo, hi]) => (lo === hi ? luceneChar(lo) : `${luceneChar(lo)}-${luceneChar(hi)}`)).join('');
  return `[${body}]`;
}
