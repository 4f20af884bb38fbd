/**
 * One client walks an identifier prefix by sequential suffix
 * (PUMP-1990, PUMP-1991, ...), most of which do not exist: first against
 * the primary secondary-node (handle-access), then, once throttled, against
 * its replica (resolver-json).
 */
import { handleAccess, resolverJson } from '../emit.js';
import type { SimLine } from '../world.js';
import { attackerIp, timeline, type Scenario } from './types.js';

/** Background identifiers use serials 1..2000; anything above does not exist. */
const KnownSerials = 2000;

export const identifierEnumeration: Scenario = {
  name: 'identifier-enumeration',
  description: 'Sequential identifier suffixes resolved by one client, mostly HANDLE_NOT_FOUND',
  category: 'idres',
  parsers: ['handle-access', 'resolver-json'],
  seconds: 40,
  generate(ctx) {
    const site = ctx.rng.pick(ctx.world.idres.filter((s) => s.nodes.length > 0));
    const [primary, replica = primary] = site.nodes;
    const origin = { org: site.org.id, scenario: this.name };
    const client = attackerIp(ctx.rng, ctx.rng.chance(0.5) ? 6 : 4);
    const stem = ctx.rng.pick(site.stems);
    const first = ctx.rng.int(1950, 1990);
    const count = ctx.rng.int(120, 160);
    const switchAt = Math.floor(count * 0.6);
    const port = ctx.rng.ephemeralPort();
    const out: SimLine[] = [];
    timeline(ctx, count).forEach((t, i) => {
      const serial = first + i;
      const status = serial <= KnownSerials ? 'SUCCESS' : 'HANDLE_NOT_FOUND';
      if (i < switchAt) {
        out.push(handleAccess(origin, {
          time: t, client, transport: 'TCP', op: 'resolve', status, elapsedMs: ctx.rng.int(1, 6),
          handle: `${primary.idPrefix}/${stem}-${String(serial).padStart(4, '0')}`, indexes: [], types: [],
        }));
      } else {
        out.push(resolverJson(origin, {
          time: t, node: replica.hostname ?? replica.id, nodeLevel: replica.nodeLevel ?? 'secondary', client, clientPort: port,
          identifier: `${replica.idPrefix}/${stem}-${String(serial).padStart(4, '0')}`, queryType: 'resolve', types: [], status, latencyMs: 1 + ctx.rng.next() * 4,
        }));
      }
    });
    return out;
  },
};
