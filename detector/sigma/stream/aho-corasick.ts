/**
 * Aho-Corasick: which of many fixed strings occur in a text, in one pass
 * over the text instead of one `includes` per string. The prefilter uses it
 * for fields that many rules search substrings in (e.g. 90 URL fragments of
 * proxy rules on `url.original`).
 *
 * Built once as a dense automaton over UTF-16 code units: characters no
 * pattern holds share one class (they lead back to the root), so the table
 * is states x (distinct pattern characters + 1). Scanning allocates nothing.
 */

export class AhoCorasick {
  /** Pattern indices found by the last `scan`, each once: `found[0..count)`. */
  readonly found: Int32Array;
  private readonly asciiClass = new Int32Array(128);
  private readonly otherClass = new Map<number, number>();
  private readonly width: number;
  /** delta[state * width + class]: the next state (complete automaton, no failure walks). */
  private readonly delta: Int32Array;
  /** Patterns ending at a state (its own and those of its suffix states): outputs[outStart[s]..outStart[s+1]). */
  private readonly outStart: Int32Array;
  private readonly outputs: Int32Array;
  private readonly seen: Uint32Array;
  private epoch = 0;

  /** `patterns` must be non-empty strings; the index of each is what `scan` reports. */
  constructor(patterns: readonly string[]) {
    if (patterns.some((p) => p.length === 0)) throw new Error('AhoCorasick: empty pattern');
    let classes = 1;
    const classOf = (c: number): number => (c < 128 ? this.asciiClass[c] : this.otherClass.get(c) ?? 0);
    for (const p of patterns) {
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (classOf(c) !== 0) continue;
        if (c < 128) this.asciiClass[c] = classes++;
        else this.otherClass.set(c, classes++);
      }
    }
    const width = classes;
    this.width = width;

    // Trie.
    const children: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    patterns.forEach((p, index) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const cls = classOf(p.charCodeAt(i));
        let next = children[s].get(cls);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          own.push([]);
          children[s].set(cls, next);
        }
        s = next;
      }
      own[s].push(index);
    });

    // Breadth first: failure links, the complete transition table and merged outputs.
    const states = children.length;
    const delta = new Int32Array(states * width);
    const fail = new Int32Array(states);
    const out: number[][] = own.map((o) => [...o]);
    const queue: number[] = [];
    for (const [cls, child] of children[0]) {
      delta[cls] = child;
      queue.push(child);
    }
    for (let head = 0; head < queue.length; head++) {
      const u = queue[head];
      const f = fail[u];
      out[u].push(...out[f]);
      for (let cls = 0; cls < width; cls++) {
        const v = children[u].get(cls);
        if (v === undefined) {
          delta[u * width + cls] = delta[f * width + cls];
        } else {
          delta[u * width + cls] = v;
          fail[v] = delta[f * width + cls];
          queue.push(v);
        }
      }
    }
    this.delta = delta;
    this.outStart = new Int32Array(states + 1);
    const flat: number[] = [];
    for (let s = 0; s < states; s++) {
      this.outStart[s] = flat.length;
      flat.push(...out[s]);
    }
    this.outStart[states] = flat.length;
    this.outputs = Int32Array.from(flat);
    this.seen = new Uint32Array(patterns.length);
    this.found = new Int32Array(patterns.length);
  }

  /** Find which patterns occur in `text`; returns how many (listed in `found`). */
  scan(text: string): number {
    let epoch = ++this.epoch;
    if (epoch === 0xffffffff) {
      this.seen.fill(0);
      this.epoch = epoch = 1;
    }
    const { asciiClass, otherClass, delta, width, outStart, outputs, seen, found } = this;
    let count = 0;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = delta[s * width + (c < 128 ? asciiClass[c] : otherClass.get(c) ?? 0)];
      const end = outStart[s + 1];
      for (let k = outStart[s]; k < end; k++) {
        const p = outputs[k];
        if (seen[p] !== epoch) {
          seen[p] = epoch;
          found[count++] = p;
        }
      }
    }
    return count;
  }

  /** Whether any pattern occurs in `text`; stops at the first (for an OR of many `contains` values). */
  occursIn(text: string): boolean {
    const { asciiClass, otherClass, delta, width, outStart } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = delta[s * width + (c < 128 ? asciiClass[c] : otherClass.get(c) ?? 0)];
      if (outStart[s] !== outStart[s + 1]) return true;
    }
    return false;
  }
}
