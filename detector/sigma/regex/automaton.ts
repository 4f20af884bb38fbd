/**
 * Rule regular expressions run in time linear in the text, whatever the
 * pattern. JavaScript's RegExp backtracks: not only `(a+)+` (refused when a
 * rule loads, ./backtracking.ts) but everyday Sigma patterns are
 * polynomial on a hostile line: `a.*b` is quadratic (2 s on 64 KiB of `a`),
 * SigmaHQ's `(set).*&&\s?set.*(environment|invoke|\$?\{?input).*&&.*"`
 * takes 90 s on 4 KiB of `set && set environment invoke input &&`. A log
 * line must not be able to do that to the detector.
 *
 * So a rule's pattern becomes its position automaton (Glushkov: one state
 * per character position, counted repetitions unrolled), and a search runs
 * it forward once over the text with the set of live states as a bit set,
 * starting a new match at every index: O(text length x states) with no
 * backtracking at all. Assertions are exact: each transition and each entry
 * and exit carries the contexts (edge of text, line terminator, word
 * character, other) the `^`, `$`, `\b`, `\B` on its way allow, so the
 * answer is RegExp's answer (`test`, unanchored, with the `i`, `m`, `s`
 * flags; a property test compares them).
 *
 * Lookarounds and backreferences have no automaton; such patterns (and
 * patterns over MAX_POSITIONS states unrolled) keep RegExp, checked for
 * exponential backtracking at load like every other.
 */
import type { CharSet } from './charset.js';
import { LINE_TERMINATOR, Side, WORD, intersect, negate, sideOf, union } from './charset.js';
import type { AssertionKind, RegexFlags, RegexNode } from './syntax.js';
import { readRegex } from './syntax.js';

/** States (character positions after unrolling counted repetitions) an automaton may have. */
export const MAX_POSITIONS = 2048;
/** Transitions an automaton may have (SigmaHQ's patterns need a few thousand; `(a?){2020}` would need two million). */
const MAX_TRANSITIONS = 200_000;

/** Why a pattern has no automaton: it needs lookaround or backreferences, or it is too large unrolled. */
class NoAutomaton extends Error {
  constructor(readonly why: 'features' | 'size') {
    super(why);
  }
}

/** Bit `prev * 4 + next`: an empty path between two characters of those sides is allowed. */
const ALL_CONTEXTS = 0xffff;
/** Every side (4 bits), for entries (before) and exits (after) with no assertion. */
const ALL_SIDES = 0b1111;
const SIDES: readonly Side[] = [Side.Edge, Side.LineTerminator, Side.Word, Side.Other];
const OTHER: CharSet = negate(union(WORD, LINE_TERMINATOR));

function contexts(allowed: (prev: Side, next: Side) => boolean): number {
  let mask = 0;
  for (const prev of SIDES) for (const next of SIDES) if (allowed(prev, next)) mask |= 1 << (prev * 4 + next);
  return mask;
}

function assertionContexts(kind: AssertionKind, multiline: boolean): number {
  const lineEdge = (side: Side): boolean => side === Side.Edge || (multiline && side === Side.LineTerminator);
  switch (kind) {
    case 'start': return contexts((prev) => lineEdge(prev));
    case 'end': return contexts((_prev, next) => lineEdge(next));
    case 'word-boundary': return contexts((prev, next) => (prev === Side.Word) !== (next === Side.Word));
    case 'not-word-boundary': return contexts((prev, next) => (prev === Side.Word) === (next === Side.Word));
  }
}

/** Sides `prev` before a character of side `next` that `mask` allows (4 bits). */
function before(mask: number, next: Side): number {
  let out = 0;
  for (const prev of SIDES) if (mask & (1 << (prev * 4 + next))) out |= 1 << prev;
  return out;
}

/** Sides `next` after a character of side `prev` that `mask` allows (4 bits). */
function after(mask: number, prev: Side): number {
  return (mask >> (prev * 4)) & ALL_SIDES;
}

