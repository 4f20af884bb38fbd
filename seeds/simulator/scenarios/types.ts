/**
 * The attack-scenario contract. A scenario is a named, self-contained
 * story of attack lines for one org of the right category; every line it
 * returns is ground truth (`truth.jsonl`), including the benign-looking
 * steps of the attack (the reconnaissance read, the one successful login).
 */
import type { Rng } from '../prng.js';
import type { ParserName } from '../parsers.js';
import type { Micros } from '../time.js';
import type { SimLine, World } from '../world.js';

export interface ScenarioContext {
  readonly world: World;
  /** This scenario's own stream: filtering other scenarios out never changes this one. */
  readonly rng: Rng;
  /** When the attack starts. */
  readonly startUs: Micros;
  /** How long it may last: its natural length, squeezed to fit a short run. */
  readonly spanUs: Micros;
}

export interface Scenario {
  /** Registry key and the `scenario` of its truth lines. */
  readonly name: string;
  readonly description: string;
  readonly category: 'industrial' | 'platform' | 'idres';
  /** The formats its lines appear in. */
  readonly parsers: readonly ParserName[];
  /** Natural length in seconds. */
  readonly seconds: number;
  /** The attack lines, all stamped with `scenario: name` and times inside [startUs, startUs + spanUs]. */
  generate(ctx: ScenarioContext): SimLine[];
}

/** `n` increasing times spread over the scenario's span, with a little jitter. */
export function timeline(ctx: ScenarioContext, n: number): Micros[] {
  const step = ctx.spanUs / Math.max(n, 1);
  return Array.from({ length: n }, (_, i) => Math.floor(ctx.startUs + step * i + ctx.rng.next() * step * 0.5));
}

/** An attacker address outside every seeded network (203.0.113.0/24 or 2001:db8:bad::/48). */
export function attackerIp(rng: Rng, fam: 4 | 6): string {
  return fam === 6 ? `2001:db8:bad:${rng.int(1, 0xff).toString(16)}::${rng.int(1, 0xfff).toString(16)}` : `203.0.113.${rng.int(100, 250)}`;
}
