/**
 * A host that is neither an HMI nor an engineering workstation (a laptop
 * plugged into the supervisory network) reads a Modbus PLC's registers and
 * then overwrites holding registers and coils.
 */
import { modbus, newConn, ProtocolPorts } from '../emit.js';
import { ipOf, neighbour, serversOf } from '../world.js';
import { timeline, type Scenario } from './types.js';

const Steps = [
  'READ_DEVICE_IDENTIFICATION', 'READ_HOLDING_REGISTERS', 'READ_HOLDING_REGISTERS', 'READ_COILS',
  'WRITE_SINGLE_REGISTER', 'WRITE_SINGLE_REGISTER', 'WRITE_MULTIPLE_REGISTERS', 'WRITE_SINGLE_REGISTER',
  'WRITE_SINGLE_COIL', 'WRITE_SINGLE_COIL', 'WRITE_MULTIPLE_COILS', 'WRITE_MULTIPLE_REGISTERS',
] as const;

export const modbusUnauthorizedWrite: Scenario = {
  name: 'modbus-unauthorized-write',
  description: 'Modbus writes to holding registers and coils from a host that is not an HMI or engineering workstation',
  category: 'industrial',
  parsers: ['zeek-modbus'],
  seconds: 20,
  generate(ctx) {
    const site = ctx.rng.pick(ctx.world.industrial.filter((s) => serversOf(s, 'modbus').length > 0 && s.hmis.length > 0));
    const plc = ctx.rng.pick(serversOf(site, 'modbus'));
    const fam = ctx.rng.chance(0.5) ? 6 : 4;
    const rogue = neighbour(ipOf(site.hmis[0], fam), ctx.rng.int(70, 99));
    const conn = newConn(ctx.rng, rogue, ipOf(plc, fam), ProtocolPorts.modbus);
    const origin = { org: site.org.id, scenario: this.name };
    return timeline(ctx, Steps.length).map((t, i) => modbus(origin, t, conn, Steps[i]));
  },
};
