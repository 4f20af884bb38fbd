/**
 * The simulator's view of the org registry: for each enterprise, the hosts
 * that play each role in its traffic, plus the made-up but stable details
 * the registry does not hold (platform users and tenants, identifier
 * suffixes, cities). Everything here derives from the registry alone, so the
 * same registry always gives the same world.
 */
import { isIP } from 'node:net';
import type { Asset, Org, OrgRegistry } from '../../core/orgs.js';
import { hash32 } from './prng.js';
import type { ParserName } from './parsers.js';
import type { Micros } from './time.js';

/** One output line before numbering; `time` orders lines across all files. */
export interface SimLine {
  readonly time: Micros;
  readonly parser: ParserName;
  readonly org: string;
  readonly line: string;
  readonly scenario?: string;
}

export type Protocol = 'modbus' | 's7comm' | 'opcua' | 'dnp3';

export interface IndustrialSite {
  readonly org: Org;
  readonly gateway: Asset;
  readonly firewall: Asset;
  readonly plcs: readonly Asset[];
  readonly rtus: readonly Asset[];
  readonly hmis: readonly Asset[];
  readonly scada: readonly Asset[];
  readonly historians: readonly Asset[];
  readonly workstations: readonly Asset[];
}

export interface PlatformSite {
  readonly org: Org;
  readonly apiGateway: Asset;
  readonly tenants: readonly string[];
  readonly users: readonly string[];
  readonly cities: readonly string[];
}

export interface IdresSite {
  readonly org: Org;
  readonly nodes: readonly Asset[];
  readonly dns?: Asset;
  /** Suffix stems used in this operator's identifiers, e.g. PUMP, VALVE. */
  readonly stems: readonly string[];
}

export interface World {
  readonly industrial: readonly IndustrialSite[];
  readonly platform: readonly PlatformSite[];
  readonly idres: readonly IdresSite[];
}

const ProvinceCities: Record<string, readonly string[]> = {
  JS: ['Nanjing', 'Suzhou', 'Wuxi', 'Changzhou'],
  GD: ['Guangzhou', 'Shenzhen', 'Foshan', 'Dongguan'],
  SD: ['Jinan', 'Qingdao', 'Yantai', 'Weifang'],
  ZJ: ['Hangzhou', 'Ningbo', 'Wenzhou', 'Shaoxing'],
};

const IdentifierStems: Record<string, readonly string[]> = {
  'automotive': ['ENGINE', 'GEARBOX', 'ECU', 'AXLE'],
  'aerospace': ['BLADE', 'FASTENER', 'ACTUATOR', 'HARNESS'],
  'petrochemical': ['VALVE', 'PUMP', 'TANK', 'FLOWMETER'],
  'machinery': ['PUMP', 'SPINDLE', 'BEARING', 'MOTOR'],
  'home-appliances': ['AC', 'COMPRESSOR', 'FRIDGE', 'WASHER'],
  'electronics': ['PCB', 'MODULE', 'WAFER', 'SENSOR'],
};

const GivenUsers = [
  'zhang.wei', 'li.na', 'wang.fang', 'liu.yang', 'chen.jie', 'yang.min', 'zhao.lei', 'huang.li',
  'zhou.tao', 'wu.hao', 'sun.qiang', 'ma.lin', 'zhu.hong', 'hu.jun', 'guo.ping', 'he.xin',
];

const byKind = (org: Org, kind: Asset['kind']): Asset[] => org.assets.filter((a) => a.kind === kind);

function pickStable<T>(items: readonly T[], count: number, salt: string): T[] {
  return [...items]
    .map((item, i) => ({ item, key: hash32(`${salt}:${i}`) }))
    .sort((a, b) => a.key - b.key)
    .slice(0, count)
    .map((x) => x.item);
}

