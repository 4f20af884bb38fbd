/**
 * What crosses a live socket, as JSON text frames.
 *
 * Client -> server (checked by zod; anything else is answered with an error):
 *   { "type": "subscribe",   "views": ["alerts", "posture", "advisories", "tasks"] }
 *   { "type": "unsubscribe", "views": ["posture"] }
 *   { "type": "ping" }
 * Server -> client:
 *   { "type": "hello", "org", "tier", "views" }   first, once: who the socket speaks for, the views it may subscribe to
 *   { "type": "subscribed", "views" }             after (un)subscribe: the views now subscribed
 *   { "type": "pong" }
 *   { "type": "error", "message" }
 *   { "type": "batch", "changes": [...] }         changes in publish order, at most one frame per batch window
 */
import { z } from 'zod';
import { describeIssues } from '../../core/config.js';
import type { Org } from '../../core/orgs.js';
import { LiveViews, type LiveChange, type LiveView } from './visibility.js';

const Views = z.array(z.enum(LiveViews)).min(1).max(16);

export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), views: Views }),
  z.strictObject({ type: z.literal('unsubscribe'), views: Views }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type ClientMessage = z.output<typeof ClientMessageSchema>;

export type ServerMessage =
  | { type: 'hello'; org: string; tier: Org['tier']; views: readonly LiveView[] }
  | { type: 'subscribed'; views: readonly LiveView[] }
  | { type: 'pong' }
  | { type: 'error'; message: string }
  | { type: 'batch'; changes: readonly LiveChange[] };

/** A client frame as a message, or why it is not one (in words for the person reading the console's network tab). */
export function parseClientMessage(text: string): { ok: true; message: ClientMessage } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'messages are JSON objects such as {"type":"subscribe","views":["alerts"]}' };
  }
  const parsed = ClientMessageSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: `invalid message: ${describeIssues(parsed.error).join('; ')}` };
  return { ok: true, message: parsed.data };
}
