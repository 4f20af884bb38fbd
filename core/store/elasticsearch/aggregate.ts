/**
 * aggregateEvents on Elasticsearch: a `composite` aggregation (one `terms`
 * source per groupBy field with `missing_bucket`, plus a `date_histogram`
 * when bucketing by time), paged with `after_key` through every bucket, of
 * which only the `limit` largest are kept (largest count first, ties by key
 * ascending then bucket, as the SQLite store orders them: null before
 * numbers and booleans, before text).
 */
import type { estypes } from '@elastic/elasticsearch';
import type { AggregateRow } from '../store.js';
import { esFieldType } from './field-types.js';
import { IP_TEXT_SUBFIELD } from './mapping.js';
import { checkField } from './query-builder.js';

export type KeyValue = string | number | boolean | null;
type Row = AggregateRow & { readonly bucketMs?: number };

/** Source names are positional (`g0`, `g1`, ... and `t`), never caller input. */
export function compositeSources(groupBy: readonly string[], bucketMs: number | undefined): Record<string, estypes.AggregationsCompositeAggregationSource>[] {
  const sources: Record<string, estypes.AggregationsCompositeAggregationSource>[] = groupBy.map((field, i) => {
    checkField(field);
    // Group IPs by their canonical text, as stored (the ip type would merge ::ffff:a.b.c.d into a.b.c.d).
    const target = esFieldType(field) === 'ip' ? `${field}.${IP_TEXT_SUBFIELD}` : field;
    return { [`g${i}`]: { terms: { field: target, missing_bucket: true } } };
  });
  if (bucketMs !== undefined) sources.push({ t: { date_histogram: { field: '@timestamp', fixed_interval: `${bucketMs}ms` } } });
  return sources;
}

/** The bucket width in ms, checked. */
export function bucketWidth(bucketSeconds: number | undefined): number | undefined {
  if (bucketSeconds === undefined) return undefined;
  if (!Number.isFinite(bucketSeconds) || bucketSeconds <= 0) throw new RangeError(`bucketSeconds must be a positive number, got ${bucketSeconds}`);
  return Math.max(1, Math.round(bucketSeconds * 1000));
}

/** A composite bucket as a row; dates come back as ISO text, as the SQLite store gives the stored text. */
export function rowOf(groupBy: readonly string[], bucket: estypes.AggregationsCompositeBucket, bucketMs: number | undefined): Row {
  const key = groupBy.map((field, i): KeyValue => {
    const value = bucket.key[`g${i}`] as KeyValue | undefined;
    if (value === undefined || value === null) return null;
    if (esFieldType(field) === 'date' && typeof value === 'number') return new Date(value).toISOString();
    return value;
  });
  if (bucketMs === undefined) return { key, count: bucket.doc_count };
  const start = Number(bucket.key.t);
  return { key, bucket: new Date(start).toISOString(), bucketMs: start, count: bucket.doc_count };
}

function rank(value: KeyValue): number {
  if (value === null) return 0;
  return typeof value === 'string' ? 2 : 1;
}

function numeric(value: number | boolean): number {
  return typeof value === 'boolean' ? Number(value) : value;
}

export function compareKeyValues(a: KeyValue, b: KeyValue): number {
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  if (a === null || b === null) return 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return numeric(a as number | boolean) - numeric(b as number | boolean);
}

/** Largest count first, then keys ascending, then bucket ascending. */
export function compareRows(a: Row, b: Row): number {
  if (a.count !== b.count) return b.count - a.count;
  for (let i = 0; i < a.key.length; i++) {
    const c = compareKeyValues(a.key[i], b.key[i]);
    if (c !== 0) return c;
  }
  return (a.bucketMs ?? 0) - (b.bucketMs ?? 0);
}

/**
 * Keeps the `limit` first rows by compareRows over any number of pages,
 * holding at most about twice `limit` rows at a time.
 */
export class TopRows {
  private rows: Row[] = [];

  constructor(private readonly limit: number) {}

  add(row: Row): void {
    this.rows.push(row);
    if (this.rows.length >= Math.max(2 * this.limit, 1024)) this.trim();
  }

  result(): AggregateRow[] {
    this.trim();
    return this.rows.map(({ bucketMs: _bucketMs, ...row }) => row);
  }

  private trim(): void {
    this.rows.sort(compareRows);
    this.rows.length = Math.min(this.rows.length, this.limit);
  }
}
