/**
 * The index of a store's documents (core/store/documents.ts): one index for
 * every collection, created with explicit settings and mapping before the
 * first write (not from a template: it is a single index, and creating it
 * lazily keeps a store that holds no documents free of it).
 *
 * Mapping: the fields queries use are keyword (exact match, byte-order
 * sort), `version` a long, `updated_at` a date. `idx` holds the writer's
 * index keys flat (`subobjects: false`, so keys `a` and `a.b` can both exist),
 * mapped on first sight by the dynamic templates below: strings keyword,
 * every number double (so 5 then 5.5 under one key are both kept exactly,
 * which a `long` guessed from the first value would not), booleans boolean.
 * The body is kept in `_source` and not indexed at all.
 */
import { errors } from '@elastic/elasticsearch';
import type { Client, estypes } from '@elastic/elasticsearch';
import { KEYWORD_IGNORE_ABOVE } from './mapping.js';
import { MAX_RESULT_WINDOW } from './templates.js';

export interface DocumentIndexSettings {
  readonly refreshInterval: string;
}

/** Field names in the index; `idx.<key>` for an index key. */
export const DocumentFields = {
  collection: 'collection',
  id: 'id',
  orgId: 'org_id',
  sortKey: 'sort_key',
  version: 'version',
  updatedAt: 'updated_at',
  index: 'idx',
  body: 'body',
} as const;

export function documentIndexMappings(): estypes.MappingTypeMapping {
  const keyword: estypes.MappingProperty = { type: 'keyword' };
  return {
    // Only `idx` takes new fields; anything else in a document is a bug of ours.
    dynamic: 'strict',
    date_detection: false,
    numeric_detection: false,
    dynamic_templates: [
      { idx_strings: { path_match: 'idx.*', match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE } } },
      { idx_longs: { path_match: 'idx.*', match_mapping_type: 'long', mapping: { type: 'double' } } },
      { idx_doubles: { path_match: 'idx.*', match_mapping_type: 'double', mapping: { type: 'double' } } },
    ],
    properties: {
      collection: keyword,
      id: keyword,
      org_id: keyword,
      sort_key: keyword,
      version: { type: 'long' },
      updated_at: { type: 'date', format: 'strict_date_optional_time||epoch_millis' },
      idx: { type: 'object', dynamic: true, subobjects: false },
      body: { type: 'object', enabled: false },
    },
  };
}

export function documentIndexSettings(settings: DocumentIndexSettings): estypes.IndicesIndexSettings {
  return {
    // Documents are few; one shard keeps terms counts exact.
    number_of_shards: 1,
    // One copy: a single node must be green; real clusters raise replicas outside iisa.
    number_of_replicas: 0,
    refresh_interval: settings.refreshInterval,
    max_result_window: MAX_RESULT_WINDOW,
    // fsync before a write is acknowledged: a put resolves only when durable.
    'translog.durability': 'request',
  };
}

/** Create the documents index unless it exists (another store handle on the same prefix may have made it). */
export async function createDocumentIndex(client: Client, index: string, settings: DocumentIndexSettings): Promise<void> {
  try {
    await client.indices.create({ index, settings: documentIndexSettings(settings), mappings: documentIndexMappings() });
  } catch (error) {
    if (error instanceof errors.ResponseError && errorType(error) === 'resource_already_exists_exception') return;
    throw error;
  }
}

/** The `error.type` of an Elasticsearch error response, if it has one. */
export function errorType(error: errors.ResponseError): string | undefined {
  const body = error.body as { error?: { type?: unknown } } | undefined;
  return typeof body?.error?.type === 'string' ? body.error.type : undefined;
}
