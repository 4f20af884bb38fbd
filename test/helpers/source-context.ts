/**
 * An in-memory SourceContext for source tests: it records what a source
 * emits, dead-letters and ends, verifies tokens from a list, counts metrics,
 * and can be told to make `emit` fail or wait, to test when a source
 * acknowledges its sender.
 */
import type {
  EmitResult, IngestRecord, Logger, Metrics, RejectedRecord, SourceContext, TokenGrant, TokenVerifier,
} from '../../collector/sources/types.js';
import { tempDir } from './paths.js';

export type DeadLetter = Parameters<SourceContext['deadLetter']>[0];

/** How `emit` behaves: store, throw, or wait until `release()`. */
export type EmitMode = 'accept' | 'fail' | 'hold';

export interface RecordingSourceContextOptions {
  /** Defaults to a fresh temporary directory. */
  readonly dataDir?: string;
  /** Tokens the verifier knows. */
  readonly tokens?: readonly (TokenGrant & { readonly token: string })[];
  /** Rejects a record the way the pipeline would (returns a code and reason), or accepts it (undefined). */
  readonly reject?: (record: IngestRecord) => { code: string; reason: string } | undefined;
}

class ListTokenVerifier implements TokenVerifier {
  constructor(private readonly tokens: readonly (TokenGrant & { readonly token: string })[]) {}

  verify(token: string): TokenGrant | undefined {
    const found = this.tokens.find((t) => t.token === token);
    return found ? { tokenId: found.tokenId, orgId: found.orgId, parser: found.parser } : undefined;
  }
}

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Counters by name and labels. */
export class CountingMetrics implements Metrics {
  readonly entries: { name: string; labels: Record<string, string>; by: number }[] = [];

  increment(name: string, labels: Record<string, string> = {}, by = 1): void {
    this.entries.push({ name, labels, by });
  }

  /** Sum of a counter over every label set that includes `labels`. */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.entries
      .filter((e) => e.name === name && Object.entries(labels).every(([k, v]) => e.labels[k] === v))
      .reduce((sum, e) => sum + e.by, 0);
  }
}

interface HeldEmit {
  readonly records: readonly IngestRecord[];
  readonly release: () => void;
}

export class RecordingSourceContext implements SourceContext {
  readonly dataDir: string;
  readonly tokens: TokenVerifier;
  readonly log: Logger = silentLogger;
  readonly metrics = new CountingMetrics();
  /** Batches whose emit resolved (durable), in order. */
  readonly batches: IngestRecord[][] = [];
  readonly deadLetters: DeadLetter[] = [];
  readonly endedStreams: string[] = [];
  /** Calls to emit, whatever their outcome. */
  emitCalls = 0;
  /** Emits waiting for `release()` (mode `hold`). */
  readonly held: HeldEmit[] = [];
  mode: EmitMode = 'accept';
  /** With mode `fail`: how many more emits fail before accepting again (Infinity = all). */
  private failuresLeft = Infinity;
  private readonly reject: RecordingSourceContextOptions['reject'];

  constructor(options: RecordingSourceContextOptions = {}) {
    this.dataDir = options.dataDir ?? tempDir('iisa-source-');
    this.tokens = new ListTokenVerifier(options.tokens ?? []);
    this.reject = options.reject;
  }

  /** Every record from every durable batch, in order. */
  get records(): IngestRecord[] {
    return this.batches.flat();
  }

  /** The next `count` emits throw; later ones accept. */
  failNext(count = Infinity): void {
    this.mode = 'fail';
    this.failuresLeft = count;
  }

  /** Let every held emit resolve (they are stored first). */
  releaseAll(): void {
    for (const held of this.held.splice(0)) held.release();
  }

  async emit(records: readonly IngestRecord[]): Promise<EmitResult> {
    this.emitCalls++;
    if (this.mode === 'fail') {
      if (--this.failuresLeft <= 0) this.mode = 'accept';
      throw new Error('emit failed (RecordingSourceContext told to fail)');
    }
    if (this.mode === 'hold') {
      await new Promise<void>((resolve) => this.held.push({ records, release: resolve }));
    }
    const rejected: RejectedRecord[] = [];
    records.forEach((record, index) => {
      const refusal = this.reject?.(record);
      if (refusal) rejected.push({ index, ...refusal });
    });
    this.batches.push([...records]);
    return { accepted: records.length - rejected.length, rejected };
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    this.deadLetters.push(letter);
  }

  endStream(stream: string): void {
    this.endedStreams.push(stream);
  }
}
