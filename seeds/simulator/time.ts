/**
 * Timestamp renderings of the native log formats. Simulated time is an
 * integer count of microseconds since the epoch (`Micros`), so Zeek's
 * six-digit fractions are exact and no float drift creeps into the output.
 *
 * Zone convention: formats that carry an offset are written in China
 * Standard Time (+08:00, where the seeded orgs are); formats that carry no
 * zone at all (syslog `Nov 25 14:00:01`, BIND `25-Nov-2026 14:00:01.123`)
 * are written in UTC, which is what a parser must assume for them.
 */
export type Micros = number;

export const CST_OFFSET_MINUTES = 8 * 60;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function parts(us: Micros, offsetMinutes: number) {
  const d = new Date(Math.floor(us / 1000) + offsetMinutes * 60_000);
  return {
    y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(),
    h: pad(d.getUTCHours()), mi: pad(d.getUTCMinutes()), s: pad(d.getUTCSeconds()),
    ms: pad(Math.floor(us / 1000) % 1000, 3),
  };
}

export function microsFromIso(iso: string): Micros {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an ISO date: ${iso}`);
  return ms * 1000;
}

/** `2026-11-25T14:00:01.123Z` */
export function isoUtc(us: Micros): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

/** `2026-11-25T22:00:01.123+08:00` */
export function isoCst(us: Micros): string {
  const p = parts(us, CST_OFFSET_MINUTES);
  return `${p.y}-${pad(p.mo + 1)}-${pad(p.d)}T${p.h}:${p.mi}:${p.s}.${p.ms}+08:00`;
}

/** RFC 3164 syslog time, UTC: `Nov 25 14:00:01`, day space-padded (`Nov  5`). */
export function syslogTime(us: Micros): string {
  const p = parts(us, 0);
  return `${MONTHS[p.mo]} ${String(p.d).padStart(2, ' ')} ${p.h}:${p.mi}:${p.s}`;
}

/** Zeek `time`: epoch seconds with six decimals. */
export function zeekTime(us: Micros): string {
  const whole = Math.floor(us / 1_000_000);
  return `${whole}.${pad(us - whole * 1_000_000, 6)}`;
}

/** Zeek `#open`/`#close` stamp, UTC: `2026-11-25-14-00-01`. */
export function zeekStamp(us: Micros): string {
  const p = parts(us, 0);
  return `${p.y}-${pad(p.mo + 1)}-${pad(p.d)}-${p.h}-${p.mi}-${p.s}`;
}

/** nginx `$time_local`, CST: `25/Nov/2026:22:00:01 +0800` */
export function clfTime(us: Micros): string {
  const p = parts(us, CST_OFFSET_MINUTES);
  return `${pad(p.d)}/${MONTHS[p.mo]}/${p.y}:${p.h}:${p.mi}:${p.s} +0800`;
}

/** Handle server access log, CST: `2026-11-25 22:00:01.123+0800` */
export function handleTime(us: Micros): string {
  const p = parts(us, CST_OFFSET_MINUTES);
  return `${p.y}-${pad(p.mo + 1)}-${pad(p.d)} ${p.h}:${p.mi}:${p.s}.${p.ms}+0800`;
}

/** BIND query log, UTC: `25-Nov-2026 14:00:01.123` */
export function bindTime(us: Micros): string {
  const p = parts(us, 0);
  return `${pad(p.d)}-${MONTHS[p.mo]}-${p.y} ${p.h}:${p.mi}:${p.s}.${p.ms}`;
}

/** CEF `rt`: epoch milliseconds. */
export function epochMillis(us: Micros): number {
  return Math.floor(us / 1000);
}
