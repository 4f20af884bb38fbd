/**
 * Writes documents with `_bulk` `create` (so an existing `_id` is a 409, not
 * a second copy), durably (the default translog durability fsyncs before
 * answering) and, unless the caller asks for eventual visibility, visibly
 * (`refresh: wait_for`, which costs up to the refresh interval per batch).
 *
 * A batch is cut into requests of about `maxBytes` of NDJSON, sent through
 * the store's Limiter. Items the cluster was too busy for are sent again
 * after a jittered exponential backoff (bulk-retry.ts) up to `maxAttempts`,
 * then the batch fails so the caller does not acknowledge it; items refused
 * for their mapping are sent again as the document's `reshape` gives them
 * (events only; see unindexed.ts). Anything else fails the batch.
 *
 * An item a timed-out request did store comes back as a 409 on the retry and
 * is then counted as a duplicate, not as inserted: the count can be low in
 * that case, never high.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import type { BulkConfig } from './config.js';
import { backoffDelay, classifyItem, describeItem, isRetryableRequestFailure, mayRetry } from './bulk-retry.js';
import type { BulkItemResult } from './bulk-retry.js';
import type { Limiter } from './limiter.js';

export interface WriteRequest {
  readonly index: string;
  readonly id: string;
  readonly document: Record<string, unknown>;
  /**
   * The next document to try after a mapping refusal (`step` 1 for the first
   * refusal), or undefined when there is none: the batch then fails.
   */
  readonly reshape?: (step: number) => Record<string, unknown> | undefined;
}

export interface WriteOutcome {
  /** Documents newly created. */
  readonly created: number;
  /** Documents whose id already existed. */
  readonly duplicates: number;
  /** Documents stored only after reshaping. */
  readonly reshaped: number;
  /** Item retries after busy/failing answers. */
  readonly retries: number;
}

/** Thrown when a batch could not be stored completely; some items may be stored (a resend is idempotent). */
export class BulkWriteError extends Error {
  override readonly name = 'BulkWriteError';
}

interface Pending {
  readonly request: WriteRequest;
  line: string;
  attempts: number;
  reshapes: number;
}

export class BulkWriter {
  constructor(
    private readonly client: Client,
    private readonly limiter: Limiter,
    private readonly config: BulkConfig,
    private readonly random: () => number = Math.random,
  ) {}

  async write(requests: readonly WriteRequest[], visibility: 'immediate' | 'eventual' = 'immediate'): Promise<WriteOutcome> {
    let created = 0;
    let duplicates = 0;
    let reshaped = 0;
    let retries = 0;
    let pending: Pending[] = requests.map((request) => ({ request, line: JSON.stringify(request.document), attempts: 0, reshapes: 0 }));
    while (pending.length > 0) {
      const chunks = this.chunks(pending);
      const answers = await Promise.all(chunks.map(async (chunk) => this.limiter.run(async () => this.send(chunk, visibility))));
      const next: Pending[] = [];
      let backoffRetry = 0;
      chunks.forEach((chunk, c) => {
        chunk.forEach((item, i) => {
          item.attempts++;
          const answer = answers[c][i];
          switch (classifyItem(answer)) {
            case 'stored':
              created++;
              if (item.reshapes > 0) reshaped++;
              return;
            case 'duplicate':
              duplicates++;
              return;
            case 'retry':
              if (!mayRetry(item.attempts, this.config)) {
                throw new BulkWriteError(
                  `Elasticsearch kept refusing document ${item.request.id} in ${item.request.index} after ${item.attempts} tries (last: ${describeItem(answer)}); the batch is not stored completely`,
                );
              }
              retries++;
              backoffRetry = Math.max(backoffRetry, item.attempts);
              next.push(item);
              return;
            case 'unmappable': {
              item.reshapes++;
              const document = item.request.reshape?.(item.reshapes);
              if (document === undefined) {
                throw new BulkWriteError(`document ${item.request.id} does not fit the mapping of ${item.request.index}: ${describeItem(answer)}`);
              }
              item.line = JSON.stringify(document);
              // A different document, not a busy cluster: try it at once, with a fresh try count.
              item.attempts = 0;
              next.push(item);
              return;
            }
            case 'fatal':
              throw new BulkWriteError(`Elasticsearch refused document ${item.request.id} in ${item.request.index}: ${describeItem(answer)}`);
          }
        });
      });
      if (backoffRetry > 0) await sleep(backoffDelay(backoffRetry, this.config, this.random));
      pending = next;
    }
    return { created, duplicates, reshaped, retries };
  }

  /** Consecutive runs of about `maxBytes`; one oversized document is a request of its own. */
  private chunks(pending: readonly Pending[]): Pending[][] {
    const out: Pending[][] = [];
    let current: Pending[] = [];
    let bytes = 0;
    for (const item of pending) {
      const size = Buffer.byteLength(item.line) + item.request.index.length + item.request.id.length + 40;
      if (current.length > 0 && bytes + size > this.config.maxBytes) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(item);
      bytes += size;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  /** One bulk request; a retryable whole-request failure answers every item with its status so the items back off. */
  private async send(chunk: readonly Pending[], visibility: 'immediate' | 'eventual'): Promise<BulkItemResult[]> {
    const operations: string[] = [];
    for (const item of chunk) {
      operations.push(JSON.stringify({ create: { _index: item.request.index, _id: item.request.id } }), item.line);
    }
    let response;
    try {
      response = await this.client.bulk({ operations, refresh: visibility === 'immediate' ? 'wait_for' : false });
    } catch (error) {
      const status = error instanceof errors.ResponseError ? error.statusCode : undefined;
      const transient = error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || (error instanceof errors.ResponseError && isRetryableRequestFailure(status));
      if (!transient) throw error;
      const failure: BulkItemResult = { status: status ?? 503, error: { type: 'request_failed', reason: error instanceof Error ? error.message : String(error) } };
      return chunk.map(() => failure);
    }
    if (response.items.length !== chunk.length) {
      throw new BulkWriteError(`bulk answered ${response.items.length} items for ${chunk.length} documents`);
    }
    return response.items.map((entry) => {
      const result = entry.create ?? Object.values(entry)[0];
      return { status: result?.status ?? 500, error: result?.error ?? undefined };
    });
  }
}
