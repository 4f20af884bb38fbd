/**
 * Counter names the correlation engine increments, with what each counts.
 * `MetricNames` in core/telemetry.ts, the catalogue, lists them too; a test
 * keeps the two in step.
 */
export const CorrelationMetricNames = {
  'detector.correlation_groups_capped': 'hits refused because their correlation rule already had maxGroupsPerRule live groups, by rule',
  'detector.correlation_values_capped': 'values not tracked exactly because a group reached its distinct-value or sample cap, by rule',
  'detector.correlation_hits_late': 'rule hits dropped because they arrived later than latenessMs behind the newest hit, by rule',
  'detector.correlation_hits_dropped': 'rule hits a correlation could not use, by rule and reason (timestamp: no valid @timestamp; group_field_missing: a group-by field absent)',
  'detector.correlation_reorder_forced': 'hits processed before their lateness elapsed because the reorder buffer was full',
  'detector.correlations_fired': 'correlation hits produced, by rule',
} as const;

export type CorrelationMetricName = keyof typeof CorrelationMetricNames;
