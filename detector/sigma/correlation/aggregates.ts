/**
 * Per-group window state, one kind per correlation type, in a table keyed by
 * the type. Each keeps only what its aggregate needs, bounded:
 *
 *   event_count       sliding: sorted (time, count) entries, at most
 *                     maxSamples (beyond, the two oldest are merged, so an
 *                     old hit expires a little late); at close: a counter
 *   value_count       distinct value -> last time seen, in last-seen order
 *                     (so expiry pops from the front); at most maxValues
 *   value_sum         sliding: (time, value) entries and a running sum, at
 *                     most maxSamples (merged as for event_count); at close: a sum
 *   value_avg         sum and count
 *   value_percentile  up to maxSamples values; a uniform reservoir beyond
 *   temporal          per referenced rule: last time seen and that event
 *   temporal_ordered  per position i: the latest start of an in-order chain
 *                     rules[0..i], with its events
 *
 * "Sliding" aggregates are told to `expire(fromMs)` before each use; window
 * aggregates evaluated at close never expire (the window is fixed).
 */
import type { CorrelationType } from '../model.js';
import type { EventRef } from './types.js';

export interface AggregateInput {
  readonly timeMs: number;
  /** Index of the hit's rule in the correlation's `rules`. */
  readonly ruleIndex: number;
  /** Non-null values of `condition.field` (arrays flattened); empty when absent or not needed. */
  readonly values: readonly unknown[];
  readonly ref: EventRef;
}

export interface WindowAggregate {
  add(input: AggregateInput): void;
  /** Forget contributions older than `fromMs` (sliding windows only). */
  expire(fromMs: number): void;
  /** The aggregate the condition is tested on; NaN when it has no value (e.g. an average of nothing). */
  value(): number;
  /** Earliest contributing event time, NaN when empty. */
  earliest(): number;
  /** True when nothing contributes any more (the group can be dropped). */
  empty(): boolean;
  /** The events to show for a hit, or undefined to use the group's most recent events. */
  representatives(): EventRef[] | undefined;
  estimateBytes(): number;
}

export interface AggregateContext {
  readonly sliding: boolean;
  readonly ruleCount: number;
  readonly maxValues: number;
  readonly maxSamples: number;
  /** value_percentile: which percentile (1..100). */
  readonly percentile: number;
  /** Called when a cap makes the aggregate inexact. */
  readonly onCapped: () => void;
  /** Uniform [0, 1) for reservoir sampling (seeded by the engine, so runs repeat). */
  readonly random: () => number;
}

/** Rough heap cost of a JS number slot / small object header / map entry, for estimates only. */
const NUMBER = 8;
const OBJECT = 48;
const MAP_ENTRY = 80;

/** A time-sorted deque of numbers with parallel payload numbers, popping from the front. */
class TimeDeque {
  times: number[] = [];
  /** Payloads parallel to `times`; absent when only times matter (counts). */
  values: number[] | undefined;
  head = 0;

  constructor(withValues: boolean) {
    this.values = withValues ? [] : undefined;
  }

  get length(): number {
    return this.times.length - this.head;
  }

  /** Insert keeping time order (hits arrive in order, so this is an append but for ties and chained hits). */
  insert(time: number, value: number): void {
    let i = this.times.length;
    while (i > this.head && this.times[i - 1]! > time) i--;
    if (this.times.length === 0) {
      // Array literals are allocated exactly; push on [] would reserve 17 slots, and most groups see one hit.
      this.times = [time];
      if (this.values) this.values = [value];
    } else if (i === this.times.length) {
      this.times.push(time);
      this.values?.push(value);
    } else {
      this.times.splice(i, 0, time);
      this.values?.splice(i, 0, value);
    }
  }

  /** Pop entries older than `fromMs`; returns the sum of their values. */
  dropBefore(fromMs: number): number {
    let dropped = 0;
    while (this.head < this.times.length && this.times[this.head]! < fromMs) {
      dropped += this.values ? this.values[this.head]! : 1;
      this.head++;
    }
    this.compact();
    return dropped;
  }

