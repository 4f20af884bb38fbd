/**
 * The source contract. A source receives bytes from the outside world
 * (HTTP, syslog, a file, MQTT), frames them into records, decides which org
 * and parser each record is for, and hands batches to the pipeline with
 * `ctx.emit`. The pipeline parses, validates, stamps the org, and makes the
 * batch durable (stored, or dead-lettered with a reason) before `emit`
 * resolves, so a source acknowledges its sender (HTTP 2xx, a saved file
 * offset) only for data that survives a crash. In a forwarding collector
 * (collector/forward/) `emit` resolves once the records are in its disk
 * spool instead, with the same meaning.
 */
import type { z } from 'zod';
import type { SyslogEnvelope } from '../framing/syslog.js';

export interface IngestRecord {
  /** What the parser reads: the record without transport framing or headers (for syslog, the MSG part). */
  readonly text: string;
  /** The record exactly as received, when `text` is only part of it (syslog: header + MSG). Kept as `event.original`. */
  readonly raw?: string;
  readonly receivedAt: Date;
  /** Org the record is for. Undefined = the sender could not be identified (dead-lettered as `unknown-sender`). */
  readonly orgId?: string;
  /** Parser to read it with. Undefined = unknown format (dead-lettered). */
  readonly parser?: string;
  readonly envelope?: SyslogEnvelope;
  /** Key of the stream the record belongs to (one file, one TCP connection, one MQTT topic): parsers keep per-stream state by it. */
  readonly stream: string;
  /**
   * A deterministic event id when the record's position is known (file
   * identity + byte offset), so re-reading after a crash does not duplicate.
   */
  readonly stableId?: string;
  /** Where the record came from, e.g. `file:/var/log/fw.log` or `syslog-tcp:[::1]:5140`. */
  readonly origin: string;
  /** Fields a source knows and the format does not (log.file.path, log.offset, input.type). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A record the pipeline refused, by index in the emitted batch. */
export interface RejectedRecord {
  readonly index: number;
  readonly code: string;
  readonly reason: string;
}

export interface EmitOptions {
  /**
   * When the records cannot be taken now (a forwarding collector's spool is
   * full): true (default) waits for room, holding the source back; false
   * rejects at once with an error whose `retriable` is true, for a source
   * that can tell its sender to come back (HTTP 503).
   */
  readonly waitForRoom?: boolean;
}

export interface EmitResult {
  readonly accepted: number;
  readonly rejected: readonly RejectedRecord[];
}

/** A record a source refused itself (too large, undecodable), to keep as a dead letter. */
export interface DeadLetterInput {
  origin: string;
  orgId?: string;
  parser?: string;
  code: string;
  reason: string;
  raw: string;
  receivedAt: Date;
  /**
   * The record's stable id, when it has one (a file offset, a forwarded
   * record's id): the dead letter's id is made from it, so a record refused
   * again after a resend or a re-read is kept once, as its event would be,
   * on Elasticsearch too although letters go to the daily index of their
   * receive time (the store looks for the id in every day's index first).
   */
  stableId?: string;
}

/**
 * What a source may call. A source may also reject a record itself before
 * emitting it (too large, undecodable): it calls `deadLetter` so the raw
 * record is kept with the reason.
 */
export interface SourceContext {
  emit(records: readonly IngestRecord[], options?: EmitOptions): Promise<EmitResult>;
  deadLetter(letter: DeadLetterInput): Promise<void>;
  /** Forget per-stream parser state (connection closed, file rotated). */
  endStream(stream: string): void;
  /** Directory this node keeps state in (file offsets live under it). */
  readonly dataDir: string;
  /** Ingest tokens, for sources that authenticate senders. */
  readonly tokens: TokenVerifier;
  readonly log: Logger;
  /** Counters: `collector.records_received{source}`, `collector.records_dropped{source,reason}`. */
  readonly metrics: Metrics;
}

export interface TokenGrant {
  readonly tokenId: string;
  readonly orgId: string;
  readonly parser: string;
}

export interface TokenVerifier {
  /** The grant of a bearer token, or undefined if the token is unknown. Constant-time on the secret. */
  verify(token: string): TokenGrant | undefined;
}

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface Metrics {
  increment(name: string, labels?: Record<string, string>, by?: number): void;
}

export interface Source {
  /** Begin receiving; resolves once listening/subscribed (so a test can send right after). */
  start(): Promise<void>;
  /** Stop receiving and wait for in-flight batches; idempotent. */
  stop(): Promise<void>;
  /** Where it listens, for logs and tests, e.g. `{ port: 5514 }` after binding port 0. */
  readonly address?: () => { host: string; port: number } | undefined;
}

/** A source unit: config data first (zod schema), then a built runtime object. */
export interface SourceUnit<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly configSchema: S;
  build(config: z.output<S>, ctx: SourceContext): Source;
}
