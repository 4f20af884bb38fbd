/**
 * Records the fuzzer (test/hostile/fuzz.test.ts) found breaking parsers,
 * each minimal input kept as a regression test: names of Object's own
 * members (`constructor`, `__proto__`, `hasOwnProperty`) where a parser
 * looks a value up in a table, and numbers too long for a double.
 */
import { expect } from 'chai';
import type { ParseOutcome } from '../../../collector/parsers/types.js';
import { parsers } from '../../../collector/parsers/index.js';
import { parseRaw } from './parser-helpers.js';

function parse(name: string, text: string): ParseOutcome {
  return parseRaw(parsers.get(name)!, text);
}

/** Everything in the event is JSON data with the ordinary prototypes (no function from Object.prototype). */
function expectPlain(value: unknown, path = 'event'): void {
  if (value === null || ['string', 'boolean'].includes(typeof value)) return;
  if (typeof value === 'number') {
    expect(Number.isFinite(value), `${path} is ${value}`).to.equal(true);
    return;
  }
  expect(typeof value, path).to.equal('object');
  expect([Object.prototype, Array.prototype], `${path} has an odd prototype`).to.include(Object.getPrototypeOf(value));
  for (const [k, v] of Object.entries(value as object)) if (v !== undefined) expectPlain(v, `${path}.${k}`);
}

describe('parsers on hostile values (found by fuzzing)', () => {
  describe('names of Object members where a table is looked up', () => {
    const cases: [string, string][] = [
      ['cef', 'CEF:0|||||||4= act=constructor'],
      ['cef', 'CEF:0|||||||s= proto=constructor a='],
      ['cef', 'CEF:0|v|p|1|sig|name|toString|src=10.1.1.1 deviceDirection=__proto__'],
      ['zeek-modbus', '6\t\t::\t\t::\t\t__proto__\t'],
      ['zeek-modbus', '3\t\t0.8.2.0\t\t0.8.1.1\t\thasOwnProperty\t'],
      ['zeek-dnp3', '6\t\t0.0.0.5\t\t0.0.0.8\t\t\t\t\t\t\tconstructor\t\t\t\t'],
      ['zeek-modbus', '{"_path":"constructor","ts":1732543201.5,"func":"READ_COILS"}'],
      ['app-audit', '{"ts":"2026-11-25T08:00:01+0800","action":"constructor"}'],
      ['access-combined', '10.1.1.1 - - [25/Nov/2026:08:00:02 +0800] "GET / HTTP/1.1" 200 5 "-" "-" constructor=1 __proto__=2'],
      ['handle-access', '10.1.1.1 constructor:toString "2026-11-25 08:00:19+0800" 1 1 1ms 0.NA/x'],
    ];
    for (const [name, text] of cases) {
      it(`${name}: ${JSON.stringify(text)} gives plain data or a parse error, never Object's members`, () => {
        const outcome = parse(name, text);
        if (outcome.kind === 'event') expectPlain(outcome.event);
        else if (outcome.kind === 'error') expect(outcome.reason).to.be.a('string');
      });
    }

    it('app-audit files an unknown action under the fallback family', () => {
      const outcome = parse('app-audit', '{"ts":"2026-11-25T08:00:01+0800","action":"constructor","user":"alice","outcome":"success"}');
      if (outcome.kind !== 'event') expect.fail(JSON.stringify(outcome));
      expect(outcome.event.event).to.deep.include({ category: ['api'], action: 'constructor' });
    });
  });

  describe('numbers beyond a double', () => {
    const cases: [string, string, RegExp][] = [
      ['access-combined', `10.1.1.2 - - [25/Nov/2026:08:00:02 +0800] "GET / HTTP/1.1" 304 ${'31'.repeat(200)}`, /response size/],
      ['handle-access', `10.8.2.6 UDP:HDL "2026-11-25 08:00:19+0800" ${'1'.repeat(320)} 1 1ms 0.NA/x`, /op code .* out of range/],
      ['handle-access', `10.1.2.6 UDP:HDL(2) "2026-11-25 08:00:39+0800" 1 1 ${'2'.repeat(320)}ms 0.NA/x`, /elapsed time .* out of range/],
      ['resolver-json', '{"time":"2026-11-25T00:00:25.2Z","node":"n","client":"10.2.2.5","identifier":"88.1/x","query_type":"resolve","status":"SUCCESS","latency_ms":1e308}', /latency_ms/],
      ['ecs', '{"@timestamp":"2026-11-25T00:00:25Z","source":{"port":1e309}}', /field "source\.port": number out of range/],
    ];
    for (const [name, text, reason] of cases) {
      it(`${name}: refuses ${JSON.stringify(text.slice(0, 70))}... as bad-field`, () => {
        const outcome = parse(name, text);
        expect(outcome).to.deep.include({ kind: 'error', code: 'bad-field' });
        expect(outcome.kind === 'error' && outcome.reason).to.match(reason);
      });
    }
  });
});
