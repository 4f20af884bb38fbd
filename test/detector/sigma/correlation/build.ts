/**
 * Builders for correlation tests: rule model objects made directly (as the
 * parser would), events at offsets from a fixed start, and a recorder that
 * feeds hits and collects what the engine returns.
 */
import type { CorrelationRule, DetectionRule } from '../../../../detector/sigma/model.js';
import { CorrelationEngine } from '../../../../detector/sigma/correlation/index.js';
import type { CorrelationEngineOptions, CorrelationHit, ReferencedRule } from '../../../../detector/sigma/correlation/index.js';
import { makeEvent, type EventOverrides } from '../../../helpers/events.js';

export const T0 = Date.parse('2024-03-01T12:00:00.000Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

const location = { file: 'test.yml', document: 0 };

/** A detection rule known by `name` (and `id` when given). Its detection is irrelevant here. */
export function detection(name: string, id?: string): DetectionRule {
  return {
    kind: 'detection', name, ...(id ? { id } : {}), title: name, references: [], tags: [], falsepositives: [], location,
    logsource: { product: 'test' }, identifiers: new Map(), condition: { op: 'ref', name: 'selection' }, fields: [], custom: {},
  };
}

/** A correlation with defaults: 5 minutes, no group-by, no aliases, generate false. */
export function correlation(fields: Partial<CorrelationRule> & Pick<CorrelationRule, 'type' | 'rules'>): CorrelationRule {
  return {
    kind: 'correlation', title: fields.name ?? fields.id ?? `${fields.type} test`, references: [], tags: [], falsepositives: [], location,
    groupBy: [], timespanMs: 5 * MINUTE, aliases: {}, condition: {}, generate: false,
    ...fields,
  };
}

/** An ECS event at `T0 + offsetMs`. */
export function eventAt(offsetMs: number, overrides: EventOverrides = {}): ReturnType<typeof makeEvent> {
  return makeEvent({ '@timestamp': new Date(T0 + offsetMs).toISOString(), ...overrides });
}

/** An engine with lateness 0 (hits come out immediately) unless told otherwise. */
export function engineFor(options: Partial<CorrelationEngineOptions> & Pick<CorrelationEngineOptions, 'correlations'>): CorrelationEngine {
  return new CorrelationEngine({ latenessMs: 0, ...options });
}

/** Feed hits in order; returns every correlation hit produced, in order. */
export function feed(engine: CorrelationEngine, hits: readonly (readonly [ReferencedRule, unknown])[]): CorrelationHit[] {
  const out: CorrelationHit[] = [];
  for (const [rule, event] of hits) out.push(...engine.onRuleHit(rule, event));
  return out;
}

/** Hits of one correlation (by name or id). */
export function of(hits: readonly CorrelationHit[], rule: string): CorrelationHit[] {
  return hits.filter((hit) => hit.correlation.name === rule || hit.correlation.id === rule);
}
