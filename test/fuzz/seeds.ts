/**
 * Seed inputs, read at run time (never copied into the repository): the
 * simulator's traffic of every format, each parser's own sample, Zeek logs
 * of the ICS corpus (../shared/corpora/ics) as whole streams with their
 * headers, and Sigma rules from rules/ and SigmaHQ.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parsers } from '../../collector/parsers/index.js';
import { generateTraffic, streamPreamble } from '../../seeds/simulator/simulate.js';
import { isParserName } from '../../seeds/simulator/parsers.js';
import { ruleFiles } from '../../detector/sigma/parse.js';
import { Rng } from './mutator.js';

/** The repository root and the shared corpora beside it (mocha and the benchmarks run from the root). */
const repoRoot = process.cwd();
const corporaDir = resolve(repoRoot, '..', 'shared', 'corpora');

/** Lines per parser taken from simulated traffic. */
const TRAFFIC_LINES = 150;
/** Lines of a Zeek file kept in one stream seed. */
const STREAM_LINES = 24;

let traffic: Map<string, string[]> | undefined;

/** Simulated lines by parser name: background traffic and every attack scenario, a fixed seed. */
function trafficByParser(): Map<string, string[]> {
  if (traffic) return traffic;
  traffic = new Map();
  for (const rec of generateTraffic({ scenario: 'all', durationSeconds: 1800, rate: 40, seed: 3 })) {
    const lines = traffic.get(rec.parser) ?? [];
    if (lines.length < TRAFFIC_LINES) lines.push(rec.line);
    traffic.set(rec.parser, lines);
  }
  return traffic;
}

const ICS_DIRS: Readonly<Record<string, string>> = {
  'zeek-modbus': 'icsnpp-modbus', 'zeek-s7comm': 'icsnpp-s7comm', 'zeek-opcua': 'icsnpp-opcua-binary', 'zeek-dnp3': 'icsnpp-dnp3',
};

function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return logFiles(full);
    return e.name.endsWith('.log') ? [full] : [];
  });
}

/** Zeek streams of the ICS corpus for one parser: header and first rows, with btest's masked times made real. */
function icsStreams(parser: string): string[] {
  const dir = ICS_DIRS[parser];
  if (!dir) return [];
  return logFiles(join(corporaDir, 'ics', dir)).map((file) => readFileSync(file, 'utf8')
    .split('\n').slice(0, STREAM_LINES).join('\n')
    .replace(/XXXXXXXXXX\.XXXXXX/g, '1795615201.123456'));
}

/**
 * Seeds of one parser: single records (simulated lines and its sample), and
 * for Zeek parsers whole streams (newline-joined: header lines, then rows).
 * A few lines of other formats are mixed in: a parser must refuse them
 * cleanly too.
 */
export function parserSeeds(name: string): string[] {
  const byParser = trafficByParser();
  const own = name === 'ecs' ? ecsSeeds(byParser) : byParser.get(name) ?? [];
  const parser = parsers.get(name);
  const seeds = [...own, ...(parser ? [parser.sample] : [])];
  if (isParserName(name)) {
    const preamble = streamPreamble(name);
    if (preamble.length > 0) seeds.push(...own.slice(0, 10).map((line) => [...preamble, line].join('\n')));
  }
  seeds.push(...icsStreams(name));
  const rng = new Rng(11);
  const others = [...byParser.entries()].filter(([p]) => p !== name).flatMap(([, lines]) => lines.slice(0, 5));
  for (let i = 0; i < 10 && others.length > 0; i++) seeds.push(rng.pick(others));
  return seeds;
}

/** ECS records: the simulated lines of every format, parsed by their parsers and printed as JSON. */
function ecsSeeds(byParser: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  const receivedAt = new Date('2026-11-25T14:00:00Z');
  for (const [name, lines] of byParser) {
    const parser = parsers.get(name);
    if (!parser || !isParserName(name)) continue;
    const ctx = { stream: new Map<string, unknown>() };
    for (const text of streamPreamble(name)) parser.parse({ text, receivedAt }, ctx);
    for (const text of lines.slice(0, 15)) {
      const outcome = parser.parse({ text, receivedAt }, ctx);
      if (outcome.kind === 'event') out.push(JSON.stringify(outcome.event));
    }
  }
  return out;
}

/** Every format's seed records, as text (framing targets turn them into bytes). */
export function allRecordSeeds(): string[] {
  return [...trafficByParser().values()].flatMap((lines) => lines.slice(0, 30));
}

/** Sigma rule files: all of rules/, the specification's example rules, correlations and filters, and a fixed sample of SigmaHQ (each file's text). */
export function sigmaSeeds(sigmahqSample = 300): string[] {
  const specDir = join(corporaDir, 'sigma-specification', 'tests', 'schema');
  const spec = existsSync(specDir) ? ruleFiles(specDir) : [];
  const own = [...ruleFiles(resolve(repoRoot, 'rules')), ...spec].map((f) => readFileSync(f, 'utf8'));
  const sigmahqDir = join(corporaDir, 'sigmahq', 'rules');
  const sigmahq = existsSync(sigmahqDir) ? ruleFiles(sigmahqDir) : [];
  const rng = new Rng(5);
  const sample: string[] = [];
  for (let i = 0; i < sigmahqSample && sigmahq.length > 0; i++) sample.push(readFileSync(rng.pick(sigmahq), 'utf8'));
  return [...own, ...sample];
}
