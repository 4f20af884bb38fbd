/**
 * Self-telemetry: structured logs (one JSON object per line, context as
 * fields, the error under `error`) and named counters. The catalogue of
 * counter names lives in `MetricNames` so that docs and dashboards have one
 * place to read.
 */
import type { Logger, Metrics } from '../collector/sources/types.js';

export const MetricNames = {
  'collector.records_received': 'records a source read, by source',
  'collector.records_dropped': 'records not turned into events, by reason (dead-lettered unless reason=overload)',
  'collector.events_accepted': 'events published to the bus',
  'store.events_written': 'events newly written to the store',
  'store.dead_letters_written': 'dead letters written to the store',
  'store.rule_hits_written': 'rule hits written to the store',
  'collector.auth_failures': 'ingest requests refused for a missing or unknown token, by source',
  'collector.requests_refused': 'ingest requests refused before reading them so the sender comes back later (reason busy: over maxConcurrentRequests), by source',
  'detector.rule_hits': 'rule hits the detector published (detections and correlations)',
  'detector.rule_reloads': 'times a changed rule set was loaded without a restart',
  'detector.replayed_events': 'events delivered again after a takeover or rebalance, used to rebuild correlation state (their hits were published before)',
  'detector.correlation_groups_capped': 'hits refused because their correlation rule already had maxGroupsPerRule live groups, by rule',
  'detector.correlation_values_capped': 'values not tracked exactly because a group reached its distinct-value or sample cap, by rule',
  'detector.correlation_hits_late': 'rule hits dropped because they arrived later than latenessMs behind the newest hit, by rule',
  'detector.correlation_hits_dropped': 'rule hits a correlation could not use, by rule and reason (timestamp, group_field_missing)',
  'detector.correlation_reorder_forced': 'hits processed before their lateness elapsed because the reorder buffer was full',
  'detector.correlations_fired': 'correlation hits produced, by rule',
  'console.live_connections': 'websocket upgrades at /ws, by outcome (accepted, unauthenticated, forbidden-origin, not-found, unavailable, error)',
  'console.live_clients_dropped': 'live clients closed with 1013 for not keeping up, by reason (buffered: socket buffer over the limit; pending: too many changes waiting)',
  'console.live_clients_closed': 'live clients closed by the server otherwise, by reason (bad-messages, heartbeat, shutdown)',
  'console.live_frames_sent': 'batch frames sent to live clients',
  'console.live_changes_sent': 'changes sent to live clients (one change to ten clients counts ten)',
  'console.live_bad_messages': 'client messages answered with an error (not JSON, not a known message, binary)',
  'alerts.hits': 'rule hits the alerting stage handled, by outcome (created, updated, duplicate, suppressed, unknown-org)',
} as const;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export class JsonLogger implements Logger {
  constructor(
    private readonly level: LogLevel = 'info',
    private readonly context: Record<string, unknown> = {},
    private readonly write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
  ) {}

  child(context: Record<string, unknown>): JsonLogger {
    return new JsonLogger(this.level, { ...this.context, ...context }, this.write);
  }

  debug(msg: string, fields?: Record<string, unknown>): void { this.log('debug', msg, fields); }
  info(msg: string, fields?: Record<string, unknown>): void { this.log('info', msg, fields); }
  warn(msg: string, fields?: Record<string, unknown>): void { this.log('warn', msg, fields); }
  error(msg: string, fields?: Record<string, unknown>): void { this.log('error', msg, fields); }

  private log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] < LEVELS[this.level]) return;
    const error = fields?.error instanceof Error
      ? { error: { message: fields.error.message, type: fields.error.name, stack: fields.error.stack } } : {};
    this.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...this.context, ...fields, ...error }));
  }
}

/** Counters keyed by name and labels; read with `snapshot()`. */
export class CounterMetrics implements Metrics {
  private readonly counters = new Map<string, number>();

  increment(name: string, labels: Record<string, string> = {}, by = 1): void {
    if (by === 0) return;
    const key = metricKey(name, labels);
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  /** `{ 'collector.records_dropped{reason="schema"}': 3, ... }` */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counters.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  get(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(metricKey(name, labels)) ?? 0;
  }

  /** Sum over every label set of a name. */
  total(name: string): number {
    let sum = 0;
    for (const [key, value] of this.counters) if (key === name || key.startsWith(`${name}{`)) sum += value;
    return sum;
  }
}

function metricKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}
