import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { describeStore } from '../core/store/open.js';
import { generateTraffic } from '../seeds/simulator/simulate.js';
import { sendTraffic } from '../seeds/simulator/send.js';
import { loadNodeConfig } from './node-config.js';
import { startNode } from './node.js';
import { waitForSignal } from './node-command.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `iisa demo` (npm start): a node with the seeded orgs, fed live by the simulator. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the demo: a node serving every seeded org, fed live by the traffic simulator')
    .option('--config <file>', 'demo node config', join(repoRoot, 'seeds', 'demo', 'node.yaml'))
    .option('--rate <events_per_s>', 'background events per second', '20')
    .action(async (opts: { config: string; rate: string }) => {
      const config = loadNodeConfig(opts.config);
      const node = await startNode(config);
      const http = node.sources.find((s) => s.type === 'http')?.source.address?.();
      if (!http) throw new Error('the demo config needs an http source');
      const target = `http://${http.host.includes(':') ? '[::1]' : '127.0.0.1'}:${http.port}`;
      process.stdout.write([
        '',
        'iisa demo is running.',
        `  HTTP ingest   ${target}/api/v1/ingest   (tokens: seeds/tokens.yaml)`,
        '  syslog        udp/tcp 5514 (from 127.0.0.1 and ::1)',
        `  store         ${describeStore(config.store)}`,
        '  query         npx iisa events search --config seeds/demo/node.yaml --from -5m',
        'Ctrl-C stops it.',
        '',
      ].join('\n'));
      const stop = new AbortController();
      // Ten simulated minutes at a time, so every attack scenario recurs while the demo runs.
      const traffic = (async () => {
        for (let round = 1; !stop.signal.aborted; round++) {
          const start = new Date().toISOString();
          await sendTraffic(
            generateTraffic({ scenario: 'all', durationSeconds: 600, rate: Number(opts.rate), seed: round, start }),
            { target, tokensFile: config.ingestTokens!, realtime: true, start, signal: stop.signal },
          );
        }
      })().catch((error: unknown) => { if (!stop.signal.aborted) node.log.error('simulator stopped', { error }); });
      await waitForSignal();
      stop.abort();
      await traffic;
      await node.stop();
    });
}
