/**
 * The most recent event references of a group, at most `capacity`: what a
 * count-like correlation hit shows as "the events that made it". The array
 * grows by doubling from 1, not by V8's default +16 slots, because most
 * groups of a large key space only ever see one or two hits.
 */
import type { EventRef } from './types.js';

export class RefRing {
  private refs: (EventRef | undefined)[] = [];
  /** Slot the next push writes; only wraps once the ring is full. */
  private next = 0;
  private size = 0;

  constructor(private readonly capacity: number) {}

  push(ref: EventRef): void {
    if (this.capacity <= 0) return;
    if (this.size < this.capacity) {
      if (this.size === this.refs.length) this.grow();
      this.refs[this.size++] = ref;
      this.next = this.size % this.capacity;
      return;
    }
    this.refs[this.next] = ref;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Held references with `timeMs >= fromMs`, oldest first. */
  since(fromMs: number): EventRef[] {
    const out: EventRef[] = [];
    const start = this.size < this.capacity ? 0 : this.next;
    for (let i = 0; i < this.size; i++) {
      const ref = this.refs[(start + i) % this.size];
      if (ref !== undefined && ref.timeMs >= fromMs) out.push(ref);
    }
    return out.sort((a, b) => a.timeMs - b.timeMs);
  }

  clear(): void {
    this.refs = [];
    this.next = 0;
    this.size = 0;
  }

  get length(): number {
    return this.size;
  }

  private grow(): void {
    const grown = new Array<EventRef | undefined>(Math.min(this.capacity, Math.max(1, this.refs.length * 2)));
    for (let i = 0; i < this.size; i++) grown[i] = this.refs[i];
    this.refs = grown;
  }
}
