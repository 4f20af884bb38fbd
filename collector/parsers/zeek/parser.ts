// {"ts":1732543201.5,"uid":"CHhAvVGS1DHFjwGM9","id.orig_h":"10.1.1.5","id.orig_p":47785,"id.resp_h":"10.1.1.20","id.resp_p":502,"func":"READ_COILS"}
/**
 * What every ICSNPP parser shares: read the record with the Zeek reader,
 * build the connection part of the event (time, endpoints, transport,
 * `event.*`, `ics.protocol`, `ics.session_id`), then hand the row to the
 * protocol's mapper for its log path. Mappers fill `ics.*` and the action;
 * they throw `FieldError` for an impossible value, which becomes a
 * `bad-field` outcome here, so a mapper reads like a table of assignments.
 */
import type { z } from 'zod';
import type { EcsEventSchema } from '../../../core/event.js';
import { canonicalIp, ipFamily } from '../../../core/ip.js';
import type { Parser, ParseOutcome } from '../types.js';
import { parseError } from '../types.js';
import type { ZeekLayout, ZeekRow } from './reader.js';
import { readZeek } from './reader.js';

export type IcsProtocol = 'modbus' | 's7comm' | 's7comm-plus' | 'opcua' | 'dnp3';
/**
 * The typed event input. (`EventDraft` in core/event.ts is an `Omit` over a
 * loose object, which keeps only the index signature: its fields are untyped.)
 */
export type EcsDraft = z.input<typeof EcsEventSchema>;
export type IcsDraft = NonNullable<EcsDraft['ics']>;
export type EventSet = EcsDraft['event'];

/** The event a mapper completes: the nested objects it writes to are always present. */
export type ZeekDraft = EcsDraft & { event: EventSet; ics: IcsDraft };

/** Fill the draft for one row; return `'skip'` for rows that carry no event by design. */
export type ZeekMapper = (row: ZeekRow, draft: ZeekDraft) => void | 'skip';

export interface ZeekParserSpec {
  readonly name: string;
  readonly description: string;
  readonly sample: string;
  readonly protocol: IcsProtocol;
  /** Default column lists; the first is the protocol's main ICSNPP log. */
  readonly layouts: readonly ZeekLayout[];
  /** Mapper per log path. */
  readonly mappers: Readonly<Record<string, ZeekMapper>>;
  /** Mapper for a path the table lacks (e.g. any `opcua_binary_*`); none means `unrecognised`. */
  readonly fallback?: (path: string) => ZeekMapper | undefined;
}

/** An impossible field value; becomes a `bad-field` parse error. */
export class FieldError extends Error {}

export function zeekParser(spec: ZeekParserSpec): Parser {
  const paths = Object.keys(spec.mappers).join(', ');
  return {
    name: spec.name,
    family: 'gateway',
    description: spec.description,
    sample: spec.sample,
    parse(record, ctx): ParseOutcome {
      const read = readZeek(record, ctx, spec.layouts, spec.name);
      if (read.kind !== 'row') return read;
      const row = read.row;
      // A path is text from the log (`#path`, `_path`): own keys only, never Object's members.
      const mapper = (Object.hasOwn(spec.mappers, row.path) ? spec.mappers[row.path] : undefined) ?? spec.fallback?.(row.path);
      if (mapper === undefined) {
        return parseError('unrecognised', `Zeek log "${row.path}" is not one ${spec.name} reads (${paths})`);
      }
      try {
        const draft = baseDraft(row, spec.protocol, record.text);
        if (mapper(row, draft) === 'skip') return { kind: 'skip' };
        return { kind: 'event', event: draft };
      } catch (err) {
        if (err instanceof FieldError) return parseError('bad-field', err.message);
        throw err;
      }
    },
  };
}

