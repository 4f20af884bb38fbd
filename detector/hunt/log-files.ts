/**
 * Reading log files for a hunt: the format is detected from the content
 * (or named), each line goes through the collector's own parsers and
 * stamping, and the file is read as a stream so memory stays bounded
 * whatever its size.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { EcsEvent } from '../../core/event.js';
import type { OrgStamp } from '../../core/orgs.js';
import type { ParserTable } from '../../collector/parsers/index.js';
import type { Parser } from '../../collector/parsers/types.js';
import { readRecord } from '../../collector/record-reader.js';

/** Lines looked at to detect a file's format. */
const SNIFF_LINES = 50;

export interface FileEvent {
  readonly event: EcsEvent;
  readonly file: string;
  /** 1-based physical line number. */
  readonly line: number;
}

export interface FileProblem {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly reason: string;
}

/**
 * The parser that reads most of `lines` as events, errors breaking ties;
 * earlier parsers in the table win remaining ties (so the catch-all `ecs`
 * parser, last in the table, only wins when nothing specific reads the file).
 */
export function detectParser(lines: readonly string[], parsers: ParserTable): Parser | undefined {
  let best: { parser: Parser; events: number; errors: number } | undefined;
  const receivedAt = new Date();
  const ingested = receivedAt.toISOString();
  for (const parser of parsers.all()) {
    const stream = new Map<string, unknown>();
    let events = 0;
    let errors = 0;
    for (const text of lines) {
      if (text.trim() === '') continue;
      const outcome = readRecord(parser, { text, receivedAt }, stream, undefined, ingested);
      if (outcome.kind === 'event') events++;
      else if (outcome.kind === 'error') errors++;
    }
    if (events === 0) continue;
    if (!best || events > best.events || (events === best.events && errors < best.errors)) best = { parser, events, errors };
  }
  return best?.parser;
}

/** First lines of a file, for detection, without reading the rest. */
async function headLines(file: string, count: number): Promise<string[]> {
  const lines: string[] = [];
  const input = createReadStream(file, { encoding: 'utf8' });
  const reader = createInterface({ input, crlfDelay: Infinity });
  for await (const line of reader) {
    lines.push(line);
    if (lines.length >= count) break;
  }
  reader.close();
  input.destroy();
  return lines;
}

export interface ReadLogOptions {
  readonly parsers: ParserTable;
  /** Parser name; detected from the content when absent. */
  readonly parser?: string;
  /** Org stamped on every event (placeholders resolve per org). */
  readonly org?: OrgStamp;
  readonly onProblem?: (problem: FileProblem) => void;
}

/** Resolve the parser for a file (named or detected); throws with a reason a person can act on. */
export async function parserForFile(file: string, options: ReadLogOptions): Promise<Parser> {
  if (options.parser) {
    const named = options.parsers.get(options.parser);
    if (!named) throw new Error(`no parser named "${options.parser}" (known: ${options.parsers.names().join(', ')})`);
    return named;
  }
  const detected = detectParser(await headLines(file, SNIFF_LINES), options.parsers);
  if (!detected) throw new Error(`${file}: no parser reads this file's first lines; name one with --parser`);
  return detected;
}

/** The events of one log file, in file order, as a stream. */
export async function* readLogFile(file: string, parser: Parser, options: ReadLogOptions): AsyncGenerator<FileEvent> {
  const stream = new Map<string, unknown>();
  const input = createReadStream(file, { encoding: 'utf8' });
  const reader = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of reader) {
      line++;
      if (text.trim() === '') continue;
      const receivedAt = new Date();
      const outcome = readRecord(parser, { text, receivedAt }, stream, options.org, receivedAt.toISOString());
      if (outcome.kind === 'event') yield { event: outcome.event, file, line };
      else if (outcome.kind === 'error') options.onProblem?.({ file, line, code: outcome.code, reason: outcome.reason });
    }
  } finally {
    reader.close();
    input.destroy();
  }
}
