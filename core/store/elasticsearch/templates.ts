/**
 * The composable index templates of a store: one per kind, matching that
 * kind's daily indices, with explicit mappings. PUT is idempotent (same
 * name, same body), so opening a store installs them every time, and a
 * newer iisa replaces an older template for the days it creates next.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { IndexNames, RecordKind } from './index-names.js';
import { storeEventIndexMappings } from './mapping.js';
import { deadLetterIndexMappings, ruleHitIndexMappings } from './record-mappings.js';

export interface TemplateSettings {
  readonly shards: number;
  readonly refreshInterval: string;
  readonly priority: number;
}

/**
 * One more than the largest page the store asks for (10,000 plus the probe
 * row that tells whether a next page exists).
 */
export const MAX_RESULT_WINDOW = 10_001;

export function indexTemplate(names: IndexNames, kind: RecordKind, settings: TemplateSettings): estypes.IndicesPutIndexTemplateRequest {
  const mappings = kind === 'events' ? storeEventIndexMappings() : kind === 'dead-letters' ? deadLetterIndexMappings() : ruleHitIndexMappings();
  return {
    name: names.template(kind),
    index_patterns: [names.pattern(kind)],
    priority: settings.priority,
    _meta: { managed_by: 'iisa', kind },
    template: {
      settings: {
        number_of_shards: settings.shards,
        // One copy: a single node must be green; real clusters raise replicas per index outside iisa.
        number_of_replicas: 0,
        refresh_interval: settings.refreshInterval,
        max_result_window: MAX_RESULT_WINDOW,
        // fsync before a write is acknowledged (the default, stated so no other template can relax it): appends resolve only when durable.
        'translog.durability': 'request',
        // A value of the wrong type for its field (a string port) is kept in _source and left out of the index instead of refusing the event.
        ...(kind === 'events' ? { 'mapping.ignore_malformed': true } : {}),
      },
      mappings,
    },
  };
}

/** Install (or refresh) the templates of every kind. */
export async function installTemplates(client: Client, names: IndexNames, settings: TemplateSettings): Promise<void> {
  for (const kind of ['events', 'dead-letters', 'rule-hits'] as const) {
    await client.indices.putIndexTemplate(indexTemplate(names, kind, settings));
  }
}

/** Remove the templates of a store (tests, decommissioning); missing ones are fine. */
export async function deleteTemplates(client: Client, names: IndexNames): Promise<void> {
  for (const kind of ['events', 'dead-letters', 'rule-hits'] as const) {
    await client.indices.deleteIndexTemplate({ name: names.template(kind) }, { ignore: [404] });
  }
}
