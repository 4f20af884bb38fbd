/**
 * The log formats the simulator writes, named exactly as the collector's
 * parsers (`collector/parsers/<name>.ts`); `iisa simulate` writes one
 * `<name>.log` per entry.
 */
export const ParserNames = [
  'iptables', 'cef', 'zeek-modbus', 'zeek-s7comm', 'zeek-opcua', 'zeek-dnp3', 'opcua-audit',
  'access-combined', 'app-audit',
  'handle-access', 'bind-query', 'resolver-json',
] as const;
export type ParserName = (typeof ParserNames)[number];

/** Which enterprise category sends each format (DESIGN.md: the three source families). */
export const ParserCategory: Readonly<Record<ParserName, 'industrial' | 'platform' | 'idres'>> = {
  'iptables': 'industrial',
  'cef': 'industrial',
  'zeek-modbus': 'industrial',
  'zeek-s7comm': 'industrial',
  'zeek-opcua': 'industrial',
  'zeek-dnp3': 'industrial',
  'opcua-audit': 'industrial',
  'access-combined': 'platform',
  'app-audit': 'platform',
  'handle-access': 'idres',
  'bind-query': 'idres',
  'resolver-json': 'idres',
};

export function isParserName(name: string): name is ParserName {
  return (ParserNames as readonly string[]).includes(name);
}

/** Which formats each industrial protocol shows up in. */
const ProtocolParsers: Readonly<Record<string, readonly ParserName[]>> = {
  modbus: ['zeek-modbus'],
  s7comm: ['zeek-s7comm'],
  opcua: ['zeek-opcua', 'opcua-audit'],
  dnp3: ['zeek-dnp3'],
};

/** The minimal org shape `parsersFor` reads (a registry `Org` fits). */
export interface OrgLike {
  readonly category?: 'industrial' | 'platform' | 'idres';
  readonly assets: readonly { readonly kind: string; readonly protocols: readonly string[] }[];
}

/**
 * The formats an enterprise sends, from its category and assets: every
 * industrial site sends its gateway (iptables) and zone firewall (cef) logs
 * plus one Zeek log per protocol its controllers speak (OPC UA servers also
 * write audit events); platforms send access and audit logs; resolution
 * operators send Handle and node logs, and BIND logs if they run a DNS bridge.
 * The order follows `ParserNames`. Used for the demo tokens and their test.
 */
export function parsersFor(org: OrgLike): ParserName[] {
  const out = new Set<ParserName>();
  if (org.category === 'industrial') {
    out.add('iptables').add('cef');
    const controllers = org.assets.filter((a) => a.kind === 'plc' || a.kind === 'rtu');
    for (const proto of new Set(controllers.flatMap((a) => a.protocols))) for (const p of ProtocolParsers[proto] ?? []) out.add(p);
  } else if (org.category === 'platform') {
    out.add('access-combined').add('app-audit');
  } else if (org.category === 'idres') {
    out.add('handle-access').add('resolver-json');
    if (org.assets.some((a) => a.kind === 'server')) out.add('bind-query');
  }
  return ParserNames.filter((p) => out.has(p));
}
