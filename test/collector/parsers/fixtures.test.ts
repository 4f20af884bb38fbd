/**
 * Golden fixtures for every parser in the table: each
 * `fixtures/<parser>/<case>.log` holds one record a line, read in order on
 * one stream (so a Zeek header applies to the rows after it), and
 * `<case>.ecs.json` beside it the parse outcomes in order (skips, events and
 * errors alike). A fixture folder names its parser in `parsers` by folder
 * name, and every registered parser must have one: a new parser or a new
 * case needs no test code, only the two files.
 *
 * To (re)write the `.ecs.json` files after an intended change, run with
 * `UPDATE_GOLDEN=1` and review the diff before committing it.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsers } from '../../../collector/parsers/index.js';
import { repoRoot } from '../../helpers/paths.js';
import type { ParsedEvent } from './parser-helpers.js';
import { expectValid, parseOne, runStream } from './parser-helpers.js';

const FIXTURES = join(repoRoot, 'test', 'collector', 'parsers', 'fixtures');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function lines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

// Registered parsers and fixture folders alike, so that a parser without
// fixtures and a folder without a parser both fail.
const folders = readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
const names = [...new Set([...parsers.names(), ...folders])].sort();

describe('parser fixtures', () => {
  for (const name of names) {
    describe(name, () => {
      const parser = parsers.get(name);
      const dir = join(FIXTURES, name);
      const cases = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.log')).sort() : [];

      it('is a registered parser', () => {
        expect(parser, `fixtures/${name} names no parser in collector/parsers/index.ts`).to.not.equal(undefined);
      });

      it('has at least one golden case', () => {
        expect(cases.length, `no fixtures in ${dir}`).to.be.greaterThan(0);
      });

      if (!parser) return;

      for (const file of cases) {
        const base = file.slice(0, -'.log'.length);
        it(`${base}.log gives ${base}.ecs.json`, () => {
          const outcomes = runStream(parser, lines(join(dir, file)));
          const goldenPath = join(dir, `${base}.ecs.json`);
          if (UPDATE) writeFileSync(goldenPath, `${JSON.stringify(outcomes, null, 2)}\n`);
          const golden: unknown = JSON.parse(readFileSync(goldenPath, 'utf8'));
          // Compared as returned, not after a JSON round trip: the outcomes
          // must already be what the store keeps (no undefined fields, no
          // Dates), which implies they equal the golden as stored too.
          expect(outcomes).to.deep.equal(golden);
          for (const outcome of outcomes) {
            if (outcome.kind === 'event') expectValid(outcome.event as ParsedEvent);
          }
        });
      }

      it('opens its source file with its sample, and parses the sample to a valid event', () => {
        const source = readFileSync(join(repoRoot, 'collector', 'parsers', `${name}.ts`), 'utf8');
        expect(source.slice(0, source.indexOf('\n'))).to.equal(`// ${parser.sample}`);
        parseOne(parser, parser.sample);
      });
    });
  }
});
