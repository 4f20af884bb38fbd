/**
 * bench/ingest: parse + store throughput per log format.
 *
 * For each format, simulator lines (native format, background traffic) go
 * through the real ingest pipeline in batches of BATCH records, several
 * batches in flight as several senders would have:
 *
 *   parse        pipeline (parse, stamp, validate) -> in-process bus -> a consumer that drops them
 *   parse+store  pipeline -> in-process bus -> store writer -> SQLite (WAL, synchronous=full)
 *
 * Each format runs in its own child process so its peak memory (max RSS) is
 * its own. Figures are printed and written to BENCHMARKS.md. Compare ratios
 * (store cost over parse cost, formats against each other), not absolute
 * numbers across machines.
 *
 *   npm run bench            (this and bench/detect, default 20000 events per format)
 *   node dist/bench/ingest.js --events 50000 --formats zeek-modbus,cef
 *
 * The lines are made once, by this process, for every format (the children
 * read theirs from a file), before any child is timed.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Topics } from '../core/bus/bus.js';
import { InMemoryBus } from '../core/bus/memory.js';
import { OrgRegistry } from '../core/orgs.js';
import { StoreSink } from '../core/store/sink.js';
import { SqliteStore } from '../core/store/sqlite/sqlite-store.js';
import { CounterMetrics } from '../core/telemetry.js';
import { IngestPipeline } from '../collector/pipeline.js';
import { parsers } from '../collector/parsers/index.js';
import type { IngestRecord } from '../collector/sources/types.js';
import { defaultRegistryPath, generateTraffic, streamPreamble } from '../seeds/simulator/simulate.js';
import { ParserNames, type ParserName } from '../seeds/simulator/parsers.js';
import { machine, writeSection } from './report.js';

const BATCH = 500;
const IN_FLIGHT = 4;

interface FormatResult {
  format: string;
  events: number;
  parsePerSecond: number;
  storePerSecond: number;
  peakRssMiB: number;
  rejected: number;
}

/** One sender's stream of one format: its org, the stream's header lines and the records. */
interface FormatLines {
  readonly org: string;
  readonly preamble: string[];
  readonly lines: string[];
}

/**
 * Native lines of each format from one pass over the simulator's traffic:
 * per format, the lines of the first org that sends it (one sender's
 * stream), repeated to `count`. One pass for all formats, before any child
 * starts: a pass per format and run took most of this benchmark's time.
 */
function linesByFormat(formats: readonly ParserName[], count: number): Map<ParserName, FormatLines> {
  const found = new Map<ParserName, { org: string; lines: string[] }>();
  const wanted = new Set(formats);
  let complete = 0;
  for (const rec of generateTraffic({ scenario: 'none', durationSeconds: 3600, rate: 200, seed: 7 })) {
    if (!wanted.has(rec.parser)) continue;
    let entry = found.get(rec.parser);
    if (!entry) {
      entry = { org: rec.org, lines: [] };
      found.set(rec.parser, entry);
    }
    if (rec.org !== entry.org || entry.lines.length >= count) continue;
    entry.lines.push(rec.line);
    if (entry.lines.length === count && ++complete === wanted.size) break;
  }
  const out = new Map<ParserName, FormatLines>();
  for (const format of formats) {
    const entry = found.get(format);
    if (!entry) throw new Error(`the simulator wrote no ${format} lines`);
    const lines = entry.lines;
    const distinct = lines.length;
    for (let i = 0; lines.length < count; i++) lines.push(lines[i % distinct]);
    out.set(format, { org: entry.org, preamble: streamPreamble(format), lines });
  }
  return out;
}

