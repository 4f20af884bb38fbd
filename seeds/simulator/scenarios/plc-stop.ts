/**
 * An outside host reaches an S7 PLC through a forgotten port forward on the
 * plant gateway, identifies the CPU (Read SZL) and sends PLC Stop (0x29).
 */
import { iptables, newConn, ProtocolPorts, s7Exchange, S7 } from '../emit.js';
import { ipOf, serversOf } from '../world.js';
import { attackerIp, timeline, type Scenario } from './types.js';

export const plcStop: Scenario = {
  name: 'plc-stop',
  description: 'S7comm PLC Stop (function 0x29) sent to a PLC by a foreign host, after CPU identification',
  category: 'industrial',
  parsers: ['iptables', 'zeek-s7comm'],
  seconds: 15,
  generate(ctx) {
    const site = ctx.rng.pick(ctx.world.industrial.filter((s) => serversOf(s, 's7comm').length > 0));
    const plc = ctx.rng.pick(serversOf(site, 's7comm'));
    const fam = ctx.rng.chance(0.5) ? 6 : 4;
    const attacker = attackerIp(ctx.rng, fam);
    const conn = newConn(ctx.rng, attacker, ipOf(plc, fam), ProtocolPorts.s7comm);
    const origin = { org: site.org.id, scenario: this.name };
    const [t0, t1, t2, t3, t4] = timeline(ctx, 5);
    const latency = () => ctx.rng.int(2000, 9000);
    return [
      iptables(origin, t0, site, 'ACCEPT', { src: conn.client, dst: conn.server, proto: 'TCP', spt: conn.clientPort, dpt: conn.serverPort }, true, ctx.rng),
      ...s7Exchange(origin, t1, conn, 0, S7.setup, latency()),
      ...s7Exchange(origin, t2, conn, 1, S7.readSzl, latency()),
      ...s7Exchange(origin, t3, conn, 2, S7.readSzl, latency()),
      ...s7Exchange(origin, t4, conn, 3, S7.plcStop, latency()),
    ];
  },
};
