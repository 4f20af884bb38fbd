/**
 * The node bench/e2e measures: one `iisa node` child process in its
 * embedded defaults (no `store` or `bus` section: SQLite with
 * synchronous=full, the in-process bus), the bench's rule folders, an HTTP
 * ingest source and a console on loopback. Node flags (`--cpu-prof ...`) go
 * before the CLI script. Tokens are the caller's (random per run).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort, type ApiGrant, type IngestGrant } from './console-node.js';
import { processCpuSeconds } from './process-stats.js';
import { startNodeProcess } from './bench-util.js';

/** The CLI of the same build as this module, so a bench built into any dir runs that dir's node. */
const cliMain = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 120_000;

export interface E2eNode {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly ingestUrl: string;
  readonly consoleUrl: string;
  /** The SQLite file (dataDir/iisa.db, the default path). */
  readonly dbPath: string;
  /** performance.now() when the process was spawned (a CPU profile's clock starts about then). */
  readonly spawnedAt: number;
  cpuSeconds(): number;
  /** Resident set now and its high-water mark, MiB (Linux /proc; NaN elsewhere). */
  memory(): { rss: number; peak: number };
  /** SIGTERM and wait for the exit; throws if the node did not stop cleanly. */
  stop(): Promise<void>;
}

/** VmRSS and VmHWM of a live process, MiB. */
export function processMemoryMiB(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}


export async function startE2eNode(options: {
  readonly dir: string;
  readonly registry: string;
  readonly rules: readonly string[];
  readonly ingest: readonly IngestGrant[];
  readonly api: readonly ApiGrant[];
  /** Largest ingest request body the source takes (its default is 1 MiB). */
  readonly maxBodyBytes: number;
  /** Node flags, before the script. */
  readonly nodeFlags?: readonly string[];
}): Promise<E2eNode> {
  const { dir } = options;
  const [consolePort, ingestPort] = [await freePort(HOST), await freePort(HOST)];
  const ingestTokens = join(dir, 'ingest-tokens.yaml');
  const apiTokens = join(dir, 'api-tokens.yaml');
  writeFileSync(ingestTokens, stringify(options.ingest), { mode: 0o600 });
  writeFileSync(apiTokens, stringify(options.api), { mode: 0o600 });
  const config = join(dir, 'iisa.yaml');
  const dataDir = join(dir, 'data');
  writeFileSync(config, stringify({
    node: { id: 'bench-e2e', tier: 'national' },
    registry: options.registry,
    dataDir,
    ingestTokens,
    detector: { rules: options.rules },
    console: { listen: { host: HOST, port: consolePort }, apiTokens },
    sources: [{ type: 'http', listen: { host: HOST, port: ingestPort }, maxBodyBytes: options.maxBodyBytes }],
    log: { level: 'warn' },
  }));

  const spawnedAt = performance.now();
  const consoleUrl = `http://${HOST}:${consolePort}`;
  const ingestUrl = `http://${HOST}:${ingestPort}`;
  const { child, exited, tail } = await startNodeProcess([...(options.nodeFlags ?? []), cliMain, 'node', '--config', config],
    [`${consoleUrl}/api/v1/health`, `${ingestUrl}/api/v1/health`], START_TIMEOUT_MS);

  const pid = child.pid!;
  return {
    child, pid, ingestUrl, consoleUrl, spawnedAt,
    dbPath: join(dataDir, 'iisa.db'),
    cpuSeconds: () => processCpuSeconds(pid),
    memory: () => processMemoryMiB(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      if (child.exitCode !== 0) throw new Error(`the node exited with ${child.exitCode ?? child.signalCode}:\n${tail()}`);
    },
  };
}
