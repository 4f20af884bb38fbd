import type { Command } from 'commander';
import { loadNodeConfig } from './node-config.js';
import { startNode } from './node.js';

/** `iisa node --config FILE`: run a node until SIGINT/SIGTERM. */
export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description('run a node: its sources, the ingest pipeline and the store')
    .requiredOption('-c, --config <file>', 'node config (YAML or JSON)')
    .action(async (opts: { config: string }) => {
      const config = loadNodeConfig(opts.config);
      const node = await startNode(config);
      node.log.info('node ready', { id: config.node.id, tier: config.node.tier, store: config.store.path });
      await waitForSignal();
      await node.stop();
    });
}

/** Resolve on the first SIGINT or SIGTERM. */
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
