/**
 * What to do with each item of a bulk response, and how long to wait before
 * trying again. Pure: no client, no clock, no randomness unless passed in,
 * so the policy is tested on synthetic responses.
 */

/** The parts of one bulk item result (`items[i].create`) the policy reads. */
export interface BulkItemResult {
  readonly status: number;
  readonly error?: { readonly type?: string; readonly reason?: string | null } | null;
}

/**
 * - `stored`: written now.
 * - `duplicate`: a document with this id already exists (409 on create): stored earlier, not counted again.
 * - `retry`: the cluster was busy or failing (429, 5xx, es_rejected_execution): try the same document again later.
 * - `unmappable`: the document does not fit the index mapping: store a reshaped document instead (unindexed.ts).
 * - `fatal`: anything else (forbidden, closed index, bad request): retrying cannot help; fail the batch.
 */
export type ItemVerdict = 'stored' | 'duplicate' | 'retry' | 'unmappable' | 'fatal';

const RETRYABLE_TYPES: ReadonlySet<string> = new Set(['es_rejected_execution_exception', 'circuit_breaking_exception', 'unavailable_shards_exception']);
const MAPPING_TYPES: ReadonlySet<string> = new Set([
  'mapper_parsing_exception',
  'document_parsing_exception',
  'illegal_argument_exception',
  'strict_dynamic_mapping_exception',
  'mapper_exception',
]);

export function classifyItem(item: BulkItemResult): ItemVerdict {
  const type = item.error?.type ?? '';
  if (item.status >= 200 && item.status < 300 && !item.error) return 'stored';
  if (item.status === 409 && (type === 'version_conflict_engine_exception' || type === '')) return 'duplicate';
  if (item.status === 429 || item.status >= 500 || RETRYABLE_TYPES.has(type)) return 'retry';
  if (item.status === 400 && MAPPING_TYPES.has(type)) return 'unmappable';
  return 'fatal';
}

/** Whole-request failures (no per-item answer) worth retrying: busy, or the server or the connection failed. */
export function isRetryableRequestFailure(statusCode: number | undefined): boolean {
  return statusCode === undefined || statusCode === 429 || statusCode >= 500;
}

export interface BackoffPolicy {
  /** Tries per item, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Whether an item that has been tried `attempts` times may be tried again. */
export function mayRetry(attempts: number, policy: BackoffPolicy): boolean {
  return attempts < policy.maxAttempts;
}

/**
 * Wait before retry number `retry` (1 for the first retry): "full jitter",
 * random in [0, min(max, base * 2^(retry-1))], so many writers backing off
 * together do not come back together.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

export interface ItemPlan {
  readonly stored: number[];
  readonly duplicate: number[];
  readonly retry: number[];
  readonly unmappable: number[];
  readonly fatal: number[];
}

/** Positions of a bulk response's items, grouped by verdict. */
export function planItems(items: readonly BulkItemResult[]): ItemPlan {
  const plan: Record<ItemVerdict, number[]> = { stored: [], duplicate: [], retry: [], unmappable: [], fatal: [] };
  items.forEach((item, index) => plan[classifyItem(item)].push(index));
  return plan;
}

/** One line about an item that failed, for an error message. */
export function describeItem(item: BulkItemResult): string {
  const error = item.error;
  return `${item.status}${error?.type ? ` ${error.type}` : ''}${error?.reason ? `: ${error.reason}` : ''}`;
}