  /**
   * Fold the oldest entry into the next one (its payload added there): the
   * total is kept, and the folded part expires with the later time, i.e.
   * slightly late. Bounds the deque without forgetting contributions.
   */
  mergeOldest(): void {
    if (this.length < 2 || !this.values) return;
    this.values[this.head + 1]! += this.values[this.head]!;
    this.head++;
    this.compact();
  }

  first(): number {
    return this.head < this.times.length ? this.times[this.head]! : NaN;
  }

  private compact(): void {
    if (this.head === this.times.length) {
      this.times = [];
      if (this.values) this.values = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values?.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * What the one-number aggregates share: the earliest contributing time,
 * NaN while nothing contributes (so it also tells emptiness), and no
 * representative events of their own.
 */
abstract class ScalarAggregate implements WindowAggregate {
  protected first = NaN;

  abstract add(input: AggregateInput): void;
  abstract expire(fromMs: number): void;
  abstract value(): number;
  abstract estimateBytes(): number;

  /** Take `timeMs` as the earliest time if it is earlier than what is held (or nothing is). */
  protected noteTime(timeMs: number): void {
    if (!(this.first <= timeMs)) this.first = timeMs;
  }

  earliest(): number {
    return this.first;
  }

  empty(): boolean {
    return Number.isNaN(this.first);
  }

  representatives(): undefined {
    return undefined;
  }
}

/** A one-number aggregate bounded by a cap; the first time the cap bites is reported, once per group. */
abstract class CappedAggregate extends ScalarAggregate {
  private capped = false;

  constructor(protected readonly ctx: AggregateContext) {
    super();
  }

  protected reportCapped(): void {
    if (!this.capped) {
      this.capped = true;
      this.ctx.onCapped();
    }
  }
}

/** A capped aggregate that, in a sliding window, keeps its contributions as (time, payload) entries. */
abstract class DequeAggregate extends CappedAggregate {
  protected readonly deque: TimeDeque | undefined;

  constructor(ctx: AggregateContext) {
    super(ctx);
    this.deque = ctx.sliding ? new TimeDeque(true) : undefined;
  }

  /** Insert when sliding; beyond maxSamples the oldest two entries merge (and the cap is reported). */
  protected insertSample(timeMs: number, value: number): void {
    if (!this.deque) return;
    this.deque.insert(timeMs, value);
    if (this.deque.length > this.ctx.maxSamples) {
      this.deque.mergeOldest();
      this.reportCapped();
    }
  }

  estimateBytes(): number {
    return OBJECT + (this.deque ? OBJECT + this.deque.times.length * 2 * NUMBER : 0);
  }
}

class EventCount extends DequeAggregate {
  // Sliding: (time, count) entries; a count above 1 only after merging at the sample cap.
  private count = 0;

  add({ timeMs }: AggregateInput): void {
    this.count++;
    this.noteTime(timeMs);
    this.insertSample(timeMs, 1);
  }

  expire(fromMs: number): void {
    if (!this.deque) return;
    this.count -= this.deque.dropBefore(fromMs);
    this.first = this.deque.first();
  }

  value(): number {
    return this.count;
  }

  override empty(): boolean {
    return this.count === 0;
  }
}

/** Distinct values of the field; a value's key is its text, so 502 and "502" count once. */
class ValueCount extends CappedAggregate {
  // Insertion order = last-seen order, so expiry pops from the front.
  private readonly lastSeen = new Map<string, number>();
  private keyChars = 0;

  add({ timeMs, values }: AggregateInput): void {
    this.noteTime(timeMs);
    for (const value of values) {
      const key = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
      const previous = this.lastSeen.get(key);
      if (previous !== undefined) {
        this.lastSeen.delete(key);
        this.lastSeen.set(key, Math.max(previous, timeMs));
      } else if (this.lastSeen.size < this.ctx.maxValues) {
        this.lastSeen.set(key, timeMs);
        this.keyChars += key.length;
      } else {
        this.reportCapped();
      }
    }
  }

  expire(fromMs: number): void {
    for (const [key, time] of this.lastSeen) {
      if (time >= fromMs) break;
      this.lastSeen.delete(key);
      this.keyChars -= key.length;
    }
    if (this.first < fromMs) this.first = this.lastSeen.size > 0 ? this.lastSeen.values().next().value! : NaN;
  }

  value(): number {
    return this.lastSeen.size;
  }

  estimateBytes(): number {
    return OBJECT + this.lastSeen.size * MAP_ENTRY + this.keyChars * 2;
  }
}

class ValueSum extends DequeAggregate {
  private sum = 0;

  add({ timeMs, values }: AggregateInput): void {
    this.noteTime(timeMs);
    for (const raw of values) {
      const value = numeric(raw);
      if (value === undefined) continue;
      this.sum += value;
      this.insertSample(timeMs, value);
    }
  }

  expire(fromMs: number): void {
    if (!this.deque) return;
    this.sum -= this.deque.dropBefore(fromMs);
    // Recompute from scratch when empty so float drift from subtraction cannot accumulate.
    if (this.deque.length === 0) this.sum = 0;
    if (this.first < fromMs) this.first = this.deque.first();
  }

  value(): number {
    return this.sum;
  }
}

class ValueAvg extends ScalarAggregate {
  private sum = 0;
  private count = 0;

  add({ timeMs, values }: AggregateInput): void {
    this.noteTime(timeMs);
    for (const raw of values) {
      const value = numeric(raw);
      if (value === undefined) continue;
      this.sum += value;
      this.count++;
    }
  }

  expire(): void {
    // Evaluated at window close only: the window is fixed.
  }

  value(): number {
    return this.count > 0 ? this.sum / this.count : NaN;
  }

  estimateBytes(): number {
    return OBJECT;
  }
}

/**
 * The p-th percentile by linear interpolation between closest ranks (the
 * numpy/R-7 default): rank = p/100 * (n - 1).
 */
export function percentileOf(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

class ValuePercentile extends CappedAggregate {
  private samples: number[] = [];
  private seen = 0;

  add({ timeMs, values }: AggregateInput): void {
    this.noteTime(timeMs);
    for (const raw of values) {
      const value = numeric(raw);
      if (value === undefined) continue;
      this.seen++;
      if (this.samples.length === 0) {
        this.samples = [value]; // exact allocation: see TimeDeque.insert
        continue;
      }
      if (this.samples.length < this.ctx.maxSamples) {
        this.samples.push(value);
        continue;
      }
      // Reservoir sampling (Algorithm R): every value seen stays with equal probability.
      const slot = Math.floor(this.ctx.random() * this.seen);
      if (slot < this.samples.length) this.samples[slot] = value;
      this.reportCapped();
    }
  }

  expire(): void {
    // Evaluated at window close only: the window is fixed.
  }

  value(): number {
    return percentileOf(this.samples, this.ctx.percentile);
  }

  estimateBytes(): number {
    return OBJECT + this.samples.length * NUMBER;
  }
}

/** Empty the slots (time NaN, payload undefined) whose time is before `fromMs`; `payloads` is parallel to `times`. */
function clearSlotsBefore<P>(times: number[], payloads: (P | undefined)[], fromMs: number): void {
  for (let i = 0; i < times.length; i++) {
    if (times[i]! < fromMs) {
      times[i] = NaN;
      payloads[i] = undefined;
    }
  }
}

/** The least time that is not NaN; NaN when every slot is empty. */
function earliestOf(times: readonly number[]): number {
  let min = NaN;
  for (const time of times) if (!Number.isNaN(time) && !(min <= time)) min = time;
  return min;
}

/** Any order: per referenced rule, its latest hit in the window. */
class Temporal implements WindowAggregate {
  // Plain arrays: a typed array costs an ArrayBuffer and its backing store per group.
  private readonly last: number[];
  private readonly refs: (EventRef | undefined)[];

  constructor(ctx: AggregateContext) {
    this.last = Array.from({ length: ctx.ruleCount }, () => NaN);
    this.refs = new Array<EventRef | undefined>(ctx.ruleCount);
  }

  add({ timeMs, ruleIndex, ref }: AggregateInput): void {
    if (!(this.last[ruleIndex]! > timeMs)) {
      this.last[ruleIndex] = timeMs;
      this.refs[ruleIndex] = ref;
    }
  }

  expire(fromMs: number): void {
    clearSlotsBefore(this.last, this.refs, fromMs);
  }

  value(): number {
    let seen = 0;
    for (const time of this.last) if (!Number.isNaN(time)) seen++;
    return seen;
  }

  earliest(): number {
    return earliestOf(this.last);
  }

  empty(): boolean {
    return this.value() === 0;
  }

  representatives(): EventRef[] {
    return this.refs.filter((ref): ref is EventRef => ref !== undefined).sort((a, b) => a.timeMs - b.timeMs);
  }

  estimateBytes(): number {
    return 2 * OBJECT + this.last.length * 2 * NUMBER;
  }
}

/**
 * In order: `start[i]` is the latest start time of a chain of hits of
 * rules[0], rules[1] .. rules[i] in that order (ties allowed, in arrival
 * order). The latest start is the one most likely to still fit the window,
 * so keeping only it per position loses no match.
 */
class TemporalOrdered implements WindowAggregate {
  private readonly start: number[];
  private readonly chains: (EventRef[] | undefined)[];

  constructor(ctx: AggregateContext) {
    this.start = Array.from({ length: ctx.ruleCount }, () => NaN);
    this.chains = new Array<EventRef[] | undefined>(ctx.ruleCount);
  }

  add({ timeMs, ruleIndex, ref }: AggregateInput): void {
    const i = ruleIndex;
    const candidate = i === 0 ? timeMs : this.start[i - 1]!;
    if (Number.isNaN(candidate) || this.start[i]! > candidate) return;
    this.start[i] = candidate;
    this.chains[i] = i === 0 ? [ref] : [...this.chains[i - 1]!, ref];
  }

  expire(fromMs: number): void {
    clearSlotsBefore(this.start, this.chains, fromMs);
  }

  /** Length of the longest in-order prefix of the rules completed in the window. */
  value(): number {
    for (let i = this.start.length - 1; i >= 0; i--) if (!Number.isNaN(this.start[i]!)) return i + 1;
    return 0;
  }

  earliest(): number {
    return earliestOf(this.start);
  }

  empty(): boolean {
    return this.value() === 0;
  }

  representatives(): EventRef[] {
    const longest = this.value();
    return longest > 0 ? [...this.chains[longest - 1]!] : [];
  }

  estimateBytes(): number {
    let refs = 0;
    for (const chain of this.chains) refs += chain?.length ?? 0;
    return 2 * OBJECT + this.start.length * NUMBER + refs * NUMBER;
  }
}

/** The window state to build for each correlation type. */
export const AggregateFactories: Record<CorrelationType, (ctx: AggregateContext) => WindowAggregate> = {
  event_count: (ctx) => new EventCount(ctx),
  value_count: (ctx) => new ValueCount(ctx),
  value_sum: (ctx) => new ValueSum(ctx),
  value_avg: () => new ValueAvg(),
  value_percentile: (ctx) => new ValuePercentile(ctx),
  temporal: (ctx) => new Temporal(ctx),
  temporal_ordered: (ctx) => new TemporalOrdered(ctx),
};

/** A number, or a string whose text is a finite number; else undefined (ignored, as SQL aggregates ignore NULL). */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}
