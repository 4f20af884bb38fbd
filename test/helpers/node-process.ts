/**
 * Run `iisa node` (or one role) as a real child process (as an operator would) and learn
 * its listening ports from its structured log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export interface NodeProcess {
  readonly child: ChildProcess;
  /** Port of the first started source of each type, e.g. ports.http. */
  readonly ports: Record<string, number>;
  /** Log lines so far (JSON objects). */
  readonly logs: Record<string, unknown>[];
  /** Resolves with the exit code/signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the whole log is in `logs` (stderr ended): at `exited`, its last lines may still be on their way. */
  readonly closed: Promise<void>;
}

/** Every child started here and not yet exited, so the root hook can stop what a failed test left running. */
const running = new Set<ChildProcess>();

/**
 * Start `iisa COMMAND --config FILE` (COMMAND: node, or one role: collector,
 * detector, console) and resolve once it logs "node ready".
 */
export async function startNodeProcess(configFile: string, timeoutMs = 20_000, command = 'node', env: NodeJS.ProcessEnv = process.env): Promise<NodeProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'iisa.js'), command, '--config', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const logs: Record<string, unknown>[] = [];
  const ports: Record<string, number> = {};
  const lines = createInterface({ input: child.stderr! });
  const closed = once(lines, 'close').then(() => undefined);
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A node that never got ready is no use to the test, and left running it would keep mocha from exiting.
      child.kill('SIGKILL');
      reject(new Error(`node not ready after ${timeoutMs} ms; log:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`));
    }, timeoutMs);
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try { entry = JSON.parse(line) as Record<string, unknown>; } catch { entry = { msg: line }; }
      logs.push(entry);
      if (entry.msg === 'source started' && typeof entry.type === 'string' && typeof entry.port === 'number') {
        ports[entry.type] ??= entry.port;
      }
      if (entry.msg === 'console listening' && typeof entry.port === 'number') ports.console ??= entry.port;
      if (entry.msg === 'node ready') { clearTimeout(timer); resolve(); }
    });
    void exited.then((e) => { clearTimeout(timer); reject(new Error(`node exited before ready (${JSON.stringify(e)}); log:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`)); });
  });
  await ready;
  return { child, ports, logs, exited, closed };
}

/**
 * Start several at once. Should one fail, the others are stopped before the
 * error is thrown, since the caller never got hold of them to stop.
 */
export async function startNodeProcesses(starts: readonly { configFile: string; command: string; timeoutMs?: number }[]): Promise<NodeProcess[]> {
  const settled = await Promise.allSettled(starts.map((s) => startNodeProcess(s.configFile, s.timeoutMs, s.command)));
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure === undefined) return started;
  await stopNodeProcesses(started);
  throw failure.reason;
}

/** SIGKILL every child still running (for the root hook, after the last test): returns how many there were. */
export async function killLeftoverNodeProcesses(): Promise<number> {
  const leftovers = [...running];
  await Promise.all(leftovers.map((child) => {
    const gone = once(child, 'exit');
    child.kill('SIGKILL');
    return gone;
  }));
  return leftovers.length;
}

/** How long a process may take to stop on SIGTERM in a test's teardown before it is killed. */
const STOP_GRACE_MS = 30_000;

/**
 * SIGTERM every process still running and wait until all have exited (for
 * `after` hooks); one still running after STOP_GRACE_MS is SIGKILLed and
 * named on stderr, so a hung shutdown is seen rather than stalling the suite.
 */
export async function stopNodeProcesses(processes: readonly NodeProcess[]): Promise<void> {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.all(processes.map(async (p) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), STOP_GRACE_MS); });
    try {
      if (await Promise.race([p.exited.then(() => 'exited' as const), late]) === 'late') {
        console.error(`      [teardown] pid ${p.child.pid} (${p.child.spawnargs.slice(2, 4).join(' ')}) did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM; killed`);
        p.child.kill('SIGKILL');
        await p.exited;
      }
    } finally {
      clearTimeout(timer);
    }
  }));
}
