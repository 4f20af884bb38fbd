/**
 * JavaScript regular expression syntax (without the `u` flag, with the
 * web-compatibility grammar of ECMAScript Annex B) to a small tree: one
 * character class per character position, sequences, alternatives,
 * repetitions, assertions and backreferences. Only what the backtracking
 * check reads; captures, greediness and group names are dropped.
 *
 * The source has already been accepted by `new RegExp`, so this reader is
 * lenient: what it does not recognise it reads as a literal character. It
 * refuses (with a reason, never by overflowing the stack) nesting deeper
 * than MAX_DEPTH groups and more than MAX_CHARACTERS character positions.
 */
import type { CharSet } from './charset.js';
import { ANY, DIGIT, DOT, SPACE, WORD, charSet, foldCase, negate, single, union } from './charset.js';

export interface RegexFlags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
}

/** Source offsets `start`..`end` (exclusive) of the part of the pattern a node was read from. */
interface Span {
  readonly start: number;
  readonly end: number;
}

export type RegexNode =
  | ({ readonly type: 'char'; readonly set: CharSet } & Span)
  | { readonly type: 'seq'; readonly items: readonly RegexNode[] }
  | { readonly type: 'alt'; readonly items: readonly RegexNode[] }
  | ({ readonly type: 'repeat'; readonly min: number; readonly max: number; readonly body: RegexNode } & Span)
  /** `^`, `$`, `\b`, `\B`. */
  | { readonly type: 'assert'; readonly kind: AssertionKind }
  /** A lookahead or lookbehind: zero width here; its body is checked on its own. */
  | { readonly type: 'look'; readonly body: RegexNode }
  | ({ readonly type: 'backref' } & Span);

export type AssertionKind = 'start' | 'end' | 'word-boundary' | 'not-word-boundary';

export type RegexReadResult = { readonly ok: true; readonly node: RegexNode } | { readonly ok: false; readonly reason: string };

export const MAX_DEPTH = 100;
export const MAX_CHARACTERS = 4000;

class LimitError extends Error {}

/** `{n}`, `{n,}`, `{n,m}` at a given index (sticky); anything else after `{` is a literal brace (Annex B). */
const BRACES = /\{(\d+)(?:(,)(\d*))?\}/y;
const CONTROL: Readonly<Record<string, number>> = { f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isLetter = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z]$/.test(c);

/** Capturing groups (`(`, `(?<name>`) and whether any is named: backreference escapes depend on both. */
function countGroups(source: string): { count: number; named: boolean } {
  let count = 0;
  let named = false;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') {
      if (source[i + 1] !== '?') count++;
      else if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
        count++;
        named = true;
      }
    }
  }
  return { count, named };
}

class Reader {
  private i = 0;
  private depth = 0;
  private characters = 0;
  private readonly groups: { count: number; named: boolean };

  constructor(private readonly src: string, private readonly flags: RegexFlags) {
    this.groups = countGroups(src);
  }

  read(): RegexNode {
    const items = [this.disjunction()];
    // A stray `)` (which RegExp would have refused) is skipped rather than ending the read early.
    while (this.i < this.src.length) {
      this.i++;
      items.push(this.disjunction());
    }
    return items.length === 1 ? items[0] : { type: 'seq', items };
  }

  private disjunction(): RegexNode {
    const alternatives = [this.alternative()];
    while (this.src[this.i] === '|') {
      this.i++;
      alternatives.push(this.alternative());
    }
    return alternatives.length === 1 ? alternatives[0] : { type: 'alt', items: alternatives };
  }

