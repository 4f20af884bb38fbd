/**
 * How long the forwarder waits before trying a request again: capped
 * exponential backoff with jitter (half the delay fixed, half random, so
 * collectors cut off together do not come back in step), and never sooner
 * than a Retry-After the remote asked for.
 */

export interface BackoffPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Delay before retry number `attempt` (0 = the first retry). `random` returns [0, 1). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The longest Retry-After honoured: a remote asking for more is asked again after this. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * A Retry-After header (delay-seconds or an HTTP date, RFC 9110 10.2.3) in
 * milliseconds from `now`; undefined when absent or unreadable.
 */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** The pause after a retriable answer: the backoff, or the remote's Retry-After if that is longer. */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  return Math.max(backoffDelayMs(attempt, policy, random), retryAfterMs ?? 0);
}
