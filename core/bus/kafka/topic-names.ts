/**
 * Kafka's rule for topic names, checked before anything reaches the broker
 * so a bad name fails with a sentence instead of a protocol error code.
 */

/** ASCII letters, digits, `.`, `_` and `-`, at most 249 characters, and not `.` or `..`. */
export const TOPIC_NAME_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,249}$/;

export class InvalidTopicNameError extends Error {
  constructor(readonly topic: string) {
    super(`invalid Kafka topic name ${JSON.stringify(topic)}: use 1 to 249 of A-Z a-z 0-9 . _ - (and not "." or "..")`);
    this.name = 'InvalidTopicNameError';
  }
}

export function assertTopicName(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || !TOPIC_NAME_PATTERN.test(topic)) throw new InvalidTopicNameError(String(topic));
}