  private alternative(): RegexNode {
    const items: RegexNode[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') items.push(this.term());
    return items.length === 1 ? items[0] : { type: 'seq', items };
  }

  private term(): RegexNode {
    const start = this.i;
    const atom = this.atom();
    const q = this.quantifier();
    if (q === undefined) return atom;
    return { type: 'repeat', min: q.min, max: q.max, body: atom, start, end: this.i };
  }

  /** A quantifier at the cursor (consumed), or undefined (nothing consumed). */
  private quantifier(): { min: number; max: number } | undefined {
    const c = this.src[this.i];
    let q: { min: number; max: number } | undefined;
    if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '?') q = { min: 0, max: 1 };
    if (q) {
      this.i++;
    } else if (c === '{') {
      BRACES.lastIndex = this.i;
      const m = BRACES.exec(this.src);
      if (!m) return undefined;
      const min = Number(m[1]);
      q = { min, max: m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]) };
      this.i += m[0].length;
    } else {
      return undefined;
    }
    if (this.src[this.i] === '?') this.i++; // lazy: the same paths, tried in another order
    return q;
  }

  /** A character position; its set is folded for the `i` flag unless the caller has (a negated class must be folded first). */
  private char(set: CharSet, start: number, folded = false): RegexNode {
    if (++this.characters > MAX_CHARACTERS) throw new LimitError(`has more than ${MAX_CHARACTERS} character positions`);
    return { type: 'char', set: this.flags.i && !folded ? foldCase(set) : set, start, end: this.i };
  }

  private atom(): RegexNode {
    const start = this.i;
    const c = this.src[this.i++];
    switch (c) {
      case '^':
        return { type: 'assert', kind: 'start' };
      case '$':
        return { type: 'assert', kind: 'end' };
      case '.':
        return this.char(this.flags.s ? ANY : DOT, start);
      case '[':
        return this.char(this.charClass(), start, true);
      case '(':
        return this.group();
      case '\\':
        return this.atomEscape(start);
      default:
        return this.char(single(c.charCodeAt(0)), start);
    }
  }

  /** A group: its body (captures do not matter here), or a lookaround node. */
  private group(): RegexNode {
    if (++this.depth > MAX_DEPTH) throw new LimitError(`nests groups more than ${MAX_DEPTH} deep`);
    let look = false;
    if (this.src.startsWith('?:', this.i)) this.i += 2;
    else if (this.src.startsWith('?=', this.i) || this.src.startsWith('?!', this.i)) { this.i += 2; look = true; }
    else if (this.src.startsWith('?<=', this.i) || this.src.startsWith('?<!', this.i)) { this.i += 3; look = true; }
    else if (this.src.startsWith('?<', this.i)) {
      const close = this.src.indexOf('>', this.i);
      this.i = close === -1 ? this.i + 2 : close + 1;
    }
    const body = this.disjunction();
    if (this.src[this.i] === ')') this.i++;
    this.depth--;
    return look ? { type: 'look', body } : body;
  }

  private atomEscape(start: number): RegexNode {
    const c = this.src[this.i];
    if (c === 'b') { this.i++; return { type: 'assert', kind: 'word-boundary' }; }
    if (c === 'B') { this.i++; return { type: 'assert', kind: 'not-word-boundary' }; }
    if (isDigit(c) && c !== '0') {
      let digits = '';
      while (isDigit(this.src[this.i + digits.length])) digits += this.src[this.i + digits.length];
      if (Number(digits) <= this.groups.count) {
        this.i += digits.length;
        return { type: 'backref', start, end: this.i };
      }
    }
    if (c === 'k' && this.groups.named && this.src[this.i + 1] === '<') {
      const close = this.src.indexOf('>', this.i);
      this.i = close === -1 ? this.src.length : close + 1;
      return { type: 'backref', start, end: this.i };
    }
    return this.char(this.characterEscape(false), start);
  }

  /** The set of an escape after its backslash (the cursor is on the escaped character). */
  private characterEscape(inClass: boolean): CharSet {
    const c = this.src[this.i];
    if (c === undefined) return single(0x5c);
    this.i++;
    switch (c) {
      case 'd': return DIGIT;
      case 'D': return negate(DIGIT);
      case 'w': return WORD;
      case 'W': return negate(WORD);
      case 's': return SPACE;
      case 'S': return negate(SPACE);
      case 'b': return single(0x08); // only reached inside a class
      case 'c': {
        const next = this.src[this.i];
        if (isLetter(next) || (inClass && (isDigit(next) || next === '_'))) {
          this.i++;
          return single(next.charCodeAt(0) % 32);
        }
        this.i--; // Annex B: `\c` not before a letter is a backslash, and the `c` is read next
        return single(0x5c);
      }
      case 'x':
        if (isHex(this.src[this.i]) && isHex(this.src[this.i + 1])) {
          this.i += 2;
          return single(parseInt(this.src.slice(this.i - 2, this.i), 16));
        }
        return single(0x78);
      case 'u':
        if ([0, 1, 2, 3].every((k) => isHex(this.src[this.i + k]))) {
          this.i += 4;
          return single(parseInt(this.src.slice(this.i - 4, this.i), 16));
        }
        return single(0x75);
      default:
        break;
    }
    if (c in CONTROL) return single(CONTROL[c]);
    if (isOctal(c)) {
      // Annex B legacy octal: up to three digits, at most \377.
      let text = c;
      while (text.length < 3 && isOctal(this.src[this.i]) && parseInt(text + this.src[this.i], 8) <= 0o377) text += this.src[this.i++];
      return single(parseInt(text, 8));
    }
    return single(c.charCodeAt(0));
  }

  private charClass(): CharSet {
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    const parts: CharSet[] = [];
    while (this.i < this.src.length && this.src[this.i] !== ']') {
      const from = this.classAtom();
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        const to = this.classAtom();
        const lo = from.length === 1 && from[0][0] === from[0][1] ? from[0][0] : undefined;
        const hi = to.length === 1 && to[0][0] === to[0][1] ? to[0][0] : undefined;
        // Annex B: a range with a class escape at either end is the two sets and a literal `-`.
        parts.push(lo !== undefined && hi !== undefined ? charSet([[lo, hi]]) : union(from, to, single(0x2d)));
      } else {
        parts.push(from);
      }
    }
    this.i++; // the closing `]`
    const members = this.flags.i ? foldCase(union(...parts)) : union(...parts);
    return negated ? negate(members) : members;
  }

  private classAtom(): CharSet {
    const c = this.src[this.i++];
    if (c !== '\\') return single(c.charCodeAt(0));
    if (this.src[this.i] === '-') { this.i++; return single(0x2d); }
    return this.characterEscape(true);
  }
}

/** Read a pattern RegExp has accepted. Refuses only patterns too deep or too large to check. */
export function readRegex(source: string, flags: RegexFlags): RegexReadResult {
  try {
    return { ok: true, node: new Reader(source, flags).read() };
  } catch (err) {
    if (err instanceof LimitError) return { ok: false, reason: err.message };
    throw err;
  }
}
