/**
 * Normal identifier-resolution traffic: enterprise systems and partner
 * resolvers resolving product identifiers under each operator's prefix,
 * mostly found, now and then a stale one; DNS lookups of the same items via
 * the DNS bridge; occasional value updates by the operator's admin.
 */
import type { Asset } from '../../../core/orgs.js';
import { bindQuery, handleAccess, resolverJson } from '../emit.js';
import type { HandleOp, HandleStatus } from '../formats/handle-access.js';
import type { Rng } from '../prng.js';
import { dnsNameOf, ipOf, type IdresSite } from '../world.js';
import { family, type BackgroundContext, type BackgroundGenerator } from './context.js';

/** A well-known identifier under a node's prefix: `88.101.5/PUMP-0042`. */
export function identifierOf(rng: Rng, site: IdresSite, node: Asset, serial = rng.int(1, 2000)): string {
  return `${node.idPrefix}/${rng.pick(site.stems)}-${String(serial).padStart(4, '0')}`;
}

/** Resolver clients: factories' MES/ERP systems and partner recursive resolvers. */
function clientIp(rng: Rng, fam: 4 | 6): string {
  return fam === 6 ? `2001:db8:${rng.int(10, 37)}:2::${rng.pick(['30', '40', '45', '46'])}` : `10.${rng.int(10, 37)}.2.${rng.pick([30, 40, 45, 46])}`;
}

const Types = [['URL'], ['URL', 'EMAIL'], [], ['HS_ADMIN']] as const;

interface Query {
  readonly site: IdresSite;
  readonly node: Asset;
  readonly fam: 4 | 6;
  readonly client: string;
  readonly identifier: string;
  readonly op: HandleOp;
  readonly status: HandleStatus;
}

function query(ctx: BackgroundContext): Query {
  const site = ctx.rng.pick(ctx.world.idres);
  const node = ctx.rng.pick(site.nodes);
  const fam = family(ctx.rng);
  const op: HandleOp = ctx.rng.weighted([['resolve', 95], ['modify', 3], ['site_info', 2]] as const);
  const status: HandleStatus = op === 'resolve'
    ? ctx.rng.weighted([['SUCCESS', 94], ['HANDLE_NOT_FOUND', 4], ['VALUES_NOT_FOUND', 2]] as const)
    : 'SUCCESS';
  return { site, node, fam, client: clientIp(ctx.rng, fam), identifier: identifierOf(ctx.rng, site, node), op, status };
}

const handleGen: BackgroundGenerator = {
  parser: 'handle-access',
  weight: 8,
  generate(ctx, time) {
    const q = query(ctx);
    return [handleAccess({ org: q.site.org.id }, {
      time, client: q.client, transport: ctx.rng.chance(0.7) ? 'TCP' : 'UDP', op: q.op, status: q.status,
      elapsedMs: ctx.rng.int(1, 12), handle: q.op === 'site_info' ? '0.NA/' + q.node.idPrefix : q.identifier,
      indexes: q.op === 'modify' ? [1] : [], types: q.op === 'modify' ? ['URL'] : [...ctx.rng.pick(Types)],
    })];
  },
};

const resolverGen: BackgroundGenerator = {
  parser: 'resolver-json',
  weight: 7,
  generate(ctx, time) {
    const q = query(ctx);
    return [resolverJson({ org: q.site.org.id }, {
      time, node: q.node.hostname ?? q.node.id, nodeLevel: q.node.nodeLevel ?? 'secondary', client: q.client, clientPort: ctx.rng.ephemeralPort(),
      identifier: q.identifier, queryType: q.op, types: q.op === 'resolve' ? [...ctx.rng.pick(Types)] : ['URL'], status: q.status,
      latencyMs: 0.8 + ctx.rng.next() * 9,
    })];
  },
};

const bindGen: BackgroundGenerator = {
  parser: 'bind-query',
  weight: 7,
  generate(ctx, time) {
    const site = ctx.rng.pick(ctx.world.idres);
    const node = ctx.rng.pick(site.nodes);
    const fam = family(ctx.rng);
    const server = site.dns ?? node;
    const qtype = ctx.rng.weighted([['A', 45], ['AAAA', 35], ['TXT', 10], ['NAPTR', 10]] as const);
    return [bindQuery({ org: site.org.id }, {
      time, clientObject: `7f${ctx.rng.hex(10)}`, client: clientIp(ctx.rng, fam), clientPort: ctx.rng.ephemeralPort(),
      name: dnsNameOf(identifierOf(ctx.rng, site, node)), qtype, flags: ctx.rng.pick(['+E(0)K', '+E(0)', '+', '+E(0)DK']), server: ipOf(server, fam),
    })];
  },
};

export const IdresBackground: readonly BackgroundGenerator[] = [handleGen, resolverGen, bindGen];
