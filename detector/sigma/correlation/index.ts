/**
 * Sigma correlation rules (v2.1) evaluated over a stream of rule hits: the
 * engine, its types, load-time checks, metric names and a memory probe for
 * benchmarks.
 */
export { CorrelationDefaults, CorrelationEngine, eventTimeMs } from './engine.js';
export type {
  CorrelationEngineOptions, CorrelationHit, CorrelationRuleStats, CorrelationStats, EventRef, FieldResolver, ReferencedRule,
} from './types.js';
export { buildCorrelationGraph, ruleLabel, type CorrelationGraph, type CorrelationPlan } from './graph.js';
export { boundsHold, effectiveBounds, firesOnArrival, type Bounds } from './condition.js';
export { percentileOf } from './aggregates.js';
export { CorrelationMetricNames, type CorrelationMetricName } from './metrics.js';
export { measureStateMemory, type StateMemoryOptions, type StateMemoryReport } from './memory.js';
