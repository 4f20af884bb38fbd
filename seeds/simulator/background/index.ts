/**
 * The background-traffic table: one generator per format, each with its
 * share of the simulated event rate. Every parser name has exactly one entry.
 */
import { ParserNames, type ParserName } from '../parsers.js';
import type { BackgroundGenerator } from './context.js';
import { IdresBackground } from './idres.js';
import { IndustrialBackground } from './industrial.js';
import { PlatformBackground } from './platform.js';

function table(generators: readonly BackgroundGenerator[]): ReadonlyMap<ParserName, BackgroundGenerator> {
  const map = new Map<ParserName, BackgroundGenerator>();
  for (const g of generators) {
    if (map.has(g.parser)) throw new Error(`duplicate background generator for ${g.parser}`);
    map.set(g.parser, g);
  }
  const missing = ParserNames.filter((p) => !map.has(p));
  if (missing.length) throw new Error(`no background generator for ${missing.join(', ')}`);
  return map;
}

export const BackgroundGenerators = table([...IndustrialBackground, ...PlatformBackground, ...IdresBackground]);
export { ConnPool, type BackgroundContext, type BackgroundGenerator } from './context.js';
