/**
 * A small seeded mutation fuzzer: inputs are made from seed inputs by
 * stacking a few random mutations (character flips, deletions, duplicated
 * runs, inserted tokens, splices with other seeds, numbers swapped for edge
 * values, very long lines, deep nesting), and, for JSON, by replacing
 * values inside the parsed document. Deterministic: the same seed gives the
 * same inputs on every machine (core/prng.ts), so a failure found once can
 * be replayed from its seed and index.
 */
import { Mulberry32 } from '../../core/prng.js';
import { ALL_TOKENS, interestingJsonValues } from './tokens.js';

/** Random draws for one input. */
export class Rng {
  private readonly generator: Mulberry32;

  constructor(seed: number) {
    this.generator = new Mulberry32(seed);
  }

  next(): number {
    return this.generator.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.generator.next() * n);
  }

  /** An integer in [0, max], small values far more likely (lengths, counts). */
  small(max: number): number {
    const r = this.generator.next();
    return Math.min(max, Math.floor(r * r * r * (max + 1)));
  }

  chance(p: number): boolean {
    return this.generator.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.generator.next() * items.length)];
  }
}

/** The seed of input `index` of a run seeded `seed` for `target` (murmur3's finaliser over the three). */
export function inputSeed(seed: number, target: string, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ index, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface MutatorOptions {
  /** Tokens to insert (default: every group of tokens.ts). */
  readonly tokens?: readonly string[];
  /** Longest input made, in UTF-16 units (a long-line mutation grows up to it). */
  readonly maxLength: number;
  /** Characters a flip draws from, when not random; e.g. only bytes for framing. */
  readonly alphabet?: 'unicode' | 'bytes';
}

const SEPARATOR = /[\s|=,;:"'[\]{}()<>]/;

function randomChar(rng: Rng, alphabet: 'unicode' | 'bytes'): string {
  if (alphabet === 'bytes') return String.fromCharCode(rng.int(256));
  switch (rng.int(6)) {
    case 0: return String.fromCharCode(rng.int(32));
    case 1: return String.fromCharCode(0x80 + rng.int(0x780));
    case 2: return String.fromCharCode(0xd800 + rng.int(0x800)); // a lone surrogate half
    case 3: return String.fromCharCode(rng.int(0x10000));
    default: return String.fromCharCode(32 + rng.int(95));
  }
}

/** A random position, often at a separator boundary (where formats split). */
function position(rng: Rng, text: string): number {
  if (text.length === 0) return 0;
  if (rng.chance(0.5)) {
    const at = rng.int(text.length);
    for (let i = at; i < text.length; i++) if (SEPARATOR.test(text[i])) return rng.chance(0.5) ? i : i + 1;
  }
  return rng.int(text.length + 1);
}

/** The token around a position: a run between separators. */
function tokenAt(text: string, at: number): [number, number] {
  let start = at;
  let end = at;
  while (start > 0 && !SEPARATOR.test(text[start - 1])) start--;
  while (end < text.length && !SEPARATOR.test(text[end])) end++;
  return [start, end];
}

type Mutation = (text: string, rng: Rng, seeds: readonly string[], options: Required<MutatorOptions>) => string;

const MUTATIONS: readonly (readonly [number, Mutation])[] = [
  // weight, mutation
  [4, (t, rng, _s, o) => {
    const at = rng.int(Math.max(1, t.length));
    return t.slice(0, at) + randomChar(rng, o.alphabet) + t.slice(at + 1);
  }],
  [3, (t, rng) => {
    const at = position(rng, t);
    return t.slice(0, at) + t.slice(at + 1 + rng.small(t.length - at));
  }],
  [6, (t, rng, _s, o) => {
    const at = position(rng, t);
    return t.slice(0, at) + rng.pick(o.tokens) + t.slice(at);
  }],
  [5, (t, rng, _s, o) => {
    // Replace one field with a token: keeps the rest of the format intact.
    const [start, end] = tokenAt(t, rng.int(t.length + 1));
    return t.slice(0, start) + rng.pick(o.tokens) + t.slice(end);
  }],
  [3, (t, rng, seeds) => {
    // Splice: our head, another seed's tail (or a field of it).
    const other = rng.pick(seeds);
    const at = position(rng, t);
    const from = position(rng, other);
    return t.slice(0, at) + other.slice(from, rng.chance(0.5) ? undefined : from + 1 + rng.small(other.length - from));
  }],
  [3, (t, rng) => {
    // Duplicate a run, sometimes many times (long fields, many separators).
    const start = rng.int(t.length + 1);
    const run = t.slice(start, start + 1 + rng.small(40));
    const times = rng.chance(0.05) ? 1 + rng.int(2000) : 1 + rng.small(8);
    return t.slice(0, start) + run.repeat(times) + t.slice(start);
  }],
  [3, (t, rng) => t.replace(/\d+/g, (m) => (rng.chance(0.3) ? rng.pick(['0', '-1', '65536', '2147483648', '99999999999999999999', '1e309', '']) : m))],
  // Long inputs are few (about 1 in 70 inputs, of 1.7 mutations on average): they find what length does (hangs,
  // backtracking) and cost the most; at 1 in 25 they were four fifths of a parser target's time.
  [0.1, (t, rng, _s, o) => {
    // A very long line: the input repeated or padded up to the limit.
    const fill = rng.chance(0.5) ? t || 'a' : rng.pick(['a', ' ', '\\', '"', '%', '=', '|', '\t', '0', '.', '-', ':', '[', '{"a":', 'a=b ']);
    return fill.repeat(Math.ceil(o.maxLength / Math.max(1, fill.length)) * (0.25 + rng.next() * 0.75)).slice(0, o.maxLength);
  }],
  [0.15, (t, rng, _s, o) => {
    // Deep nesting around a field.
    const depth = 1 + rng.int(Math.min(20_000, o.maxLength / 4));
    const [open, close] = rng.pick([['[', ']'], ['{"a":', '}'], ['(', ')'], ['"', '"'], ['<', '>'], ['- ', '']]);
    const at = position(rng, t);
    return t.slice(0, at) + open.repeat(depth) + t.slice(at, at + 8) + close.repeat(depth) + t.slice(at + 8);
  }],
  [1, (t, rng) => t.slice(0, rng.int(t.length + 1))],
  [1, (t, rng) => (rng.chance(0.5) ? t.toUpperCase() : t.toLowerCase())],
  [1, (t, rng) => {
    const a = rng.int(t.length + 1);
    const b = rng.int(t.length + 1);
    const [x, y] = a < b ? [a, b] : [b, a];
    const [start, end] = tokenAt(t, y);
    return t.slice(0, x) + t.slice(start, end) + t.slice(x, start) + t.slice(end);
  }],
];
const TOTAL_WEIGHT = MUTATIONS.reduce((n, [w]) => n + w, 0);

/** One to four stacked mutations of a seed. */
export function mutate(seed: string, rng: Rng, seeds: readonly string[], options: MutatorOptions): string {
  const o: Required<MutatorOptions> = { tokens: options.tokens ?? ALL_TOKENS, maxLength: options.maxLength, alphabet: options.alphabet ?? 'unicode' };
  let text = seed;
  const rounds = 1 + rng.small(3);
  for (let r = 0; r < rounds; r++) {
    let pick = rng.next() * TOTAL_WEIGHT;
    for (const [weight, mutation] of MUTATIONS) {
      pick -= weight;
      if (pick < 0) {
        text = mutation(text, rng, seeds, o);
        break;
      }
    }
    if (text.length > o.maxLength) text = text.slice(0, o.maxLength);
  }
  return text;
}

/**
 * A JSON-aware mutation: parse the seed, replace (or add, or delete) values
 * at a few random places with interesting values, and print it again. Falls
 * back to a text mutation when the seed is not JSON.
 */
export function mutateJson(seed: string, rng: Rng, seeds: readonly string[], options: MutatorOptions): string {
  let doc: unknown;
  try {
    doc = JSON.parse(seed);
  } catch {
    return mutate(seed, rng, seeds, options);
  }
  // Deep values are printed here, so they stay well inside JSON.stringify's stack; deeper nesting comes from text mutation.
  const values = interestingJsonValues(rng.chance(0.1) ? 1 + rng.int(Math.min(3000, options.maxLength / 6)) : 1 + rng.int(8));
  const rounds = 1 + rng.small(3);
  for (let r = 0; r < rounds; r++) doc = replaceSomewhere(doc, rng, values, 0);
  const text = JSON.stringify(doc) ?? 'null';
  return text.length > options.maxLength ? text.slice(0, options.maxLength) : text;
}

function replaceSomewhere(value: unknown, rng: Rng, values: readonly unknown[], depth: number): unknown {
  if (value !== null && typeof value === 'object' && depth < 6 && !rng.chance(0.2)) {
    if (Array.isArray(value)) {
      if (value.length === 0) return [rng.pick(values)];
      const copy = [...value];
      const i = rng.int(copy.length);
      copy[i] = replaceSomewhere(copy[i], rng, values, depth + 1);
      return copy;
    }
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    if (keys.length === 0 || rng.chance(0.15)) {
      copy[rng.pick(['ts', 'time', '@timestamp', 'event', 'id', '_path', 'EventType', 'Time', 'source', 'ip', 'x', '__proto__'])] = rng.pick(values);
    } else if (rng.chance(0.1)) {
      delete copy[rng.pick(keys)];
    } else {
      const k = rng.pick(keys);
      copy[k] = replaceSomewhere(copy[k], rng, values, depth + 1);
    }
    return copy;
  }
  return rng.pick(values);
}
