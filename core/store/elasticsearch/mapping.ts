/**
 * The mapping of iisa's event indices, built from the event schema (through
 * field-types.ts) so the store, the index template and the Sigma-to-DSL
 * compiler agree on every field's type.
 *
 * Why these choices:
 * - Strings are `keyword`: Sigma and the console's filters match whole values
 *   and wildcards, which keyword does exactly; case-insensitive matching is
 *   asked per query (`case_insensitive`), so values are stored as sent.
 * - `message` and `event.original` are keyword too (Sigma's keyword searches
 *   and `contains` run on them) with a `text` sub-field for full-text search.
 *   Keyword terms are capped by Lucene at 32,766 bytes, hence `ignore_above`
 *   in characters that cannot exceed it in UTF-8.
 * - Fields outside the schema get the same treatment by dynamic templates, and
 *   date/numeric detection stays off, so one sender's odd value cannot fix a
 *   field's type for everyone.
 */
import type { estypes } from '@elastic/elasticsearch';
import { ecsFieldTypes, type EsFieldType } from './field-types.js';

/** Longest keyword value indexed, in characters: 4 bytes per char worst case stays under Lucene's 32,766-byte term limit. */
export const KEYWORD_IGNORE_ABOVE = 8191;
/** Fields that also get a full-text `.text` sub-field. */
export const FULL_TEXT_FIELDS: readonly string[] = ['message', 'event.original'];

function leafMapping(path: string, type: EsFieldType): estypes.MappingProperty {
  switch (type) {
    case 'keyword':
      return FULL_TEXT_FIELDS.includes(path)
        ? { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE, fields: { text: { type: 'text' } } }
        : { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE };
    case 'date':
      return { type: 'date', format: 'strict_date_optional_time||epoch_millis' };
    case 'ip':
      return { type: 'ip' };
    case 'long':
      return { type: 'long' };
    case 'double':
      return { type: 'double' };
    case 'boolean':
      return { type: 'boolean' };
  }
}

/** Nested `properties` for every typed field of the event schema. */
function schemaProperties(): Record<string, estypes.MappingProperty> {
  const root: Record<string, estypes.MappingProperty> = {};
  for (const [path, type] of ecsFieldTypes()) {
    const parts = path.split('.');
    let level = root;
    for (const part of parts.slice(0, -1)) {
      const existing = level[part] as estypes.MappingObjectProperty | undefined;
      const object: estypes.MappingObjectProperty = existing ?? { properties: {} };
      object.properties ??= {};
      level[part] = object;
      level = object.properties;
    }
    level[parts[parts.length - 1]] = leafMapping(path, type);
  }
  return root;
}

/** The `mappings` of an event index. */
export function eventIndexMappings(): estypes.MappingTypeMapping {
  return {
    dynamic: true,
    date_detection: false,
    numeric_detection: false,
    dynamic_templates: [
      { strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE } } },
    ],
    properties: schemaProperties(),
  };
}

// ------------------------------------------------------ store additions
// What the Elasticsearch store adds to the mapping above for its own reads.
// The field types stay exactly those of eventIndexMappings(); only sub-fields
// and the store's own `iisa` object are added.

/**
 * Keyword sub-field of every `ip` field, holding the canonical text as stored.
 * Elasticsearch's `ip` type equates an IPv4-mapped IPv6 address with its IPv4
 * address and has no prefix query; the contract compares canonical text
 * (`::ffff:192.0.2.10` is not `192.0.2.10`) and prefixes of it.
 */
export const IP_TEXT_SUBFIELD = 'canonical';
/** Top-level object the store reserves in every event document. */
export const STORE_OBJECT = 'iisa';
/** Where fields that could not be indexed are kept (stored, never indexed). */
export const UNINDEXED_FIELD = `${STORE_OBJECT}.unindexed`;

function withIpTextSubfields(properties: Record<string, estypes.MappingProperty>): void {
  for (const property of Object.values(properties)) {
    if (property.type === 'ip') {
      property.fields = { ...property.fields, [IP_TEXT_SUBFIELD]: { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE } };
    } else if ('properties' in property && property.properties !== undefined) {
      withIpTextSubfields(property.properties);
    }
  }
}

/** The event index mapping the store installs: eventIndexMappings() plus the store's additions. */
export function storeEventIndexMappings(): estypes.MappingTypeMapping {
  const mappings = eventIndexMappings();
  const properties = mappings.properties ?? {};
  withIpTextSubfields(properties);
  properties[STORE_OBJECT] = {
    type: 'object',
    properties: {
      unindexed: { type: 'object', enabled: false },
      // Why fields were moved (see unindexed.ts), so such events can be found and counted.
      fallback: { type: 'keyword' },
    },
  };
  mappings.properties = properties;
  return mappings;
}
