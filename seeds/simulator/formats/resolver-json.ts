/**
 * Identifier-resolution node query log, one JSON object a line:
 *   {"time":"2026-11-25T14:00:01.123Z","node":"sn-auto-js","node_level":"secondary","client":"2001:db8:1::20","client_port":5353,"identifier":"88.101.5/PUMP-0042","query_type":"resolve","types":["URL"],"status":"SUCCESS","latency_ms":3.2}
 * `status` is a Handle response code name.
 */
import { isoUtc, type Micros } from '../time.js';
import type { HandleOp, HandleStatus } from './handle-access.js';

export interface ResolverRecord {
  readonly time: Micros;
  readonly node: string;
  readonly nodeLevel: string;
  readonly client: string;
  readonly clientPort: number;
  readonly identifier: string;
  readonly queryType: HandleOp;
  readonly types: readonly string[];
  readonly status: HandleStatus;
  readonly latencyMs: number;
}

export function renderResolverJson(r: ResolverRecord): string {
  return JSON.stringify({
    time: isoUtc(r.time),
    node: r.node,
    node_level: r.nodeLevel,
    client: r.client,
    client_port: r.clientPort,
    identifier: r.identifier,
    query_type: r.queryType,
    types: r.types,
    status: r.status,
    latency_ms: Math.round(r.latencyMs * 10) / 10,
  });
}
