import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipFamily } from '../../core/ip.js';
import { OrgRegistry } from '../../core/orgs.js';
import { ParserNames, parsersFor, type ParserName } from '../../seeds/simulator/parsers.js';
import { Scenarios } from '../../seeds/simulator/scenarios/index.js';
import {
  generateTraffic, scenarioNames, simulate, streamPreamble, UnknownScenarioError, type SimulateSummary, type TruthEntry,
} from '../../seeds/simulator/simulate.js';
import { repoRoot, tempDir } from '../helpers/paths.js';

const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
const ZeekParsers: readonly ParserName[] = ['zeek-modbus', 'zeek-s7comm', 'zeek-opcua', 'zeek-dnp3'];
const JsonParsers: readonly ParserName[] = ['opcua-audit', 'app-audit', 'resolver-json'];

function readLines(dir: string, file: string): string[] {
  const text = readFileSync(join(dir, file), 'utf8');
  expect(text.endsWith('\n') || text === '', `${file} ends with a newline`).to.equal(true);
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

function readTruth(dir: string): TruthEntry[] {
  return readLines(dir, 'truth.jsonl').map((l) => JSON.parse(l) as TruthEntry);
}

function readAll(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** All IP-looking tokens of a line that are IPv6 addresses. */
function hasIpv6(line: string): boolean {
  return line.split(/[\s"=,[\]()#]+/).some((tok) => tok.includes(':') && ipFamily(tok) === 6);
}

describe('simulator', () => {
  const options = { durationSeconds: 60, rate: 40, seed: 7 };
  let dir: string;
  let summary: SimulateSummary;

  before(async () => {
    dir = tempDir('iisa-sim-');
    summary = await simulate({ ...options, out: dir });
  });

  describe('simulate()', () => {
    it('writes one file per parser name, and truth.jsonl', () => {
      const files = readdirSync(dir);
      expect(files).to.have.members([...ParserNames.map((p) => `${p}.log`), 'truth.jsonl']);
      for (const p of ParserNames) expect(summary.files[p], p).to.equal(readLines(dir, `${p}.log`).length);
    });

    it('gives byte-identical output for the same seed', async () => {
      const again = tempDir('iisa-sim-');
      await simulate({ ...options, out: again });
      const a = readAll(dir);
      const b = readAll(again);
      expect([...b.keys()]).to.deep.equal([...a.keys()]);
      for (const [file, text] of a) expect(b.get(file) === text, file).to.equal(true);
    });

    it('gives different output for a different seed', async () => {
      const other = tempDir('iisa-sim-');
      await simulate({ ...options, seed: 8, out: other });
      const a = readAll(dir);
      const b = readAll(other);
      const differing = [...a.keys()].filter((f) => a.get(f) !== b.get(f));
      expect(differing.length).to.be.greaterThan(ParserNames.length / 2);
    });

    it('points every truth entry at an existing data line of a format its scenario writes, for an org of its category', () => {
      const truth = readTruth(dir);
      expect(truth.length).to.equal(summary.attackLines).and.to.be.greaterThan(0);
      const files = new Map<string, string[]>();
      for (const t of truth) {
        if (!files.has(t.file)) files.set(t.file, readLines(dir, t.file));
        const lines = files.get(t.file) ?? [];
        const scenario = Scenarios.get(t.scenario);
        expect(scenario, t.scenario).to.not.equal(undefined);
        expect(t.line, JSON.stringify(t)).to.be.within(1, lines.length);
        expect(lines[t.line - 1].startsWith('#'), JSON.stringify(t)).to.equal(false);
        expect(scenario?.parsers.map((p) => `${p}.log`), JSON.stringify(t)).to.include(t.file);
        expect(registry.get(t.org)?.category, JSON.stringify(t)).to.equal(scenario?.category);
      }
    });

    it('runs every registered scenario under `all`, each against one org', () => {
      const truth = readTruth(dir);
      expect(summary.scenarios).to.have.members(scenarioNames());
      expect(new Set(truth.map((t) => t.scenario))).to.have.keys(scenarioNames());
      expect(scenarioNames().length).to.be.at.least(10);
      for (const name of scenarioNames()) {
        expect(new Set(truth.filter((t) => t.scenario === name).map((t) => t.org)).size, name).to.equal(1);
      }
    });

    it('labels only the chosen scenario when run alone', async () => {
      const alone = tempDir('iisa-sim-');
      const s = await simulate({ ...options, scenario: 'plc-stop', out: alone });
      const truth = readTruth(alone);
      expect(s.scenarios).to.deep.equal(['plc-stop']);
      expect(truth.length).to.be.greaterThan(0);
      expect(new Set(truth.map((t) => t.scenario))).to.have.keys(['plc-stop']);
      const stop = readLines(alone, 'zeek-s7comm.log').filter((l) => l.split('\t')[14] === '0x29');
      expect(stop.length, 'PLC Stop request and ack').to.equal(2);
    });

    it('writes no truth lines with scenario `none`', async () => {
      const quiet = tempDir('iisa-sim-');
      const s = await simulate({ ...options, durationSeconds: 10, scenario: 'none', out: quiet });
      expect(s.attackLines).to.equal(0);
      expect(readLines(quiet, 'truth.jsonl')).to.deep.equal([]);
    });

    it('rejects an unknown scenario, naming the valid ones', async () => {
      let error: unknown;
      try {
        await simulate({ ...options, scenario: 'no-such-attack', out: tempDir('iisa-sim-') });
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(UnknownScenarioError);
      expect((error as Error).message).to.include('no-such-attack').and.to.include('modbus-unauthorized-write').and.to.include('resolver-query-flood');
    });

    it('opens every Zeek file with the full header and keeps rows as wide as #fields', () => {
      for (const p of ZeekParsers) {
        const lines = readLines(dir, `${p}.log`);
        expect(lines.slice(0, 5), p).to.deep.equal(['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', lines[4]]);
        expect(lines[4], p).to.match(/^#path\t(modbus|s7comm|opcua_binary|dnp3)$/);
        expect(lines[5], p).to.match(/^#open\t2026-11-25-00-00-00$/);
        const fields = lines[6].split('\t');
        const types = lines[7].split('\t');
        expect(fields[0], p).to.equal('#fields');
        expect(types[0], p).to.equal('#types');
        expect(types.length, p).to.equal(fields.length);
        const rows = lines.filter((l) => !l.startsWith('#'));
        expect(rows.length, p).to.be.greaterThan(0);
        for (const row of rows) {
          const cols = row.split('\t');
          expect(cols.length, `${p}: ${row}`).to.equal(fields.length - 1);
          expect(cols[0], p).to.match(/^\d{10}\.\d{6}$/);
        }
        expect(lines[lines.length - 1], p).to.match(/^#close\t/);
      }
    });

    it('writes one valid JSON object per line in the JSON formats', () => {
      for (const p of JsonParsers) {
        for (const line of readLines(dir, `${p}.log`)) expect(() => JSON.parse(line) as unknown, `${p}: ${line}`).to.not.throw();
      }
    });

    it('puts IPv6 as well as IPv4 in the background traffic of every format', () => {
      const attack = new Set(readTruth(dir).map((t) => `${t.file}:${t.line}`));
      for (const p of ParserNames) {
        const background = readLines(dir, `${p}.log`).filter((l, i) => !l.startsWith('#') && !attack.has(`${p}.log:${i + 1}`));
        expect(background.filter(hasIpv6).length, `${p} IPv6 lines`).to.be.greaterThan(0);
        expect(background.filter((l) => !hasIpv6(l)).length, `${p} IPv4-only lines`).to.be.greaterThan(0);
      }
    });
  });

  describe('generateTraffic()', () => {
    const records = [...generateTraffic({ ...options, durationSeconds: 30 }, registry)];

    it('yields records in time order, inside the run, starting at the given start', () => {
      const start = Date.parse('2026-11-25T00:00:00Z');
      const times = records.map((r) => Date.parse(r.timestamp));
      for (let i = 1; i < times.length; i++) expect(times[i], `record ${i}`).to.be.at.least(times[i - 1]);
      expect(times[0]).to.be.at.least(start);
      expect(times[times.length - 1]).to.be.below(start + 31_000);
    });

    it('honours --start instead of the wall clock', () => {
      const later = [...generateTraffic({ ...options, durationSeconds: 5, start: '2027-03-01T08:30:00Z' }, registry)];
      expect(later[0].timestamp.startsWith('2027-03-01T08:30:0')).to.equal(true);
    });

    it('produces about rate x duration background records', () => {
      const background = records.filter((r) => !r.scenario).length;
      expect(background).to.be.within(30 * 40 * 0.8, 30 * 40 * 1.6);
    });

    it('sends each org only formats it has an ingest token for', () => {
      for (const r of records) {
        const org = registry.get(r.org);
        expect(org, r.org).to.not.equal(undefined);
        if (org) expect(parsersFor(org), `${r.org} ${r.parser}`).to.include(r.parser);
      }
    });

    it('gives a stream preamble only for Zeek formats', () => {
      for (const p of ParserNames) {
        const pre = streamPreamble(p);
        if (ZeekParsers.includes(p)) expect(pre.find((l) => l.startsWith('#fields')), p).to.be.a('string');
        else expect(pre, p).to.deep.equal([]);
      }
    });
  });
});
