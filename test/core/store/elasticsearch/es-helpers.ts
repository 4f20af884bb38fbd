/**
 * Stores for the Elasticsearch tests: each on its own index prefix, so a
 * test sees only its own data, and removed (indices and templates) after.
 */
import { randomUUID } from 'node:crypto';
import { ElasticsearchStore } from '../../../../core/store/elasticsearch/es-store.js';
import type { ElasticsearchStoreOptions } from '../../../../core/store/elasticsearch/es-store.js';
import type { ElasticsearchStoreConfig } from '../../../../core/store/elasticsearch/config.js';

export interface TestStore {
  readonly store: ElasticsearchStore;
  /** A new store object on the same prefix (as a restarted node opens it); closed by cleanup. */
  readonly reopen: () => Promise<ElasticsearchStore>;
  readonly cleanup: () => Promise<void>;
}

/** A fresh prefix such as `iisa-t1b2c3...`: lower case, unique per call. */
export function testPrefix(): string {
  return `iisa-t${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}

export async function openTestStore(
  url: string,
  config: Partial<ElasticsearchStoreConfig> = {},
  options: ElasticsearchStoreOptions = {},
): Promise<TestStore> {
  const settings: ElasticsearchStoreConfig = { url, indexPrefix: testPrefix(), refreshInterval: '200ms', ...config };
  const store = await ElasticsearchStore.open(settings, options);
  const reopened: ElasticsearchStore[] = [];
  // A second handle on the same prefix removes the data even after the test closed `store`.
  return {
    store,
    reopen: async () => {
      const again = await ElasticsearchStore.open(settings, options);
      reopened.push(again);
      return again;
    },
    cleanup: async () => {
      await store.close();
      for (const again of reopened) await again.close();
      const remover = await ElasticsearchStore.open({ url, indexPrefix: store.config.indexPrefix });
      try {
        await remover.destroy();
      } finally {
        await remover.close();
      }
    },
  };
}
