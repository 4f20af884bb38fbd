/**
 * Which org and parser a syslog sender's records are for, by its address.
 *
 *   routes:
 *     - { from: [10.1.0.0/16, 2001:db8:1::/48], org: ent-sh-001, parser: iptables }
 *   org: ent-default        # optional fallback for every other sender
 *   parser: syslog
 *
 * Routes are tried in order; the first whose CIDR list contains the sender
 * wins, then the fallback. IPv4-mapped IPv6 peers (dual-stack sockets) match
 * IPv4 blocks.
 */
import { z } from 'zod';
import { Cidr } from '../../core/ip.js';

const CidrText = z.string().refine((text) => {
  try {
    Cidr.parse(text);
    return true;
  } catch {
    return false;
  }
}, 'not a CIDR block or address (e.g. 10.0.0.0/8, 2001:db8::/32, 192.0.2.7)');

export const SenderRouteSchema = z.strictObject({
  from: z.array(CidrText).min(1),
  org: z.string().min(1),
  parser: z.string().min(1),
});

/** Config keys shared by sources that route by sender address. */
export const SenderRoutingShape = {
  routes: z.array(SenderRouteSchema).default([]),
  /** Org for senders no route matches. */
  org: z.string().min(1).optional(),
  /** Parser for senders no route matches. */
  parser: z.string().min(1).optional(),
};

/** Refinement: a fallback needs both halves, and something must route. */
export function checkFallback(config: { routes: readonly unknown[]; org?: string; parser?: string }, ctx: z.RefinementCtx): void {
  if ((config.org === undefined) !== (config.parser === undefined)) {
    ctx.addIssue({ code: 'custom', path: [config.org === undefined ? 'org' : 'parser'], message: 'give "org" and "parser" together (the fallback for unrouted senders)' });
  }
  if (config.routes.length === 0 && config.org === undefined) {
    ctx.addIssue({ code: 'custom', path: ['routes'], message: 'give "routes", or "org" and "parser" for every sender' });
  }
}

export interface Route {
  readonly orgId: string;
  readonly parser: string;
}

/** Compiled routing table; build once per source. */
export class SenderRoutes {
  private readonly table: { blocks: Cidr[]; route: Route }[];
  private readonly fallback: Route | undefined;

  constructor(config: { routes: readonly z.output<typeof SenderRouteSchema>[]; org?: string; parser?: string }) {
    this.table = config.routes.map((r) => ({ blocks: r.from.map((c) => Cidr.parse(c)), route: { orgId: r.org, parser: r.parser } }));
    this.fallback = config.org !== undefined && config.parser !== undefined ? { orgId: config.org, parser: config.parser } : undefined;
  }

  /** The route for a sender address (any textual form), or undefined when none applies. */
  resolve(address: string): Route | undefined {
    for (const { blocks, route } of this.table) {
      if (blocks.some((b) => b.contains(address))) return route;
    }
    return this.fallback;
  }
}
