/**
 * kafkajs logs through ours: warnings and errors only (kafkajs' info level
 * narrates every join and fetch), as structured fields rather than its own
 * JSON lines on stdout.
 */
import { logLevel } from 'kafkajs';
import type { logCreator } from 'kafkajs';
import type { Logger } from '../../../collector/sources/types.js';

/** The kafkajs level to configure alongside the creator, so lower entries are never built. */
export const KAFKAJS_LOG_LEVEL = logLevel.WARN;

/**
 * kafkajs' connection logs every error response at error level, then hands
 * the error to the code that made the request, which handles it (a
 * heartbeat's REBALANCE_IN_PROGRESS is how every rebalance starts, a
 * CreateTopics' TOPIC_ALREADY_EXISTS is how creation stays idempotent) or
 * passes it on (a rejected publish, a consumer crash, which kafkajs logs).
 * Those per-response lines are dropped as noise.
 */
function isProtocolResponse(namespace: string, message: string): boolean {
  return namespace === 'Connection' && message.startsWith('Response ');
}

export function kafkaLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, ...fields } = log;
    if (isProtocolResponse(namespace, message)) return;
    const context: Record<string, unknown> = { component: 'kafkajs', namespace, ...fields };
    if (level === logLevel.ERROR) logger.error(message, context);
    else if (level === logLevel.WARN) logger.warn(message, context);
  };
}
