/**
 * The counters the live views increment; their descriptions are in the one
 * catalogue, `MetricNames` in core/telemetry.ts.
 */
import type { MetricNames } from '../../core/telemetry.js';

export type LiveMetricName = Extract<keyof typeof MetricNames, `console.live_${string}`>;
