/**
 * JavaScript regular expressions (what the stream matcher runs for `re`)
 * translated to Lucene's regexp syntax for the `regexp` query, exactly or
 * not at all.
 *
 * The two differ in ways that matter:
 * - A Lucene regexp must match the WHOLE term; the matcher searches
 *   (`re: 'abc'` matches "xabcx"). Each top-level alternative gets `.*`
 *   on a side without its `^`/`$` anchor. Anchors anywhere else, or with the
 *   `m` flag (line anchors), cannot be written in Lucene and are refused.
 * - Lucene has no `\d \w \s \b`, lookarounds, backreferences, lazy
 *   quantifiers or `.` excluding newlines. Classes are expanded to explicit
 *   ranges (`\s` is JavaScript's whitespace set, `.` without `s` excludes
 *   \n \r U+2028 U+2029); lazy quantifiers become greedy (a whole-match
 *   test does not care which); the rest is refused with the construct named.
 * - Every character that is not a letter or digit is escaped, so Lucene's
 *   own operators (`@ & ~ # < > "`) stay literal.
 * - With `i` the classes are folded the way JavaScript folds (Elasticsearch's
 *   `case_insensitive` only folds ASCII letters, and not inside ranges); the
 *   query also sets `case_insensitive`.
 *
 * Not exact, and documented rather than refused: JavaScript without the `u`
 * flag works on UTF-16 units and Lucene on code points, so `.` against a
 * character outside the BMP differs.
 */
import { complement, foldSet, luceneSet, normaliseSet, single } from './charset.js';
import type { CharSet, Range } from './charset.js';

export interface RegexFlags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
}

export interface LuceneRegex {
  /** The `value` of a `regexp` query. */
  readonly value: string;
  readonly caseInsensitive: boolean;
}

/** A construct with no exact Lucene form; `construct` names it (for grouping refusals). */
export class RegexTranslationError extends Error {
  constructor(readonly construct: string, message: string) {
    super(message);
    this.name = 'RegexTranslationError';
  }
}

const DIGIT: CharSet = [[0x30, 0x39]];
const WORD: CharSet = normaliseSet([[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]]);
/** JavaScript's `\s`: WhiteSpace and LineTerminator. */
const SPACE: CharSet = normaliseSet([
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
]);
const LINE_TERMINATORS: CharSet = normaliseSet([[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]]);
const ANY: CharSet = [[0, 0x10ffff]];

/** Translate `source` with `flags`; throws RegexTranslationError naming what cannot be exact. */
export function translateRegex(source: string, flags: RegexFlags): LuceneRegex {
  try {
    new RegExp(source, `${flags.i ? 'i' : ''}${flags.m ? 'm' : ''}${flags.s ? 's' : ''}`);
  } catch (error) {
    throw new RegexTranslationError('invalid regular expression', `regular expression ${JSON.stringify(source)} is not valid: ${(error as Error).message}`);
  }
  const parser = new Parser(source, flags);
  const branches = parser.topLevel();
  const value = branches.map((b) => `${b.anchoredStart ? '' : '.*'}${b.text}${b.anchoredEnd ? '' : '.*'}`).join('|');
  return { value, caseInsensitive: flags.i };
}

interface Branch {
  readonly text: string;
  readonly anchoredStart: boolean;
  readonly anchoredEnd: boolean;
}

class Parser {
  private pos = 0;

  constructor(private readonly src: string, private readonly flags: RegexFlags) {}

  private refuse(construct: string, detail = ''): never {
    throw new RegexTranslationError(construct, `regular expression ${JSON.stringify(this.src)}: ${construct}${detail} has no exact Lucene regexp form (at offset ${this.pos})`);
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  topLevel(): Branch[] {
    const branches: Branch[] = [];
    for (;;) {
      let anchoredStart = false;
      if (this.peek() === '^') {
        if (this.flags.m) this.refuse('anchor ^ with the m flag');
        this.pos++;
        anchoredStart = true;
      }
      const text = this.sequence(true);
      let anchoredEnd = false;
      if (this.peek() === '$') {
        if (this.flags.m) this.refuse('anchor $ with the m flag');
        this.pos++;
        anchoredEnd = true;
      }
      branches.push({ text: text === '' ? '()' : text, anchoredStart, anchoredEnd });
      if (this.peek() === undefined) return branches;
      if (this.peek() === '|') {
        this.pos++;
        continue;
      }
      if (this.peek() === '$' || this.peek() === '^') this.refuse(`anchor ${this.peek() ?? ''} inside the expression`);
      this.refuse(`unexpected ${JSON.stringify(this.peek())}`);
    }
  }

  /** Alternatives inside a group. */
  private alternation(): string {
    const parts: string[] = [];
    for (;;) {
      const text = this.sequence(false);
      parts.push(text === '' ? '()' : text);
      if (this.peek() !== '|') break;
      this.pos++;
    }
    return parts.length === 1 ? parts[0] : parts.join('|');
  }

  /**
   * Atoms with quantifiers up to `|`, `)` or the end. At top level a `$`
   * ending the branch stops it (the caller takes it as the anchor).
   */
  private sequence(top: boolean): string {
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') return out;
      if (c === '$') {
        const next = this.peek(1);
        if (top && (next === undefined || next === '|')) return out;
        this.refuse('anchor $ inside the expression');
      }
      if (c === '^') this.refuse('anchor ^ inside the expression');
      const atom = this.atom();
      out += this.quantified(atom);
    }
  }

