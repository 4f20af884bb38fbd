/**
 * Normal plant traffic: HMIs and SCADA polling PLCs over Modbus, S7comm,
 * OPC UA and DNP3; operators activating OPC UA sessions and writing
 * setpoints; the edge gateway accepting outbound telemetry and dropping
 * internet noise; the zone firewall permitting the allowed flows.
 */
import type { Asset } from '../../../core/orgs.js';
import {
  cef, dnp3, iptables, modbus, newOpcuaSession, opcuaAudit, opcuaCall, opcuaServerId, ProtocolPorts, s7Exchange, S7,
  type OpcuaService, type S7Function,
} from '../emit.js';
import type { Rng } from '../prng.js';
import { clientsOf, ipOf, serversOf, type IndustrialSite, type Protocol } from '../world.js';
import { family, outsideIp, type BackgroundContext, type BackgroundGenerator } from './context.js';

interface Pairing {
  readonly site: IndustrialSite;
  readonly client: Asset;
  readonly server: Asset;
  readonly fam: 4 | 6;
}

/** A random legitimate client/server pair speaking `protocol`, or undefined if no site has one. */
function pairFor(ctx: BackgroundContext, protocol: Protocol): Pairing | undefined {
  const sites = ctx.world.industrial.filter((s) => clientsOf(s, protocol).length > 0 && serversOf(s, protocol).length > 0);
  if (sites.length === 0) return undefined;
  const site = ctx.rng.pick(sites);
  const client = ctx.rng.pick(clientsOf(site, protocol));
  // SCADA is both an OPC UA client (of PLCs) and a server (to the historian); it does not poll itself.
  const servers = serversOf(site, protocol).filter((s) => s !== client);
  if (servers.length === 0) return undefined;
  return { site, client, server: ctx.rng.pick(servers), fam: family(ctx.rng) };
}

const ModbusReads: readonly (readonly [string, number])[] = [
  ['READ_HOLDING_REGISTERS', 50], ['READ_INPUT_REGISTERS', 25], ['READ_COILS', 12], ['READ_DISCRETE_INPUTS', 8],
  ['READ_WRITE_MULTIPLE_REGISTERS', 2], ['READ_DEVICE_IDENTIFICATION', 1],
];

const modbusGen: BackgroundGenerator = {
  parser: 'zeek-modbus',
  weight: 14,
  generate(ctx, time) {
    const p = pairFor(ctx, 'modbus');
    if (!p) return [];
    const conn = ctx.conns.get(ipOf(p.client, p.fam), ipOf(p.server, p.fam), ProtocolPorts.modbus);
    const origin = { org: p.site.org.id };
    // Operators do write setpoints from HMIs now and then: writes alone are not an attack.
    const func = p.client.kind === 'hmi' && ctx.rng.chance(0.04) ? 'WRITE_SINGLE_REGISTER' : ctx.rng.weighted(ModbusReads);
    const exception = ctx.rng.chance(0.01) ? 'ILLEGAL_DATA_ADDRESS' : undefined;
    return [modbus(origin, time, conn, func, exception)];
  },
};

const s7Gen: BackgroundGenerator = {
  parser: 'zeek-s7comm',
  weight: 10,
  generate(ctx, time) {
    const p = pairFor(ctx, 's7comm');
    if (!p) return [];
    const conn = ctx.conns.get(ipOf(p.client, p.fam), ipOf(p.server, p.fam), ProtocolPorts.s7comm, 0.01);
    const origin = { org: p.site.org.id };
    const fn = ctx.rng.weighted<S7Function>([[S7.read, 80], [S7.readSzl, 8], [S7.readClock, 4], [S7.write, p.client.kind === 'engineering-workstation' ? 6 : 0], [S7.setup, 2]]);
    return s7Exchange(origin, time, conn, ctx.rng.int(1, 65000), fn, ctx.rng.int(800, 6000));
  },
};

const OpcuaTags = ['Line1.Conveyor.Speed', 'Tank3.Level', 'Boiler.Pressure', 'Press2.Temperature', 'Oven.Setpoint', 'Pump4.Flow'];

const opcuaGen: BackgroundGenerator = {
  parser: 'zeek-opcua',
  weight: 8,
  generate(ctx, time) {
    const p = pairFor(ctx, 'opcua');
    if (!p) return [];
    const conn = ctx.conns.get(ipOf(p.client, p.fam), ipOf(p.server, p.fam), ProtocolPorts.opcua, 0.01);
    const session = newOpcuaSession(ctx.rng, conn);
    const service: OpcuaService = ctx.rng.weighted([['Read', 60], ['Publish', 25], ['Browse', 10], ['Write', p.client.kind === 'hmi' ? 5 : 0]] as const);
    return [opcuaCall({ org: p.site.org.id }, time, session, service, ctx.rng.int(500, 4000))];
  },
};

const dnp3Gen: BackgroundGenerator = {
  parser: 'zeek-dnp3',
  weight: 5,
  generate(ctx, time) {
    const p = pairFor(ctx, 'dnp3');
    if (!p) return [];
    // The master is SCADA; DNP3 masters often use 20000 on both ends.
    const conn = ctx.conns.get(ipOf(p.client, p.fam), ipOf(p.server, p.fam), ProtocolPorts.dnp3, 0.005);
    const origin = { org: p.site.org.id };
    const kind = ctx.rng.weighted([['poll', 85], ['unsolicited', 10], ['confirm', 5]] as const);
    if (kind === 'poll') return [dnp3(origin, time, conn, 'READ', 'RESPONSE', ctx.rng.pick([0, 0, 0, 2, 4]))];
    if (kind === 'unsolicited') return [dnp3(origin, time, conn, undefined, 'UNSOLICITED_RESPONSE', 2)];
    return [dnp3(origin, time, conn, 'CONFIRM', undefined, 0)];
  },
};

