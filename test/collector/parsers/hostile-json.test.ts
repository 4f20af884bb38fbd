/**
 * Every parser that reads JSON refuses a record nested beyond
 * MAX_JSON_DEPTH as malformed. JSON.parse accepts any depth, but the event
 * would then overflow the stack of whatever serialises it (store, bus,
 * forwarder) or of the parser's own walk: found by fuzzing
 * (test/hostile/fuzz.test.ts), where the ECS parser passed a 12,000-deep
 * object on and the Zeek parsers threw RangeError.
 */
import { expect } from 'chai';
import { MAX_JSON_DEPTH } from '../../../core/json-guards.js';
import { parsers } from '../../../collector/parsers/index.js';
import { parseRaw } from './parser-helpers.js';

const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('JSON parsers on hostile nesting', () => {
  const json = parsers.all().filter((p) => p.sample.trimStart().startsWith('{'));

  it('covers every JSON format of the table', () => {
    // The other Zeek parsers share zeek-opcua's reader (test/collector/parsers/zeek/reader.test.ts).
    expect(json.map((p) => p.name)).to.include.members(['ecs', 'app-audit', 'resolver-json', 'opcua-audit', 'zeek-opcua']);
  });

  for (const parser of json) {
    it(`${parser.name}: refuses a record nested 12,000 levels deep as malformed, and still reads its sample`, () => {
      const sample = JSON.parse(parser.sample) as Record<string, unknown>;
      const hostile = `${JSON.stringify(sample).slice(0, -1)},"deep":${nested(12_000)}}`;
      const outcome = parser.parse({ text: hostile, receivedAt: new Date() }, { stream: new Map() });
      expect(outcome).to.deep.include({ kind: 'error', code: 'malformed' });
      expect(parser.parse({ text: parser.sample, receivedAt: new Date() }, { stream: new Map() }).kind).to.equal('event');
    });

    it(`${parser.name}: accepts nesting up to the limit`, () => {
      const sample = JSON.parse(parser.sample) as Record<string, unknown>;
      const outcome = parseRaw(parser, `${JSON.stringify(sample).slice(0, -1)},"deep":${nested(MAX_JSON_DEPTH - 1)}}`);
      expect(outcome.kind === 'error' && /nested/.test(outcome.reason), JSON.stringify(outcome).slice(0, 200)).to.equal(false);
    });
  }
});