  private quantified(atom: string): string {
    const c = this.peek();
    let q: string | undefined;
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      q = c;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (m !== null) {
        this.pos += m[0].length;
        q = m[0];
      }
    }
    if (q === undefined) return atom;
    if (this.peek() === '?') this.pos++; // lazy: the same language for a whole-match test
    return `(${atom})${q}`;
  }

  private atom(): string {
    const c = this.peek();
    if (c === undefined) this.refuse('unexpected end');
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        this.pos++;
        return this.set(this.flags.s ? ANY : complement(LINE_TERMINATORS), false);
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        return this.refuse('quantifier without an atom');
      default: {
        const cp = this.src.charCodeAt(this.pos);
        this.pos++;
        return this.set(single(cp), true);
      }
    }
  }

  private group(): string {
    this.pos++; // (
    if (this.peek() === '?') {
      const rest = this.src.slice(this.pos, this.pos + 3);
      if (rest.startsWith('?:')) this.pos += 2;
      else if (rest.startsWith('?=') || rest.startsWith('?!')) this.refuse('lookahead');
      else if (rest.startsWith('?<=') || rest.startsWith('?<!')) this.refuse('lookbehind');
      else if (rest.startsWith('?<')) {
        const end = this.src.indexOf('>', this.pos);
        this.pos = end + 1;
      } else this.refuse('group modifier');
    }
    const inner = this.alternation();
    if (this.peek() !== ')') this.refuse('unclosed group');
    this.pos++;
    return `(${inner === '' ? '()' : inner})`;
  }

  /** A set as Lucene text, folded when `i` (and `foldable`). */
  private set(set: CharSet, foldable: boolean): string {
    return luceneSet(this.flags.i && foldable ? foldSet(set, 'regex') : set);
  }

  private escape(): string {
    const cls = this.classEscape();
    if (cls !== undefined) return this.set(cls.set, cls.foldable);
    const c = this.peek(1);
    if (c === 'b' || c === 'B') this.refuse(`word boundary \\${c}`);
    if (c !== undefined && /[1-9]/.test(c)) this.refuse('backreference');
    if (c === 'k' && this.peek(2) === '<') this.refuse('named backreference');
    const cp = this.charEscape();
    return this.set(single(cp), true);
  }

  /** `\d \D \w \W \s \S` at pos (consumed), or undefined. */
  private classEscape(): { set: CharSet; foldable: boolean } | undefined {
    const c = this.peek(1);
    const table: Record<string, CharSet> = { d: DIGIT, w: WORD, s: SPACE };
    if (c === undefined) return undefined;
    const base = table[c.toLowerCase()];
    if (base === undefined) return undefined;
    this.pos += 2;
    // JavaScript does not fold \w under i without the u flag (no non-ASCII maps into it), so no folding either way.
    return { set: c === c.toLowerCase() ? base : complement(base), foldable: false };
  }

  /** One escaped character at pos (`\n`, `\x41`, `\u0041`, `\cJ`, `\0`, identity escapes); consumes it. */
  private charEscape(): number {
    const c = this.peek(1);
    if (c === undefined) this.refuse('trailing backslash');
    const simple: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };
    if (simple[c] !== undefined) {
      this.pos += 2;
      return simple[c];
    }
    const hex = (len: number): number | undefined => {
      const text = this.src.slice(this.pos + 2, this.pos + 2 + len);
      return new RegExp(`^[0-9a-fA-F]{${len}}$`).test(text) ? parseInt(text, 16) : undefined;
    };
    if (c === 'x') {
      const v = hex(2);
      if (v !== undefined) {
        this.pos += 4;
        return v;
      }
    }
    if (c === 'u') {
      const v = hex(4);
      if (v !== undefined) {
        this.pos += 6;
        return v;
      }
    }
    if (c === 'c' && /^[A-Za-z]$/.test(this.peek(2) ?? '')) {
      const v = (this.peek(2) ?? '').charCodeAt(0) % 32;
      this.pos += 3;
      return v;
    }
    if (c === '0' && !/[0-9]/.test(this.peek(2) ?? '')) {
      this.pos += 2;
      return 0;
    }
    if (/[0-9]/.test(c)) this.refuse('octal escape');
    // Identity escape: the character itself.
    this.pos += 2;
    return c.charCodeAt(0);
  }

  private charClass(): string {
    this.pos++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const ranges: Range[] = [];
    let foldable: Range[] = [];
    const atomAt = (): { set: CharSet; foldable: boolean; cp?: number } => {
      if (this.peek() === '\\') {
        const cls = this.classEscape();
        if (cls !== undefined) return cls;
        if (this.peek(1) === 'b') {
          this.pos += 2;
          return { set: single(8), foldable: true, cp: 8 };
        }
        if (this.peek(1) === '-') {
          this.pos += 2;
          return { set: single(0x2d), foldable: true, cp: 0x2d };
        }
        const cp = this.charEscape();
        return { set: single(cp), foldable: true, cp };
      }
      const cp = this.src.charCodeAt(this.pos);
      this.pos++;
      return { set: single(cp), foldable: true, cp };
    };
    while (this.peek() !== ']') {
      if (this.peek() === undefined) this.refuse('unclosed class');
      const first = atomAt();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined && first.cp !== undefined) {
        this.pos++;
        const second = atomAt();
        if (second.cp === undefined) {
          // `[a-\d]`: JavaScript (non-unicode) takes the `-` literally.
          ranges.push(...first.set, [0x2d, 0x2d], ...second.set);
          foldable.push(...first.set, [0x2d, 0x2d]);
          continue;
        }
        ranges.push([first.cp, second.cp]);
        foldable.push([first.cp, second.cp]);
        continue;
      }
      ranges.push(...first.set);
      if (first.foldable) foldable.push(...first.set);
    }
    this.pos++; // ]
    let set: CharSet = normaliseSet(ranges);
    if (this.flags.i) set = normaliseSet([...set, ...foldSet(normaliseSet(foldable), 'regex')]);
    foldable = [];
    if (negated) set = complement(set);
    return luceneSet(set);
  }
}
