/**
 * A binary min-heap: push and pop in O(log n), the least item (by a compare
 * function) first. For queues ordered by time, such as hits waiting for the
 * watermark or simulated lines waiting for their moment.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  /**
   * `compare(a, b)` is negative when `a` must come out before `b`, as for
   * Array.prototype.sort. Items that compare equal come out in no
   * particular order: for a stable queue, break ties with an arrival number.
   */
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!(this.compare(items[i]!, items[parent]!) < 0)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The least item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Remove and return the least item; undefined when empty. */
  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < items.length && this.compare(items[left]!, items[least]!) < 0) least = left;
        if (right < items.length && this.compare(items[right]!, items[least]!) < 0) least = right;
        if (least === i) break;
        this.swap(i, least);
        i = least;
      }
    }
    return top;
  }

  private swap(a: number, b: number): void {
    const tmp = this.items[a]!;
    this.items[a] = this.items[b]!;
    this.items[b] = tmp;
  }
}
