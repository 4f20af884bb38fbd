/**
 * The term index of the SQLite documents table: one row per (document,
 * index key, value), so a `where` lookup (an alert by its dedup key, a
 * suppression by its rule) reads the few documents that hold the value
 * instead of parsing the index JSON of every document in the collection.
 *
 * A term spells a value with its kind, `s:` text, `n:` number, `b:` true or
 * false, so that the lookup keeps the `where` semantics of ./documents.ts:
 * a where value matches a stored text equal to its text, a stored number
 * equal to it as a number (`"5"` finds 5), and a stored boolean of its
 * spelling. The lookup only narrows: the exact test still runs on what it
 * finds.
 */
import type Database from 'better-sqlite3';
import type { IndexValue } from '../documents.js';

/** Spelled as SQL and JavaScript both read a JSON number: JavaScript's own text of the double. */
const numberTerm = (n: number): string => `n:${String(n)}`;

/** The terms of a stored index: [key, term] for every non-null value and array element. */
export function indexTerms(index: Readonly<Record<string, IndexValue>>): [key: string, term: string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(index)) {
    for (const element of Array.isArray(value) ? value : [value]) {
      if (typeof element === 'string') out.push([key, `s:${element}`]);
      else if (typeof element === 'number') out.push([key, numberTerm(element)]);
      else if (typeof element === 'boolean') out.push([key, `b:${String(element)}`]);
    }
  }
  return out;
}

/** The terms a where value can match (./documents.ts `forms`: its text, its number, its boolean). */
export function whereTerms(text: string, number: number | null, boolean: string | null): string[] {
  const terms = [`s:${text}`];
  if (number !== null) terms.push(numberTerm(number));
  if (boolean !== null) terms.push(`b:${boolean}`);
  return terms;
}

/** Replace the terms of one document (a deleted document's go by the trigger of migration 5). */
export function writeTerms(prepare: (sql: string) => Database.Statement, collection: string, id: string, index: Readonly<Record<string, IndexValue>>): void {
  prepare('DELETE FROM document_terms WHERE collection = ? AND id = ?').run(collection, id);
  const insert = prepare('INSERT OR IGNORE INTO document_terms (collection, key, term, id) VALUES (?, ?, ?, ?)');
  for (const [key, term] of indexTerms(index)) insert.run(collection, key, term, id);
}
