// 1595660608.238144	CHhAvVGS1DHFjwGM9	127.0.0.1	47785	127.0.0.1	502	WRITE_SINGLE_REGISTER	-
/**
 * One reader for Zeek logs in both of Zeek's writer forms, shared by the
 * ICSNPP protocol parsers:
 *
 *   TSV   `#separator \x09`, `#set_separator`, `#empty_field`, `#unset_field`,
 *         `#path`, `#fields`, `#types` header lines, then tab-separated rows.
 *         Header lines yield `skip` and are kept in `ctx.stream`, so the rows
 *         that follow on the same stream are read with them. A row with no
 *         header on its stream (one line posted over HTTP or syslog) is read
 *         with the parser's built-in ICSNPP column list whose column count
 *         (and, where two logs have the same count, whose `accepts` test)
 *         fits the row.
 *   JSON  one object per line (`LogAscii::use_json`), keys as `"id.orig_h"`
 *         or nested `{"id": {"orig_h": ...}}`, `ts` as epoch seconds or an
 *         ISO-8601 string. The log is named by `_path` when the writer adds
 *         it, else by the first layout whose `marker` field is present.
 *
 * Values come out as text, as Zeek writes them: `-` (unset) becomes
 * undefined, `(empty)` the empty string, and vector/set columns an array
 * split on the set separator. Zeek's `\xHH` escapes inside values are kept
 * as written: they are what an analyst greps for in the original log.
 */
import type { ParseContext, ParseOutcome, RawRecord } from '../types.js';
import { parseError } from '../types.js';
import { nestedDeeperThan } from '../../../core/json-guards.js';
import { tooDeep } from '../support.js';

export type ZeekValue = string | readonly string[];

/** One log record: field name (dotted, as in `#fields`) to value. */
export type ZeekFields = Readonly<Record<string, ZeekValue | undefined>>;

export interface ZeekRow {
  /** The Zeek log path, e.g. `modbus_detailed`. */
  readonly path: string;
  /** `ts` as an ISO-8601 UTC string. */
  readonly timestamp: string;
  readonly fields: ZeekFields;
}

/** A log's default column list, as the ICSNPP script writes it. */
export interface ZeekLayout {
  readonly path: string;
  readonly fields: readonly string[];
  /** Names of `vector[...]`/`set[...]` columns (split on the set separator). */
  readonly vectors?: readonly string[];
  /** A field only this log writes: names the log of a JSON record without `_path`. */
  readonly marker: string;
  /** For headerless TSV when another layout has the same column count: does this row look like this log? */
  readonly accepts?: (columns: readonly string[]) => boolean;
}

export type ZeekRead = { readonly kind: 'row'; readonly row: ZeekRow } | ParseOutcome;

interface TsvHeader {
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  path?: string;
  fields?: readonly string[];
  /** Per column: split on the set separator? */
  vectorColumns?: readonly boolean[];
}

/** The `ctx.stream` key the TSV header of a stream is kept under. */
export const ZEEK_HEADER_KEY = 'zeek.tsv-header';

const EPOCH_SECONDS = /^\d{1,12}(?:\.\d{1,9})?$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;
const HEX_ESCAPE = /\\x([0-9a-fA-F]{2})/g;
/** JSON keys some shippers add that are not log fields. */
const JSON_META_KEYS = new Set(['_path', '_write_ts', '_system_name', '@timestamp', '@version']);

/**
 * Read one Zeek record (a header line, a TSV row or a JSON object).
 * `parserName` only words error reasons.
 */
export function readZeek(
  record: RawRecord, ctx: ParseContext, layouts: readonly ZeekLayout[], parserName: string,
): ZeekRead {
  const text = record.text;
  if (text.length === 0 || text.trim().length === 0) return { kind: 'skip' };
  const first = text.charCodeAt(0);
  if (first === 0x23 /* # */) return readHeaderLine(text, ctx);
  if (first === 0x7b /* { */) return readJson(text, layouts, parserName);
  return readTsv(text, ctx, layouts, parserName);
}

// ------------------------------------------------------------------ TSV

function newHeader(separator = '\t'): TsvHeader {
  return { separator, setSeparator: ',', emptyField: '(empty)', unsetField: '-' };
}

function readHeaderLine(text: string, ctx: ParseContext): ParseOutcome {
  if (text.startsWith('#separator')) {
    // The separator line itself is space-separated: the separator is not known yet.
    const value = unescapeHex(text.slice('#separator'.length).trim());
    ctx.stream.set(ZEEK_HEADER_KEY, newHeader(value.length > 0 ? value : '\t'));
    return { kind: 'skip' };
  }
  let header = ctx.stream.get(ZEEK_HEADER_KEY) as TsvHeader | undefined;
  if (header === undefined) {
    header = newHeader();
    ctx.stream.set(ZEEK_HEADER_KEY, header);
  }
  const cut = text.indexOf(header.separator);
  if (cut === -1) return { kind: 'skip' }; // `#close`, comments, btest banners
  const name = text.slice(1, cut);
  const rest = text.slice(cut + header.separator.length);
  switch (name) {
    case 'set_separator': header.setSeparator = unescapeHex(rest); break;
    case 'empty_field': header.emptyField = rest; break;
    case 'unset_field': header.unsetField = rest; break;
    case 'path': header.path = rest; break;
    case 'fields': header.fields = rest.split(header.separator); break;
    case 'types':
      header.vectorColumns = rest.split(header.separator).map((type) => type.startsWith('vector[') || type.startsWith('set['));
      break;
    default: break; // #open, #close
  }
  return { kind: 'skip' };
}

