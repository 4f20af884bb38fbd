/**
 * Time arguments for the command line: an ISO date-time, `now`, or a
 * relative time before now such as `-15m`, `-2h`, `-7d`.
 */
const RELATIVE = /^-(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseTimeArg(text: string, now: Date = new Date()): Date {
  if (text === 'now') return now;
  const rel = RELATIVE.exec(text);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`not a time: "${text}" (use ISO 8601 like 2026-11-25T14:00:00Z, "now", or -15m / -2h / -7d)`);
  return new Date(ms);
}
