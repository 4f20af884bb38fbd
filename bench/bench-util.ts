/** Small things several benchmarks need: a numeric flag, whether a URL answers yet, a node child process started and waited for. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A `--name` flag that must be a positive integer; throws naming the flag otherwise. */
export function positiveInt(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

/** Whether `url` answers 2xx within a second (a node still starting does not). */
export async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

export interface StartedNode {
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<unknown>;
  /** Its last stderr lines, for the error that says why it stopped. */
  tail(): string;
}

/**
 * Spawn `node <args>` and wait until every URL of `healthUrls` answers; if
 * the process exits first, or `timeoutMs` passes (it is then stopped), throw
 * with its last stderr lines.
 */
export async function startNodeProcess(args: readonly string[], healthUrls: readonly string[], timeoutMs: number): Promise<StartedNode> {
  const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    lines.push(line);
    if (lines.length > 30) lines.shift();
  });
  const exited = once(child, 'exit');
  let gone = false;
  void exited.then(() => { gone = true; });
  const tail = () => lines.join('\n');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`the node exited before it answered:\n${tail()}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      await exited;
      throw new Error(`the node did not answer /api/v1/health within ${timeoutMs / 1000} s:\n${tail()}`);
    }
    let all = true;
    for (const url of healthUrls) all = all && await answers(url);
    if (all) return { child, exited, tail };
    await new Promise((r) => setTimeout(r, 200));
  }
}
