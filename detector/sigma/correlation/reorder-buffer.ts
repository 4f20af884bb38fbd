/**
 * A min-heap of items by (time, arrival), so hits that arrive slightly out
 * of event-time order are processed in order once the watermark passes them.
 */
import { MinHeap } from '../../../core/heap.js';

export interface Timed {
  readonly timeMs: number;
}

interface Entry<T> {
  readonly item: T;
  readonly seq: number;
}

/** Earlier time first; equal times in arrival order. Times are never NaN (the engine drops such hits). */
function byTimeThenArrival<T extends Timed>(x: Entry<T>, y: Entry<T>): number {
  const a = x.item.timeMs;
  const b = y.item.timeMs;
  return a < b ? -1 : a > b ? 1 : x.seq - y.seq;
}

export class ReorderBuffer<T extends Timed> {
  private readonly heap = new MinHeap<Entry<T>>(byTimeThenArrival);
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  push(item: T): void {
    this.heap.push({ item, seq: this.seq++ });
  }

  /** The earliest item's time, or undefined when empty. */
  peekTime(): number | undefined {
    return this.heap.peek()?.item.timeMs;
  }

  /** Remove and return the earliest item (ties: first pushed first). */
  pop(): T | undefined {
    return this.heap.pop()?.item;
  }
}
