/**
 * Password guessing against an OPC UA server: many sessions created and
 * ActivateSession rejected, then one accepted. Seen twice: in the server's
 * audit log (opcua-audit) and on the wire (zeek-opcua).
 */
import {
  newConn, newOpcuaSession, opcuaAudit, opcuaCall, opcuaHello, opcuaServerId, ProtocolPorts,
} from '../emit.js';
import type { SimLine } from '../world.js';
import { ipOf, neighbour, serversOf } from '../world.js';
import { timeline, type Scenario } from './types.js';

const Guesses = ['admin', 'operator', 'opcua', 'operator1', 'engineer', 'root', 'user', 'scada', 'service', 'maint'];

export const opcuaBruteForce: Scenario = {
  name: 'opcua-brute-force',
  description: 'Many failed OPC UA ActivateSession attempts from one host, then a success',
  category: 'industrial',
  parsers: ['opcua-audit', 'zeek-opcua'],
  seconds: 40,
  generate(ctx) {
    const site = ctx.rng.pick(ctx.world.industrial.filter((s) => serversOf(s, 'opcua').length > 0 && s.hmis.length > 0));
    const server = ctx.rng.pick(serversOf(site, 'opcua'));
    const fam = ctx.rng.chance(0.5) ? 6 : 4;
    const attacker = neighbour(ipOf(site.hmis[0], fam), ctx.rng.int(100, 140));
    const conn = newConn(ctx.rng, attacker, ipOf(server, fam), ProtocolPorts.opcua);
    const origin = { org: site.org.id, scenario: this.name };
    const serverId = opcuaServerId(site, server);
    const attempts = ctx.rng.int(18, 28);
    const times = timeline(ctx, attempts + 1);
    const session = newOpcuaSession(ctx.rng, conn);
    const out: SimLine[] = opcuaHello(origin, times[0], session, `opc.tcp://${server.hostname ?? server.id}:4840`);
    for (let i = 1; i <= attempts; i++) {
      const t = times[i];
      const success = i === attempts;
      const user = success ? 'operator1' : Guesses[(i - 1) % Guesses.length];
      out.push(opcuaCall(origin, t, session, 'CreateSession', 2500));
      out.push(opcuaCall(origin, t + 4000, session, 'ActivateSession', 3000));
      out.push(opcuaAudit(origin, {
        type: 'AuditActivateSessionEventType', time: t + 6000, serverId, clientAuditEntryId: ctx.rng.uuid(), clientUserId: user,
        status: success, sessionId: `ns=1;i=${ctx.rng.int(100, 99999)}`, clientAddress: attacker, severity: success ? 100 : 500,
        message: success ? `Session activated for ${user}` : `ActivateSession rejected for ${user}: BadUserAccessDenied`,
      }));
    }
    return out;
  },
};
