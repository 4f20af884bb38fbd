/**
 * The stream matcher: many compiled rules, each event routed to the rules of
 * the logsources it belongs to and reported per matching rule. Build one per
 * rule set (reload = build a new one and swap); `match` allocates nothing of
 * its own per event.
 */
import type { DetectionRule, PlaceholderSource, SigmaFilter, SigmaProblem } from '../model.js';
import { loadDefaultMapping } from '../mapping/index.js';
import type { FieldMapping } from '../mapping/index.js';
import { RuleCompileError, compileRule } from './compile.js';
import type { CompileContext, CompiledRule } from './compile.js';
import { beginEvent, endEvent, invalidateEvent } from './accessor.js';
import { applyFilters } from './filters.js';
import { BucketPrefilter, ruleNeed } from './prefilter.js';
import { RouteIndex } from './router.js';
import type { Bucket } from './router.js';

export type HitCallback = (rule: DetectionRule, event: unknown) => void;

export interface StreamMatcherOptions {
  readonly rules: readonly DetectionRule[];
  /** Sigma filters applied to the rules they name (or to every rule of their logsource). */
  readonly filters?: readonly SigmaFilter[];
  /** Field mapping and routing; default: the shipped detector/sigma/mapping/ecs.yaml. */
  readonly mapping?: FieldMapping;
  /** Values of `%Placeholder%`s per org (e.g. `RegistryPlaceholderSource`). */
  readonly placeholders?: PlaceholderSource;
  /** Orgs each placeholder keeps compiled values for (default 256). */
  readonly placeholderCacheOrgs?: number;
  /**
   * Rules whose logsource has no route in the mapping: `skip` (default; no
   * event of ours belongs to such a logsource, e.g. `product: aws`) or
   * `every-event` (test them on every event, e.g. for ad-hoc hunts over ECS
   * files from other sources).
   */
  readonly unrouted?: 'skip' | 'every-event';
  /**
   * Skip rules whose necessary literal (./prefilter.ts) the event lacks,
   * without evaluating them (default true). Never changes which rules hit;
   * off only to prove that.
   */
  readonly prefilter?: boolean;
}

export interface MatcherStats {
  /** Rules given. */
  readonly rules: number;
  /** Rules compiled and reachable by some event. */
  readonly active: number;
  /** Rules left out because no route exists for their logsource. */
  readonly unrouted: number;
  /** Rules that failed to compile (see `problems`). */
  readonly failed: number;
  /** Distinct logsource buckets. */
  readonly logsources: number;
  /** Fields events are looked up by. */
  readonly indexFields: readonly string[];
  /** Events matched so far. */
  readonly events: number;
  /** Rule predicates evaluated so far (routing and prefilters show here: it is far below events x rules). */
  readonly evaluations: number;
  /** Routed rules the prefilter skipped without evaluating them, so far. */
  readonly skipped: number;
  /** Active rules the prefilter cannot narrow (evaluated on every event routed to them). */
  readonly unfiltered: number;
  /** Hits so far. */
  readonly hits: number;
}

export class StreamMatcher {
  /** Rules that could not be compiled, and filters that could not be applied. Never thrown. */
  readonly problems: readonly SigmaProblem[];
  /** Rules whose logsource has no route (left out unless `unrouted: 'every-event'`). */
  readonly unroutedRules: readonly DetectionRule[];
  /** The compiled rules in load order (filters applied). */
  readonly compiled: readonly CompiledRule[];

  private readonly index = new RouteIndex<CompiledRule>();
  private readonly ruleCount: number;
  private events = 0;
  private evaluations = 0;
  private skipped = 0;
  private hits = 0;
  private readonly unfiltered: number;
  // The event being matched, kept in fields so routing needs no per-event closure.
  private currentEvent: unknown = undefined;
  private currentHit: HitCallback | undefined = undefined;
  private currentHits = 0;
  /** Rules reached by the event `routedRules` is routing. */
  private routed = 0;

