/**
 * Keeping events whose fields the index mapping cannot take.
 *
 * A sender may send `source.port: "n/a"`, or a field that is an object in
 * one event and a string in the next. `index.mapping.ignore_malformed`
 * keeps most such events as they are; for what it cannot (an object where a
 * value is mapped, too many fields, ...) the event is stored reshaped: the
 * fields that do not fit move under `iisa.unindexed` (mapped `enabled:
 * false`: kept in _source, never indexed) and `iisa.fallback` says why. A
 * read puts them back, so the event comes back as appended; it is only not
 * findable by the moved fields.
 *
 * The top-level `iisa` object is the store's: an event carrying its own is
 * stored with it moved the same way (`reserved`), so a read never mistakes
 * a sender's field for the store's.
 */
import type { EcsEvent } from '../../event.js';
import { canonicalIp } from '../../ip.js';
import { ecsFieldTypes } from './field-types.js';
import type { EsFieldType } from './field-types.js';
import { STORE_OBJECT } from './mapping.js';

/** Why fields were moved: a sender's own `iisa`; fields not fitting the schema; all but the essentials. */
export type Fallback = 'reserved' | 'schema-only' | 'minimal';

interface MovedField {
  readonly path: readonly string[];
  readonly value: unknown;
}

interface StoreObject {
  readonly fallback: Fallback;
  readonly unindexed: MovedField[];
}

/** Fields a minimal document keeps: what naming, scope, time and dedupe need. */
const ESSENTIAL: ReadonlySet<string> = new Set(['@timestamp', 'event.id', 'org.id']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fitsScalar(type: EsFieldType, value: unknown): boolean {
  if (value === null) return true;
  switch (type) {
    case 'keyword':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    case 'ip':
      return typeof value === 'string' && canonicalIp(value) !== null;
    case 'date':
      return typeof value === 'string' && Number.isFinite(Date.parse(value));
    case 'long':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'double':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

function fits(type: EsFieldType, value: unknown): boolean {
  return Array.isArray(value) ? value.every((element) => fitsScalar(type, element)) : fitsScalar(type, value);
}

/** Whether the schema has fields below `path` (so an object there is walked, not moved whole). */
function schemaObjectPaths(): ReadonlySet<string> {
  const out = new Set<string>();
  for (const path of ecsFieldTypes().keys()) {
    const parts = path.split('.');
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join('.'));
  }
  return out;
}
let objectPaths: ReadonlySet<string> | undefined;

/**
 * Copy `node` keeping what `keep(path, value)` accepts; what it refuses goes
 * to `moved` whole. Objects named by `walkInto` are walked key by key.
 */
function split(
  node: Record<string, unknown>,
  prefix: readonly string[],
  keep: (dotted: string, value: unknown) => boolean,
  walkInto: (dotted: string) => boolean,
  moved: MovedField[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    const path = [...prefix, key];
    const dotted = path.join('.');
    if (isPlainObject(value) && walkInto(dotted)) {
      out[key] = split(value, path, keep, walkInto, moved);
    } else if (keep(dotted, value)) {
      out[key] = value;
    } else {
      moved.push({ path, value });
    }
  }
  return out;
}

function withStoreObject(doc: Record<string, unknown>, fallback: Fallback, moved: MovedField[]): Record<string, unknown> {
  const store: StoreObject = { fallback, unindexed: moved };
  return { ...doc, [STORE_OBJECT]: store };
}

/** The document to index for an event on the first try: the event itself, unless it carries its own `iisa`. */
export function eventDocument(event: EcsEvent): Record<string, unknown> {
  if (!(STORE_OBJECT in event)) return event;
  const { [STORE_OBJECT]: own, ...rest } = event as Record<string, unknown>;
  return withStoreObject(rest, 'reserved', [{ path: [STORE_OBJECT], value: own }]);
}

/**
 * The reshaped document after Elasticsearch refused the previous one for
 * its mapping, or undefined when there is nothing smaller to try.
 * `schema-only` keeps every schema field whose value fits its type;
 * `minimal` keeps only ESSENTIAL.
 */
export function fallbackDocument(event: EcsEvent, level: Exclude<Fallback, 'reserved'>): Record<string, unknown> {
  const moved: MovedField[] = [];
  const source = event as Record<string, unknown>;
  let doc: Record<string, unknown>;
  if (level === 'schema-only') {
    objectPaths ??= schemaObjectPaths();
    const types = ecsFieldTypes();
    const known = objectPaths;
    doc = split(
      source,
      [],
      (dotted, value) => {
        const type = types.get(dotted);
        return type !== undefined && dotted !== STORE_OBJECT && fits(type, value);
      },
      (dotted) => known.has(dotted),
      moved,
    );
  } else {
    doc = split(
      source,
      [],
      (dotted, value) => ESSENTIAL.has(dotted) && typeof value === 'string',
      (dotted) => dotted === 'event' || dotted === 'org',
      moved,
    );
  }
  return withStoreObject(doc, level, moved);
}

/** The next fallback after `level` (undefined: none left). */
export function nextFallback(level: Fallback | undefined): Exclude<Fallback, 'reserved'> | undefined {
  if (level === undefined || level === 'reserved') return 'schema-only';
  return level === 'schema-only' ? 'minimal' : undefined;
}

/** The event as appended, from a stored document (moved fields put back). */
export function restoreEvent(source: Record<string, unknown>): EcsEvent {
  const store = source[STORE_OBJECT];
  if (!isPlainObject(store) || !Array.isArray(store.unindexed)) return source as EcsEvent;
  const { [STORE_OBJECT]: _store, ...event } = source;
  for (const field of store.unindexed as MovedField[]) {
    if (!Array.isArray(field?.path) || field.path.length === 0) continue;
    let node: Record<string, unknown> = event;
    for (const key of field.path.slice(0, -1)) {
      const next = node[key];
      if (!isPlainObject(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[field.path[field.path.length - 1]] = field.value;
  }
  return event as EcsEvent;
}
