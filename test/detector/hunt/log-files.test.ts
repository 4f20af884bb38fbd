import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsers } from '../../../collector/parsers/index.js';
import { detectParser, parserForFile, readLogFile, type FileProblem } from '../../../detector/hunt/log-files.js';
import { simulate } from '../../../seeds/simulator/simulate.js';
import { ParserNames } from '../../../seeds/simulator/parsers.js';
import { tempDir } from '../../helpers/paths.js';

describe('hunt log files', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = tempDir('iisa-hunt-files-');
    await simulate({ out: dir, durationSeconds: 120, rate: 40, seed: 3 });
  });

  describe('detectParser', () => {
    for (const name of ParserNames) {
      it(`recognises ${name} output of the simulator`, () => {
        const lines = readFileSync(join(dir, `${name}.log`), 'utf8').split('\n').slice(0, 50);
        expect(detectParser(lines, parsers)?.name).to.equal(name);
      });
    }
    it('falls back to ecs for JSON events that no specific format reads', () => {
      expect(detectParser(['{"@timestamp":"2026-11-25T00:00:00Z","message":"x","event":{"action":"y"}}'], parsers)?.name).to.equal('ecs');
    });
    it('finds nothing for text in no format', () => {
      expect(detectParser(['hello world', 'nothing to see'], parsers)).to.equal(undefined);
    });
  });

  describe('readLogFile', () => {
    it('yields every data line with its line number, and reports broken lines', async () => {
      const file = join(dir, 'mixed.log');
      const good = readFileSync(join(dir, 'access-combined.log'), 'utf8').trim().split('\n').slice(0, 3);
      writeFileSync(file, [good[0], 'broken line', '', good[1], good[2]].join('\n') + '\n');
      const problems: FileProblem[] = [];
      const parser = await parserForFile(file, { parsers });
      const events = [];
      for await (const e of readLogFile(file, parser, { parsers, onProblem: (p) => problems.push(p) })) events.push(e);
      expect(events.map((e) => e.line)).to.deep.equal([1, 4, 5]);
      expect(events.map((e) => e.event.event.original)).to.deep.equal(good);
      expect(problems.map((p) => p.line)).to.deep.equal([2]);
    });
    it('refuses an unknown parser name, listing the known ones', async () => {
      let error: Error | undefined;
      try { await parserForFile(join(dir, 'cef.log'), { parsers, parser: 'nope' }); } catch (err) { error = err as Error; }
      expect(error?.message).to.match(/no parser named "nope" \(known: iptables, cef/);
    });
  });
});
