/**
 * ArcSight Common Event Format behind a syslog prefix:
 *   Nov 25 14:00:01 fw-01 CEF:0|Hirschmann|EAGLE40|4.3|1001|Modbus write blocked|7|src=203.0.113.7 dst=10.1.1.20 spt=40522 dpt=502 proto=TCP act=blocked msg=Write Single Register denied rt=1795581601000
 * CEF's `src`/`dst` are IPv4 fields, so IPv6 endpoints go in `c6a2`/`c6a3`
 * (source/destination IPv6 address) with their labels.
 */
import { isIP } from 'node:net';
import { epochMillis, syslogTime, type Micros } from '../time.js';

export interface CefRecord {
  readonly time: Micros;
  readonly host: string;
  readonly vendor: string;
  readonly product: string;
  readonly version: string;
  readonly signatureId: string;
  readonly name: string;
  /** 0..10 */
  readonly severity: number;
  readonly src?: string;
  readonly dst?: string;
  /** Further extension pairs, in output order, after the addresses. */
  readonly extension: readonly (readonly [string, string | number])[];
}

/** Header fields escape `\` and `|`. */
export function cefHeaderEscape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

/** Extension values escape `\`, `=` and line breaks. */
export function cefValueEscape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r?\n/g, '\\n');
}

function addressPairs(src: string | undefined, dst: string | undefined): [string, string][] {
  const out: [string, string][] = [];
  if (src) out.push(isIP(src) === 6 ? ['c6a2', src] : ['src', src]);
  if (dst) out.push(isIP(dst) === 6 ? ['c6a3', dst] : ['dst', dst]);
  if (src && isIP(src) === 6) out.push(['c6a2Label', 'Source IPv6 Address']);
  if (dst && isIP(dst) === 6) out.push(['c6a3Label', 'Destination IPv6 Address']);
  return out;
}

export function renderCef(r: CefRecord): string {
  const header = ['CEF:0', r.vendor, r.product, r.version, r.signatureId, r.name, String(r.severity)]
    .map((v, i) => (i === 0 ? v : cefHeaderEscape(v)))
    .join('|');
  const ext = [...addressPairs(r.src, r.dst), ...r.extension, ['rt', epochMillis(r.time)] as const]
    .map(([k, v]) => `${k}=${cefValueEscape(String(v))}`)
    .join(' ');
  return `${syslogTime(r.time)} ${r.host} ${header}|${ext}`;
}
