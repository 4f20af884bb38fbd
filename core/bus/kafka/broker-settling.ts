/**
 * A topic another process has just created is visible before its partitions
 * have leaders everywhere: for a moment the broker answers metadata and
 * offset requests with "This server does not host this topic-partition" or
 * "leader not available". kafkajs marks those errors retriable; these
 * helpers wait them out, for a bounded time, where our own start-up code
 * talks to the broker outside kafkajs's retrying consumer and producer.
 */
import type { Admin } from 'kafkajs';

const SETTLE_STEP_MS = 100;

/** Retriable by the broker's word; kafkajs gives up on such errors with KafkaJSNumberOfRetriesExceeded, its cause the real one. */
function isRetriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { retriable, name, cause } = error as { retriable?: unknown; name?: unknown; cause?: unknown };
  if (retriable === true) return true;
  return name === 'KafkaJSNumberOfRetriesExceeded' && isRetriable(cause);
}

/** Run `attempt` until it succeeds, retrying errors the broker marks retriable until `withinMs` has passed. */
export async function retryWhileSettling<T>(attempt: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let step = 1; ; step++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetriable(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(SETTLE_STEP_MS * step, 1_000)));
    }
  }
}

/** Resolves with the partition count once every partition of `topic` has a leader, or rejects after `withinMs`. */
export function waitForLeaders(admin: Admin, topic: string, withinMs: number): Promise<number> {
  return retryWhileSettling(async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions ?? [];
    if (partitions.length === 0 || partitions.some((p) => p.leader < 0)) {
      throw Object.assign(new Error(`topic ${topic} has partitions without a leader`), { retriable: true });
    }
    return partitions.length;
  }, withinMs);
}
