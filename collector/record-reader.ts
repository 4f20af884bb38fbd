/**
 * Reading one record into an event: parse with the record's parser, stamp
 * the fields the collector owns (id, org, ingested time, original text,
 * syslog header, the source's own fields), validate against the event
 * schema. Ingest and `iisa hunt` share it, so a hunt sees exactly the
 * events a node would store.
 */
import { EcsEventSchema, type EcsEvent, type EventDraft } from '../core/event.js';
import { describeIssues } from '../core/config.js';
import { uuidv7 } from '../core/ids.js';
import type { OrgStamp } from '../core/orgs.js';
import type { SyslogEnvelope } from './framing/syslog.js';
import { FACILITY_NAMES, SEVERITY_NAMES } from './framing/syslog.js';
import type { Parser } from './parsers/types.js';
import type { IngestRecord } from './sources/types.js';

export type ReadOutcome =
  | { readonly kind: 'event'; readonly event: EcsEvent }
  | { readonly kind: 'skip' }
  | { readonly kind: 'error'; readonly code: string; readonly reason: string };

/** The parts of an ingest record reading needs. */
export type ReadableRecord = Pick<IngestRecord, 'text' | 'raw' | 'receivedAt' | 'envelope' | 'stableId' | 'extra'>;

/**
 * Parse, stamp and validate one record. `stream` is the parser state of the
 * record's stream; `org` is stamped whatever the record says (undefined: no
 * org, as in a hunt over files).
 */
export function readRecord(parser: Parser, record: ReadableRecord, stream: Map<string, unknown>, org: OrgStamp | undefined, ingested: string): ReadOutcome {
  let outcome;
  try {
    outcome = parser.parse(record, { stream });
  } catch (err) {
    // A parser bug must not take the batch down; the record is kept for the fix.
    return { kind: 'error', code: 'parser-crash', reason: `parser ${parser.name} failed: ${(err as Error).message}` };
  }
  if (outcome.kind !== 'event') return outcome;

  const draft = stamp(outcome.event, record, org, ingested);
  const checked = EcsEventSchema.safeParse(draft);
  if (!checked.success) {
    return { kind: 'error', code: 'schema', reason: `event fails the schema: ${describeIssues(checked.error).join('; ')}` };
  }
  return { kind: 'event', event: checked.data };
}

function stamp(draft: EventDraft, record: ReadableRecord, org: OrgStamp | undefined, ingested: string): Record<string, unknown> {
  const event: Record<string, unknown> = {
    ...draft,
    event: {
      ...draft.event,
      id: record.stableId ?? uuidv7(),
      ingested,
      // The whole record as received: a syslog header is part of the original line.
      original: record.raw ?? draft.event.original ?? record.text,
    },
    ...(org ? { org } : {}),
  };
  if (record.envelope) mergeEnvelope(event, record.envelope);
  if (record.extra) {
    for (const [path, value] of Object.entries(record.extra)) setPath(event, path, value);
  }
  return event;
}

/** Syslog header fields the parser did not set itself. */
function mergeEnvelope(event: Record<string, unknown>, env: SyslogEnvelope): void {
  const log = { ...(event.log as Record<string, unknown> | undefined) };
  if (!log.syslog) {
    log.syslog = {
      ...(env.priority !== undefined ? { priority: env.priority } : {}),
      ...(env.facility !== undefined ? { facility: { code: env.facility, name: FACILITY_NAMES[env.facility] } } : {}),
      ...(env.severity !== undefined ? { severity: { code: env.severity, name: SEVERITY_NAMES[env.severity] } } : {}),
      ...(env.hostname ? { hostname: env.hostname } : {}),
      ...(env.appname ? { appname: env.appname } : {}),
      ...(env.procid ? { procid: env.procid } : {}),
      ...(env.msgid ? { msgid: env.msgid } : {}),
      ...(env.structuredData ? { structured_data: env.structuredData } : {}),
      ...(env.rfc === '5424' ? { version: '1' } : {}),
    };
  }
  event.log = log;
  if (env.hostname) {
    const host = { ...(event.host as Record<string, unknown> | undefined) };
    if (!host.hostname) host.hostname = env.hostname;
    event.host = host;
  }
}

/** Set `a.b.c` on a nested object, copying the objects on the way (drafts may be shared). */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = node[keys[i]];
    const copy = next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
    node[keys[i]] = copy;
    node = copy;
  }
  node[keys[keys.length - 1]] = value;
}

