/**
 * Splitting an HTTP ingest body into records.
 *
 *   NDJSON / text:  {"a":1}\n{"a":2}\n          -> two records, one per non-empty line
 *   JSON array:     [{"a":1}, "raw line"]       -> two records: '{"a":1}' and 'raw line'
 *
 * Each item carries its 1-based position (`line`: the line number in NDJSON,
 * the element number in an array) so a rejection can point at it. A record
 * over `maxRecordBytes` is returned as `oversized` instead of failing the body:
 * its neighbours still go.
 */

import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../core/json-guards.js';

export type BodyItem =
  | { readonly type: 'record'; readonly line: number; readonly text: string }
  | { readonly type: 'oversized'; readonly line: number; readonly bytes: number; readonly head: string }
  /** A JSON array element that is neither an object nor a string, or is nested too deeply. */
  | { readonly type: 'invalid'; readonly line: number; readonly reason: string };

export type BodyFormat = 'ndjson' | 'json';

/** The body as a whole cannot be read in the declared format. */
export class BodyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyFormatError';
  }
}

export interface SplitBodyOptions {
  readonly maxRecordBytes: number;
  /** Characters of an oversized record to keep for the dead letter. Default 1024. */
  readonly headChars?: number;
}

/** Split a decoded body. Throws BodyFormatError when a `json` body is not a JSON array (or a single object). */
export function splitBody(body: string, format: BodyFormat, options: SplitBodyOptions): BodyItem[] {
  return format === 'ndjson' ? splitLines(body, options) : splitJsonArray(body, options);
}

function splitLines(body: string, options: SplitBodyOptions): BodyItem[] {
  const items: BodyItem[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (text.trim() === '') continue;
    items.push(sized(i + 1, text, options));
  }
  return items;
}

function splitJsonArray(body: string, options: SplitBodyOptions): BodyItem[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    const hint = body.trimStart().startsWith('{') && body.trim().includes('\n')
      ? ' (it looks like NDJSON: send it as application/x-ndjson)'
      : '';
    throw new BodyFormatError(`body is not valid JSON: ${(err as Error).message}${hint}`);
  }
  // A lone object is a one-element batch: shippers that post one event per request send exactly that.
  const elements = Array.isArray(value) ? value : isPlainObject(value) ? [value] : undefined;
  if (!elements) {
    throw new BodyFormatError(`a JSON body must be an array of objects or strings (or one object), got ${describe(value)}`);
  }
  return elements.map((element: unknown, i): BodyItem => {
    if (typeof element === 'string') return sized(i + 1, element, options);
    // Nested thousands deep, JSON.stringify would overflow the stack; no record nests so deep.
    if (isPlainObject(element) && nestedDeeperThan(element)) {
      return { type: 'invalid', line: i + 1, reason: `array element ${i + 1} is nested more than ${MAX_JSON_DEPTH} levels deep` };
    }
    if (isPlainObject(element)) return sized(i + 1, JSON.stringify(element), options);
    return { type: 'invalid', line: i + 1, reason: `array element ${i + 1} is ${describe(element)}; expected an object or a string` };
  });
}

function sized(line: number, text: string, options: SplitBodyOptions): BodyItem {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= options.maxRecordBytes) return { type: 'record', line, text };
  return { type: 'oversized', line, bytes, head: text.slice(0, options.headChars ?? 1024) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
