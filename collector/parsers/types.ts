/**
 * The parser contract. A parser turns one raw record (a line, a syslog
 * message body, an MQTT payload, one JSON object) into an ECS event draft or
 * a parse error. Parsers do no I/O; the only state they may keep is the
 * per-stream state in `ctx.stream` (Zeek's `#fields` header, for one file or
 * one connection), so the same input always gives the same output.
 */
import type { EventDraft } from '../../core/event.js';
import type { SyslogEnvelope } from '../framing/syslog.js';

/** Which family of sources a format comes from (DESIGN.md: category of the reporting enterprise). */
export type SourceFamily = 'gateway' | 'platform' | 'idres' | 'generic';

export interface RawRecord {
  /** The record's text, without framing (no trailing newline, no octet count). */
  readonly text: string;
  /** When the collector received it; the event time when the record carries none. */
  readonly receivedAt: Date;
  /** Set when the record arrived inside a syslog message: the header fields, already parsed. */
  readonly envelope?: SyslogEnvelope;
}

export interface ParseContext {
  /**
   * State that lives as long as one stream (one file, one TCP connection,
   * one MQTT topic) and is shared by the records of that stream only.
   */
  readonly stream: Map<string, unknown>;
}

/** Stable codes for why a record could not be parsed; the dead-letter table records them. */
export type ParseErrorCode =
  | 'unrecognised'   // the text is not in this format at all
  | 'malformed'      // the format is right but a part is broken (bad JSON, missing column, bad number)
  | 'bad-timestamp'  // the time cannot be read
  | 'bad-field'      // a field has an impossible value (port 70000, IP 999.1.1.1)
  | 'no-header';     // a headed format (Zeek TSV) got data before any header it knows

export type ParseOutcome =
  | { readonly kind: 'event'; readonly event: EventDraft }
  /** A record that carries no event by design: Zeek `#` header lines, blank lines. Not an error. */
  | { readonly kind: 'skip' }
  | { readonly kind: 'error'; readonly code: ParseErrorCode; readonly reason: string };

export interface Parser {
  /** Registry key, also the `<name>.log` file name of `iisa simulate`. Lower-case with dashes. */
  readonly name: string;
  readonly family: SourceFamily;
  /** One line for `iisa parsers` and the docs. */
  readonly description: string;
  /** One realistic record this parser reads (documentation and a smoke test of the registry). */
  readonly sample: string;
  parse(record: RawRecord, ctx: ParseContext): ParseOutcome;
}

export function parseError(code: ParseErrorCode, reason: string): ParseOutcome {
  return { kind: 'error', code, reason };
}
