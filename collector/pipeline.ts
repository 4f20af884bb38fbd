/**
 * The ingest pipeline: what happens to a batch of records a source emits.
 *
 *   record -> org + parser chosen by the source -> parse -> stamp (id, org,
 *   ingested, input, syslog header) -> validate against the event schema
 *   -> publish to the bus (events keyed by org; dead letters apart)
 *
 * `emit` resolves once the bus has made the batch durable, so the source can
 * acknowledge its sender. A bad record becomes a dead letter with its reason
 * and never takes its neighbours down with it.
 */
import { EcsEventSchema, type EcsEvent, type EventDraft } from '../core/event.js';
import { describeIssues } from '../core/config.js';
import { uuidv7 } from '../core/ids.js';
import type { OrgRegistry } from '../core/orgs.js';
import { Topics, type Bus, type BusMessage } from '../core/bus/bus.js';
import type { DeadLetter } from '../core/store/store.js';
import type { SyslogEnvelope } from './framing/syslog.js';
import { FACILITY_NAMES, SEVERITY_NAMES } from './framing/syslog.js';
import type { ParserTable } from './parsers/index.js';
import type { EmitResult, IngestRecord, Metrics, RejectedRecord } from './sources/types.js';

/** Dead letters keep at most this much of the raw record. */
export const MAX_DEAD_LETTER_RAW_BYTES = 64 * 1024;

export interface PipelineOptions {
  readonly parsers: ParserTable;
  readonly registry: OrgRegistry;
  readonly bus: Bus;
  readonly metrics: Metrics;
  /** Injected for tests; defaults to the wall clock. */
  readonly now?: () => Date;
}

export interface DeadLetterInput {
  origin: string;
  orgId?: string;
  parser?: string;
  code: string;
  reason: string;
  raw: string;
  receivedAt: Date;
}

export class IngestPipeline {
  private readonly streams = new Map<string, Map<string, unknown>>();
  private readonly now: () => Date;

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Parse, stamp, validate and publish a batch; resolves when it is durable. */
  async emit(records: readonly IngestRecord[]): Promise<EmitResult> {
    const ingested = this.now().toISOString();
    const events: BusMessage<EcsEvent>[] = [];
    const letters: BusMessage<DeadLetter>[] = [];
    const rejected: RejectedRecord[] = [];
    let accepted = 0;

    records.forEach((record, index) => {
      const outcome = this.process(record, ingested);
      if (outcome.kind === 'event') {
        events.push({ key: outcome.event.org!.id, value: outcome.event });
        accepted++;
      } else if (outcome.kind === 'skip') {
        accepted++;
      } else {
        rejected.push({ index, code: outcome.code, reason: outcome.reason });
        letters.push(this.letter({
          origin: record.origin, orgId: record.orgId, parser: record.parser,
          code: outcome.code, reason: outcome.reason, raw: record.raw ?? record.text, receivedAt: record.receivedAt,
        }));
      }
    });

    this.options.metrics.increment('collector.events_accepted', {}, events.length);
    for (const r of rejected) this.options.metrics.increment('collector.records_dropped', { reason: r.code });
    await Promise.all([
      events.length ? this.options.bus.publish(Topics.events, events) : undefined,
      letters.length ? this.options.bus.publish(Topics.deadLetters, letters) : undefined,
    ]);
    return { accepted, rejected };
  }

  /** Keep a record a source rejected before parsing (too large, bad token, undecodable). */
  async deadLetter(input: DeadLetterInput): Promise<void> {
    this.options.metrics.increment('collector.records_dropped', { reason: input.code });
    await this.options.bus.publish(Topics.deadLetters, [this.letter(input)]);
  }

  endStream(stream: string): void {
    this.streams.delete(stream);
  }

  private letter(input: DeadLetterInput): BusMessage<DeadLetter> {
    const raw = cutRaw(input.raw);
    const value: DeadLetter = {
      id: uuidv7(),
      receivedAt: input.receivedAt.toISOString(),
      source: input.origin,
      code: input.code,
      reason: input.reason,
      raw,
      ...(input.orgId ? { orgId: input.orgId } : {}),
      ...(input.parser ? { parser: input.parser } : {}),
    };
    return { key: input.orgId ?? '-', value };
  }

  private process(record: IngestRecord, ingested: string):
    | { kind: 'event'; event: EcsEvent } | { kind: 'skip' } | { kind: 'error'; code: string; reason: string } {
    if (!record.orgId) return { kind: 'error', code: 'unknown-sender', reason: `no org is configured for records from ${record.origin}` };
    const org = this.options.registry.stamp(record.orgId);
    if (!org) return { kind: 'error', code: 'unknown-org', reason: `org "${record.orgId}" is not in the org registry` };
    if (!record.parser) return { kind: 'error', code: 'unknown-parser', reason: `no parser is configured for records from ${record.origin}` };
    const parser = this.options.parsers.get(record.parser);
    if (!parser) return { kind: 'error', code: 'unknown-parser', reason: `no parser named "${record.parser}"` };

    let stream = this.streams.get(record.stream);
    if (!stream) {
      stream = new Map();
      this.streams.set(record.stream, stream);
    }
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
}

function stamp(draft: EventDraft, record: IngestRecord, org: object, ingested: string): Record<string, unknown> {
  const event: Record<string, unknown> = {
    ...draft,
    event: {
      ...draft.event,
      id: record.stableId ?? uuidv7(),
      ingested,
      // The whole record as received: a syslog header is part of the original line.
      original: record.raw ?? draft.event.original ?? record.text,
    },
    org,
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

function cutRaw(raw: string): string {
  if (Buffer.byteLength(raw) <= MAX_DEAD_LETTER_RAW_BYTES) return raw;
  const head = Buffer.from(raw).subarray(0, MAX_DEAD_LETTER_RAW_BYTES).toString('utf8');
  return `${head}… [cut: ${Buffer.byteLength(raw)} bytes received]`;
}
