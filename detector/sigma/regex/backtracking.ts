/**
 * Does a regular expression backtrack exponentially? JavaScript's engine
 * backtracks: on a line that almost matches it tries every way the pattern
 * can match each prefix. When a repeated part can match the same text in
 * two different ways (`(a+)+`, `(a|a)*`, `(.*,)+`, `(\w+\.?)+`), the ways
 * multiply with each repetition, and 30 characters of a log line keep a
 * core busy for a minute.
 *
 * The check is the classic test for exponential ambiguity (Weber and
 * Seidl): build the position automaton of the pattern (one state per
 * character position, Glushkov's construction; ways the same transition
 * arises more than once are counted, since the engine tries each), then
 * look in the product of the automaton with itself for a cycle through a
 * state pair (q, q) that also passes a pair (p, r) with p != r, or takes a
 * doubled transition: two different paths from q back to q reading the same
 * text. Polynomial backtracking (`.*a.*a`) is not refused: log lines are
 * bounded (64 KiB by default), which bounds it.
 *
 * What the automaton cannot see is over-approximated, so the check errs
 * towards refusing: every counted repetition `{n,m}` with m > 1 is a loop,
 * lookarounds and anchors are transparent (their bodies are checked on
 * their own), a backreference is any text. `\b` and `\B` are modelled
 * exactly, by splitting positions into word and non-word characters, since
 * common patterns like `(?:\d+(?:\.|\b)){4}` rely on them.
 */
import type { CharSet } from './charset.js';
import { ANY, WORD, intersect, negate, overlaps } from './charset.js';
import type { AssertionKind, RegexFlags, RegexNode } from './syntax.js';
import { readRegex } from './syntax.js';

/** Transitions the automaton may have, and product transitions the search may visit, before it gives up. */
const MAX_TRANSITIONS = 200_000;
const MAX_PRODUCT_STEPS = 2_000_000;

/** Key space of one transition `p * MAX_KEY + q`: above twice MAX_CHARACTERS (each character splits in two at most). */
const MAX_KEY = 1 << 16;

class TooComplex extends Error {}

/**
 * Word-ness constraints. A pair mask has bit `2x + y` set when an assertion
 * path allows the character before it to be of word-ness x and the one after
 * of word-ness y (1 = word character). An entry mask has bit x set when the
 * character before may be of word-ness x; an exit mask bit y likewise after.
 */
const ALL_PAIRS = 0b1111;
const ANY_SIDE = 0b11;
const PAIRS: Readonly<Record<AssertionKind, number>> = {
  'word-boundary': 0b0110,
  'not-word-boundary': 0b1001,
  // `^` and `$` only hold at the ends of the text (or of lines): transparent here, which can only add paths.
  start: ALL_PAIRS,
  end: ALL_PAIRS,
};
/** Distinct paths counted per entry: two already make a pumpable difference. */
const MAX_PATHS = 4;

const before = (pairs: number, y: number): number => ((pairs >> y) & 1) | (((pairs >> (2 + y)) & 1) << 1);
const after = (pairs: number, x: number): number => (pairs >> (2 * x)) & ANY_SIDE;

interface Position {
  readonly set: CharSet;
  /** 1 for word characters, 0 for the others. */
  readonly word: number;
}

interface Loop {
  readonly start: number;
  readonly end: number;
}

/**
 * A character repeated at most this often is unrolled (`\d{1,3}` as
 * `\d(?:\d\d?)?`), so exact counts stay exact: `(?:[0-9a-f]{2}\s?)+` is
 * unambiguous, which reading `{2}` as a loop would hide. A chain of one
 * character class cannot multiply paths on its own.
 */
const MAX_UNROLLED = 16;

function unrolled(body: RegexNode, min: number, max: number): RegexNode {
  let tail: RegexNode | undefined;
  for (let k = 0; k < max - min; k++) tail = { type: 'repeat', min: 0, max: 1, body: tail ? { type: 'seq', items: [body, tail] } : body, start: 0, end: 0 };
  return { type: 'seq', items: [...Array.from({ length: min }, () => body), ...(tail ? [tail] : [])] };
}

/** Glushkov sets of one node: ways through it reading nothing, and where reading can start and end. */
interface Info {
  readonly empty: number[];
  readonly first: Map<number, number[]>;
  readonly last: Map<number, number[]>;
}

function addPath(map: Map<number, number[]>, position: number, mask: number): void {
  const list = map.get(position);
  if (!list) map.set(position, [mask]);
  else if (list.length < MAX_PATHS) list.push(mask);
}

function copy(map: ReadonlyMap<number, number[]>): Map<number, number[]> {
  return new Map([...map].map(([k, v]) => [k, [...v]]));
}

