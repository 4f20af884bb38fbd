/**
 * Golden fixtures for the platform and identifier-resolution parsers: each
 * `fixtures/<parser>/<case>.log` holds one record a line, and
 * `<case>.ecs.json` beside it the parse outcomes in order (events and
 * errors alike). A new case needs no test code, only the two files.
 *
 * To (re)write the `.ecs.json` files after an intended change, run with
 * `UPDATE_GOLDEN=1` and review the diff before committing it.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessCombinedParser } from '../../../collector/parsers/access-combined.js';
import { appAuditParser } from '../../../collector/parsers/app-audit.js';
import { bindQueryParser } from '../../../collector/parsers/bind-query.js';
import { handleAccessParser } from '../../../collector/parsers/handle-access.js';
import { resolverJsonParser } from '../../../collector/parsers/resolver-json.js';
import type { Parser } from '../../../collector/parsers/types.js';
import { repoRoot } from '../../helpers/paths.js';
import { expectEvent, parseLine } from './platform-helpers.js';

const PARSERS: readonly Parser[] = [accessCombinedParser, appAuditParser, handleAccessParser, bindQueryParser, resolverJsonParser];
const FIXTURES = join(repoRoot, 'test', 'collector', 'parsers', 'fixtures');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function lines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

describe('platform parser fixtures', () => {
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
          const outcomes = lines(join(dir, file)).map((text) => parseLine(parser, text));
          const goldenPath = join(dir, `${name}.ecs.json`);
          if (UPDATE) writeFileSync(goldenPath, `${JSON.stringify(outcomes, null, 2)}\n`);
          const golden: unknown = JSON.parse(readFileSync(goldenPath, 'utf8'));
          expect(outcomes).to.deep.equal(golden);
          for (const outcome of outcomes) if (outcome.kind === 'event') expectEvent(outcome);
        });
      }

      it('opens its source file with its sample, and parses the sample to a valid event', () => {
        const source = readFileSync(join(repoRoot, 'collector', 'parsers', `${parser.name}.ts`), 'utf8');
        expect(source.slice(0, source.indexOf('\n'))).to.equal(`// ${parser.sample}`);
        expectEvent(parseLine(parser, parser.sample));
      });
    });
  }
});
