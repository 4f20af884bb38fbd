/**
 * The opaque page cursor of searchEvents: the sort values (`@timestamp` in
 * epoch ms, `event.id`) of the last event of a page, fed to `search_after`,
 * and the order it was made for. Checked by zod when it comes back.
 */
import { z } from 'zod';

const CursorSchema = z.strictObject({
  o: z.enum(['asc', 'desc']),
  t: z.number().int(),
  i: z.string().min(1).max(1024),
});
export type EventCursor = z.infer<typeof CursorSchema>;

export class InvalidCursorError extends TypeError {
  override readonly name = 'InvalidCursorError';
}

export function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(JSON.stringify(CursorSchema.parse(cursor))).toString('base64url');
}

export function decodeCursor(text: string, order: 'asc' | 'desc'): EventCursor {
  let cursor: EventCursor;
  try {
    if (typeof text !== 'string' || text.length > 4096) throw new Error('not a cursor');
    cursor = CursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError('invalid cursor: pass back nextCursor exactly as a previous page returned it');
  }
  if (cursor.o !== order) throw new InvalidCursorError(`cursor was made for order ${cursor.o}, not ${order}`);
  return cursor;
}
