/**
 * Query terms as people type them, on the command line and in API query
 * strings alike: times (`2026-11-25T14:00:00Z`, `now`, `-15m`) and field
 * filters (`source.ip=10.0.0.1`, `event.dataset=zeek.*`).
 */
import type { FieldFilter } from './store/store.js';

/** A time: an ISO date-time, `now`, or a relative time before now such as `-15m`, `-2h`, `-7d`. */
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

const FIELD = /^[A-Za-z0-9_@.]+$/;

/** `FIELD=VALUE` is equality, `FIELD=VALUE*` a prefix match; numbers and booleans compare as such. */
export function parseFilterArg(text: string): FieldFilter {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`not a FIELD=VALUE filter: "${text}"`);
  const field = text.slice(0, eq);
  if (!FIELD.test(field)) throw new Error(`bad field name "${field}" (letters, digits, _ @ and dots)`);
  let value = text.slice(eq + 1);
  if (value.endsWith('*') && !value.endsWith('\\*')) return { field, op: 'prefix', value: value.slice(0, -1) };
  value = value.replace(/\\\*$/, '*');
  if (value === 'true' || value === 'false') return { field, op: 'eq', value: value === 'true' };
  if (/^-?\d+(\.\d+)?$/.test(value)) return { field, op: 'eq', value: Number(value) };
  return { field, op: 'eq', value };
}
