/**
 * Golden fixtures for the gateway parsers: each `fixtures/<parser>/<case>.log`
 * holds one record a line, read in order on one stream (so a Zeek header
 * applies to the rows after it), and `<case>.ecs.json` beside it the parse
 * outcomes in order (skips, events and errors alike). A new case needs no
 * test code, only the two files.
 *
 * To (re)write the `.ecs.json` files after an intended change, run with
 * `UPDATE_GOLDEN=1` and review the diff before committing it.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cefParser } from '../../../collector/parsers/cef.js';
import { iptablesParser } from '../../../collector/parsers/iptables.js';
import { opcuaAuditParser } from '../../../collector/parsers/opcua-audit.js';
import type { Parser } from '../../../collector/parsers/types.js';
import { zeekDnp3Parser } from '../../../collector/parsers/zeek-dnp3.js';
import { zeekModbusParser } from '../../../collector/parsers/zeek-modbus.js';
import { zeekOpcuaParser } from '../../../collector/parsers/zeek-opcua.js';
import { zeekS7commParser } from '../../../collector/parsers/zeek-s7comm.js';
import { repoRoot } from '../../helpers/paths.js';
import type { ParsedEvent } from './parser-helpers.js';
import { expectValid, parseOne, runStream } from './parser-helpers.js';

const PARSERS: readonly Parser[] = [
  iptablesParser, cefParser, opcuaAuditParser, zeekModbusParser, zeekS7commParser, zeekDnp3Parser, zeekOpcuaParser,
];
const FIXTURES = join(repoRoot, 'test', 'collector', 'parsers', 'fixtures');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function lines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

describe('gateway parser fixtures', () => {
  for (const parser of PARSERS) {
    describe(parser.name, () => {
      const dir = join(FIXTURES, parser.name);
      const cases = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.log')).sort() : [];

      it('has at least one golden case', () => {
        expect(cases.length, `no fixtures in ${dir}`).to.be.greaterThan(0);
      });

      for (const file of cases) {
        const name = file.slice(0, -'.log'.length);
        it(`${name}.log gives ${name}.ecs.json`, () => {
          // A JSON round trip, as the store would keep the event.
          const outcomes: unknown = JSON.parse(JSON.stringify(runStream(parser, lines(join(dir, file)))));
          const goldenPath = join(dir, `${name}.ecs.json`);
          if (UPDATE) writeFileSync(goldenPath, `${JSON.stringify(outcomes, null, 2)}\n`);
          const golden: unknown = JSON.parse(readFileSync(goldenPath, 'utf8'));
          expect(outcomes).to.deep.equal(golden);
          for (const outcome of outcomes as { kind: string; event?: ParsedEvent }[]) {
            if (outcome.event) expectValid(outcome.event);
          }
        });
      }

      it('opens its source file with its sample, and parses the sample to a valid event', () => {
        const source = readFileSync(join(repoRoot, 'collector', 'parsers', `${parser.name}.ts`), 'utf8');
        expect(source.slice(0, source.indexOf('\n'))).to.equal(`// ${parser.sample}`);
        parseOne(parser, parser.sample);
      });
    });
  }
});
