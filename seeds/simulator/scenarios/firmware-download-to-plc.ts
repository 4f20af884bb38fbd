/**
 * Program blocks downloaded to an S7 PLC (Request Download, Download Block,
 * Download Ended, then PLC Control to restart it) from a host that is not
 * the engineering workstation: the Stuxnet/Triton pattern of replacing
 * controller logic.
 */
import { newConn, ProtocolPorts, s7Exchange, S7 } from '../emit.js';
import { ipOf, neighbour, serversOf, type SimLine } from '../world.js';
import { timeline, type Scenario } from './types.js';

export const firmwareDownloadToPlc: Scenario = {
  name: 'firmware-download-to-plc',
  description: 'S7comm block download to a PLC followed by a restart, from a host that is not an engineering workstation',
  category: 'industrial',
  parsers: ['zeek-s7comm'],
  seconds: 30,
  generate(ctx) {
    const site = ctx.rng.pick(ctx.world.industrial.filter((s) => serversOf(s, 's7comm').length > 0 && s.hmis.length > 0));
    const plc = ctx.rng.pick(serversOf(site, 's7comm'));
    const fam = ctx.rng.chance(0.5) ? 6 : 4;
    const rogue = neighbour(ipOf(site.hmis[0], fam), ctx.rng.int(150, 180));
    const conn = newConn(ctx.rng, rogue, ipOf(plc, fam), ProtocolPorts.s7comm);
    const origin = { org: site.org.id, scenario: this.name };
    const blocks = ctx.rng.int(4, 8);
    const steps = [S7.setup, S7.readSzl, S7.requestDownload, ...Array.from({ length: blocks }, () => S7.downloadBlock), S7.downloadEnded, S7.plcControl];
    const out: SimLine[] = [];
    timeline(ctx, steps.length).forEach((t, i) => out.push(...s7Exchange(origin, t, conn, i, steps[i], ctx.rng.int(3000, 20000))));
    return out;
  },
};
