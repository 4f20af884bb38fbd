/**
 * Names of the store's time-based indices: one per kind, org tier and UTC
 * day, e.g. `iisa-events-enterprise-2024.03.01`. Retention deletes whole
 * days by name, and searches read every day through a wildcard pattern.
 */
import { z } from 'zod';
import type { OrgRegistry } from '../../orgs.js';

export const TIERS = ['enterprise', 'provincial', 'national'] as const;
export const TierSchema = z.enum(TIERS);
export type Tier = z.infer<typeof TierSchema>;

export const KINDS = ['events', 'dead-letters', 'rule-hits'] as const;
export type RecordKind = (typeof KINDS)[number];

/** Decides an org's tier; it only picks the index, never who may read it. */
export type TierOf = (orgId: string) => Tier;

/**
 * Records without an org (unidentified senders' dead letters) go to the
 * national tier: only unscoped callers (the national centre, internal jobs)
 * may see them anyway.
 */
export const ORGLESS_TIER: Tier = 'national';

/** Lower case, starts with a letter, letters/digits/dashes: a valid start of an index name that no wildcard of ours can confuse. */
export const IndexPrefixSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,99}$/, 'index prefix: lower-case letters, digits and dashes, starting with a letter')
  .refine((prefix) => !prefix.endsWith('-'), 'index prefix must not end with a dash')
  // Another store's wildcard (`<prefix>-events-*`) must never reach this store's indices.
  .refine((prefix) => !/-(events|dead-letters|rule-hits)(-|$)/.test(prefix), 'index prefix must not contain -events, -dead-letters or -rule-hits as a part');

const DAY_MS = 86_400_000;
const DAY_SUFFIX = /-(\d{4})\.(\d{2})\.(\d{2})$/;

/** The tier function for an org registry: the org's own tier, `enterprise` for an org the registry does not know. */
export function tierOfFromRegistry(registry: OrgRegistry): TierOf {
  return (orgId) => registry.get(orgId)?.tier ?? 'enterprise';
}

export class IndexNames {
  constructor(readonly prefix: string) {
    IndexPrefixSchema.parse(prefix);
  }

  /** The index a record of `kind` for `tier` at epoch ms `time` goes to. */
  daily(kind: RecordKind, tier: Tier, time: number): string {
    return `${this.kindPrefix(kind)}${tier}-${dayStamp(time)}`;
  }

  /** Every index of a kind, all tiers and days. */
  pattern(kind: RecordKind): string {
    return `${this.kindPrefix(kind)}*`;
  }

  /**
   * The one index of all document collections (not daily: documents change
   * in place and are few). No other store's patterns reach it: those need
   * `-events-`, `-dead-letters-` or `-rule-hits-` in the name, which no
   * prefix may contain.
   */
  documents(): string {
    return `${this.prefix}-documents`;
  }

  /** The name of the kind's index template. */
  template(kind: RecordKind): string {
    return `${this.prefix}-${kind}`;
  }

  /** The start (epoch ms, UTC midnight) of the day an index of this store holds, or undefined if the name is not one of ours. */
  dayOf(kind: RecordKind, index: string): number | undefined {
    if (!index.startsWith(this.kindPrefix(kind))) return undefined;
    const rest = index.slice(this.kindPrefix(kind).length);
    const tier = rest.slice(0, rest.indexOf('-'));
    if (!(TIERS as readonly string[]).includes(tier)) return undefined;
    const match = DAY_SUFFIX.exec(rest);
    if (match === null || rest.length !== tier.length + 11) return undefined;
    const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    return Number.isFinite(start) && dayStamp(start) === `${match[1]}.${match[2]}.${match[3]}` ? start : undefined;
  }

  private kindPrefix(kind: RecordKind): string {
    return `${this.prefix}-${kind}-`;
  }
}

/** UTC start of the day holding epoch ms `time`. */
export function dayStart(time: number): number {
  return Math.floor(time / DAY_MS) * DAY_MS;
}

export function dayEnd(time: number): number {
  return dayStart(time) + DAY_MS;
}

/** `YYYY.MM.DD` of the UTC day holding `time`; years outside 0..9999 cannot name an index and are refused. */
export function dayStamp(time: number): string {
  if (!Number.isFinite(time)) throw new RangeError('cannot name an index for an invalid time');
  const date = new Date(time);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(year) || year < 0 || year > 9999) throw new RangeError(`time ${new Date(time).toISOString()} is outside the years 0000..9999 an index can be named by`);
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  return `${pad(year, 4)}.${pad(date.getUTCMonth() + 1, 2)}.${pad(date.getUTCDate(), 2)}`;
}
