/**
 * The sources' counters, named once. Labels: `source` is the source type
 * (`http`, `syslog-tcp`, ...); `reason` is a stable code.
 */
export const SourceMetric = {
  /** Records a source framed and handed on (emitted or dead-lettered by the source). */
  recordsReceived: 'collector.records_received',
  /** Records a source gave up on: `reason` = too-large | unknown-sender | overload | emit-failed | framing. */
  recordsDropped: 'collector.records_dropped',
  /** Requests refused for a missing or unknown ingest token. */
  authFailures: 'collector.auth_failures',
  /** Requests refused before reading them, so the sender comes back later: `reason` = busy. */
  requestsRefused: 'collector.requests_refused',
} as const;