async function runPipeline(format: ParserName, input: FormatLines, store: SqliteStore | undefined): Promise<{ seconds: number; rejected: number }> {
  const { org, preamble, lines } = input;
  const registry = OrgRegistry.load(defaultRegistryPath());
  const metrics = new CounterMetrics();
  const bus = new InMemoryBus({ capacity: BATCH * IN_FLIGHT * 2 });
  const sink = store
    ? await StoreSink.start(bus, store, metrics)
    : await bus.subscribe(Topics.events, { group: 'drop', maxBatch: 2000 }, async () => {});
  const letters = store ? undefined : await bus.subscribe(Topics.deadLetters, { group: 'drop' }, async () => {});
  const pipeline = new IngestPipeline({ parsers, registry, bus, metrics });
  const receivedAt = new Date();
  const record = (text: string): IngestRecord => ({ text, receivedAt, orgId: org, parser: format, stream: 'bench', origin: 'bench' });

  await pipeline.emit(preamble.map(record));
  let rejected = 0;
  const started = process.hrtime.bigint();
  let next = 0;
  const sender = async () => {
    while (next < lines.length) {
      const batch = lines.slice(next, next + BATCH);
      next += BATCH;
      const result = await pipeline.emit(batch.map(record));
      rejected += result.rejected.length;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await sink.close();
  await letters?.close();
  await bus.close();
  return { seconds, rejected };
}

/** One format, in this process: parse-only then parse+store of the lines in `linesFile`; prints a JSON result line. */
async function child(format: ParserName, linesFile: string): Promise<void> {
  const input = JSON.parse(readFileSync(linesFile, 'utf8')) as FormatLines;
  const count = input.lines.length;
  const parse = await runPipeline(format, input, undefined);
  const dir = mkdtempSync(join(tmpdir(), 'iisa-bench-'));
  const store = SqliteStore.open({ path: join(dir, 'iisa.db'), synchronous: 'full' });
  const stored = await runPipeline(format, input, store);
  const inStore = await store.countEvents({});
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  if (inStore !== count - stored.rejected) throw new Error(`${format}: ${inStore} events stored, expected ${count - stored.rejected}`);
  const result: FormatResult = {
    format,
    events: count,
    parsePerSecond: Math.round(count / parse.seconds),
    storePerSecond: Math.round(count / stored.seconds),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    rejected: stored.rejected,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function runChild(format: string, linesFile: string): Promise<FormatResult> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--child', format, '--lines', linesFile], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench child for ${format} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as FormatResult);
    });
  });
}


function report(results: FormatResult[], count: number): string {
  const base = results.find((r) => r.format === 'iptables') ?? results[0];
  const rows = results.map((r) => `| ${r.format} | ${r.parsePerSecond.toLocaleString('en-US')} | ${r.storePerSecond.toLocaleString('en-US')} | ${(r.parsePerSecond / r.storePerSecond).toFixed(1)} | ${(r.storePerSecond / base.storePerSecond).toFixed(2)} | ${r.peakRssMiB} |`);
  return [
    `Machine: ${machine()}.`,
    '',
    `${count.toLocaleString('en-US')} events per format, simulator background lines in native format, batches of ${BATCH} with ${IN_FLIGHT} in flight.`,
    '"parse" is the whole pipeline (parse, stamp, validate against the event schema, publish on the in-process bus) into a consumer that drops events;',
    '"parse + store" adds the store writer and SQLite (WAL, synchronous=full, FTS5 index) with the acknowledgement after commit.',
    `Ratios: "store cost" = parse rate / parse+store rate; "vs ${base.format}" compares parse+store rates between formats.`,
    '',
    `| format | parse (events/s) | parse + store (events/s) | store cost | vs ${base.format} | peak RSS (MiB) |`,
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      lines: { type: 'string' },
      events: { type: 'string', default: '20000' },
      formats: { type: 'string' },
      out: { type: 'string', default: 'BENCHMARKS.md' },
    },
  });
  const count = Number(values.events);
  if (!Number.isInteger(count) || count < BATCH) throw new Error(`--events must be an integer >= ${BATCH}`);
  if (values.child) {
    if (!values.lines) throw new Error('--child needs --lines FILE');
    return child(values.child as ParserName, values.lines);
  }

  const formats = values.formats ? values.formats.split(',') : [...ParserNames];
  for (const f of formats) if (!parsers.get(f) || !(ParserNames as readonly string[]).includes(f)) throw new Error(`unknown format ${f}`);
  const dir = mkdtempSync(join(tmpdir(), 'iisa-bench-lines-'));
  const files = new Map<string, string>();
  for (const [format, input] of linesByFormat(formats as ParserName[], count)) {
    const file = join(dir, `${format}.json`);
    writeFileSync(file, JSON.stringify(input));
    files.set(format, file);
  }
  const results: FormatResult[] = [];
  try {
    for (const format of formats) {
      const r = await runChild(format, files.get(format)!);
      process.stdout.write(`${format.padEnd(16)} parse ${String(r.parsePerSecond).padStart(8)}/s  parse+store ${String(r.storePerSecond).padStart(8)}/s  peak ${r.peakRssMiB} MiB${r.rejected ? `  (${r.rejected} rejected)` : ''}\n`);
      results.push(r);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const section = report(results, count);
  const file = values.out!;
  writeSection(file, 'Ingest: parse + store per format (bench/ingest)', section);
  process.stdout.write(`\nwrote ${file}\n`);
}

await main();
