/**
 * Sort keys that only grow within a process: wall-clock milliseconds and a
 * counter, fixed width so text order is time order
 * (`000001764000000000.000003`: 15 digits of ms since epoch, 6 of counter).
 * Outboxes and feeds list items by them; one process writes each outbox and
 * each feed (the node's federation runs in one console process), so "only
 * grows" is what ordering needs. A writer whose readers keep a cursor
 * passes its highest key as `floor` instead, the one stored by earlier runs
 * included: a clock set back must not put new items below ones a reader has
 * already passed.
 */
const MS_DIGITS = 15;
const COUNTER_DIGITS = 6;
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
const SEQUENCE = /^(\d{15})\.(\d{6})$/;

let lastMs = 0;
let counter = 0;

/**
 * The next key. Without `floor`: above every key this process gave without
 * one before (the outboxes). With `floor` (a key from `nextSequence`): above
 * `floor`, and nothing else is consulted, for a writer that keeps its own
 * highest key (a feed, which also knows what earlier runs stored).
 * `now`: ms since epoch.
 */
export function nextSequence(now: number = Date.now(), floor?: string): string {
  if (floor !== undefined) {
    const f = parseSequence(floor);
    return now > f.ms ? formatSequence(now, 0) : after(f.ms, f.counter);
  }
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (counter < MAX_COUNTER) {
    counter++;
  } else {
    lastMs++;
    counter = 0;
  }
  return formatSequence(lastMs, counter);
}

/** The ms since epoch and counter of a key; throws RangeError for anything `nextSequence` did not make. */
export function parseSequence(key: string): { ms: number; counter: number } {
  const m = SEQUENCE.exec(key);
  if (!m) throw new RangeError(`not a sequence key: ${JSON.stringify(key)}`);
  return { ms: Number(m[1]), counter: Number(m[2]) };
}

/**
 * The lowest key of millisecond `ms`: every key of an earlier millisecond
 * sorts below it, every key of `ms` or later at or above it (an exclusive
 * upper bound for "made before `ms`").
 */
export function sequenceFloorOf(ms: number): string {
  return formatSequence(Math.max(0, Math.floor(ms)), 0);
}

/** The key right after (ms, n). The counter is fixed width: past it, borrow the next millisecond rather than break text order. */
function after(ms: number, n: number): string {
  return n < MAX_COUNTER ? formatSequence(ms, n + 1) : formatSequence(ms + 1, 0);
}

function formatSequence(ms: number, n: number): string {
  return `${String(ms).padStart(MS_DIGITS, '0')}.${String(n).padStart(COUNTER_DIGITS, '0')}`;
}
