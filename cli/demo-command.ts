/**
 * `iisa demo` (npm start): the demo federation on one machine — a national
 * node, two provincial nodes and four enterprise nodes (seeds/demo/federation),
 * each with its own embedded store, linked as the three tiers are — fed live
 * by the traffic simulator: every enterprise's logs go to its own node.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { OrgRegistry } from '../core/orgs.js';
import { generateTraffic, type SimRecord } from '../seeds/simulator/simulate.js';
import { sendTraffic } from '../seeds/simulator/send.js';
import { loadNodeConfig, type NodeConfig } from './node-config.js';
import { startNode, type RunningNode } from './node.js';
import { waitForSignal } from './node-command.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TIER_ORDER = { national: 0, provincial: 1, enterprise: 2 } as const;

/** The node configs of a demo folder, parents first (children find their parent listening). */
export function demoConfigs(dir: string): NodeConfig[] {
  return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()
    .map((f) => loadNodeConfig(join(dir, f)))
    .sort((a, b) => TIER_ORDER[a.node.tier] - TIER_ORDER[b.node.tier]);
}

function url(address: { host: string; port: number } | undefined): string {
  if (!address) return '-';
  return `http://${address.host.includes(':') ? '[::1]' : '127.0.0.1'}:${address.port}`;
}

/**
 * The registry narrowed to the orgs the demo's nodes serve, so that the
 * simulator stages its attacks on enterprises that have a node.
 */
function demoRegistry(full: OrgRegistry, served: ReadonlySet<string>): OrgRegistry {
  return new OrgRegistry({ ...full.file, orgs: full.file.orgs.filter((o) => o.tier !== 'enterprise' || served.has(o.id)) });
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the demo federation: national, provincial and enterprise nodes, fed live by the traffic simulator')
    .option('--dir <folder>', 'folder of node configs', join(repoRoot, 'seeds', 'demo', 'federation'))
    .option('--rate <events_per_s>', 'background events per second over all enterprises', '20')
    .action(async (opts: { dir: string; rate: string }) => {
      const nodes: RunningNode[] = [];
      const stopAll = async (): Promise<void> => {
        for (const node of [...nodes].reverse()) await node.stop();
      };
      try {
        for (const config of demoConfigs(opts.dir)) nodes.push(await startNode(config));
      } catch (err) {
        await stopAll();
        throw err;
      }
      // Where each enterprise's logs go: the ingest source of the node serving it.
      const ingestOf = new Map<string, string>();
      for (const node of nodes) {
        const http = node.sources.find((s) => s.type === 'http')?.source.address?.();
        if (http) for (const org of node.config.node.orgs ?? []) ingestOf.set(org, url(http));
      }
      const signal = waitForSignal();
      const lines = nodes.map((n) => `  ${n.config.node.tier.padEnd(10)} ${n.config.node.id.padEnd(28)} console ${url(n.console?.address())}` +
        `${n.sources.length ? `   ingest ${url(n.sources[0].source.address?.())}` : ''}   orgs ${(n.config.node.orgs ?? []).join(', ')}`);
      process.stdout.write([
        '', 'iisa demo federation is running:', ...lines, '',
        '  Web console: open a console URL above and log in, e.g.',
        '    http://localhost:8091  js-jinling-motor-analyst / demo-enterprise-password',
        '    http://localhost:8081  js-industry-officer / demo-provincial-password',
        '    http://localhost:8080  ncisc-officer / demo-national-password',
        '  (all accounts: seeds/demo/accounts.yaml). API tokens for scripts: seeds/demo/api-tokens.yaml, e.g.',
        '    curl -H "Authorization: Bearer demo-api-ncisc" http://127.0.0.1:8080/api/v1/alerts',
        '    curl -H "Authorization: Bearer demo-api-js-industry-regulator" http://127.0.0.1:8081/api/v1/posture',
        '  Data: data/demo/<node>. Ctrl-C stops it.', '',
      ].join('\n'));

      const registry = demoRegistry(nodes[0].registry, new Set(ingestOf.keys()));
      const stop = new AbortController();
      const traffic = (async () => {
        // First the last ten minutes at once, so the consoles have alerts to show from the start;
        // then ten simulated minutes at a time in real time, so every attack scenario recurs.
        for (let round = 0; !stop.signal.aborted; round++) {
          const realtime = round > 0;
          const start = new Date(Date.now() - (realtime ? 0 : 600_000)).toISOString();
          const byOrg = new Map<string, SimRecord[]>();
          for (const record of generateTraffic({ scenario: 'all', durationSeconds: 600, rate: Number(opts.rate), seed: round + 1, start }, registry)) {
            if (!ingestOf.has(record.org)) continue;
            const list = byOrg.get(record.org);
            if (list) list.push(record);
            else byOrg.set(record.org, [record]);
          }
          await Promise.all([...byOrg].map(([org, records]) => sendTraffic(records, {
            target: ingestOf.get(org)!, tokensFile: join(repoRoot, 'seeds', 'tokens.yaml'), realtime, start, signal: stop.signal,
          })));
        }
      })().catch((error: unknown) => { if (!stop.signal.aborted) nodes[0].log.error('simulator stopped', { error }); });
      await signal;
      stop.abort();
      await traffic;
      await stopAll();
    });
}
