/**
 * The TypeScript side of `infra/engines`: run the script and read the state
 * file it writes, so test suites (and `.ci/run` through them) find the real
 * Elasticsearch and Kafka it started. The script is the authority; this file
 * only parses what it wrote.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';

const run = promisify(execFile);

/**
 * One line per fact, `KEY=value`, as `infra/engines` writes `engines.env`.
 * Keys of an engine are present only while that engine runs.
 */
export const EnginesEnvSchema = z.object({
  ELASTICSEARCH_URL: z.url().optional(),
  ELASTICSEARCH_VERSION: z.string().min(1).optional(),
  /** Run directory (data, logs, config); every engine process names it on its command line. */
  ELASTICSEARCH_DIR: z.string().min(1).optional(),
  ELASTICSEARCH_LOG: z.string().min(1).optional(),
  /** `host:port`, comma separated if ever more than one. */
  KAFKA_BROKERS: z.string().regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/).optional(),
  KAFKA_VERSION: z.string().min(1).optional(),
  KAFKA_DIR: z.string().min(1).optional(),
  KAFKA_LOG: z.string().min(1).optional(),
});
export type EnginesEnv = z.infer<typeof EnginesEnvSchema>;

/** Parses `KEY=value` lines (blank lines and `#` comments ignored); throws on a malformed file. */
export function parseEnginesEnv(text: string): EnginesEnv {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`engines state: not KEY=value: ${JSON.stringify(line)}`);
    raw[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return EnginesEnvSchema.parse(raw);
}

/** The directory holding `engines` (the script), found upward from this module so it works from dist too. */
export function infraDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = dir.endsWith('/infra') ? dir : join(dir, 'infra');
    if (existsSync(join(candidate, 'engines')) && existsSync(join(candidate, 'kafka', 'pom.xml'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('infra/engines not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Where the script keeps its state: `IISA_INFRA_STATE` from `env`, else `infra/.state`. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.IISA_INFRA_STATE ?? join(infraDir(), '.state');
}

/** The engines that run now, as the state file says; empty when none ever started. */
export function readEnginesEnv(env: NodeJS.ProcessEnv = process.env): EnginesEnv {
  const file = join(stateDir(env), 'engines.env');
  return existsSync(file) ? parseEnginesEnv(readFileSync(file, 'utf8')) : {};
}

/**
 * Runs `infra/engines ARGS...` with `env` and resolves with its output; rejects
 * (with the script's stderr, which holds the engine's log tail on a failed
 * start) if it exits non-zero or outlives `timeoutMs`.
 */
export async function runEngines(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 20 * 60_000,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(join(infraDir(), 'engines'), [...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`infra/engines ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`, { cause: err });
  }
}

/** Whether `java` and `mvn` are on PATH: without them the engines cannot run here. */
export function enginePrerequisites(): { ok: true } | { ok: false; missing: string[] } {
  const missing = ['java', 'mvn'].filter((cmd) =>
    !(process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, cmd))));
  return missing.length === 0 ? { ok: true } : { ok: false, missing };
}

export interface RunningEngines {
  /** e.g. http://127.0.0.1:41234 */
  readonly elasticsearchUrl: string;
  /** e.g. ['127.0.0.1:41235'] */
  readonly kafkaBrokers: string[];
  /** Whether this call started them (then its caller should run `down` when done). */
  readonly startedHere: boolean;
}

/**
 * Both engines running: the ones the state file names if both answer,
 * else started now with `infra/engines up`.
 */
export async function ensureEngines(env: NodeJS.ProcessEnv = process.env): Promise<RunningEngines> {
  const read = (): Omit<RunningEngines, 'startedHere'> | undefined => {
    const state = readEnginesEnv(env);
    if (state.ELASTICSEARCH_URL === undefined || state.KAFKA_BROKERS === undefined) return undefined;
    return { elasticsearchUrl: state.ELASTICSEARCH_URL, kafkaBrokers: state.KAFKA_BROKERS.split(',') };
  };
  const already = read();
  if (already !== undefined) {
    const { stdout } = await runEngines(['status'], env, 60_000);
    const running = stdout.split('\n').filter((line) => /^(es|kafka)\s+running\b/.test(line)).length;
    if (running === 2) return { ...already, startedHere: false };
  }
  await runEngines(['up'], env);
  const started = read();
  if (started === undefined) throw new Error('infra/engines up succeeded but its state file names no Elasticsearch URL or Kafka brokers');
  return { ...started, startedHere: true };
}
