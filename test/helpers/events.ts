/**
 * Builders for valid events in tests.
 */
import type { EcsEvent } from '../../core/event.js';
import { uuidv7 } from '../../core/ids.js';

/** Top-level fields of an event, each given whole or (for objects) in part. */
export type EventOverrides = Record<string, unknown>;

/**
 * A valid stored event (accepted by EcsEventSchema, with `event.id` from
 * uuidv7 and `org.id`), with `overrides` merged in: objects merge one level
 * deep (so `{ event: { action: 'x' } }` keeps the generated id), everything
 * else replaces. Defaults: org `org-a`, `@timestamp` 2024-01-01T00:00:00Z.
 */
export function makeEvent(overrides: EventOverrides = {}): EcsEvent {
  const base: Record<string, unknown> = {
    '@timestamp': '2024-01-01T00:00:00.000Z',
    message: 'test event',
    event: { id: uuidv7(), kind: 'event', category: ['network'], dataset: 'test.events' },
    org: { id: 'org-a' },
  };
  for (const [key, value] of Object.entries(overrides)) {
    const current = base[key];
    base[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value;
  }
  return base as EcsEvent;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
