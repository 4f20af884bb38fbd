/**
 * A query flood against a resolver node: random-subdomain DNS queries
 * ("water torture") on the DNS bridge and a burst of random identifier
 * resolutions on the node itself, from a few sources, until it reports
 * SERVER_TOO_BUSY.
 */
import { bindQuery, resolverJson } from '../emit.js';
import { ipOf, type SimLine } from '../world.js';
import { attackerIp, timeline, type Scenario } from './types.js';

export const resolverQueryFlood: Scenario = {
  name: 'resolver-query-flood',
  description: 'Query flood against a resolver node: random names and identifiers at a high rate from a few sources',
  category: 'idres',
  parsers: ['bind-query', 'resolver-json'],
  seconds: 10,
  generate(ctx) {
    const site = ctx.rng.pick(ctx.world.idres);
    const node = site.nodes[0];
    const origin = { org: site.org.id, scenario: this.name };
    const sources = [attackerIp(ctx.rng, 4), attackerIp(ctx.rng, 4), attackerIp(ctx.rng, 4), attackerIp(ctx.rng, 6)];
    const ports = sources.map(() => ctx.rng.ephemeralPort());
    const dnsCount = ctx.rng.int(350, 450);
    const resolveCount = ctx.rng.int(180, 240);
    const out: SimLine[] = [];
    const server = site.dns ?? node;
    timeline(ctx, dnsCount).forEach((t, i) => {
      const s = i % sources.length;
      const fam = sources[s].includes(':') ? 6 : 4;
      const name = `${ctx.rng.base62(10).toLowerCase()}.${node.idPrefix}.idres.example`;
      out.push(bindQuery(origin, {
        time: t, clientObject: `7f${ctx.rng.hex(10)}`, client: sources[s], clientPort: ports[s], name,
        qtype: ctx.rng.pick(['A', 'AAAA', 'ANY', 'TXT']), flags: '+', server: ipOf(server, fam),
      }));
    });
    timeline(ctx, resolveCount).forEach((t, i) => {
      const s = i % sources.length;
      const busy = i > resolveCount / 2 && ctx.rng.chance(0.6);
      out.push(resolverJson(origin, {
        time: t, node: node.hostname ?? node.id, nodeLevel: node.nodeLevel ?? 'secondary', client: sources[s], clientPort: ports[s],
        identifier: `${node.idPrefix}/${ctx.rng.base62(12)}`, queryType: 'resolve', types: [],
        status: busy ? 'SERVER_TOO_BUSY' : 'HANDLE_NOT_FOUND', latencyMs: 5 + (i / resolveCount) * 400 + ctx.rng.next() * 20,
      }));
    });
    return out;
  },
};
