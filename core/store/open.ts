/**
 * Opens the Store a node config names: embedded SQLite or Elasticsearch.
 * Roles call this and see only the Store contract.
 */
import { z } from 'zod';
import type { OrgRegistry } from '../orgs.js';
import { ElasticsearchStoreConfigSchema } from './elasticsearch/config.js';
import { ElasticsearchStore } from './elasticsearch/es-store.js';
import { tierOfFromRegistry } from './elasticsearch/index-names.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

const RetentionDays = z.number().int().positive().default(180).describe('events, rule hits and dead letters older than this are deleted');

const SqliteStoreSectionSchema = z.strictObject({
  type: z.literal('sqlite'),
  path: z.string().optional().describe('default <dataDir>/iisa.db'),
  synchronous: z.enum(['full', 'normal']).default('full')
    .describe('full: a committed batch survives power loss; normal: it survives a process crash (kill -9) only'),
  retentionDays: RetentionDays,
});

const ElasticsearchStoreSectionSchema = z.strictObject({
  type: z.literal('elasticsearch'),
  retentionDays: RetentionDays,
  elasticsearch: ElasticsearchStoreConfigSchema.describe('cluster URL, credentials, index prefix, bulk tuning'),
});

/** Where events, rule hits and dead letters live: embedded SQLite, or Elasticsearch shared by every role. */
export const StoreSectionSchema = z.discriminatedUnion('type', [SqliteStoreSectionSchema, ElasticsearchStoreSectionSchema]);

export type StoreSection = z.output<typeof StoreSectionSchema>;

/** Open the configured store; Elasticsearch indices are split by each org's tier in `registry`. */
export async function openStore(section: StoreSection, registry: OrgRegistry): Promise<Store> {
  if (section.type === 'sqlite') {
    if (section.path === undefined) throw new Error('store.path is not resolved: load the config with loadNodeConfig');
    return SqliteStore.open({ path: section.path, synchronous: section.synchronous });
  }
  return ElasticsearchStore.open(section.elasticsearch, { tierOf: tierOfFromRegistry(registry) });
}

/** Where the store is, for logs and banners (no credentials). */
export function describeStore(section: StoreSection): string {
  if (section.type === 'sqlite') return `sqlite ${section.path ?? ''}`;
  return `elasticsearch ${section.elasticsearch.url} (indices ${section.elasticsearch.indexPrefix}-*)`;
}
