/**
 * The forwarder's counters, named once. `reason` on failures is one of
 * network | timeout | status-<code> | no-token.
 */
export const ForwardMetric = {
  /** Records (and dead letters) written to the spool. */
  recordsSpooled: 'collector.forward.records_spooled',
  /** Records the remote answered for (stored, or dead-lettered there). */
  recordsDelivered: 'collector.forward.records_delivered',
  /** Records the remote refused one by one in a 422 answer (it keeps them as dead letters). */
  recordsRejectedRemotely: 'collector.forward.records_rejected_remotely',
  /** Requests that did not deliver their batch; it is sent again. */
  sendFailures: 'collector.forward.send_failures',
  /** Records a source refused at the collector that have no org with a forward token: logged here, not forwarded (`reason` = their code). */
  deadLettersNotForwarded: 'collector.forward.dead_letters_not_forwarded',
  /** Times a source was held back because the spool was full (`outcome` label: waited: a source was held back; refused: an HTTP sender got 503). */
  spoolFull: 'collector.forward.spool_full',
} as const;
