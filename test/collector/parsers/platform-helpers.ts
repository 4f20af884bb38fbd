/**
 * Helpers for the platform and identifier-resolution parser tests: run one
 * line through a parser, and assert an event (valid against the event
 * schema once the pipeline's `org` is added) or an error with a given code.
 */
import { expect } from 'chai';
import { EcsEventSchema } from '../../../core/event.js';
import type { SyslogEnvelope } from '../../../collector/framing/syslog.js';
import type { EcsInput } from '../../../collector/parsers/support.js';
import type { ParseErrorCode, ParseOutcome, Parser } from '../../../collector/parsers/types.js';

/** The receive time every test uses: 14:30 in China (UTC+8) on the sample day. */
export const RECEIVED_AT = new Date('2026-11-25T06:30:00.000Z');

export function parseLine(parser: Parser, text: string, envelope?: SyslogEnvelope): ParseOutcome {
  return parser.parse({ text, receivedAt: RECEIVED_AT, ...(envelope ? { envelope } : {}) }, { stream: new Map() });
}

/** Assert the outcome is an event that the pipeline's schema accepts; return the draft with its fields typed. */
export function expectEvent(outcome: ParseOutcome): EcsInput {
  if (outcome.kind !== 'event') {
    expect.fail(`expected an event, got ${JSON.stringify(outcome)}`);
  }
  const checked = EcsEventSchema.safeParse({ ...outcome.event, org: { id: 'x' } });
  if (!checked.success) {
    expect.fail(`event fails the schema: ${JSON.stringify(checked.error.issues)}\n${JSON.stringify(outcome.event)}`);
  }
  return outcome.event as EcsInput;
}

/** Assert the outcome is an error with `code` whose reason matches `reason`. */
export function expectError(outcome: ParseOutcome, code: ParseErrorCode, reason: RegExp): void {
  if (outcome.kind !== 'error') {
    expect.fail(`expected a ${code} error, got ${JSON.stringify(outcome)}`);
  }
  expect(outcome.code, outcome.reason).to.equal(code);
  expect(outcome.reason).to.match(reason);
}
