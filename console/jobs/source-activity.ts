/**
 * What each data source of an org (its `event.dataset`) has been sending,
 * from the store's aggregates only: events in the lookback, the newest time
 * bucket it sent in, and whether it has gone silent (sent within the
 * lookback, nothing for the silence threshold). Shared by the posture
 * summary and the silence detector, so both call the same source silent.
 */
import type { Store } from '../../core/store/store.js';

export interface SourceActivity {
  /** The `event.dataset`. */
  readonly dataset: string;
  /** Events in [now - lookback, now). */
  readonly events: number;
  /**
   * ISO start of the newest bucket it sent in: when it was last seen, to the
   * bucket's width. It only moves when the source sends again, which is what
   * makes it a stable name for one silence.
   */
  readonly lastBucket: string;
  /** Nothing in [now - silence, now) though it sent within the lookback. */
  readonly silent: boolean;
}

export interface SourceActivityQuery {
  readonly orgId: string;
  readonly now: Date;
  readonly lookbackMs: number;
  readonly silenceMs: number;
}

/** Most buckets one source's newest-bucket query may return (the store's aggregate page is 10,000 rows). */
const MAX_BUCKETS = 5000;

/**
 * Width of the last-seen buckets for a lookback: one minute, or wider when
 * the lookback holds more than MAX_BUCKETS minutes. A function of the
 * configuration only, so a silence keeps its bucket from run to run.
 */
export function bucketSecondsFor(lookbackMs: number): number {
  return Math.max(60, Math.ceil(lookbackMs / 1000 / MAX_BUCKETS / 60) * 60);
}

/** Events per dataset of one org in [from, to); events without a dataset are left out. */
export async function eventsPerDataset(store: Store, orgId: string, from: Date, to: Date): Promise<Map<string, number>> {
  const rows = await store.aggregateEvents({ orgIds: [orgId], from, to, groupBy: ['event.dataset'], limit: 10_000 });
  const out = new Map<string, number>();
  for (const row of rows) {
    const dataset = row.key[0];
    if (typeof dataset === 'string' && dataset !== '') out.set(dataset, (out.get(dataset) ?? 0) + row.count);
  }
  return out;
}

/** Every source of the org that sent within the lookback, by dataset name. */
export async function sourceActivity(store: Store, query: SourceActivityQuery): Promise<SourceActivity[]> {
  const { orgId, now, lookbackMs, silenceMs } = query;
  const lookbackStart = new Date(now.getTime() - lookbackMs);
  const silenceStart = new Date(now.getTime() - Math.min(silenceMs, lookbackMs));
  const inLookback = await eventsPerDataset(store, orgId, lookbackStart, now);
  if (inLookback.size === 0) return [];
  const recent = await eventsPerDataset(store, orgId, silenceStart, now);
  const bucketSeconds = bucketSecondsFor(lookbackMs);
  const out: SourceActivity[] = [];
  for (const [dataset, events] of [...inLookback].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const silent = !recent.has(dataset);
    // Only the part of the lookback that holds its newest event is bucketed.
    const from = silent ? lookbackStart : silenceStart;
    const to = silent ? silenceStart : now;
    const rows = await store.aggregateEvents({
      orgIds: [orgId], from, to, filters: [{ field: 'event.dataset', op: 'eq', value: dataset }],
      groupBy: ['event.dataset'], bucketSeconds, limit: 10_000,
    });
    let lastBucket: string | undefined;
    for (const row of rows) if (row.bucket !== undefined && (lastBucket === undefined || row.bucket > lastBucket)) lastBucket = row.bucket;
    // A source counted a moment ago but aged out of the range since (a bucket boundary just passed): nothing to say.
    if (lastBucket === undefined) continue;
    out.push({ dataset, events, lastBucket, silent });
  }
  return out;
}