  constructor(options: StreamMatcherOptions) {
    const mapping = options.mapping ?? loadDefaultMapping();
    const ctx: CompileContext = {
      mapping,
      ...(options.placeholders ? { placeholders: options.placeholders } : {}),
      ...(options.placeholderCacheOrgs !== undefined ? { placeholderCacheOrgs: options.placeholderCacheOrgs } : {}),
    };
    const problems: SigmaProblem[] = [];
    const compiled: CompiledRule[] = [];
    for (const rule of options.rules) {
      try {
        compiled.push(compileRule(rule, ctx));
      } catch (err) {
        if (!(err instanceof RuleCompileError)) throw err;
        problems.push({
          location: rule.location,
          rule: rule.id ?? rule.title,
          severity: err.feature ? 'unsupported' : 'error',
          ...(err.feature ? { feature: err.feature } : {}),
          message: err.message,
        });
      }
    }
    const filtered = applyFilters(compiled, options.filters ?? [], ctx);
    problems.push(...filtered.problems);

    const unrouted: DetectionRule[] = [];
    const everyEvent = options.unrouted === 'every-event';
    for (const c of filtered.rules) {
      if (!this.index.add(c.logsource, c, everyEvent)) unrouted.push(c.rule);
    }
    let unfiltered = 0;
    for (const bucket of this.index.allBuckets()) {
      if (options.prefilter === false) {
        unfiltered += bucket.rules.length;
        continue;
      }
      const prefilter = new BucketPrefilter(bucket.rules.map((c) => ruleNeed(c.rule, c.logsource)));
      unfiltered += prefilter.unfiltered;
      // A bucket no rule of which can be narrowed runs as before, without marking.
      if (prefilter.unfiltered < bucket.rules.length) bucket.prefilter = prefilter;
    }
    this.unfiltered = unfiltered;
    this.ruleCount = options.rules.length;
    this.compiled = filtered.rules;
    this.problems = problems;
    this.unroutedRules = unrouted;
  }

  /**
   * Test one event against the rules of its logsources; `onHit` once per
   * matching rule, in load order within a logsource. Returns the number of
   * hits. Not re-entrant: `onHit` must not call `match` on this matcher,
   * and must not change the event (prefilters choose the rules to run
   * before any of them is evaluated).
   */
  match(event: unknown, onHit: HitCallback): number {
    if (this.currentHit !== undefined) throw new Error('StreamMatcher.match is not re-entrant: queue events raised from onHit and match them afterwards');
    this.events++;
    this.currentEvent = event;
    this.currentHit = onHit;
    this.currentHits = 0;
    try {
      this.routeEvent(event, this.visit);
    } finally {
      this.currentEvent = undefined;
      this.currentHit = undefined;
    }
    return this.currentHits;
  }

  /**
   * Route one event without evaluating any rule: the number of rules its
   * logsources hold, before prefilters. Routing's cost on its own
   * (bench/detect) and how many rules an event can reach.
   */
  routedRules(event: unknown): number {
    this.routed = 0;
    this.routeEvent(event, this.countRouted);
    return this.routed;
  }

  /** `visit` each bucket the event reaches; each field path is read once for routing, prefilters and rules alike. */
  private routeEvent(event: unknown, visit: (bucket: Bucket<CompiledRule>) => void): void {
    const previous = beginEvent();
    try {
      this.index.route(event, visit);
    } finally {
      endEvent(previous);
    }
  }

  private readonly countRouted = (bucket: Bucket<CompiledRule>): void => {
    this.routed += bucket.rules.length;
  };

  private readonly visit = (bucket: Bucket<CompiledRule>): void => {
    const event = this.currentEvent;
    const rules = bucket.rules;
    const prefilter = bucket.prefilter;
    if (prefilter === null) {
      this.evaluations += rules.length;
      for (let i = 0; i < rules.length; i++) this.evaluate(rules[i], event);
      return;
    }
    const epoch = prefilter.mark(event);
    let evaluated = 0;
    for (let i = 0; i < rules.length; i++) {
      if (!prefilter.admits(i, epoch)) continue;
      evaluated++;
      this.evaluate(rules[i], event);
    }
    this.evaluations += evaluated;
    this.skipped += rules.length - evaluated;
  };

  private evaluate(c: CompiledRule, event: unknown): void {
    if (c.test(event)) {
      this.hits++;
      this.currentHits++;
      this.currentHit?.(c.rule, event);
      // The callback may change the event (or match another): read it afresh.
      invalidateEvent();
    }
  }

  stats(): MatcherStats {
    return {
      rules: this.ruleCount,
      active: this.compiled.length - this.unroutedRules.length,
      unrouted: this.unroutedRules.length,
      failed: this.ruleCount - this.compiled.length,
      logsources: this.index.size,
      indexFields: this.index.indexFields(),
      events: this.events,
      evaluations: this.evaluations,
      skipped: this.skipped,
      unfiltered: this.unfiltered,
      hits: this.hits,
    };
  }

  /** Zero the event/evaluation/hit counters (e.g. between bench runs). */
  resetStats(): void {
    this.events = 0;
    this.evaluations = 0;
    this.skipped = 0;
    this.hits = 0;
  }
}
