/**
 * Placeholder values from the org registry (core/orgs.ts): `%EngineeringHosts%`
 * in a rule means the IPs of the event's own org's engineering hosts, so an
 * allow-list in one org never whitelists hosts of another.
 */
import type { Asset, Org, OrgRegistry } from '../../core/orgs.js';
import type { PlaceholderSource } from './model.js';

/** Placeholder name -> asset kinds whose IPs it lists (`all`: every asset). */
export const RegistryPlaceholders: Readonly<Record<string, readonly Asset['kind'][] | 'all'>> = {
  EngineeringHosts: ['engineering-workstation', 'hmi', 'scada'],
  Plcs: ['plc', 'rtu'],
  Gateways: ['gateway'],
  Firewalls: ['firewall'],
  ResolverNodes: ['resolver-node'],
  PlatformServices: ['platform-service', 'api-gateway'],
  OrgNetworks: 'all',
};

/** Placeholders with values from the org itself rather than its assets. */
const OrgPlaceholders: Readonly<Record<string, (org: Org) => readonly string[]>> = {
  /** Countries the org operates in (registry `countries`, default CN). */
  HomeCountries: (org) => org.countries,
};

/**
 * A PlaceholderSource over the registry: the IPs (IPv4 and IPv6, canonical)
 * of an org's assets of the placeholder's kinds. Values are computed once per
 * (org, placeholder) at construction; build a new source when the registry
 * reloads. An event without an org (`orgId` undefined) gets no values: no
 * allow-list applies to it.
 */
export class RegistryPlaceholderSource implements PlaceholderSource {
  private readonly byOrg = new Map<string, ReadonlyMap<string, readonly string[]>>();

  constructor(registry: OrgRegistry, private readonly table: Readonly<Record<string, readonly Asset['kind'][] | 'all'>> = RegistryPlaceholders) {
    for (const org of registry.all()) {
      const values = new Map<string, readonly string[]>();
      for (const [name, kinds] of Object.entries(table)) {
        const assets = kinds === 'all' ? org.assets : org.assets.filter((a) => kinds.includes(a.kind));
        values.set(name, Object.freeze([...new Set(assets.flatMap((a) => a.ips))]));
      }
      for (const [name, of] of Object.entries(OrgPlaceholders)) values.set(name, Object.freeze([...of(org)]));
      this.byOrg.set(org.id, values);
    }
  }

  names(): readonly string[] {
    return [...Object.keys(this.table), ...Object.keys(OrgPlaceholders)];
  }

  values(name: string, orgId: string | undefined): readonly string[] {
    if (orgId === undefined) return [];
    return this.byOrg.get(orgId)?.get(name) ?? [];
  }
}

/** A fixed source for tests and hunts: name -> org id -> values (`*` for values of every org). */
export class StaticPlaceholderSource implements PlaceholderSource {
  constructor(private readonly table: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>) {}

  names(): readonly string[] {
    return Object.keys(this.table);
  }

  values(name: string, orgId: string | undefined): readonly string[] {
    const perOrg = this.table[name];
    if (!perOrg) return [];
    const every = perOrg['*'] ?? [];
    if (orgId === undefined) return every;
    const own = perOrg[orgId] ?? [];
    return every.length === 0 ? own : [...every, ...own];
  }
}