const OperatorUsers = ['operator1', 'operator2', 'shift.lead', 'engineer1', 'historian-svc'];

const opcuaAuditGen: BackgroundGenerator = {
  parser: 'opcua-audit',
  weight: 4,
  generate(ctx, time) {
    const p = pairFor(ctx, 'opcua');
    if (!p) return [];
    const origin = { org: p.site.org.id };
    const serverId = opcuaServerId(p.site, p.server);
    const user = p.client.kind === 'historian' ? 'historian-svc' : ctx.rng.pick(OperatorUsers.slice(0, 4));
    const sessionId = `ns=1;i=${ctx.rng.int(100, 99999)}`;
    const base = { serverId, clientAuditEntryId: ctx.rng.uuid(), clientUserId: user, sessionId, clientAddress: ipOf(p.client, p.fam) };
    if (p.client.kind === 'hmi' && ctx.rng.chance(0.3)) {
      const tag = ctx.rng.pick(OpcuaTags);
      const oldValue = ctx.rng.int(20, 90);
      return [opcuaAudit(origin, {
        ...base, type: 'AuditWriteUpdateEventType', time, status: true, severity: 300,
        nodeId: `ns=3;s=${tag}`, attributeId: 13, oldValue, newValue: oldValue + ctx.rng.int(-5, 5),
        message: `Write to ${tag} by ${user}`,
      })];
    }
    const typo = ctx.rng.chance(0.03);
    return [opcuaAudit(origin, {
      ...base, type: 'AuditActivateSessionEventType', time, status: !typo, severity: typo ? 500 : 100,
      message: typo ? `ActivateSession rejected for ${user}: BadUserAccessDenied` : `Session activated for ${user}`,
    })];
  },
};

function anySite(ctx: BackgroundContext): IndustrialSite {
  return ctx.rng.pick(ctx.world.industrial);
}

function plantHost(rng: Rng, site: IndustrialSite): Asset {
  return rng.pick([...site.scada, ...site.historians, ...site.hmis]);
}

const NoisePorts = [22, 23, 80, 443, 445, 1433, 3389, 5900, 8080, 8443];

const iptablesGen: BackgroundGenerator = {
  parser: 'iptables',
  weight: 12,
  generate(ctx, time) {
    const site = anySite(ctx);
    const origin = { org: site.org.id };
    const fam = family(ctx.rng);
    const kind = ctx.rng.weighted([['telemetry', 45], ['noise', 40], ['ntp', 15]] as const);
    if (kind === 'telemetry') {
      // Historian and SCADA push telemetry to the cloud platform over HTTPS/MQTT-TLS.
      const host = plantHost(ctx.rng, site);
      return [iptables(origin, time, site, 'ACCEPT', {
        src: ipOf(host, fam), dst: fam === 6 ? `2001:db8:${ctx.rng.int(20, 30)}::80` : `192.0.2.${ctx.rng.int(10, 20)}`,
        proto: 'TCP', spt: ctx.rng.ephemeralPort(), dpt: ctx.rng.pick([443, 8883]),
      }, true, ctx.rng)];
    }
    if (kind === 'ntp') {
      const host = plantHost(ctx.rng, site);
      return [iptables(origin, time, site, 'ACCEPT', { src: ipOf(host, fam), dst: ipOf(site.gateway, fam), proto: 'UDP', spt: 123, dpt: 123 }, false, ctx.rng)];
    }
    return [iptables(origin, time, site, 'DROP', {
      src: outsideIp(ctx.rng, fam), dst: ipOf(site.gateway, fam), proto: 'TCP', spt: ctx.rng.ephemeralPort(), dpt: ctx.rng.pick(NoisePorts),
    }, false, ctx.rng)];
  },
};

const cefGen: BackgroundGenerator = {
  parser: 'cef',
  weight: 6,
  generate(ctx, time) {
    const site = anySite(ctx);
    const origin = { org: site.org.id };
    const fam = family(ctx.rng);
    const protocols = (['modbus', 's7comm', 'opcua', 'dnp3'] as const).filter((p) => clientsOf(site, p).length && serversOf(site, p).length);
    if (protocols.length && ctx.rng.chance(0.8)) {
      const protocol = ctx.rng.pick(protocols);
      const client = ctx.rng.pick(clientsOf(site, protocol));
      const server = ctx.rng.pick(serversOf(site, protocol));
      return [cef(origin, site, {
        time, signatureId: '1000', name: 'Connection permitted', severity: 1,
        src: ipOf(client, fam), dst: ipOf(server, fam),
        extension: [['spt', ctx.rng.ephemeralPort()], ['dpt', ProtocolPorts[protocol]], ['proto', 'TCP'], ['act', 'permitted'], ['app', protocol], ['msg', `${protocol} session to ${server.hostname ?? server.id} permitted by zone policy`]],
      })];
    }
    // Office-side hosts trying the control zone on ports the policy does not allow.
    const host = plantHost(ctx.rng, site);
    const target = ctx.rng.pick([...site.plcs, ...site.workstations]);
    return [cef(origin, site, {
      time, signatureId: '1003', name: 'Connection denied', severity: 4,
      src: ipOf(host, fam), dst: ipOf(target, fam),
      extension: [['spt', ctx.rng.ephemeralPort()], ['dpt', ctx.rng.pick([80, 443, 3389, 5900])], ['proto', 'TCP'], ['act', 'blocked'], ['msg', 'Denied by zone policy: no rule matches']],
    })];
  },
};

export const IndustrialBackground: readonly BackgroundGenerator[] = [modbusGen, s7Gen, opcuaGen, dnp3Gen, opcuaAuditGen, iptablesGen, cefGen];
