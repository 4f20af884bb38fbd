/**
 * The dead-letter record for a message a consumer cannot decode, so a poison
 * message is kept for a person to look at instead of blocking its partition.
 */
import { stableId } from '../../ids.js';
import type { DeadLetter } from '../../store/store.js';

/** Kept of an undecodable value; a dead letter is for reading, not for replaying megabytes. */
export const MAX_RAW_BYTES = 64 * 1024;

export interface UndecodableMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Kafka's record timestamp, milliseconds since the epoch as text. */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export function deadLetterOf(message: UndecodableMessage, failure: { code: string; reason: string }): DeadLetter {
  const key = message.key === null ? '' : message.key.toString('utf8');
  const time = Number(message.timestamp);
  return {
    // From the message's position, so a redelivered poison message yields the same id and the store keeps one copy.
    id: stableId('kafka', message.topic, message.partition, message.offset, message.timestamp),
    receivedAt: new Date(Number.isFinite(time) && time >= 0 ? time : Date.now()).toISOString(),
    // iisa keys every message by its org id.
    ...(key === '' ? {} : { orgId: key }),
    source: `kafka:${message.topic}`,
    code: failure.code,
    reason: `${failure.reason} (partition ${message.partition}, offset ${message.offset})`,
    raw: rawText(message.value),
  };
}

function rawText(value: Buffer | null): string {
  if (value === null) return '';
  if (value.length <= MAX_RAW_BYTES) return value.toString('utf8');
  return `${value.subarray(0, MAX_RAW_BYTES).toString('utf8')} [cut: first ${MAX_RAW_BYTES} of ${value.length} bytes]`;
}
