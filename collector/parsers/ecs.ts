// {"@timestamp":"2026-11-25T14:00:01Z","event":{"category":["network"],"action":"connection"},"source":{"ip":"2001:db8::7","port":40522}}
/**
 * Events already in ECS form (one JSON object per record), for senders that
 * map their logs themselves (Vector, Logstash, Filebeat processors). The
 * pipeline validates the result against the event schema like any other
 * parser's, and overwrites `org` and `event.id` whatever the body says.
 */
import type { EventDraft } from '../../core/event.js';
import type { Parser } from './types.js';
import { parseError } from './types.js';
import { nestedDeeperThan, nonFiniteNumberAt } from '../../core/json-guards.js';
import { tooDeep } from './support.js';

export const ecsParser: Parser = {
  name: 'ecs',
  family: 'generic',
  description: 'events already in Elastic Common Schema form, one JSON object per record',
  sample: '{"@timestamp":"2026-11-25T14:00:01Z","event":{"category":["network"],"action":"connection"},"source":{"ip":"2001:db8::7","port":40522}}',
  parse(record) {
    let value: unknown;
    try {
      value = JSON.parse(record.text);
    } catch (err) {
      return parseError('malformed', `not JSON: ${(err as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return parseError('unrecognised', 'an ECS record must be a JSON object');
    }
    if (nestedDeeperThan(value)) return tooDeep();
    const infinite = nonFiniteNumberAt(value);
    if (infinite !== undefined) return parseError('bad-field', `field "${infinite}": number out of range (JSON.parse reads it as Infinity, which would be stored as null)`);
    const draft = value as Record<string, unknown>;
    const event = (draft.event && typeof draft.event === 'object' && !Array.isArray(draft.event))
      ? { ...(draft.event as Record<string, unknown>) } : {};
    delete event.id;
    const timestamp = typeof draft['@timestamp'] === 'string' ? draft['@timestamp'] : record.receivedAt.toISOString();
    const { org: _ignoredOrg, ...rest } = draft;
    // The schema check happens in the pipeline; here only the shape the draft type needs.
    return { kind: 'event', event: { ...rest, '@timestamp': timestamp, event } as EventDraft };
  },
};
