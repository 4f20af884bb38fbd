/**
 * bench/run-all: `npm run bench`. Runs every benchmark in turn, each in a
 * process of its own (so one's memory and JIT state do not colour the
 * next), times each, and writes the run to BENCHMARKS.md: which stages ran,
 * how long each took, and the whole, against the 20-minute budget of
 * issue 7. A stage that fails is reported and the others still run; the
 * exit code says whether all passed.
 *
 *   node dist/bench/run-all.js [--only detect,e2e]
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine, writeSection } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const BUDGET_MINUTES = 20;

interface Stage {
  readonly name: string;
  readonly script: string;
  readonly nodeFlags?: readonly string[];
  /** Arguments that fit the stage into the run's budget (each benchmark's own defaults are for running it alone). */
  readonly args?: readonly string[];
}

/** In this order: targets reads what the others wrote to bench/results.json. */
const Stages: readonly Stage[] = [
  { name: 'ingest', script: 'ingest.js', args: ['--events', '10000'] },
  { name: 'detect', script: 'detect.js', nodeFlags: ['--expose-gc'] },
  { name: 'scale', script: 'scale.js' },
  { name: 'console', script: 'console.js' },
  // The small-batch sessions compare a hub setting, not a target figure: left out to keep within the budget.
  { name: 'ws-fanout', script: 'ws-fanout.js', args: ['--small-batch', '0'] },
  { name: 'e2e', script: 'e2e.js' },
  // A million inputs for every parser, framing and the Sigma parser on documents (the slowest: about 3,000/s on one worker, 5 to 6 min);
  // the supplementary Sigma targets (rule text through YAML, compile and match; regular expressions) get 15 s each.
  { name: 'fuzz', script: 'fuzz.js', nodeFlags: ['--expose-gc'], args: ['--seconds', '15'] },
  { name: 'targets', script: 'targets.js' },
];

function minutes(ms: number): string {
  return `${Math.floor(ms / 60_000)} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
}

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = values.only ? new Set(values.only.split(',')) : undefined;
const unknown = only ? [...only].filter((n) => !Stages.some((s) => s.name === n)) : [];
if (unknown.length) {
  console.error(`unknown stage(s) ${unknown.join(', ')}; stages: ${Stages.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const ran: { stage: Stage; ms: number; status: number | null }[] = [];
const began = Date.now();
for (const stage of Stages.filter((s) => !only || only.has(s.name))) {
  console.log(`\n=== bench/${stage.name} ===`);
  const start = Date.now();
  const result = spawnSync(process.execPath, [...(stage.nodeFlags ?? []), join(here, stage.script), ...(stage.args ?? [])], { stdio: 'inherit' });
  ran.push({ stage, ms: Date.now() - start, status: result.status });
}
const total = Date.now() - began;
const failed = ran.filter((r) => r.status !== 0);

const rows = ran.map((r) => `| bench/${r.stage.name}${r.stage.args ? ` ${r.stage.args.join(' ')}` : ''} | ${minutes(r.ms)} | ${r.status === 0 ? 'ok' : `failed (exit ${r.status})`} |`);
const whole = only ? `${minutes(total)} for the stages asked for (${[...only].join(', ')})` : `**${minutes(total)}** for the whole set (budget ${BUDGET_MINUTES} min: ${total <= BUDGET_MINUTES * 60_000 ? 'within' : 'over'})`;
console.log(`\n${ran.map((r) => `${r.stage.name.padEnd(10)} ${minutes(r.ms)}${r.status === 0 ? '' : '  FAILED'}`).join('\n')}\n${only ? 'stages' : 'whole set'}: ${minutes(total)}`);
if (!only) {
  writeSection('BENCHMARKS.md', 'The benchmark run (npm run bench)', [
    `Machine: ${machine()}.`,
    '',
    `Each stage in a process of its own, one after the other: ${whole}.`,
    '',
    '| stage | time | |',
    '|---|---:|---|',
    ...rows,
  ].join('\n'));
}
process.exit(failed.length === 0 ? 0 : 1);