interface Info {
  /** Contexts in which the node can match the empty string (0: it cannot). */
  readonly empty: number;
  /** Positions reading can start at, with the sides allowed before them. */
  readonly first: Map<number, number>;
  /** Positions reading can end at, with the sides allowed after them. */
  readonly last: Map<number, number>;
}

const merge = (into: Map<number, number>, p: number, sides: number): void => {
  if (sides !== 0) into.set(p, (into.get(p) ?? 0) | sides);
};

class Builder {
  readonly sets: CharSet[] = [];
  readonly sides: Side[] = [];
  readonly follow: Set<number>[] = [];
  private transitions = 0;

  constructor(
    private readonly multiline: boolean,
    /** Split positions by the side of their characters; without `\b`, `\B` and multiline anchors, one side does. */
    private readonly sided: boolean,
  ) {}

  build(node: RegexNode): Info {
    switch (node.type) {
      case 'char':
        return this.char(node.set);
      case 'assert':
        return { empty: assertionContexts(node.kind, this.multiline), first: new Map(), last: new Map() };
      case 'look':
      case 'backref':
        throw new NoAutomaton('features');
      case 'seq':
        return node.items.reduce<Info>((acc, item) => this.sequence(acc, this.build(item)), { empty: ALL_CONTEXTS, first: new Map(), last: new Map() });
      case 'alt': {
        const out = { empty: 0, first: new Map<number, number>(), last: new Map<number, number>() };
        for (const item of node.items) {
          const info = this.build(item);
          out.empty |= info.empty;
          for (const [p, s] of info.first) merge(out.first, p, s);
          for (const [p, s] of info.last) merge(out.last, p, s);
        }
        return out;
      }
      case 'repeat':
        return this.repeat(node.min, node.max, node.body);
    }
  }

  private char(set: CharSet): Info {
    const info: Info = { empty: 0, first: new Map(), last: new Map() };
    const parts: readonly (readonly [CharSet, Side])[] = this.sided
      ? [[intersect(set, WORD), Side.Word], [intersect(set, LINE_TERMINATOR), Side.LineTerminator], [intersect(set, OTHER), Side.Other]]
      : [[set, Side.Other]];
    for (const [part, side] of parts) {
      if (part.length === 0) continue;
      if (this.sets.length >= MAX_POSITIONS) throw new NoAutomaton('size');
      const p = this.sets.length;
      this.sets.push(part);
      this.sides.push(side);
      this.follow.push(new Set());
      info.first.set(p, ALL_SIDES);
      info.last.set(p, ALL_SIDES);
    }
    return info;
  }

  /**
   * `body{min,max}` unrolled: min copies, then (max - min) nested optional
   * copies, or a loop for an unbounded max. Skipping an optional copy or the
   * loop is an empty path without assertions; an iteration that reads
   * nothing adds no other (RegExp rejects those, and they could only add
   * assertions).
   */
  private repeat(min: number, max: number, body: RegexNode): Info {
    if (max === 0) return { empty: ALL_CONTEXTS, first: new Map(), last: new Map() };
    const positions = this.sets.length;
    const once = this.build(body);
    if (this.sets.length === positions) {
      // No character: only assertions, the same however often repeated (`(?:\b){1000000}`).
      return { empty: min === 0 ? ALL_CONTEXTS : once.empty, first: new Map(), last: new Map() };
    }
    // Each copy adds a position, so MAX_POSITIONS bounds the copies made before giving up.
    let spare: Info | undefined = min > 0 ? undefined : once;
    const copy = (): Info => {
      const made = spare ?? this.build(body);
      spare = undefined;
      return made;
    };
    let acc: Info = min > 0 ? once : { empty: ALL_CONTEXTS, first: new Map(), last: new Map() };
    for (let k = 1; k < min; k++) acc = this.sequence(acc, copy());
    if (max === Infinity) {
      const loop = copy();
      this.link(loop.last, loop.first);
      return this.sequence(acc, { empty: ALL_CONTEXTS, first: loop.first, last: loop.last });
    }
    if (once.empty === 0) {
      // A body that always reads something: the optional copies are a plain chain, entered at the first
      // and left after any (`.{0,2000}` in linear time; nesting them by `sequence` would copy the exits each time).
      let first: Map<number, number> | undefined;
      let previous: Map<number, number> | undefined;
      const last = new Map<number, number>();
      for (let k = min; k < max; k++) {
        const next = copy();
        first ??= next.first;
        if (previous) this.link(previous, next.first);
        for (const [p, sides] of next.last) merge(last, p, sides);
        previous = next.last;
      }
      return first ? this.sequence(acc, { empty: ALL_CONTEXTS, first, last }) : acc;
    }
    let tail: Info | undefined;
    for (let k = min; k < max; k++) {
      // Built from the innermost (last) copy outwards; the numbering of positions does not matter.
      const next = copy();
      const inner = tail ? this.sequence(next, tail) : next;
      tail = { empty: ALL_CONTEXTS, first: inner.first, last: inner.last };
    }
    return tail ? this.sequence(acc, tail) : acc;
  }

