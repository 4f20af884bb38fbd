/**
 * Handle.Net server access log:
 *   192.0.2.10 TCP:HDL(2) "2026-11-25 14:00:01.123+0800" 1 1 5ms 88.101.5/PUMP-0042 "" "HS_ADMIN"
 * client (IPv6 in brackets), transport:protocol, time, op code, response
 * code, elapsed, handle, requested indexes, requested types.
 */
import { isIP } from 'node:net';
import { handleTime, type Micros } from '../time.js';

/** Handle protocol response codes the simulator uses, by name (resolver-json writes the names). */
export const HandleResponseCodes = {
  SUCCESS: 1,
  ERROR: 2,
  SERVER_TOO_BUSY: 3,
  HANDLE_NOT_FOUND: 100,
  VALUES_NOT_FOUND: 200,
  INSUFFICIENT_PERMISSIONS: 401,
  AUTHENTICATION_NEEDED: 402,
} as const;
export type HandleStatus = keyof typeof HandleResponseCodes;

/** Handle protocol op codes. */
export const HandleOpCodes = { resolve: 1, site_info: 2, create: 100, modify: 104 } as const;
export type HandleOp = keyof typeof HandleOpCodes;

export interface HandleAccessRecord {
  readonly time: Micros;
  readonly client: string;
  readonly transport: 'TCP' | 'UDP' | 'HTTP';
  readonly op: HandleOp;
  readonly status: HandleStatus;
  readonly elapsedMs: number;
  readonly handle: string;
  readonly indexes: readonly number[];
  readonly types: readonly string[];
}

export function renderHandleAccess(r: HandleAccessRecord): string {
  const client = isIP(r.client) === 6 ? `[${r.client}]` : r.client;
  return `${client} ${r.transport}:HDL(2) "${handleTime(r.time)}" ${HandleOpCodes[r.op]} ${HandleResponseCodes[r.status]} ${r.elapsedMs}ms ${r.handle} "${r.indexes.join(',')}" "${r.types.join(',')}"`;
}
