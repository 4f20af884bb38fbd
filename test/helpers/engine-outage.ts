/**
 * For tests that stop an engine mid-load: an engine of the test's own (its
 * own infra/engines state directory, so stopping it cannot disturb suites
 * sharing the main engines), and batches of events labelled so that each
 * can be counted in the store afterwards.
 */
import { runEngines } from '../../infra/engines-env.js';
import { stopNodeProcesses, type NodeProcess } from './node-process.js';
import { tempDir } from './paths.js';

export interface OwnEngines {
  /** Pass to runEngines / readEnginesEnv to address this test's engine. */
  readonly env: NodeJS.ProcessEnv;
  /** Node processes stopped after the suite. */
  readonly processes: NodeProcess[];
  /** Closed after the suite (stores, clients). */
  readonly closeables: { close(): Promise<void> }[];
}

/** Call in a `describe`: registers an `after` that stops the processes, closes the rest and takes the engine down. */
export function ownEngines(name: string): OwnEngines {
  const own: OwnEngines = { env: { ...process.env, IISA_INFRA_STATE: tempDir(`iisa-${name}-state-`) }, processes: [], closeables: [] };
  after(async () => {
    await stopNodeProcesses(own.processes);
    await Promise.allSettled(own.closeables.map((c) => c.close()));
    await runEngines(['down'], own.env, 120_000).catch(() => undefined);
  });
  return own;
}

/** `n` ECS events, half from IPv6, each with `labels[labelKey] = label` and a message naming `tag` and `label`. */
export function labelledBatch(tag: string, labelKey: string, label: string, n: number, addresses: { v4: string; v6: string }): string {
  return Array.from({ length: n }, (_, i) => JSON.stringify({
    '@timestamp': new Date(Date.now() - 60_000 + i).toISOString(),
    message: `${tag} ${label} ${i}`,
    event: { category: ['network'], action: 'connection' },
    source: { ip: i % 2 ? addresses.v6 : addresses.v4, port: 40000 + i },
    labels: { [labelKey]: label },
  })).join('\n');
}
