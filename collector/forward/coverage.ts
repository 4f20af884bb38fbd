/**
 * Which org + parser pairs a collector's sources can produce, so a
 * forwarding collector refuses to start when forward.tokens lacks one:
 * records of such a pair could never be delivered. Every source names its
 * pairs the same way (`org` + `parser`, and `routes[]` entries with both);
 * the http source takes them from the local ingest tokens.
 */
import type { TokenGrant } from '../sources/types.js';

export interface PairUse {
  readonly org: string;
  readonly parser: string;
  /** Where the pair comes from, for the error, e.g. `sources[2].routes[0]` or `ingest token gw-01`. */
  readonly where: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pairOf(value: Record<string, unknown>): { org: string; parser: string } | undefined {
  return typeof value.org === 'string' && typeof value.parser === 'string' ? { org: value.org, parser: value.parser } : undefined;
}

/** Every org + parser the sources may emit records for. */
export function sourcePairs(sources: readonly { type: string; config: unknown }[], grants: readonly TokenGrant[]): PairUse[] {
  const uses: PairUse[] = [];
  sources.forEach(({ type, config }, i) => {
    if (!isRecord(config)) return;
    if (type === 'http') {
      for (const g of grants) uses.push({ org: g.orgId, parser: g.parser, where: `sources[${i}] (http), ingest token ${g.tokenId}` });
      return;
    }
    const own = pairOf(config);
    if (own) uses.push({ ...own, where: `sources[${i}]` });
    const routes = Array.isArray(config.routes) ? config.routes : [];
    routes.forEach((route: unknown, r) => {
      const pair = isRecord(route) ? pairOf(route) : undefined;
      if (pair) uses.push({ ...pair, where: `sources[${i}].routes[${r}]` });
    });
  });
  return uses;
}

/** One line per pair the sources use and forward.tokens does not cover; empty when all are covered. */
export function uncoveredPairs(uses: readonly PairUse[], covered: (org: string, parser: string) => boolean): string[] {
  return uses
    .filter((u) => !covered(u.org, u.parser))
    .map((u) => `${u.where}: org ${u.org} with parser ${u.parser} has no entry in forward.tokens`);
}