class PositionAutomaton {
  readonly positions: Position[] = [];
  /** transitions[p]: q -> how many ways (capped at 2). */
  readonly transitions: Map<number, number>[] = [];
  /** The widest loop that made each transition (`p * MAX + q`), for the report. */
  private readonly madeBy = new Map<number, Loop>();
  readonly lookarounds: RegexNode[] = [];
  private transitionCount = 0;

  build(node: RegexNode): Info {
    switch (node.type) {
      case 'char':
        return this.char(node.set);
      case 'assert':
        return { empty: [PAIRS[node.kind]], first: new Map(), last: new Map() };
      case 'look':
        this.lookarounds.push(node.body);
        return { empty: [ALL_PAIRS], first: new Map(), last: new Map() };
      case 'backref':
        return this.repeat(0, Infinity, this.char(ANY), node);
      case 'seq':
        return node.items.reduce<Info>((acc, item) => this.sequence(acc, this.build(item)), { empty: [ALL_PAIRS], first: new Map(), last: new Map() });
      case 'alt': {
        const infos = node.items.map((item) => this.build(item));
        const first = new Map<number, number[]>();
        const last = new Map<number, number[]>();
        for (const info of infos) {
          for (const [p, masks] of info.first) for (const m of masks) addPath(first, p, m);
          for (const [p, masks] of info.last) for (const m of masks) addPath(last, p, m);
        }
        return { empty: infos.flatMap((i) => i.empty).slice(0, MAX_PATHS), first, last };
      }
      case 'repeat':
        if (node.body.type === 'char' && node.max >= 2 && node.max <= MAX_UNROLLED) return this.build(unrolled(node.body, node.min, node.max));
        return this.repeat(node.min, node.max, this.build(node.body), node);
    }
  }

  private char(set: CharSet): Info {
    const info: Info = { empty: [], first: new Map(), last: new Map() };
    for (const [part, word] of [[intersect(set, WORD), 1], [intersect(set, negate(WORD)), 0]] as const) {
      if (part.length === 0) continue;
      const p = this.positions.length;
      this.positions.push({ set: part, word });
      this.transitions.push(new Map());
      info.first.set(p, [ANY_SIDE]);
      info.last.set(p, [ANY_SIDE]);
    }
    return info;
  }

  private repeat(min: number, max: number, body: Info, loop: Loop): Info {
    if (max === 0) return { empty: [ALL_PAIRS], first: new Map(), last: new Map() };
    if (max > 1) this.link(body.last, body.first, loop);
    // Skipping is one way through; an iteration that reads nothing is not another (the engine stops such loops).
    return { empty: min === 0 ? [ALL_PAIRS] : body.empty, first: body.first, last: body.last };
  }

  private sequence(a: Info, b: Info): Info {
    const empty: number[] = [];
    for (const x of a.empty) for (const y of b.empty) if ((x & y) !== 0 && empty.length < MAX_PATHS) empty.push(x & y);
    const first = copy(a.first);
    for (const pairs of a.empty) {
      for (const [q, masks] of b.first) for (const m of masks) if ((m & before(pairs, this.positions[q].word)) !== 0) addPath(first, q, m & before(pairs, this.positions[q].word));
    }
    const last = copy(b.last);
    for (const pairs of b.empty) {
      for (const [p, masks] of a.last) for (const m of masks) if ((m & after(pairs, this.positions[p].word)) !== 0) addPath(last, p, m & after(pairs, this.positions[p].word));
    }
    this.link(a.last, b.first);
    return { empty, first, last };
  }

  /** Transitions from every exit of one part to every entry of the next (or of the same part, for a loop). */
  private link(exits: ReadonlyMap<number, number[]>, entries: ReadonlyMap<number, number[]>, loop?: Loop): void {
    for (const [p, outs] of exits) {
      for (const [q, ins] of entries) {
        let ways = 0;
        for (const out of outs) for (const into of ins) if (((out >> this.positions[q].word) & 1) && ((into >> this.positions[p].word) & 1)) ways++;
        if (ways === 0) continue;
        if (++this.transitionCount > MAX_TRANSITIONS) throw new TooComplex();
        const row = this.transitions[p];
        row.set(q, Math.min(2, (row.get(q) ?? 0) + ways));
        if (loop) {
          const key = p * MAX_KEY + q;
          const known = this.madeBy.get(key);
          if (!known || loop.end - loop.start > known.end - known.start) this.madeBy.set(key, loop);
        }
      }
    }
  }

  loopOf(p: number, q: number): Loop | undefined {
    return this.madeBy.get(p * MAX_KEY + q);
  }
}

