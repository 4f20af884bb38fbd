/**
 * Measures correlation state memory under many distinct group keys, for
 * `bench/detect`. Run node with `--expose-gc` for stable figures (without
 * it the heap delta includes garbage not yet collected).
 */
import type { CorrelationRule, CorrelationType, DetectionRule } from '../model.js';
import { CorrelationEngine } from './engine.js';

export interface StateMemoryOptions {
  /** Distinct group keys to create. */
  readonly groups: number;
  /** Correlation type to hold the state (default event_count). */
  readonly type?: CorrelationType;
  /** Hits per group key (default 1). */
  readonly hitsPerGroup?: number;
  /** Event refs kept per group (default: the engine's, 100). */
  readonly maxEventsPerHit?: number;
}

export interface StateMemoryReport {
  readonly groups: number;
  readonly hits: number;
  /** Heap growth while the state was built: groups, aggregates and event refs (the events were allocated before). */
  readonly heapBytes: number;
  readonly heapBytesPerGroup: number;
  /**
   * Heap taken by the fed events themselves. The engine keeps up to
   * maxEventsPerHit of them alive per group, so in a running detector this
   * adds to the state for the window's length.
   */
  readonly eventBytes: number;
  /** The engine's own estimate (`stats().estimatedBytes`, events excluded). */
  readonly estimatedBytes: number;
  /** Whether the figures were taken after a forced GC (node --expose-gc). */
  readonly gcExposed: boolean;
}

const location = { file: '<bench>', document: 0 };

/**
 * Feed `groups` distinct `source.ip`/`user.name` keys into one correlation
 * whose condition never holds (so every group stays live), all within one
 * window, and measure the heap before and after. The group cap is lifted to
 * `groups`.
 */
export function measureStateMemory(options: StateMemoryOptions): StateMemoryReport {
  const type = options.type ?? 'event_count';
  const hitsPerGroup = options.hitsPerGroup ?? 1;
  const base: DetectionRule = {
    kind: 'detection', id: 'bench-base', name: 'bench_base', title: 'bench base', references: [], tags: [], falsepositives: [], location,
    logsource: {}, identifiers: new Map(), condition: { op: 'ref', name: 'selection' }, fields: [], custom: {},
  };
  const second: DetectionRule = { ...base, id: 'bench-second', name: 'bench_second', title: 'bench second' };
  const temporal = type === 'temporal' || type === 'temporal_ordered';
  const correlation: CorrelationRule = {
    kind: 'correlation', id: 'bench-correlation', title: 'bench correlation', references: [], tags: [], falsepositives: [], location,
    type, rules: temporal ? ['bench_base', 'bench_second'] : ['bench_base'], groupBy: ['source.ip', 'user.name'], timespanMs: 3_600_000,
    aliases: {}, generate: false,
    condition: { gte: 1e12, field: type.startsWith('value_') ? 'source.bytes' : undefined },
  };
  const engine = new CorrelationEngine({
    correlations: [correlation], rules: [base, second], maxGroupsPerRule: options.groups, latenessMs: 0,
    maxEventsPerHit: options.maxEventsPerHit,
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = (): number => {
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  const start = Date.parse('2024-01-01T00:00:00Z');
  // The events exist before the engine sees them (as in the pipeline), so the state delta counts refs, not events.
  const beforeEvents = heap();
  const events: Record<string, unknown>[][] = [];
  for (let h = 0; h < hitsPerGroup; h++) {
    const timestamp = new Date(start + h).toISOString();
    events.push(Array.from({ length: options.groups }, (_, g) => ({
      '@timestamp': timestamp,
      org: { id: 'org-a' },
      source: { ip: `10.${(g >> 16) & 255}.${(g >> 8) & 255}.${g & 255}`, bytes: g % 1000 },
      user: { name: `user${g}` },
    })));
  }
  const before = heap();
  let hits = 0;
  events.forEach((round, h) => {
    for (const event of round) {
      engine.onRuleHit(h % 2 === 1 && temporal ? second : base, event);
      hits++;
    }
  });
  const heapBytes = heap() - before;
  const stats = engine.stats();
  return {
    groups: stats.totalGroups,
    hits,
    heapBytes,
    heapBytesPerGroup: stats.totalGroups > 0 ? heapBytes / stats.totalGroups : 0,
    eventBytes: before - beforeEvents,
    estimatedBytes: stats.estimatedBytes,
    gcExposed: gc !== undefined,
  };
}
