/**
 * An outside scanner sweeps a plant's control network for industrial
 * protocol ports (Modbus 502, S7 102, OPC UA 4840, DNP3 20000, EtherNet/IP
 * 44818, BACnet 47808, IEC-104 2404, Fox 1911); the gateway drops it and the
 * zone firewall raises a scan alert.
 */
import { cef, iptables } from '../emit.js';
import { ipOf, type SimLine } from '../world.js';
import { attackerIp, timeline, type Scenario } from './types.js';

const IcsPorts = [502, 102, 4840, 20000, 44818, 47808, 2404, 1911];

export const portScanOfIcsPorts: Scenario = {
  name: 'port-scan-of-ics-ports',
  description: 'One outside address probing many plant hosts on industrial protocol ports, dropped at the gateway',
  category: 'industrial',
  parsers: ['iptables', 'cef'],
  seconds: 20,
  generate(ctx) {
    const site = ctx.rng.pick(ctx.world.industrial);
    const fam = ctx.rng.chance(0.5) ? 6 : 4;
    const scanner = attackerIp(ctx.rng, fam);
    const origin = { org: site.org.id, scenario: this.name };
    const targets = [...site.plcs, ...site.rtus, ...site.hmis.slice(0, 1)];
    const probes = targets.flatMap((host) => IcsPorts.map((port) => [host, port] as const));
    const times = timeline(ctx, probes.length + 1);
    const out: SimLine[] = probes.map(([host, port], i) => iptables(origin, times[i], site, 'DROP', {
      src: scanner, dst: ipOf(host, fam), proto: 'TCP', spt: ctx.rng.ephemeralPort(), dpt: port,
    }, true, ctx.rng));
    out.push(cef(origin, site, {
      time: times[probes.length], signatureId: '3001', name: 'Port scan detected', severity: 7, src: scanner, dst: ipOf(targets[0], fam),
      extension: [['proto', 'TCP'], ['act', 'alert'], ['cnt', probes.length], ['cat', 'Reconnaissance'], ['msg', `Horizontal scan of ICS ports ${IcsPorts.join(',')} across ${targets.length} hosts`]],
    }));
    return out;
  },
};