  private sequence(a: Info, b: Info): Info {
    const first = new Map(a.first);
    if (a.empty !== 0) for (const [q, sides] of b.first) merge(first, q, sides & before(a.empty, this.sides[q]));
    const last = new Map(b.last);
    if (b.empty !== 0) for (const [p, sides] of a.last) merge(last, p, sides & after(b.empty, this.sides[p]));
    this.link(a.last, b.first);
    return { empty: a.empty & b.empty, first, last };
  }

  /** Transitions from exits to entries, where the contexts between them allow both sides. */
  private link(exits: ReadonlyMap<number, number>, entries: ReadonlyMap<number, number>): void {
    for (const [p, nextSides] of exits) {
      for (const [q, prevSides] of entries) {
        if (!(nextSides & (1 << this.sides[q])) || !(prevSides & (1 << this.sides[p]))) continue;
        if (++this.transitions > MAX_TRANSITIONS) throw new NoAutomaton('size');
        this.follow[p].add(q);
      }
    }
  }
}

/** A compiled pattern: `test` answers as RegExp's `test` would. */
export interface TextMatcher {
  test(text: string): boolean;
}

function contains(set: CharSet, unit: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (unit < set[mid][0]) hi = mid - 1;
    else if (unit > set[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

const CHAR_CACHE_LIMIT = 4096;
/** A position with more transitions than this (besides to the next position) keeps them as a bit set. */
const SPARSE_LIMIT = 16;

/**
 * The search. Live positions are a bit set; one step is
 *   next = (follow(live) | starts) & readable(char)
 * where follow(live) is the live set shifted by one for transitions to the
 * next position (most of them: positions are numbered in pattern order) plus
 * each live position's other transitions, kept as a short list (or a bit set
 * when there are many). A step costs O(positions / 32 + other transitions
 * of live positions), and a search one step per character.
 */
class PositionMatcher implements TextMatcher {
  private readonly words: number;
  /** Positions with a transition to the next position. */
  private readonly chain: Uint32Array;
  /** Positions with other transitions, and those transitions. */
  private readonly hasOthers: Uint32Array;
  private readonly othersList: (Int32Array | undefined)[];
  private readonly othersBits: (Uint32Array | undefined)[];
  /** By side before: the positions a match may start at. */
  private readonly firstBy: Uint32Array[];
  /** By side after: the positions a match may end at. */
  private readonly lastBy: Uint32Array[];
  private readonly ascii: Uint32Array[] = [];
  private readonly others = new Map<number, Uint32Array>();
  private readonly live: Uint32Array;
  private readonly next: Uint32Array;

  constructor(
    private readonly sets: readonly CharSet[],
    follow: readonly Set<number>[],
    info: Info,
    private readonly empty: number,
    /** Whether positions were split by side (the pattern has `\b`, `\B`, or `^`/`$` with the `m` flag). */
    private readonly sided: boolean,
  ) {
    const n = sets.length;
    this.words = Math.max(1, Math.ceil(n / 32));
    const bits = (positions: Iterable<number>): Uint32Array => {
      const b = new Uint32Array(this.words);
      for (const p of positions) b[p >>> 5] |= 1 << (p & 31);
      return b;
    };
    this.chain = bits(follow.flatMap((targets, p) => (targets.has(p + 1) ? [p] : [])));
    const rest = follow.map((targets, p) => [...targets].filter((q) => q !== p + 1));
    this.hasOthers = bits(rest.flatMap((targets, p) => (targets.length > 0 ? [p] : [])));
    this.othersList = rest.map((targets) => (targets.length > 0 && targets.length <= SPARSE_LIMIT ? Int32Array.from(targets) : undefined));
    this.othersBits = rest.map((targets) => (targets.length > SPARSE_LIMIT ? bits(targets) : undefined));
    this.firstBy = SIDES.map((side) => bits([...info.first].filter(([, s]) => s & (1 << side)).map(([p]) => p)));
    this.lastBy = SIDES.map((side) => bits([...info.last].filter(([, s]) => s & (1 << side)).map(([p]) => p)));
    for (let unit = 0; unit < 128; unit++) this.ascii.push(this.positionsReading(unit));
    this.live = new Uint32Array(this.words);
    this.next = new Uint32Array(this.words);
  }

  private positionsReading(unit: number): Uint32Array {
    const b = new Uint32Array(this.words);
    for (let p = 0; p < this.sets.length; p++) if (contains(this.sets[p], unit)) b[p >>> 5] |= 1 << (p & 31);
    return b;
  }

  private reading(unit: number): Uint32Array {
    if (unit < 128) return this.ascii[unit];
    let b = this.others.get(unit);
    if (!b) {
      if (this.others.size >= CHAR_CACHE_LIMIT) this.others.clear();
      b = this.positionsReading(unit);
      this.others.set(unit, b);
    }
    return b;
  }

  /** The side of the character at `i` (the edge outside the text); without sided positions only the edge matters. */
  private sideAt(text: string, i: number): Side {
    if (i < 0 || i >= text.length) return Side.Edge;
    return this.sided ? sideOf(text.charCodeAt(i)) : Side.Other;
  }

  test(text: string): boolean {
    const n = text.length;
    const empty = this.empty;
    if (empty === ALL_CONTEXTS) return true;
    if (empty !== 0) {
      for (let i = 0; i <= n; i++) if (empty & (1 << (this.sideAt(text, i - 1) * 4 + this.sideAt(text, i)))) return true;
    }
    const words = this.words;
    const chain = this.chain;
    const hasOthers = this.hasOthers;
    let live = this.live;
    let next = this.next;
    live.fill(0);
    let anyLive = false;
    for (let i = 0; i < n; i++) {
      const start = this.firstBy[this.sideAt(text, i - 1)];
      for (let w = 0; w < words; w++) next[w] = start[w];
      if (anyLive) {
        let carry = 0;
        for (let w = 0; w < words; w++) {
          const moving = live[w] & chain[w];
          next[w] |= (moving << 1) | carry;
          carry = moving >>> 31;
          let jumping = live[w] & hasOthers[w];
          while (jumping !== 0) {
            const low = jumping & -jumping;
            const p = (w << 5) + (31 - Math.clz32(low));
            const list = this.othersList[p];
            if (list) {
              for (let k = 0; k < list.length; k++) next[list[k] >>> 5] |= 1 << (list[k] & 31);
            } else {
              const targets = this.othersBits[p]!;
              for (let v = 0; v < words; v++) next[v] |= targets[v];
            }
            jumping ^= low;
          }
        }
      }
      const readable = this.reading(text.charCodeAt(i));
      anyLive = false;
      for (let w = 0; w < words; w++) {
        next[w] &= readable[w];
        if (next[w] !== 0) anyLive = true;
      }
      if (anyLive) {
        const end = this.lastBy[this.sideAt(text, i + 1)];
        for (let w = 0; w < words; w++) if ((next[w] & end[w]) !== 0) return true;
      }
      const t = live;
      live = next;
      next = t;
    }
    return false;
  }
}

/** Whether the pattern looks at the sides of characters beyond the edges of the text: `\b`, `\B`, or `^`/`$` with the `m` flag. */
function needsSides(node: RegexNode, multiline: boolean): boolean {
  switch (node.type) {
    case 'assert':
      return node.kind === 'word-boundary' || node.kind === 'not-word-boundary' || multiline;
    case 'seq':
    case 'alt':
      return node.items.some((item) => needsSides(item, multiline));
    case 'repeat':
    case 'look':
      return needsSides(node.body, multiline);
    default:
      return false;
  }
}

type Built = { readonly matcher: TextMatcher } | { readonly none: 'features' | 'size' };

function build(source: string, flags: RegexFlags): Built {
  const read = readRegex(source, flags);
  if (!read.ok) return { none: 'size' };
  const sided = needsSides(read.node, flags.m);
  const builder = new Builder(flags.m, sided);
  try {
    const info = builder.build(read.node);
    return { matcher: new PositionMatcher(builder.sets, builder.follow, info, info.empty, sided) };
  } catch (err) {
    if (err instanceof NoAutomaton) return { none: err.why };
    throw err;
  }
}

/**
 * The linear-time matcher of a pattern RegExp accepts with these flags, or
 * undefined when the pattern needs what an automaton cannot do (lookaround,
 * backreference) or is too large unrolled.
 */
export function automatonMatcher(source: string, flags: RegexFlags): TextMatcher | undefined {
  const built = build(source, flags);
  return 'matcher' in built ? built.matcher : undefined;
}

/**
 * Why a pattern that needs no lookaround or backreference still has no
 * automaton (too many states or transitions unrolled, as `(a?){2020}`), or
 * undefined. Rules refuse such patterns when they load rather than run them
 * on a backtracking engine.
 */
export function automatonTooLarge(source: string, flags: RegexFlags): string | undefined {
  const built = build(source, flags);
  if (!('none' in built) || built.none !== 'size') return undefined;
  return `is too large to match in linear time (more than ${MAX_POSITIONS.toLocaleString('en')} character positions or ${MAX_TRANSITIONS.toLocaleString('en')} transitions once counted repetitions are unrolled)`;
}

/**
 * Ways a backtracking engine can try to match the pattern from one start:
 * the product of the choices of every alternation and counted repetition,
 * or Infinity once a repetition is unbounded or repeats another. Small, it
 * bounds RegExp's work by a constant per start (`0x[a-f0-9]{8}`, `APT\d`):
 * linear in the text, and RegExp's compiled code is faster than the
 * automaton on such patterns.
 */
function backtrackingWays(node: RegexNode): number {
  switch (node.type) {
    case 'char':
    case 'assert':
      return 1;
    case 'look':
    case 'backref':
      return Infinity;
    case 'seq':
      return node.items.reduce((n, item) => n * backtrackingWays(item), 1);
    case 'alt':
      return node.items.reduce((n, item) => n + backtrackingWays(item), 0);
    case 'repeat': {
      if (node.max === Infinity || node.body.type !== 'char') return node.max <= 1 ? 2 * backtrackingWays(node.body) : Infinity;
      return node.max - node.min + 1;
    }
  }
}

/** Patterns with at most this many ways per start keep RegExp. */
const FEW_WAYS = 64;

/**
 * A rule's regular expression as it is matched: RegExp when it cannot
 * backtrack more than a few ways per start (linear in the text), else the
 * automaton; RegExp again for what has no automaton (lookarounds,
 * backreferences: exponential backtracking is refused at load for those as
 * for all). Throws RegExp's SyntaxError for a pattern RegExp refuses.
 */
export function ruleRegex(source: string, flags: RegexFlags): TextMatcher {
  const re = new RegExp(source, `${flags.i ? 'i' : ''}${flags.m ? 'm' : ''}${flags.s ? 's' : ''}`);
  const read = readRegex(source, flags);
  if (read.ok && backtrackingWays(read.node) <= FEW_WAYS) return re;
  return automatonMatcher(source, flags) ?? re;
}
