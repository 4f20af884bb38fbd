/**
 * A host that is not the SCADA master talks DNP3 to an outstation: it reads
 * points, operates a relay (select/operate, then direct operate), disables
 * unsolicited reporting to blind the master, and cold-restarts the RTU.
 */
import { dnp3, newConn, ProtocolPorts } from '../emit.js';
import { ipOf, neighbour, serversOf } from '../world.js';
import { timeline, type Scenario } from './types.js';

const Steps: readonly (readonly [string, string])[] = [
  ['READ', 'RESPONSE'], ['SELECT', 'RESPONSE'], ['OPERATE', 'RESPONSE'], ['DIRECT_OPERATE', 'RESPONSE'],
  ['DIRECT_OPERATE', 'RESPONSE'], ['DIRECT_OPERATE', 'RESPONSE'], ['DISABLE_UNSOLICITED', 'RESPONSE'], ['COLD_RESTART', 'RESPONSE'],
];

export const dnp3UnsolicitedControl: Scenario = {
  name: 'dnp3-unsolicited-control',
  description: 'DNP3 control commands (operate, direct operate, disable unsolicited, cold restart) from a host that is not the master',
  category: 'industrial',
  parsers: ['zeek-dnp3'],
  seconds: 20,
  generate(ctx) {
    const site = ctx.rng.pick(ctx.world.industrial.filter((s) => serversOf(s, 'dnp3').length > 0 && s.scada.length > 0));
    const rtu = ctx.rng.pick(serversOf(site, 'dnp3'));
    const fam = ctx.rng.chance(0.5) ? 6 : 4;
    const rogue = neighbour(ipOf(site.scada[0], fam), ctx.rng.int(90, 99));
    const conn = newConn(ctx.rng, rogue, ipOf(rtu, fam), ProtocolPorts.dnp3);
    const origin = { org: site.org.id, scenario: this.name };
    return timeline(ctx, Steps.length).map((t, i) => dnp3(origin, t, conn, Steps[i][0], Steps[i][1], i === Steps.length - 1 ? 0 : 2));
  },
};
