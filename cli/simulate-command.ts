import { Option, type Command } from 'commander';
import { generateTraffic, scenarioNames, simulate } from '../seeds/simulator/simulate.js';
import { sendTraffic } from '../seeds/simulator/send.js';
import { nonNegativeNumber, positiveInt } from './args.js';

interface SimulateCliOptions {
  out?: string;
  target?: string;
  tokens: string;
  scenario: string;
  duration: number;
  rate: number;
  seed: number;
  start?: string;
  realtime?: boolean;
}

/** `iisa simulate`: native-format traffic with labelled attacks, to files or to a running node. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('write simulated gateway, platform and resolver logs (background traffic plus labelled attack scenarios)')
    .addOption(new Option('--out <dir>', 'write DIR/<parser>.log per format and DIR/truth.jsonl').conflicts('target'))
    .option('--target <url>', 'send to a running node\'s HTTP ingest instead, e.g. http://127.0.0.1:8080')
    .option('--tokens <file>', 'ingest tokens to send with (with --target)', 'seeds/tokens.yaml')
    .option('--scenario <name>', `all, none, or one of: ${scenarioNames().join(', ')}`, 'all')
    .option('--duration <seconds>', 'simulated seconds', nonNegativeNumber, 60)
    .option('--rate <events_per_s>', 'background events per second across all formats', nonNegativeNumber, 50)
    .option('--seed <n>', 'seed: the same seed gives the same output', positiveInt, 1)
    .option('--start <iso>', 'simulated start time (default 2026-11-25T00:00:00Z; with --realtime, now)')
    .option('--realtime', 'with --target: send each record when its simulated time comes')
    .action(async (opts: SimulateCliOptions) => {
      if (!opts.out && !opts.target) throw new Error('give --out DIR or --target URL');
      const traffic = { scenario: opts.scenario, durationSeconds: opts.duration, rate: opts.rate, seed: opts.seed };
      if (opts.out) {
        const summary = await simulate({ ...traffic, out: opts.out, ...(opts.start ? { start: opts.start } : {}) });
        process.stdout.write(`wrote ${summary.records} records (${summary.attackLines} attack lines, scenarios: ${summary.scenarios.join(', ') || 'none'}) to ${summary.outDir}\n`);
        return;
      }
      const start = opts.start ?? (opts.realtime ? new Date().toISOString() : undefined);
      const records = generateTraffic({ ...traffic, ...(start ? { start } : {}) });
      const summary = await sendTraffic(records, { target: opts.target!, tokensFile: opts.tokens, realtime: opts.realtime ?? false, ...(start ? { start } : {}) });
      process.stdout.write(`sent ${summary.sent} records in ${summary.requests} requests: ${summary.accepted} accepted, ${summary.rejected} rejected, ${summary.noToken} without a token\n`);
    });
}
