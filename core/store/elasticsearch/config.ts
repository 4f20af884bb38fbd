/**
 * Configuration of the Elasticsearch store, checked by zod so the node
 * config can point at a cluster, and turned into the official client's
 * options (auth and TLS passed through for real clusters).
 */
import { readFileSync } from 'node:fs';
import type { ClientOptions } from '@elastic/elasticsearch';
import { z } from 'zod';
import { IndexPrefixSchema } from './index-names.js';

const BulkConfigSchema = z.strictObject({
  /** A batch is cut into bulk requests of about this many bytes of NDJSON. */
  maxBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Bulk requests in flight at once for the whole store; further appends wait (back-pressure). */
  concurrency: z.number().int().min(1).max(64).default(2),
  /** Tries per item for rejections worth retrying (429, 5xx), first try included. */
  maxAttempts: z.number().int().min(1).max(20).default(6),
  /** Backoff before retry n is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]. */
  baseDelayMs: z.number().int().min(0).max(60_000).default(200),
  maxDelayMs: z.number().int().min(0).max(300_000).default(10_000),
});

export const ElasticsearchStoreConfigSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).describe('e.g. https://es.example:9200'),
    /** First part of every index and template name of this store. */
    indexPrefix: IndexPrefixSchema.default('iisa'),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** Base64 `id:key` as Elasticsearch issues it. */
    apiKey: z.string().min(1).optional(),
    /** PEM text of the CA that signed the cluster's certificate. */
    ca: z.string().min(1).optional(),
    /** Path of a PEM CA file (read once when the store opens). */
    caFile: z.string().min(1).optional(),
    /** Verify the server's certificate (keep true outside a lab). */
    rejectUnauthorized: z.boolean().default(true),
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** Primary shards of each daily index. */
    shards: z.number().int().min(1).max(64).default(1),
    /** Index refresh interval; appends wait for the next refresh so reads see them. */
    refreshInterval: z.string().regex(/^\d+(ms|s|m)$/, 'a time value such as 1s or 500ms').default('1s'),
    /** Priority of this store's index templates over others matching the same names. */
    templatePriority: z.number().int().min(0).default(500),
    bulk: BulkConfigSchema.default(BulkConfigSchema.parse({})),
  })
  .refine((c) => (c.username === undefined) === (c.password === undefined), { message: 'give username and password together', path: ['password'] })
  .refine((c) => !(c.apiKey !== undefined && c.username !== undefined), { message: 'give either apiKey or username/password, not both', path: ['apiKey'] })
  .refine((c) => !(c.ca !== undefined && c.caFile !== undefined), { message: 'give either ca or caFile, not both', path: ['caFile'] });

export type ElasticsearchStoreConfig = z.input<typeof ElasticsearchStoreConfigSchema>;
export type ResolvedElasticsearchStoreConfig = z.output<typeof ElasticsearchStoreConfigSchema>;
export type BulkConfig = z.output<typeof BulkConfigSchema>;

/** Options for `new Client(...)` from a checked config. */
export function clientOptions(config: ResolvedElasticsearchStoreConfig): ClientOptions {
  const ca = config.caFile !== undefined ? readFileSync(config.caFile, 'utf8') : config.ca;
  const auth =
    config.apiKey !== undefined
      ? { apiKey: config.apiKey }
      : config.username !== undefined && config.password !== undefined
        ? { username: config.username, password: config.password }
        : undefined;
  return {
    node: config.url,
    requestTimeout: config.requestTimeoutMs,
    // The client retries connection errors and 502/503/504 itself; item-level rejections are ours (bulk-retry.ts).
    maxRetries: 3,
    ...(auth === undefined ? {} : { auth }),
    tls: { rejectUnauthorized: config.rejectUnauthorized, ...(ca === undefined ? {} : { ca }) },
  };
}
