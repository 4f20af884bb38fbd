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
import type { EcsEvent } from '../core/event.js';
import { stableId, uuidv7 } from '../core/ids.js';
import type { OrgRegistry } from '../core/orgs.js';
import { Topics, type Bus, type BusMessage } from '../core/bus/bus.js';
import type { DeadLetter } from '../core/store/store.js';
import type { ParserTable } from './parsers/index.js';
import { readRecord, type ReadOutcome } from './record-reader.js';
import type { DeadLetterInput, EmitResult, IngestRecord, Metrics, RejectedRecord } from './sources/types.js';

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

export class IngestPipeline {
  /** Parser state by stream, then by org + parser: two orgs or formats on one stream name never share a Zeek header. */
  private readonly streams = new Map<string, Map<string, Map<string, unknown>>>();
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
          ...(record.stableId !== undefined ? { stableId: record.stableId } : {}),
        }));
      }
    });

    this.options.metrics.increment('collector.events_accepted', {}, events.length);
    for (const r of rejected) this.options.metrics.increment('collector.records_dropped', { reason: r.code });
    // Dead letters first: if the events then fail, the sender is told nothing was taken and resends;
    // its dead letters come again under the same ids where the records have stable ones (and are cheap
    // where they do not), whereas events stored under a failed answer would be duplicated.
    if (letters.length) await this.options.bus.publish(Topics.deadLetters, letters);
    if (events.length) await this.options.bus.publish(Topics.events, events);
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
      // A record refused again (a resend, a re-read after a crash) gets the same id, so the store keeps it once.
      id: input.stableId !== undefined ? stableId('dead-letter', input.stableId) : uuidv7(),
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

  private process(record: IngestRecord, ingested: string): ReadOutcome {
    if (!record.orgId) return { kind: 'error', code: 'unknown-sender', reason: `no org is configured for records from ${record.origin}` };
    const org = this.options.registry.stamp(record.orgId);
    if (!org) return { kind: 'error', code: 'unknown-org', reason: `org "${record.orgId}" is not in the org registry` };
    if (!record.parser) return { kind: 'error', code: 'unknown-parser', reason: `no parser is configured for records from ${record.origin}` };
    const parser = this.options.parsers.get(record.parser);
    if (!parser) return { kind: 'error', code: 'unknown-parser', reason: `no parser named "${record.parser}"` };

    let byReader = this.streams.get(record.stream);
    if (!byReader) {
      byReader = new Map();
      this.streams.set(record.stream, byReader);
    }
    const reader = `${record.orgId}\u0000${record.parser}`;
    let stream = byReader.get(reader);
    if (!stream) {
      stream = new Map();
      byReader.set(reader, stream);
    }
    return readRecord(parser, record, stream, org, ingested);
  }
}

function cutRaw(raw: string): string {
  if (Buffer.byteLength(raw) <= MAX_DEAD_LETTER_RAW_BYTES) return raw;
  const head = Buffer.from(raw).subarray(0, MAX_DEAD_LETTER_RAW_BYTES).toString('utf8');
  return `${head}… [cut: ${Buffer.byteLength(raw)} bytes received]`;
}