/**
 * Find a cycle that reads the same text two ways: a strongly connected
 * component of the product automaton holding a pair (q, q) and either a pair
 * (p, r), p != r, or a doubled transition. Returns the loop to blame, or
 * undefined. Iterative Tarjan over the pairs reachable from the diagonal.
 */
function ambiguousLoop(a: PositionAutomaton): Loop | undefined {
  const n = a.positions.length;
  const succ = a.transitions.map((row) => [...row]);
  const overlapCache = new Map<number, boolean>();
  const overlap = (p: number, q: number): boolean => {
    if (p === q) return true;
    const key = p * n + q;
    let v = overlapCache.get(key);
    if (v === undefined) {
      v = overlaps(a.positions[p].set, a.positions[q].set);
      overlapCache.set(key, v);
    }
    return v;
  };
  const pair = (p: number, r: number): number => (p <= r ? p * n + r : r * n + p);
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  let counter = 0;
  let steps = 0;

  const successors = (node: number): number[] => {
    const p = Math.floor(node / n);
    const r = node % n;
    const out: number[] = [];
    for (const [p2] of succ[p]) {
      for (const [r2] of succ[r]) {
        if (++steps > MAX_PRODUCT_STEPS) throw new TooComplex();
        if (overlap(p2, r2)) out.push(pair(p2, r2));
      }
    }
    return out;
  };

  const judge = (component: readonly number[]): Loop | undefined => {
    const members = new Set(component);
    const diagonal = component.some((node) => Math.floor(node / n) === node % n);
    if (!diagonal) return undefined;
    let ambiguous = component.some((node) => Math.floor(node / n) !== node % n);
    if (!ambiguous) {
      for (const node of component) {
        const p = node % n;
        for (const [q, ways] of succ[p]) if (ways > 1 && members.has(q * n + q)) ambiguous = true;
      }
    }
    if (!ambiguous) return undefined;
    // Blame the widest loop that made a transition inside the component.
    const positions = new Set(component.flatMap((node) => [Math.floor(node / n), node % n]));
    let blame: Loop | undefined;
    for (const p of positions) {
      for (const [q] of succ[p]) {
        if (!positions.has(q)) continue;
        const loop = a.loopOf(p, q);
        if (loop && (!blame || loop.end - loop.start > blame.end - blame.start)) blame = loop;
      }
    }
    return blame ?? { start: 0, end: 0 };
  };

  for (let q = 0; q < n; q++) {
    const root = q * n + q;
    if (index.has(root)) continue;
    // Frames: node and its successors still to visit.
    const frames: { node: number; next: number[]; at: number }[] = [];
    const open = (node: number): void => {
      index.set(node, counter);
      low.set(node, counter);
      counter++;
      stack.push(node);
      onStack.add(node);
      frames.push({ node, next: successors(node), at: 0 });
    };
    open(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame.at < frame.next.length) {
        const w = frame.next[frame.at++];
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        continue;
      }
      frames.pop();
      const v = frame.node;
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) !== index.get(v)) continue;
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      // A single pair is a cycle only with a transition to itself.
      if (component.length === 1 && !frame.next.includes(v)) continue;
      const loop = judge(component);
      if (loop) return loop;
    }
  }
  return undefined;
}

/**
 * Why `source` (with `flags`) can backtrack exponentially, in words that
 * point at the part to change; undefined when it cannot. Patterns too large
 * or too deeply nested to check are refused as well: they cannot be shown
 * safe.
 */
export function catastrophicBacktracking(source: string, flags: RegexFlags): string | undefined {
  const read = readRegex(source, flags);
  if (!read.ok) return `${read.reason}, too large to check for catastrophic backtracking`;
  const pending: RegexNode[] = [read.node];
  while (pending.length > 0) {
    const automaton = new PositionAutomaton();
    let loop: Loop | undefined;
    try {
      automaton.build(pending.pop()!);
      loop = ambiguousLoop(automaton);
    } catch (err) {
      if (err instanceof TooComplex) return 'is too complex to check for catastrophic backtracking (simplify its repetitions)';
      throw err;
    }
    if (loop) {
      const part = source.slice(loop.start, loop.end);
      const shown = part.length > 60 ? `${part.slice(0, 57)}...` : part;
      return `can backtrack catastrophically: the repetition ${JSON.stringify(shown || source)} can match the same text in more than one way ` +
        '(as in (a+)+, (a|a)* or (.*x)+), so a line that almost matches takes exponential time; rewrite it so that each character has one way to match';
    }
    pending.push(...automaton.lookarounds);
  }
  return undefined;
}
