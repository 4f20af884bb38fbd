/**
 * Runs a fuzz target: makes input after input from the target's seeds,
 * checks the target's property on each, times each, and on failure shrinks
 * the input to a minimal one that still fails the same way. Input `i` of a
 * run depends only on the run's seed, the target name and `i`, so any
 * failure can be replayed alone (`replayInput`).
 */
import { getHeapStatistics } from 'node:v8';
import { Rng, inputSeed } from './mutator.js';

/** A property broken by an input: thrown by a target's `check`. */
export class PropertyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyViolation';
  }
}

export interface FuzzTarget {
  readonly name: string;
  /** One line: what is fuzzed and which property is checked. */
  readonly property: string;
  /** Seed inputs (loaded once, before timing). */
  seeds(): readonly string[];
  /** Input number i: a mutation of the seeds (or a generated one), from `rng` alone. */
  generate(rng: Rng, seeds: readonly string[]): string;
  /** Returns when the property holds for `input`; throws (PropertyViolation or whatever broke) when not. */
  check(input: string): void;
  /**
   * A deeper, slower check beside the targets that run the full count (the
   * Sigma pipeline from rule text through YAML, compile and match, a few
   * hundred inputs a second; rule regexes on texts up to 64 KiB): a long run
   * gives it a time budget instead of the input count.
   */
  readonly supplementary?: boolean;
}

export interface FuzzFailure {
  readonly target: string;
  readonly seed: number;
  readonly index: number;
  readonly kind: 'crash' | 'property' | 'slow';
  /** The error (class and first line), or how long the input took. */
  readonly message: string;
  readonly stack?: string;
  readonly inputLength: number;
  /** The smallest input found that fails the same way (the input itself for slow ones). */
  readonly minimal: string;
}

export interface FuzzReport {
  readonly target: string;
  readonly seed: number;
  readonly inputs: number;
  /** Time spent making inputs and checking them. */
  readonly seconds: number;
  readonly failures: readonly FuzzFailure[];
  /** Failures beyond the first of each kind of error (not shrunk, not listed). */
  readonly repeatedFailures: number;
  readonly slowestMs: number;
  readonly slowestIndex: number;
  /** Heap used after a full GC before and after the run, when `gc` is exposed. */
  readonly heap?: { readonly beforeBytes: number; readonly afterBytes: number };
}

export interface FuzzOptions {
  readonly seed: number;
  readonly inputs: number;
  /** Number of the first input (default 0): a long run split into parts runs inputs first..first + inputs - 1 in each. */
  readonly first?: number;
  /** One input taking longer than this is a failure: a hang, not a speed target. */
  readonly maxInputMs: number;
  /** Distinct failures shrunk and listed (default 5). */
  readonly maxFailures?: number;
  /** Called every `progressEvery` inputs (and at the end) with the inputs done. */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
  /** Stop early (the report then counts the inputs actually run). */
  readonly deadline?: number;
}

/** The input number `index` of a run, as `runTarget` made it. */
export function replayInput(target: FuzzTarget, seeds: readonly string[], seed: number, index: number): string {
  return target.generate(new Rng(inputSeed(seed, target.name, index)), seeds);
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly kind: 'crash' | 'property'; readonly error: Error };

function attempt(target: FuzzTarget, input: string): Outcome {
  try {
    target.check(input);
    return { ok: true };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return { ok: false, kind: error instanceof PropertyViolation ? 'property' : 'crash', error };
  }
}

/** Which failures are "the same": error class and message with numbers blurred. */
function signature(kind: string, error: Error): string {
  return `${kind}:${error.name}:${error.message.split('\n')[0].replace(/\d+/g, 'N').slice(0, 120)}`;
}

/**
 * Shrink a failing input (delta debugging over chunks, then single
 * characters) while it still fails with the same signature, within a budget
 * of attempts and of time.
 */
