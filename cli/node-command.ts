import type { Command } from 'commander';
import { describeStore } from '../core/store/open.js';
import { loadNodeConfig } from './node-config.js';
import { Roles, startRoles, type Role } from './node.js';

const DESCRIPTIONS: Readonly<Record<Role | 'node', string>> = {
  node: 'run every role in one process: sources, ingest, detection, the store writer and the console',
  collector: 'run the collector role alone: sources and parsers, publishing to Kafka (or, with a "forward" section, sending the raw records to a remote node through a disk spool)',
  detector: 'run the detector role alone: Sigma rules and the store writer, consuming from Kafka (start several to share the load)',
  console: 'run the console role alone: the REST API over the store',
};

/** How long a stopped node waits for open handles to close by themselves before it exits. */
const EXIT_GRACE_MS = 5_000;

/** `iisa node|collector|detector|console --config FILE`: run roles until SIGINT/SIGTERM; SIGHUP reloads the token files. */
export function registerNodeCommand(program: Command): void {
  const commands: [string, readonly Role[]][] = [['node', Roles], ...Roles.map((r): [string, readonly Role[]] => [r, [r]])];
  for (const [name, roles] of commands) {
    program
      .command(name)
      .description(DESCRIPTIONS[name as Role | 'node'])
      .requiredOption('-c, --config <file>', 'node config (YAML or JSON)')
      .action(async (opts: { config: string }) => {
        const config = loadNodeConfig(opts.config);
        const running = await startRoles(config, roles);
        // Listen for signals before saying ready: a supervisor may stop the node the moment it reads the line.
        const signal = waitForSignal();
        const reload = (): void => {
          running.log.info('SIGHUP: reloading token files');
          running.reloadCredentials();
        };
        process.on('SIGHUP', reload);
        running.log.info('node ready', { id: config.node.id, tier: config.node.tier, roles: roles.join(','), store: describeStore(config.store) });
        await signal;
        process.off('SIGHUP', reload);
        const limit = config.node.stopTimeoutSeconds;
        // Not unref'd: a step waiting on something that will never settle (a socket gone) must still meet the deadline.
        const deadline = setTimeout(() => {
          running.log.error('stop took too long: exiting without it', { stopTimeoutSeconds: limit });
          process.exit(1);
        }, limit * 1000);
        // A failed step is in the log; the exit code tells a supervisor.
        await running.stop().catch(() => { process.exitCode = 1; });
        clearTimeout(deadline);
        // Everything is closed; a handle something left open (a client's keep-alive socket) must not keep a stopped node alive.
        // Not at once: the last log lines may still be on their way through a pipe.
        setTimeout(() => {
          running.log.warn('handles still open after stop: exiting');
          process.exit();
        }, EXIT_GRACE_MS).unref();
      });
  }
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
