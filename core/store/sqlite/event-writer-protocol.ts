/** Messages between the SQLite store and its event writer thread (./event-writer.ts, ./event-writer-thread.ts). */
import { z } from 'zod';
import type { EventRowData } from './event-rows.js';

export const WriterSettingsSchema = z.strictObject({
  path: z.string().min(1),
  synchronous: z.enum(['full', 'normal']),
});
export type WriterSettings = z.infer<typeof WriterSettingsSchema>;

export type WriterRequest =
  | { readonly type: 'append'; readonly id: number; readonly rows: readonly EventRowData[] }
  | { readonly type: 'close' };

export type WriterReply =
  | { readonly type: 'appended'; readonly id: number; readonly inserted: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string; readonly code?: string }
  | { readonly type: 'closed' };