export function shrink(target: FuzzTarget, input: string, wanted: string, budget = 4000, seconds = 10): string {
  const deadline = Date.now() + seconds * 1000;
  const fails = (candidate: string): boolean => {
    const o = attempt(target, candidate);
    return !o.ok && signature(o.kind, o.error) === wanted;
  };
  let best = input;
  let tries = 0;
  let chunk = Math.max(1, Math.floor(best.length / 2));
  while (chunk >= 1 && tries < budget && Date.now() < deadline) {
    let progressed = false;
    for (let at = 0; at < best.length && tries < budget && Date.now() < deadline; ) {
      const candidate = best.slice(0, at) + best.slice(at + chunk);
      tries++;
      if (fails(candidate)) {
        best = candidate;
        progressed = true;
      } else {
        at += chunk;
      }
    }
    if (!progressed) chunk = Math.floor(chunk / 2);
  }
  return best;
}

function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  gc();
  return getHeapStatistics().used_heap_size;
}

/** Run `options.inputs` inputs of `target` (from input number `options.first`); never throws for what the inputs do. */
export function runTarget(target: FuzzTarget, options: FuzzOptions): FuzzReport {
  const seeds = target.seeds();
  const maxFailures = options.maxFailures ?? 5;
  const failures: FuzzFailure[] = [];
  const seen = new Set<string>();
  let repeated = 0;
  let slowestMs = 0;
  let slowestIndex = -1;
  // Warm up first, so that the heap figure compares like with like (compiled code, caches).
  const warmup = Math.min(1000, Math.floor(options.inputs / 10));
  let before: number | undefined;
  const started = process.hrtime.bigint();
  let done = 0;
  const first = options.first ?? 0;
  for (let index = first; index < first + options.inputs; index++) {
    if (index - first === warmup) before = heapAfterGc();
    if (options.deadline !== undefined && (index & 63) === 0 && Date.now() > options.deadline) break;
    const input = target.generate(new Rng(inputSeed(options.seed, target.name, index)), seeds);
    const t0 = process.hrtime.bigint();
    const outcome = attempt(target, input);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    done++;
    if (ms > slowestMs) {
      slowestMs = ms;
      slowestIndex = index;
    }
    if (options.onProgress && options.progressEvery && done % options.progressEvery === 0) options.onProgress(done);
    let failure: Omit<FuzzFailure, 'minimal'> & { minimal?: string } | undefined;
    let sig = '';
    if (!outcome.ok) {
      sig = signature(outcome.kind, outcome.error);
      failure = {
        target: target.name, seed: options.seed, index, kind: outcome.kind,
        message: `${outcome.error.name}: ${outcome.error.message.split('\n')[0]}`, stack: outcome.error.stack, inputLength: input.length,
      };
    } else if (ms > options.maxInputMs) {
      sig = `slow:${Math.round(Math.log2(input.length + 1))}`;
      failure = { target: target.name, seed: options.seed, index, kind: 'slow', message: `one input took ${ms.toFixed(0)} ms (limit ${options.maxInputMs} ms)`, inputLength: input.length, minimal: input };
    }
    if (!failure) continue;
    if (seen.has(sig) || failures.length >= maxFailures) {
      repeated++;
      continue;
    }
    seen.add(sig);
    failures.push({ ...failure, minimal: failure.minimal ?? shrink(target, input, sig) });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = before === undefined ? undefined : heapAfterGc();
  options.onProgress?.(done);
  return {
    target: target.name, seed: options.seed, inputs: done, seconds, failures, repeatedFailures: repeated, slowestMs, slowestIndex,
    ...(before !== undefined && after !== undefined ? { heap: { beforeBytes: before, afterBytes: after } } : {}),
  };
}

/** A failure as people read it: what broke, how to replay it, and the minimal input. */
export function describeFailure(f: FuzzFailure): string {
  const shown = f.minimal.length > 400 ? `${JSON.stringify(f.minimal.slice(0, 400))}... (${f.minimal.length} chars)` : JSON.stringify(f.minimal);
  return `${f.target}: ${f.kind} ${f.message}\n  replay: seed ${f.seed}, input ${f.index} (${f.inputLength} chars)\n  minimal input: ${shown}`;
}
