/**
 * Field readers compiled once per field path, so reading a field per event
 * allocates nothing (core/event.ts `getField` slices the path on every call).
 * Same lookup rules as `getField`: nested objects by dotted path, or a
 * flattened key holding the rest of the path (`"id.orig_h"`, `"@timestamp"`).
 */

/** Reads one field of an event; `undefined` when absent. */
export type FieldReader = (event: unknown) => unknown;

/** Compile a reader for a dotted path. */
export function fieldReader(path: string): FieldReader {
  if (!path.includes('.')) {
    return (event) => (event !== null && typeof event === 'object' ? (event as Record<string, unknown>)[path] : undefined);
  }
  const keys = path.split('.');
  // rests[i]: the path from key i on, for flattened keys such as "id.orig_h".
  const rests = keys.map((_, i) => keys.slice(i).join('.'));
  const last = keys.length - 1;
  return (event) => {
    let node: unknown = event;
    for (let i = 0; i <= last; i++) {
      if (node === null || typeof node !== 'object') return undefined;
      const obj = node as Record<string, unknown>;
      const key = keys[i];
      if (key in obj) {
        node = obj[key];
      } else if (i < last && rests[i] in obj) {
        return obj[rests[i]];
      } else {
        return undefined;
      }
    }
    return node;
  };
}

const readers = new Map<string, FieldReader>();

/** A shared reader per path (readers are pure, so rules share them). */
export function sharedReader(path: string): FieldReader {
  let reader = readers.get(path);
  if (!reader) {
    reader = fieldReader(path);
    readers.set(path, reader);
  }
  return reader;
}
