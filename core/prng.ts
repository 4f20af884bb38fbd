/**
 * mulberry32: a small, fast seeded PRNG. Determinism is the point: the same
 * seed gives the same sequence on every machine, so simulator output,
 * generated test events and correlation reservoir samples repeat run to
 * run. Not for cryptography.
 */

/** The mulberry32 generator; callers build their own draws (ranges, picks) on `next`. */
export class Mulberry32 {
  private state: number;

  /** `seed` is taken as an unsigned 32-bit integer (`seed >>> 0`). */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** A mulberry32 stream as a plain function, for APIs that take a `() => number` like Math.random. */
export function mulberry32(seed: number): () => number {
  const generator = new Mulberry32(seed);
  return () => generator.next();
}
