/**
 * Field readers compiled once per field path, so reading a field per event
 * allocates nothing (core/event.ts `getField` slices the path on every call).
 * Same lookup rules as `getField`: nested objects by dotted path, or a
 * flattened key holding the rest of the path (`"id.orig_h"`, `"@timestamp"`).
 */

/** Reads one field of an event; `undefined` when absent. */
export type FieldReader = (event: unknown) => unknown;

/**
 * Compile a reader for a dotted path.
 *
 * The reader is generated code with the path's keys as literals: one function
 * per path gives every property load its own inline cache, which sees only
 * the object shapes found at that path (`event` objects for `event.dataset`)
 * instead of every shape of every path, as one shared loop over a key array
 * would. Keys are embedded with JSON.stringify, so a field name from a rule
 * is only ever a string literal in the generated code.
 */
export function fieldReader(path: string): FieldReader {
  const keys = path.split('.');
  const last = keys.length - 1;
  const lit = (text: string): string => JSON.stringify(text);
  const lines: string[] = [];
  for (let i = 0; i < last; i++) {
    // A miss: the flattened rest (`"id.orig_h"`) when the key is absent. The rest
    // is looked up first: it is almost always absent too, and then the answer is
    // undefined either way, so the `in` test is needed only when it is there.
    lines.push(
      "if (o === null || typeof o !== 'object') return undefined;",
      `n = o[${lit(keys[i])}];`,
      `if (n === undefined) { f = o[${lit(keys.slice(i).join('.'))}]; return f === undefined || ${lit(keys[i])} in o ? undefined : f; }`,
      'o = n;',
    );
  }
  lines.push("if (o === null || typeof o !== 'object') return undefined;", `return o[${lit(keys[last])}];`);
  return new Function('e', `'use strict'; let o = e, n, f;\n${lines.join('\n')}`) as FieldReader;
}

const readers = new Map<string, FieldReader>();

/**
 * Paths whose readers and slots are kept for sharing. Rules name ever new
 * fields across reloads (and a hostile rule set names as many as it likes);
 * past this many the tables start over: rules compiled before keep theirs,
 * only the sharing with later ones is lost (found by fuzzing: without it,
 * 50,000 rules with distinct fields kept 100 MiB for good).
 */
const MAX_SHARED_PATHS = 10_000;

/** A shared reader per path (readers are pure, so rules share them). */
export function sharedReader(path: string): FieldReader {
  let reader = readers.get(path);
  if (!reader) {
    if (readers.size >= MAX_SHARED_PATHS) readers.clear();
    reader = fieldReader(path);
    readers.set(path, reader);
  }
  return reader;
}

/**
 * A field's shared reader plus the value read from it for the event being
 * matched, and the last string read from it with its lower-cased form.
 *
 * Routing, prefilters and every rule of a logsource test the same few
 * fields, so while a matcher matches one event (between `beginEvent` and
 * `endEvent`) each path is read at most once: the value is kept with the
 * generation it was read in. Outside a match nothing is cached (rules tested
 * directly always read the event). Lower-cased text is keyed on the string
 * itself, so it can never be stale.
 */
export interface FieldSlot {
  readonly read: FieldReader;
  /** Generation `value` was read in; never equal to an inactive generation. */
  gen: number;
  value: unknown;
  raw: string | undefined;
  lower: string;
}

const slots = new Map<string, FieldSlot>();

/** The shared slot of a path. */
export function sharedSlot(path: string): FieldSlot {
  let slot = slots.get(path);
  if (!slot) {
    // Two slots of one path (one from before a restart) each read the event themselves: correct, only less shared.
    if (slots.size >= MAX_SHARED_PATHS) slots.clear();
    slot = { read: sharedReader(path), gen: -1, value: undefined, raw: undefined, lower: '' };
    slots.set(path, slot);
  }
  return slot;
}

/** 0 outside a match: no slot caches then. Otherwise a number never used before. */
let generation = 0;
let generations = 0;

/**
 * Start caching field values for one event; returns the state to restore
 * with `endEvent` (a matcher called from a hit callback nests).
 */
export function beginEvent(): number {
  const previous = generation;
  generation = ++generations;
  return previous;
}

/**
 * Forget every cached value (a fresh generation), e.g. after a hit callback
 * that may have changed the event.
 */
export function invalidateEvent(): void {
  if (generation !== 0) generation = ++generations;
}

/** End the event started by `beginEvent`; `previous` is what it returned. */
export function endEvent(previous: number): void {
  // The enclosing match (if any) continues with nothing cached: a nested
  // match ran in between and its values are not the enclosing event's.
  generation = previous === 0 ? 0 : ++generations;
}

/** The slot's value in `event`, read once per event while a match is on. */
export function readSlot(slot: FieldSlot, event: unknown): unknown {
  if (slot.gen === generation) return slot.value;
  const v = slot.read(event);
  if (generation !== 0) {
    slot.gen = generation;
    slot.value = v;
  }
  return v;
}

/** `v.toLowerCase()`, reusing the slot's last result when `v` is the same string. */
export function lowered(slot: FieldSlot, v: string): string {
  if (slot.raw !== v) {
    slot.lower = v.toLowerCase();
    slot.raw = v;
  }
  return slot.lower;
}
