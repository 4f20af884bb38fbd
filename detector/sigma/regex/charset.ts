/**
 * Sets of UTF-16 code units, as a JavaScript regular expression without the
 * `u` flag sees characters: sorted, disjoint, non-adjacent inclusive ranges.
 * Only what the backtracking check needs: build, negate, intersect, test
 * for overlap, fold case.
 */

export type CharSet = readonly (readonly [number, number])[];

const MAX_UNIT = 0xffff;

/** A set from ranges in any order, overlapping or not. */
export function charSet(ranges: readonly (readonly [number, number])[]): CharSet {
  const sorted = ranges.filter(([lo, hi]) => lo <= hi).map(([lo, hi]) => [lo, hi] as [number, number]).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export const single = (unit: number): CharSet => [[unit, unit]];

export function union(...sets: readonly CharSet[]): CharSet {
  return charSet(sets.flat());
}

export function negate(set: CharSet): CharSet {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_UNIT) out.push([next, MAX_UNIT]);
  return out;
}

export function intersect(a: CharSet, b: CharSet): CharSet {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

export function overlaps(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (Math.max(a[i][0], b[j][0]) <= Math.min(a[i][1], b[j][1])) return true;
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return false;
}

export const isEmpty = (set: CharSet): boolean => set.length === 0;

/** ECMAScript's Canonicalize without the `u` flag, for every code unit; and the units that share one, by canonical unit. */
let canonical: Uint16Array | undefined;
let caseClasses: Map<number, number[]> | undefined;
/** Sorted units that have a case partner (only these change a set when folded). */
let foldable: number[] = [];

function caseTables(): { canonical: Uint16Array; classes: Map<number, number[]> } {
  if (canonical && caseClasses) return { canonical, classes: caseClasses };
  const table = new Uint16Array(MAX_UNIT + 1);
  const members = new Map<number, number[]>();
  for (let c = 0; c <= MAX_UNIT; c++) {
    const upper = String.fromCharCode(c).toUpperCase();
    // The specification's rule: one unit, and never a non-ASCII character folded onto ASCII.
    const u = upper.length === 1 && !(c >= 128 && upper.charCodeAt(0) < 128) ? upper.charCodeAt(0) : c;
    table[c] = u;
    const list = members.get(u);
    if (list) list.push(c);
    else members.set(u, [c]);
  }
  const classes = new Map<number, number[]>();
  for (const [u, list] of members) if (list.length > 1) classes.set(u, list);
  foldable = [...classes.values()].flat().sort((a, b) => a - b);
  canonical = table;
  caseClasses = classes;
  return { canonical: table, classes };
}

/**
 * Every unit the `i` flag lets a member of the set match: those with the
 * same canonical unit (ECMAScript Canonicalize, non-Unicode mode). A negated
 * class is folded before it is negated, as the specification's
 * CharacterSetMatcher does.
 */
export function foldCase(set: CharSet): CharSet {
  const key = set.map(([lo, hi]) => `${lo}-${hi}`).join(',');
  let folded = foldCache.get(key);
  if (!folded) {
    folded = foldUncached(set);
    if (foldCache.size >= FOLD_CACHE_LIMIT) foldCache.clear();
    foldCache.set(key, folded);
  }
  return folded;
}

/** Folded sets by their ranges: patterns repeat `.` and the same classes, and a wide set takes a while to fold. */
const foldCache = new Map<string, CharSet>();
const FOLD_CACHE_LIMIT = 1024;

function foldUncached(set: CharSet): CharSet {
  const { canonical: table, classes } = caseTables();
  const extra: [number, number][] = [];
  for (const [lo, hi] of set) {
    // First foldable unit >= lo (binary search), then every one up to hi.
    let a = 0;
    let b = foldable.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (foldable[mid] < lo) a = mid + 1;
      else b = mid;
    }
    for (let k = a; k < foldable.length && foldable[k] <= hi; k++) {
      for (const m of classes.get(table[foldable[k]]) ?? []) extra.push([m, m]);
    }
  }
  return extra.length === 0 ? set : union(set, extra);
}

/**
 * The class of a character next to a position, as `^`, `$`, `\b` and `\B`
 * see it: the edge of the text (before the first or after the last
 * character), a line terminator (what `^` and `$` see with the `m` flag),
 * a word character `[A-Za-z0-9_]` (what `\b` sees without the `u` flag,
 * whatever the `i` flag), anything else.
 */
export const Side = { Edge: 0, LineTerminator: 1, Word: 2, Other: 3 } as const;
export type Side = (typeof Side)[keyof typeof Side];

export function sideOf(unit: number): Side {
  if ((unit >= 0x30 && unit <= 0x39) || (unit >= 0x41 && unit <= 0x5a) || unit === 0x5f || (unit >= 0x61 && unit <= 0x7a)) return Side.Word;
  if (unit === 0x0a || unit === 0x0d || unit === 0x2028 || unit === 0x2029) return Side.LineTerminator;
  return Side.Other;
}

export const ANY: CharSet = [[0, MAX_UNIT]];
export const LINE_TERMINATOR: CharSet = charSet([[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]]);
export const DIGIT: CharSet = [[0x30, 0x39]];
export const WORD: CharSet = charSet([[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]]);
/** ECMAScript WhiteSpace and LineTerminator. */
export const SPACE: CharSet = charSet([
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029],
  [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
]);
/** What `.` matches without the `s` flag: anything but a line terminator. */
export const DOT: CharSet = negate(LINE_TERMINATOR);
