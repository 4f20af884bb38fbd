/**
 * BIND 9 query log (category queries):
 *   25-Nov-2026 14:00:01.123 queries: info: client @0x7f8b2c0 203.0.113.5#53211 (pump-0042.88.101.5.idres.example): query: pump-0042.88.101.5.idres.example IN A +E(0)K (10.0.0.53)
 */
import { bindTime, type Micros } from '../time.js';

export interface BindQueryRecord {
  readonly time: Micros;
  /** BIND's client object address, e.g. `7f8b2c0a1e60`. */
  readonly clientObject: string;
  readonly client: string;
  readonly clientPort: number;
  readonly name: string;
  readonly qtype: string;
  /** `+` recursion desired, `E(0)` EDNS version, `K` cookie, `D` DO bit, ... */
  readonly flags: string;
  readonly server: string;
}

export function renderBindQuery(r: BindQueryRecord): string {
  return `${bindTime(r.time)} queries: info: client @0x${r.clientObject} ${r.client}#${r.clientPort} (${r.name}): query: ${r.name} IN ${r.qtype} ${r.flags} (${r.server})`;
}
