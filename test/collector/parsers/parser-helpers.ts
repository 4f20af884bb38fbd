/**
 * Running parsers in tests: one record or a stream of records, with every
 * event checked against the event schema as the pipeline would.
 */
import { expect } from 'chai';
import type { z } from 'zod';
import { EcsEventSchema } from '../../../core/event.js';
import type { ParseOutcome, Parser, RawRecord } from '../../../collector/parsers/types.js';

export const RECEIVED_AT = new Date('2026-11-25T06:00:05Z');

/** The event as a typed schema input (EventDraft's own fields are untyped: see core/event.ts). */
export type ParsedEvent = z.input<typeof EcsEventSchema>;

/** Assert an event passes the schema once the collector stamps org. */
export function expectValid(event: ParsedEvent): void {
  const check = EcsEventSchema.safeParse({ ...event, org: { id: 'x' } });
  if (!check.success) expect.fail(`event fails the schema: ${check.error.message}`);
}

/** Run lines through a parser on one stream. */
export function runStream(parser: Parser, lines: readonly string[]): ParseOutcome[] {
  const ctx = { stream: new Map<string, unknown>() };
  return lines.map((text) => parser.parse({ text, receivedAt: RECEIVED_AT }, ctx));
}

/** Assert no errors, every event valid against the schema; return the events. */
export function expectAllValid(outcomes: readonly ParseOutcome[], lines: readonly string[]): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i];
    if (outcome.kind === 'error') expect.fail(`line ${i + 1} (${lines[i].slice(0, 80)}): ${outcome.code}: ${outcome.reason}`);
    if (outcome.kind !== 'event') continue;
    const check = EcsEventSchema.safeParse({ ...outcome.event, org: { id: 'x' } });
    if (!check.success) expect.fail(`line ${i + 1} fails the event schema: ${check.error.message}`);
    events.push(outcome.event as ParsedEvent);
  }
  return events;
}

/** One event from one line on a fresh stream, asserting it is valid. */
export function parseOne(parser: Parser, text: string, stream = new Map<string, unknown>()): ParsedEvent {
  const outcome = parser.parse({ text, receivedAt: RECEIVED_AT }, { stream });
  if (outcome.kind !== 'event') expect.fail(`expected an event, got ${JSON.stringify(outcome)}`);
  const check = EcsEventSchema.safeParse({ ...outcome.event, org: { id: 'x' } });
  if (!check.success) expect.fail(`event fails the schema: ${check.error.message}`);
  return outcome.event as ParsedEvent;
}

/** The outcome of one line on a fresh stream. */
export function parseRaw(parser: Parser, text: string, stream = new Map<string, unknown>()): ParseOutcome {
  return parser.parse({ text, receivedAt: RECEIVED_AT }, { stream });
}

/** An error outcome, asserting its code. */
export function expectError(outcome: ParseOutcome, code: string): string {
  if (outcome.kind !== 'error') expect.fail(`expected a ${code} error, got ${JSON.stringify(outcome)}`);
  expect(outcome.code, outcome.reason).to.equal(code);
  expect(outcome.reason.length).to.be.greaterThan(10);
  return outcome.reason;
}

/** Parse with a full record (e.g. with a syslog envelope). */
export function parseRecord(parser: Parser, record: RawRecord): ParseOutcome {
  return parser.parse(record, { stream: new Map() });
}
