/**
 * Retention on daily indices: an index whose whole day lies before the
 * cutoff is counted and deleted whole; in the index of the day the cutoff
 * falls in, the older documents are found and deleted by id in rounds
 * (this Elasticsearch build has no `_delete_by_query`).
 */
import type { Client } from '@elastic/elasticsearch';
import { BulkWriteError } from './bulk-writer.js';
import { dayEnd } from './index-names.js';
import type { IndexNames, RecordKind } from './index-names.js';

/** Indices named in one request: keeps URLs well under Elasticsearch's 4 KB line limit. */
const NAMES_PER_REQUEST = 40;
/** Documents deleted per round in a boundary-day index. */
const DELETE_ROUND = 5000;

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface RetentionTarget {
  readonly kind: RecordKind;
  /** The date field the cutoff applies to. */
  readonly timeField: string;
}

/**
 * Delete the records of `target` older than `cutoff` (epoch ms); returns how
 * many. `stillOpen` is asked between rounds so a closing store stops early.
 */
export async function deleteOlder(client: Client, names: IndexNames, target: RetentionTarget, cutoff: number, stillOpen: () => boolean): Promise<number> {
  const indices = Object.keys(
    await client.indices.get({ index: names.pattern(target.kind), ignore_unavailable: true, allow_no_indices: true, expand_wildcards: 'open', features: ['settings'] }),
  );
  const whole: string[] = [];
  const boundary: string[] = [];
  for (const index of indices) {
    const start = names.dayOf(target.kind, index);
    if (start === undefined) continue;
    if (dayEnd(start) <= cutoff) whole.push(index);
    else if (start < cutoff) boundary.push(index);
  }
  let deleted = 0;
  for (const batch of batches(whole, NAMES_PER_REQUEST)) {
    if (!stillOpen()) return deleted;
    deleted += (await client.count({ index: batch.join(','), ignore_unavailable: true, allow_no_indices: true })).count;
    await client.indices.delete({ index: batch.join(','), ignore_unavailable: true, allow_no_indices: true });
  }
  for (const batch of batches(boundary, NAMES_PER_REQUEST)) {
    deleted += await deleteByIds(client, batch.join(','), target.timeField, cutoff, stillOpen);
  }
  return deleted;
}

async function deleteByIds(client: Client, index: string, timeField: string, cutoff: number, stillOpen: () => boolean): Promise<number> {
  let deleted = 0;
  while (stillOpen()) {
    const found = await client.search({
      index,
      ignore_unavailable: true,
      allow_no_indices: true,
      size: DELETE_ROUND,
      _source: false,
      track_total_hits: false,
      query: { range: { [timeField]: { lt: cutoff, format: 'epoch_millis' } } },
      sort: ['_doc'],
    });
    const hits = found.hits.hits;
    if (hits.length === 0) break;
    const response = await client.bulk({
      operations: hits.map((hit) => ({ delete: { _index: hit._index, _id: hit._id as string } })),
      // The next round's search must not see these again.
      refresh: 'wait_for',
    });
    let round = 0;
    for (const item of response.items) {
      const result = item.delete;
      if (result === undefined) continue;
      if (result.status === 200 && result.result === 'deleted') round++;
      else if (result.status !== 404) throw new BulkWriteError(`retention could not delete ${result._id} in ${result._index}: ${result.status} ${result.error?.type ?? ''}`);
    }
    deleted += round;
    // Only someone else deleting the same documents meanwhile gives an empty round; do not spin on it.
    if (round === 0) break;
  }
  return deleted;
}
