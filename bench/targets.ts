/**
 * bench/targets: the performance targets beside the figures the benchmarks
 * measured (bench/results.json), as a section of BENCHMARKS.md.
 * Runs last in `npm run bench`; a figure missing from results.json shows as
 * not measured, never as a guess.
 *
 *   node dist/bench/targets.js [--results bench/results.json] [--out BENCHMARKS.md]
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machine, writeSection } from './report.js';
import { DEFAULT_RESULTS_FILE, type Figure, type ResultKey } from './results.js';

interface Target {
  readonly key: ResultKey;
  readonly figure: string;
  readonly target: number;
  /** Whether more is better (throughput) or less (latency, memory). */
  readonly better: 'higher' | 'lower';
  readonly others: string;
  readonly where: string;
}

const Targets: readonly Target[] = [
  { key: 'detect_100_rules_eps', figure: 'stream detection, 100 rules, one core', target: 300_000, better: 'higher', others: 'naive JS evaluation ~160,000; Wazuh analysisd 8,100-13,700 EPS', where: 'bench/detect' },
  { key: 'detect_sigmahq_eps', figure: 'stream detection, the whole SigmaHQ corpus (3,141 rules) over mixed events, one core', target: 30_000, better: 'higher', others: 'Hayabusa ~18,000, Zircolite ~39,000 (10-core laptop); Chainsaw ~4,000', where: 'bench/detect' },
  { key: 'e2e_embedded_eps', figure: 'end to end, embedded: HTTP NDJSON -> parse -> detect (100 rules) -> SQLite, 5 minutes', target: 50_000, better: 'higher', others: 'batched SQLite inserts with two indexes ~64,000 rows/s here', where: 'bench/e2e' },
  { key: 'e2e_peak_rss_mb', figure: 'end to end, embedded: peak RSS of the node (memory flat)', target: Number.NaN, better: 'lower', others: '', where: 'bench/e2e' },
  { key: 'alert_ws_p99_ms', figure: 'event -> graded alert -> browser websocket, p99 (100 clients)', target: 100, better: 'lower', others: 'scheduled SIEM rules run every 5 minutes', where: 'bench/console' },
  { key: 'ws_fanout_p99_ms', figure: 'websocket fan-out, 1,000 clients, push p99', target: 50, better: 'lower', others: 'raw `ws` ~19 ms p99 at 1,000 clients here', where: 'bench/ws-fanout' },
  { key: 'scaleout_ratio', figure: 'scale-out on Kafka + Elasticsearch, 2 detector processes against 1', target: 1.8, better: 'higher', others: '', where: 'bench/scale' },
];

function readResults(file: string): Partial<Record<ResultKey, Figure>> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<ResultKey, Figure>>;
  } catch {
    return {};
  }
}

function number(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : String(Number(n.toPrecision(3)));
}

function verdict(t: Target, figure: Figure | undefined): string {
  if (!figure) return 'not measured yet';
  if (Number.isNaN(t.target)) return 'reported';
  const met = t.better === 'higher' ? figure.value >= t.target : figure.value <= t.target;
  const factor = t.better === 'higher' ? t.target / figure.value : figure.value / t.target;
  return met ? 'met' : `missed (${factor.toFixed(1)}x short)`;
}

function main(): void {
  const { values } = parseArgs({ options: { results: { type: 'string', default: DEFAULT_RESULTS_FILE }, out: { type: 'string', default: 'BENCHMARKS.md' } } });
  const results = readResults(values.results!);
  const rows = Targets.map((t) => {
    const f = results[t.key];
    const target = Number.isNaN(t.target) ? '' : `${t.better === 'higher' ? '>=' : '<='} ${number(t.target)}`;
    return `| ${t.figure} | ${target} | ${f ? `${number(f.value)} ${f.unit}` : '—'} | ${verdict(t, f)} | ${t.others} | ${t.where} |`;
  });
  const body = [
    `Machine of this summary: ${machine()}. Each figure comes from its benchmark's own section below (its machine, load and method are stated there), through \`${values.results!}\`.`,
    '',
    '| figure | target | measured | | what others publish | benchmark |',
    '|---|---:|---:|---|---|---|',
    ...rows,
  ].join('\n');
  writeSection(values.out!, 'Targets (issue 7) against the measured figures', body);
  process.stdout.write(`${rows.join('\n')}\n`);
}

main();
