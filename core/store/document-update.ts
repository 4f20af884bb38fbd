/**
 * Read-modify-write of one document under compare-and-set: re-read and
 * re-apply when another writer got there first. The one loop every service
 * that updates documents needs.
 */
import { DocumentConflictError, type DocumentInput, type DocumentStore, type StoredDocument } from './documents.js';

const MAX_ATTEMPTS = 16;

/**
 * A short random pause before trying again after a conflict: writers that
 * collided would otherwise collide again in lock step (on Elasticsearch a
 * round trip of read and write takes long enough for that to repeat).
 */
export function conflictPause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6));
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `change` gets the current document (undefined: none) and returns the new
 * one, or undefined to write nothing. Resolves with what was written (or
 * undefined), after at most 8 attempts.
 */
export async function updateDocument<T>(
  store: DocumentStore,
  collection: string,
  id: string,
  change: (current: StoredDocument<T> | undefined) => DocumentInput<T> | undefined,
): Promise<DocumentInput<T> | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.getDocument<T>(collection, id);
    const next = change(current);
    if (!next) return undefined;
    try {
      await store.putDocument(collection, next, { expectVersion: current?.version ?? 0 });
      return next;
    } catch (err) {
      if (!(err instanceof DocumentConflictError)) throw err;
      await conflictPause(attempt);
    }
  }
  throw new Error(`${collection}/${id} kept changing under this update (${MAX_ATTEMPTS} attempts); try again`);
}
