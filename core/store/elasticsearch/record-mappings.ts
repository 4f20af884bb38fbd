/**
 * Explicit mappings of the dead-letter and rule-hit indices. Their shape is
 * fixed by core/store/store.ts, so anything else is refused (`strict`):
 * exact-match values are keyword, prose is text (with a keyword copy where
 * a person may want the exact sentence), times are dates, and bodies kept
 * only to be shown back (a dead letter's raw record beyond its searchable
 * text, a correlation's group key) are not indexed as structure.
 */
import type { estypes } from '@elastic/elasticsearch';
import { KEYWORD_IGNORE_ABOVE } from './mapping.js';

const keyword: estypes.MappingProperty = { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE };
const date: estypes.MappingProperty = { type: 'date', format: 'strict_date_optional_time||epoch_millis' };

export function deadLetterIndexMappings(): estypes.MappingTypeMapping {
  return {
    dynamic: 'strict',
    properties: {
      id: keyword,
      receivedAt: date,
      orgId: keyword,
      source: keyword,
      parser: keyword,
      code: keyword,
      reason: { type: 'text', fields: { keyword } },
      // A malformed record can be anything; searchable as words, never as one huge term.
      raw: { type: 'text' },
    },
  };
}

export function ruleHitIndexMappings(): estypes.MappingTypeMapping {
  return {
    dynamic: 'strict',
    properties: {
      id: keyword,
      kind: keyword,
      ruleId: keyword,
      ruleTitle: { type: 'text', fields: { keyword } },
      level: keyword,
      tags: keyword,
      orgId: keyword,
      time: date,
      detectedAt: date,
      eventIds: keyword,
      // Group-by values of any shape (an IP, a user, a tuple); kept, not indexed.
      groupKey: { type: 'object', enabled: false },
      value: { type: 'double' },
      assets: keyword,
    },
  };
}