/** Build the world from a loaded registry. Throws if a seeded enterprise lacks a role its category needs. */
export function buildWorld(registry: OrgRegistry): World {
  const enterprises = registry.enterprises();
  const industrialOrgs = enterprises.filter((o) => o.category === 'industrial');
  const industrial = industrialOrgs.map((org): IndustrialSite => {
    const [gateway] = byKind(org, 'gateway');
    const [firewall] = byKind(org, 'firewall');
    if (!gateway || !firewall) throw new Error(`industrial org ${org.id} needs a gateway and a firewall asset`);
    return {
      org, gateway, firewall,
      plcs: byKind(org, 'plc'), rtus: byKind(org, 'rtu'), hmis: byKind(org, 'hmi'), scada: byKind(org, 'scada'),
      historians: byKind(org, 'historian'), workstations: byKind(org, 'engineering-workstation'),
    };
  });
  // Platforms host apps for factories: their tenants are the industrial enterprises' short names.
  const tenantPool = industrialOrgs.map((o) => o.id.split('-').slice(1).join('-'));
  const platform = enterprises.filter((o) => o.category === 'platform').map((org): PlatformSite => {
    const [apiGateway] = byKind(org, 'api-gateway');
    if (!apiGateway) throw new Error(`platform org ${org.id} needs an api-gateway asset`);
    return {
      org, apiGateway,
      tenants: pickStable(tenantPool, 4, org.id),
      users: pickStable(GivenUsers, 8, org.id),
      cities: ProvinceCities[org.province ?? ''] ?? ['Beijing'],
    };
  });
  const idres = enterprises.filter((o) => o.category === 'idres').map((org): IdresSite => {
    const nodes = byKind(org, 'resolver-node').filter((a) => a.idPrefix);
    if (nodes.length === 0) throw new Error(`idres org ${org.id} needs a resolver-node asset with idPrefix`);
    return { org, nodes, dns: byKind(org, 'server')[0], stems: IdentifierStems[org.industry ?? ''] ?? ['ITEM'] };
  });
  return { industrial, platform, idres };
}

export function ipOf(asset: Asset, family: 4 | 6): string {
  const ip = asset.ips.find((a) => isIP(a) === family) ?? asset.ips[0];
  if (!ip) throw new Error(`asset ${asset.id} has no address`);
  return ip;
}

/**
 * An address in the same subnet as `ip` with the last part replaced: the
 * host `77` beside 10.11.2.20 is 10.11.2.77, beside 2001:db8:11:2::20 it is
 * 2001:db8:11:2::77. Used for hosts the registry does not know.
 */
export function neighbour(ip: string, host: number): string {
  if (isIP(ip) === 4) return ip.replace(/\.\d+$/, `.${host}`);
  return ip.replace(/:[0-9a-f]*$/, `:${host.toString(10)}`);
}

export function speaks(asset: Asset, protocol: Protocol): boolean {
  return asset.protocols.includes(protocol);
}

/** Hosts that legitimately poll or program controllers over `protocol`. */
export function clientsOf(site: IndustrialSite, protocol: Protocol): Asset[] {
  const roles = protocol === 'opcua'
    ? [...site.hmis, ...site.scada, ...site.historians, ...site.workstations]
    : [...site.hmis, ...site.scada, ...site.workstations];
  return roles.filter((a) => speaks(a, protocol));
}

/** Controllers (and, for OPC UA, SCADA servers) that answer `protocol`. */
export function serversOf(site: IndustrialSite, protocol: Protocol): Asset[] {
  const devices = [...site.plcs, ...site.rtus, ...(protocol === 'opcua' ? site.scada : [])];
  return devices.filter((a) => speaks(a, protocol));
}

/** A MAC address stable for an asset id, in a locally administered range. */
export function macOf(seed: string): string {
  const h = hash32(seed);
  const h2 = hash32(seed, 7);
  const bytes = [0x02, 0x1b, (h >>> 16) & 255, (h >>> 8) & 255, h & 255, h2 & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** A stable API key id for a tenant on a platform. */
export function apiKeyOf(platformOrg: string, tenant: string): string {
  return `ak_${hash32(`${platformOrg}/${tenant}`).toString(16).padStart(8, '0')}`;
}

/** The DNS name a resolver publishes for an identifier: `pump-0042.88.101.5.idres.example`. */
export function dnsNameOf(identifier: string): string {
  const [prefix, suffix] = identifier.split('/');
  return `${suffix.toLowerCase()}.${prefix}.idres.example`;
}