function readTsv(text: string, ctx: ParseContext, layouts: readonly ZeekLayout[], parserName: string): ZeekRead {
  const header = ctx.stream.get(ZEEK_HEADER_KEY) as TsvHeader | undefined;
  const separator = header?.separator ?? '\t';
  if (text.indexOf(separator) === -1) {
    return parseError('unrecognised', `not a Zeek log record: no ${describeSeparator(separator)} in the line and it is not a JSON object`);
  }
  const columns = text.split(separator);

  let fields: readonly string[];
  let vectorColumns: readonly boolean[] | undefined;
  let path: string;
  if (header?.fields) {
    fields = header.fields;
    vectorColumns = header.vectorColumns;
    if (columns.length !== fields.length) {
      return parseError('malformed',
        `row has ${columns.length} columns but the #fields header of ${header.path ?? 'this log'} names ${fields.length}: truncated or mixed-up log`);
    }
    path = header.path ?? pathByMarker(fields, layouts) ?? layouts[0].path;
  } else {
    const layout = layouts.find((l) => l.fields.length === columns.length && (l.accepts === undefined || l.accepts(columns)));
    if (layout === undefined) {
      const known = layouts.map((l) => `${l.path} ${l.fields.length}`).join(', ');
      return parseError('no-header',
        `no #fields header seen on this stream and a ${columns.length}-column row fits no default ${parserName} layout (${known}): send the log's header lines first`);
    }
    fields = layout.fields;
    vectorColumns = layout.vectors ? layout.fields.map((f) => layout.vectors?.includes(f) ?? false) : undefined;
    path = layout.path;
  }

  const unset = header?.unsetField ?? '-';
  const empty = header?.emptyField ?? '(empty)';
  const setSeparator = header?.setSeparator ?? ',';
  const out: Record<string, ZeekValue | undefined> = {};
  for (let i = 0; i < fields.length; i++) {
    const raw = columns[i];
    if (raw === unset) continue;
    if (raw === empty) { out[fields[i]] = vectorColumns?.[i] ? [] : ''; continue; }
    out[fields[i]] = vectorColumns?.[i] ? raw.split(setSeparator) : raw;
  }
  const ts = out.ts;
  const timestamp = typeof ts === 'string' ? epochText(ts) : undefined;
  if (timestamp === undefined) return badTs(ts);
  return { kind: 'row', row: { path, timestamp, fields: out } };
}

// ----------------------------------------------------------------- JSON

function readJson(text: string, layouts: readonly ZeekLayout[], parserName: string): ZeekRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return parseError('malformed', `line starts with "{" but is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return parseError('malformed', 'a Zeek JSON record must be one JSON object');
  }
  // flatten() recurses, and nested arrays are serialised: bound the depth first.
  if (nestedDeeperThan(value)) return tooDeep();
  const obj = value as Record<string, unknown>;
  const out: Record<string, ZeekValue | undefined> = {};
  flatten(obj, '', out);
  const declared = typeof obj._path === 'string' ? obj._path : undefined;
  const path = declared ?? pathByMarker(Object.keys(out), layouts);
  if (path === undefined) {
    return parseError('unrecognised',
      `JSON record has no "_path" and none of the fields that name a ${parserName} log (${layouts.map((l) => l.marker).join(', ')})`);
  }
  const ts = obj.ts;
  let timestamp: string | undefined;
  if (typeof ts === 'number' && Number.isFinite(ts) && ts >= 0) timestamp = isoFromMillis(ts * 1000);
  else if (typeof ts === 'string') timestamp = EPOCH_SECONDS.test(ts) ? epochText(ts) : isoText(ts);
  if (timestamp === undefined) return badTs(ts);
  return { kind: 'row', row: { path, timestamp, fields: out } };
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Record<string, ZeekValue | undefined>): void {
  for (const key of Object.keys(obj)) {
    if (prefix === '' && JSON_META_KEYS.has(key)) continue;
    const value = obj[key];
    const name = prefix + key;
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') out[name] = value;
    else if (typeof value === 'number') out[name] = String(value);
    // Booleans as TSV writes them, so a mapper reads one form.
    else if (typeof value === 'boolean') out[name] = value ? 'T' : 'F';
    else if (Array.isArray(value)) out[name] = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    else if (typeof value === 'object') flatten(value as Record<string, unknown>, `${name}.`, out);
  }
}

// --------------------------------------------------------------- shared

function pathByMarker(names: readonly string[], layouts: readonly ZeekLayout[]): string | undefined {
  for (const layout of layouts) if (names.includes(layout.marker)) return layout.path;
  return undefined;
}

/** Undefined past the range of a JS Date (about 275,760 years either side of 1970), rather than a RangeError. */
function isoFromMillis(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function epochText(text: string): string | undefined {
  if (!EPOCH_SECONDS.test(text)) return undefined;
  return new Date(Number(text) * 1000).toISOString();
}

function isoText(text: string): string | undefined {
  if (!ISO_WITH_OFFSET.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function badTs(ts: unknown): ParseOutcome {
  if (ts === undefined) return parseError('bad-timestamp', 'record has no ts field');
  return parseError('bad-timestamp',
    `ts ${JSON.stringify(ts)} is neither epoch seconds (1732543201.123456) nor ISO-8601 with an offset`);
}

function unescapeHex(text: string): string {
  return text.replace(HEX_ESCAPE, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function describeSeparator(separator: string): string {
  return separator === '\t' ? 'tab' : `separator ${JSON.stringify(separator)}`;
}
