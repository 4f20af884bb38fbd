/**
 * Pages of the coordination lists (advisories, tasks, suppressions): newest
 * first, within an optional time range, `limit` at a time, each page
 * starting after the item a cursor names.
 *
 * The cursor names the last item shown (its time and id), not a page of the
 * store: what the caller may see is filtered after the store answers, so a
 * page of the store and a page of the answer do not line up, and the next
 * page must start right after the last item the caller was given.
 */
import { z } from 'zod';
import type { DocumentStore } from '../../core/store/documents.js';
import { ApiProblem } from '../api-support.js';
import { Limit, Time } from '../query-schemas.js';

export const DEFAULT_PAGE_SIZE = 100;
/** Records one page request reads at most, whatever the caller may see of them. */
export const MAX_SCANNED_PER_PAGE = 5_000;

/** Query parameters of a paged list; spread into its query schema. */
export const PageParams = {
  from: Time.optional().describe('issued at or after: ISO time, now, or -15m / -2h / -7d'),
  to: Time.optional().describe('issued before'),
  limit: Limit.default(DEFAULT_PAGE_SIZE),
  cursor: z.string().min(1).max(4096).optional()
    .describe(`nextCursor of the previous page; a page may hold fewer than limit items and still have a nextCursor (one request reads at most ${MAX_SCANNED_PER_PAGE} records)`),
};

export interface PageQuery {
  readonly from?: Date;
  readonly to?: Date;
  readonly limit: number;
  readonly cursor?: string;
}

export interface Page<V> {
  readonly items: V[];
  readonly nextCursor?: string;
}

/** Where an item stands in its list: its time (an ISO string, as it sorts) and its id, which orders items of one time. */
interface Position {
  readonly at: string;
  readonly id: string;
}

const CursorSchema = z.strictObject({ list: z.string(), at: z.string().max(200), id: z.string().min(1).max(512) });

function encodeCursor(list: string, position: Position): string {
  return Buffer.from(JSON.stringify({ list, at: position.at, id: position.id })).toString('base64url');
}

/** The position a cursor names; a 400 when it is not a cursor of this list. */
function decodeCursor(list: string, text: string): Position {
  let parsed: z.output<typeof CursorSchema> | undefined;
  try {
    parsed = CursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || parsed.list !== list) {
    throw new ApiProblem(400, 'bad-request', `invalid cursor: pass back the nextCursor of a previous page of ${list} exactly as it came`);
  }
  return { at: parsed.at, id: parsed.id };
}

/** Newest first: by time, then by id, both descending (the store's order for a descending query). */
function before(a: Position, b: Position): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

function page<V>(list: string, shown: readonly { item: V; position: Position }[], more: boolean): Page<V> {
  const items = shown.map((s) => s.item);
  return more && shown.length > 0 ? { items, nextCursor: encodeCursor(list, shown[shown.length - 1].position) } : { items };
}

/**
 * A page of a document collection whose sort key is the items' time: the
 * documents `view` lets through (as it shapes them for the caller), read
 * from the store newest first in batches until the page is full.
 */
export async function pageOfDocuments<T, V>(
  store: DocumentStore, collection: string, list: string, query: PageQuery, view: (body: T) => V | undefined,
  maxScanned = MAX_SCANNED_PER_PAGE,
): Promise<Page<V>> {
  const after = query.cursor === undefined ? undefined : decodeCursor(list, query.cursor);
  // From the cursor on: every sort key up to and including its time (`at + '\0'` is the least string above `at`,
  // as the store's `to` is exclusive), less the items of that same time the cursor's page already gave.
  const ends = [query.to?.toISOString(), after && `${after.at}\u0000`].filter((t): t is string => t !== undefined).sort();
  const to = ends[0];
  const batch = Math.min(10_000, maxScanned, Math.max(query.limit + 1, 200));
  const shown: { item: V; position: Position }[] = [];
  let cursor: string | undefined;
  let scanned = 0;
  let lastRead: Position | undefined;
  for (;;) {
    const found = await store.queryDocuments<T>({
      collection, order: 'desc', limit: batch,
      ...(query.from ? { from: query.from.toISOString() } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    for (const doc of found.documents) {
      const position = { at: doc.sortKey, id: doc.id };
      scanned++;
      // Items of the cursor's own time that its page already went past (never a place to resume from).
      if (after && !before(position, after)) continue;
      const item = view(doc.body);
      if (item !== undefined) {
        if (shown.length === query.limit) return page(list, shown, true);
        shown.push({ item, position });
      }
      lastRead = position;
    }
    if (found.nextCursor === undefined) return page(list, shown, false);
    // A caller who sees few of many records must not make one request read them all: this page ends short,
    // and its cursor goes on after the last record read (which the caller may not see, and is not shown).
    if (scanned >= maxScanned && lastRead) return { items: shown.map((s) => s.item), nextCursor: encodeCursor(list, lastRead) };
    cursor = found.nextCursor;
  }
}

/** A page of items already in memory (a short list, such as an org's suppressions in force), positioned by `positionOf`. */
export function pageOfItems<V>(items: readonly V[], list: string, query: PageQuery, positionOf: (item: V) => Position): Page<V> {
  const after = query.cursor === undefined ? undefined : decodeCursor(list, query.cursor);
  const from = query.from?.toISOString();
  const to = query.to?.toISOString();
  const inRange = items
    .map((item) => ({ item, position: positionOf(item) }))
    .filter(({ position: p }) => (from === undefined || p.at >= from) && (to === undefined || p.at < to) && (after === undefined || before(p, after)))
    .sort((a, b) => (before(a.position, b.position) ? 1 : before(b.position, a.position) ? -1 : 0));
  return page(list, inRange.slice(0, query.limit), inRange.length > query.limit);
}
