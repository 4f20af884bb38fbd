/**
 * The Elasticsearch query for an EventQuery's scope, time range, filters and
 * text, with the semantics of core/store/store.ts (and the SQLite store
 * where the contract is silent):
 *
 * - scope: `terms` on `org.id`; an empty list is answered by the caller without asking.
 * - `eq`: exact value; on an array field any element. Schema fields are
 *   queried by their mapped type; a value that cannot be of that type matches
 *   nothing rather than failing the search. IP fields compare canonical text
 *   (the `canonical` sub-field). Fields outside the schema are dynamically
 *   typed, so a lenient `match` (exact on keyword, parse failures ignored).
 * - `prefix`: literal (no wildcards), on string values only; IP fields by the
 *   lower-case canonical text.
 * - text: every word in `message.text` or `event.original.text` (cross
 *   fields), analysed by the standard analyzer, so query syntax is plain
 *   text; a text with no words does not restrict.
 */
import type { estypes } from '@elastic/elasticsearch';
import { canonicalIp } from '../../ip.js';
import type { EventQuery, FieldFilter } from '../store.js';
import { esFieldType } from './field-types.js';
import { IP_TEXT_SUBFIELD } from './mapping.js';

export type EventCriteria = Omit<EventQuery, 'limit' | 'order' | 'cursor'>;
type Query = estypes.QueryDslQueryContainer;

const FIELD_PATTERN = /^[A-Za-z0-9_@]+(?:\.[A-Za-z0-9_@]+)*$/;
const MAX_FIELD_LENGTH = 256;
const NUMERIC_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const TEXT_FIELDS = ['message.text', 'event.original.text'];
const MATCH_NONE: Query = { match_none: {} };

/** Throws unless `field` is a dotted path of `[A-Za-z0-9_@]` segments (as the SQLite store). */
export function checkField(field: string): void {
  if (typeof field !== 'string' || field.length > MAX_FIELD_LENGTH || !FIELD_PATTERN.test(field)) {
    throw new TypeError(`invalid field name ${JSON.stringify(field)}: use dotted segments of letters, digits, _ and @`);
  }
}

export function checkDate(date: Date | undefined, name: string): number | undefined {
  if (date === undefined) return undefined;
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new TypeError(`${name} must be a valid Date`);
  return ms;
}

/** IP-valued fields by name, as the SQLite store: `*.ip`, `*_ip`. */
function isIpNamed(field: string): boolean {
  const last = field.slice(field.lastIndexOf('.') + 1);
  return last === 'ip' || last.endsWith('_ip');
}

/** Range on a date field: `from` inclusive, `to` exclusive, epoch ms. */
export function timeRange(field: string, from: number | undefined, to: number | undefined): Query[] {
  if (from === undefined && to === undefined) return [];
  return [{ range: { [field]: { ...(from === undefined ? {} : { gte: from }), ...(to === undefined ? {} : { lt: to }), format: 'epoch_millis' } } }];
}

/** The org scope as a filter (none for undefined; callers answer [] themselves). */
export function scopeFilter(field: string, orgIds: readonly string[] | undefined): Query[] {
  return orgIds === undefined ? [] : [{ terms: { [field]: [...orgIds] } }];
}

function numberValue(value: string | number | boolean, integer: boolean): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && NUMERIC_TEXT.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) return undefined;
  if (integer && !Number.isSafeInteger(n)) return undefined;
  return n;
}

export function eqQuery(field: string, value: string | number | boolean): Query {
  const type = esFieldType(field);
  switch (type) {
    case 'ip': {
      const canonical = typeof value === 'string' ? canonicalIp(value) : null;
      return canonical === null ? MATCH_NONE : { term: { [`${field}.${IP_TEXT_SUBFIELD}`]: canonical } };
    }
    case 'keyword':
      return { term: { [field]: String(value) } };
    case 'long':
    case 'double': {
      const n = numberValue(value, type === 'long');
      return n === undefined ? MATCH_NONE : { term: { [field]: n } };
    }
    case 'boolean': {
      const b = value === true || value === 'true' ? true : value === false || value === 'false' ? false : undefined;
      return b === undefined ? MATCH_NONE : { term: { [field]: b } };
    }
    case 'date': {
      const ms = typeof value === 'string' ? Date.parse(value) : NaN;
      return Number.isFinite(ms) ? { term: { [field]: ms } } : MATCH_NONE;
    }
    case undefined: {
      const text = typeof value === 'string' && isIpNamed(field) ? (canonicalIp(value) ?? value.toLowerCase()) : value;
      return { match: { [field]: { query: text, lenient: true } } };
    }
  }
}

/**
 * Prefix on string values. `stringIndices`, for a field outside the schema,
 * names the indices where it is mapped as a string (from field caps): a
 * prefix query fails on a numeric field, so it only runs where it can match.
 */
export function prefixQuery(field: string, value: string | number | boolean, stringIndices?: readonly string[]): Query {
  const text = String(value);
  const type = esFieldType(field);
  if (type === 'ip') return { prefix: { [`${field}.${IP_TEXT_SUBFIELD}`]: text.toLowerCase() } };
  if (type === 'keyword') return { prefix: { [field]: text } };
  if (type !== undefined) return MATCH_NONE;
  if (stringIndices === undefined || stringIndices.length === 0) return MATCH_NONE;
  const literal = isIpNamed(field) ? text.toLowerCase() : text;
  // Shards of other indices rewrite the `_index` clause to match_none before the prefix is parsed.
  return { bool: { filter: [{ terms: { _index: [...stringIndices] } }, { prefix: { [field]: literal } }] } };
}

export function filterQuery(filter: FieldFilter, stringIndices?: readonly string[]): Query {
  checkField(filter.field);
  const value = filter.value;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new TypeError(`filter on ${filter.field}: value must be a string, number or boolean`);
  }
  switch (filter.op) {
    case 'eq':
      return eqQuery(filter.field, value);
    case 'prefix':
      return prefixQuery(filter.field, value, stringIndices);
    default:
      throw new TypeError(`filter on ${filter.field}: unknown op ${JSON.stringify(filter.op as string)}`);
  }
}

export function textQuery(text: string | undefined): Query[] {
  if (text === undefined || text.trim() === '') return [];
  return [{ multi_match: { query: text, type: 'cross_fields', fields: TEXT_FIELDS, operator: 'and', zero_terms_query: 'all' } }];
}

/**
 * The whole query. `prefixIndices` maps a non-schema field given to a
 * `prefix` filter to the indices where it is a string (see prefixQuery).
 */
export function eventsQuery(criteria: EventCriteria, prefixIndices: ReadonlyMap<string, readonly string[]> = new Map()): Query {
  const filter: Query[] = [
    ...scopeFilter('org.id', criteria.orgIds),
    ...timeRange('@timestamp', checkDate(criteria.from, 'from'), checkDate(criteria.to, 'to')),
    ...(criteria.filters ?? []).map((f) => filterQuery(f, prefixIndices.get(f.field))),
  ];
  const must = textQuery(criteria.text);
  return { bool: { filter, ...(must.length > 0 ? { must } : {}) } };
}

/** Fields outside the schema used with `prefix`: their string-typed indices must be looked up first. */
export function fieldsNeedingCaps(criteria: EventCriteria): string[] {
  const out = new Set<string>();
  for (const f of criteria.filters ?? []) {
    if (f.op === 'prefix' && typeof f.field === 'string' && FIELD_PATTERN.test(f.field) && esFieldType(f.field) === undefined) out.add(f.field);
  }
  return [...out];
}
