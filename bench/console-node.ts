/**
 * The node bench/console measures: one `iisa node` child process, as an
 * operator runs it, in its default single-machine shape (in-process bus,
 * SQLite, iisa's rules) with an HTTP ingest source and a console whose
 * live views the benchmark's clients connect to.
 *
 * Credentials are made up per run (random, in a private temp directory):
 * the listeners are dual-stack on every interface for as long as the run
 * lasts, and the demo tokens of seeds/ are guessable on purpose.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadConfigFile } from '../core/config.js';
import { IngestTokenListSchema } from '../collector/tokens.js';
import { defaultRegistryPath } from '../seeds/simulator/simulate.js';
import { processCpuSeconds } from './process-stats.js';
import { startNodeProcess } from './bench-util.js';

/** The checkout this module runs from (from source or any build dir): rules/ and seeds/ live there. */
export const repoRoot = dirname(dirname(defaultRegistryPath()));

/** The CLI of the same build as this module, so a bench built into any dir runs that dir's node. */
const cliMain = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

export interface IngestGrant {
  readonly id: string;
  readonly org: string;
  readonly parser: string;
  readonly token: string;
}

export interface ApiGrant {
  readonly id: string;
  readonly org: string;
  readonly token: string;
}

export interface BenchNode {
  readonly child: ChildProcess;
  /** Where clients reach the console, per address family (loopback). */
  consoleUrl(family: 4 | 6): string;
  /** Where senders reach the HTTP ingest source (loopback). */
  readonly ingestUrl: string;
  /** User + system CPU seconds the node has used so far (Linux /proc; 0 elsewhere). */
  cpuSeconds(): number;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

const secret = (): string => randomBytes(18).toString('base64url');

/** Made-up ingest tokens for every (org, format) the seeded collectors send, plus `extra`. */
export function ingestGrants(extra: readonly { id: string; org: string; parser: string }[] = []): IngestGrant[] {
  const seeded = loadConfigFile(join(repoRoot, 'seeds', 'tokens.yaml'), IngestTokenListSchema);
  return [...seeded, ...extra].map((t) => ({ id: t.id, org: t.org, parser: t.parser, token: secret() }));
}

/** One made-up API token per org. */
export function apiGrants(orgs: readonly string[]): ApiGrant[] {
  return [...new Set(orgs)].map((org) => ({ id: `bench-${org}`, org, token: secret() }));
}

/** A port free on `host` right now (a small race with other processes, fine for a benchmark). */
export function freePort(host: string): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen({ port: 0, host, ipv6Only: false }, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The loopback address of `family` a client uses to reach a listener on `host`. */
function loopback(host: string, family: 4 | 6): string {
  if (host === '::') return family === 6 ? '::1' : '127.0.0.1';
  return host;
}

/**
 * Microseconds some task on the machine has waited for `resource` since boot
 * (Linux pressure stall information, "some" line); undefined without PSI.
 * Other work on the machine shows up here, which a benchmark on shared
 * cores should report next to its figures.
 */
export function pressureMicros(resource: 'cpu' | 'io'): number | undefined {
  try {
    const some = readFileSync(`/proc/pressure/${resource}`, 'utf8').split('\n').find((l) => l.startsWith('some '));
    const total = /total=(\d+)/.exec(some ?? '')?.[1];
    return total === undefined ? undefined : Number(total);
  } catch {
    return undefined;
  }
}


/**
 * Write the config into `dir` and start the node; resolves once the
 * console's and the ingest source's /api/v1/health answer.
 */
export async function startBenchNode(options: {
  readonly dir: string;
  readonly host: string;
  readonly registry: string;
  readonly ingest: readonly IngestGrant[];
  readonly api: readonly ApiGrant[];
}): Promise<BenchNode> {
  const { dir, host } = options;
  const [consolePort, ingestPort] = [await freePort(host), await freePort(host)];
  const ingestTokens = join(dir, 'ingest-tokens.yaml');
  const apiTokens = join(dir, 'api-tokens.yaml');
  writeFileSync(ingestTokens, stringify(options.ingest), { mode: 0o600 });
  writeFileSync(apiTokens, stringify(options.api), { mode: 0o600 });
  const config = join(dir, 'iisa.yaml');
  writeFileSync(config, stringify({
    node: { id: 'bench-console', tier: 'national' },
    registry: options.registry,
    dataDir: join(dir, 'data'),
    ingestTokens,
    detector: { rules: [join(repoRoot, 'rules')] },
    store: { type: 'sqlite', synchronous: 'full' },
    bus: { type: 'memory' },
    console: { listen: { host, port: consolePort }, apiTokens },
    sources: [{ type: 'http', listen: { host, port: ingestPort } }],
    log: { level: 'warn' },
  }));

  const consoleUrl = (family: 4 | 6) => urlOf(loopback(host, family), consolePort);
  const ingestUrl = urlOf(loopback(host, 6), ingestPort);
  const { child, exited, tail } = await startNodeProcess([cliMain, 'node', '--config', config],
    [`${consoleUrl(6)}/api/v1/health`, `${ingestUrl}/api/v1/health`], 60_000);

  return {
    child,
    consoleUrl,
    ingestUrl,
    cpuSeconds: () => processCpuSeconds(child.pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      if (child.exitCode !== 0 && child.signalCode !== 'SIGTERM') process.stderr.write(`  node exited with ${child.exitCode ?? child.signalCode}:\n${tail()}\n`);
    },
  };
}
