/**
 * Message values on the wire: JSON text. Decoding never throws; a value that
 * is not JSON, or not what the subscriber's schema expects, comes back as a
 * failure with a code the dead-letter record carries.
 */
import type { z } from 'zod';
import { describeIssues } from '../../config.js';

export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: 'decode' | 'schema'; readonly reason: string };

export function encodeValue(topic: string, value: unknown): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`publish to ${topic}: value cannot be encoded as JSON (${(error as Error).message})`);
  }
  // JSON.stringify gives undefined for undefined, functions and symbols: nothing a consumer could read back.
  if (text === undefined) throw new TypeError(`publish to ${topic}: value ${typeof value} has no JSON form`);
  return Buffer.from(text, 'utf8');
}

export function decodeValue<T>(raw: Buffer | null, schema?: z.ZodType<T>): Decoded<T> {
  if (raw === null) return { ok: false, code: 'decode', reason: 'message has no value (a tombstone?); the bus carries JSON values only' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return { ok: false, code: 'decode', reason: `value is not JSON (${(error as Error).message}); was it produced by something other than the iisa bus?` };
  }
  if (schema === undefined) return { ok: true, value: parsed as T };
  const checked = schema.safeParse(parsed);
  if (checked.success) return { ok: true, value: checked.data };
  return { ok: false, code: 'schema', reason: `value does not match the subscriber's schema: ${describeIssues(checked.error).join('; ')}` };
}