function baseDraft(row: ZeekRow, protocol: IcsProtocol, original: string): ZeekDraft {
  const f = row.fields;
  const uid = str(row, 'uid');
  const origIp = ip(row, 'id.orig_h');
  const respIp = ip(row, 'id.resp_h');
  const proto = str(row, 'proto');
  const draft: ZeekDraft = {
    '@timestamp': row.timestamp,
    event: {
      kind: 'event',
      category: ['network'],
      type: ['protocol'],
      module: 'zeek',
      dataset: `zeek.${row.path}`,
      original,
    },
    network: {
      transport: proto ?? 'tcp',
      protocol,
      ...(origIp ? { type: ipFamily(origIp) === 6 ? 'ipv6' : 'ipv4' } : {}),
    },
    ics: { protocol, ...(uid ? { session_id: uid } : {}) },
  };
  if (origIp !== undefined || f['id.orig_p'] !== undefined) {
    draft.source = { ...(origIp ? { ip: origIp } : {}), ...optional('port', port(row, 'id.orig_p')) };
  }
  if (respIp !== undefined || f['id.resp_p'] !== undefined) {
    draft.destination = { ...(respIp ? { ip: respIp } : {}), ...optional('port', port(row, 'id.resp_p')) };
  }
  return draft;
}

// ------------------------------------------------- field readers for mappers

/** Text of a scalar field; a vector is joined with commas. */
export function str(row: ZeekRow, name: string): string | undefined {
  const value = row.fields[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

/** A vector field (a scalar becomes a one-element list). */
export function list(row: ZeekRow, name: string): readonly string[] | undefined {
  const value = row.fields[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? (value === '' ? [] : value.split(',')) : value;
}

const UNSIGNED = /^\d{1,15}$/;
const HEX = /^0x[0-9a-fA-F]{1,8}$/;

/** A Zeek `count`: a non-negative integer. */
export function count(row: ZeekRow, name: string): number | undefined {
  const value = str(row, name);
  if (value === undefined || value === '') return undefined;
  if (!UNSIGNED.test(value)) throw new FieldError(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** A `0x..` hex code (S7 function codes, OPC UA status codes). */
export function hex(row: ZeekRow, name: string): number | undefined {
  const value = str(row, name);
  if (value === undefined || value === '') return undefined;
  if (!HEX.test(value)) throw new FieldError(`${name} must be a hex code like 0x1f, got ${JSON.stringify(value)}`);
  return parseInt(value.slice(2), 16);
}

/** A Zeek `bool` (T/F). */
export function bool(row: ZeekRow, name: string): boolean | undefined {
  const value = str(row, name);
  if (value === undefined || value === '') return undefined;
  if (value === 'T' || value === 'true') return true;
  if (value === 'F' || value === 'false') return false;
  throw new FieldError(`${name} must be T or F, got ${JSON.stringify(value)}`);
}

export function ip(row: ZeekRow, name: string): string | undefined {
  const value = str(row, name);
  if (value === undefined || value === '') return undefined;
  const canonical = canonicalIp(value);
  if (canonical === null) throw new FieldError(`${name} is not an IPv4 or IPv6 address: ${JSON.stringify(value)}`);
  return canonical;
}

export function port(row: ZeekRow, name: string): number | undefined {
  const value = str(row, name);
  if (value === undefined || value === '') return undefined;
  // JSON logs may write `"502/tcp"`-style ports; the number is what counts.
  const slash = value.indexOf('/');
  const digits = slash === -1 ? value : value.slice(0, slash);
  const n = UNSIGNED.test(digits) ? Number(digits) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new FieldError(`${name} is not a port (0-65535): ${JSON.stringify(value)}`);
  return n;
}

/** `is_orig` as an ics.direction: the originator sends requests. */
export function direction(row: ZeekRow): 'request' | 'response' | undefined {
  const orig = bool(row, 'is_orig');
  return orig === undefined ? undefined : orig ? 'request' : 'response';
}

/** `{ [key]: value }` when value is defined, else `{}`: keeps undefined keys out of events. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** Assign the defined entries of `values` onto `target`. */
export function assign<T extends object>(target: T, values: Partial<T>): T {
  for (const key of Object.keys(values) as (keyof T)[]) {
    const value = values[key];
    if (value !== undefined) target[key] = value as T[keyof T];
  }
  return target;
}

const SLUG_CACHE = new Map<string, string>();
const NON_ALNUM = /[^a-z0-9]+/g;
const EDGE_DASH = /^-+|-+$/g;

/** `PLC Stop` -> `plc-stop`, cached: names come from small vocabularies. */
export function slug(name: string): string {
  let s = SLUG_CACHE.get(name);
  if (s === undefined) {
    s = name.toLowerCase().replace(NON_ALNUM, '-').replace(EDGE_DASH, '');
    // A hostile log could send endless distinct names; keep the cache bounded.
    if (SLUG_CACHE.size < 1024) SLUG_CACHE.set(name, s);
  }
  return s;
}
