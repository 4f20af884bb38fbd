/**
 * The detector stage of a node: consumes events from the bus (its own
 * consumer group, so every event is seen), runs the rules, and publishes
 * rule hits for the store (and, later, the alerting stage). Rules are
 * reloaded when their files change, without a restart: a changed rule set
 * with any error is refused and the previous one keeps running.
 */
import { statSync } from 'node:fs';
import { Topics, type Bus, type Subscription } from '../core/bus/bus.js';
import type { EcsEvent } from '../core/event.js';
import type { OrgRegistry } from '../core/orgs.js';
import type { RuleHit } from '../core/store/store.js';
import type { Logger, Metrics } from '../collector/sources/types.js';
import { Detector, toRuleHit, type Detection } from './detector.js';
import { loadRules, ruleFiles } from './sigma/parse.js';
import { RegistryPlaceholderSource } from './sigma/placeholders.js';

export interface DetectorStageOptions {
  readonly bus: Bus;
  readonly registry: OrgRegistry;
  /** Rule files and folders. */
  readonly rules: readonly string[];
  readonly metrics: Metrics;
  readonly log: Logger;
  /** How often rule files are checked for changes. */
  readonly reloadIntervalMs?: number;
  /** How often correlation windows are closed by the wall clock when no event arrives. */
  readonly tickIntervalMs?: number;
  readonly group?: string;
}

/** What identifies the rule files' content cheaply: names, sizes and modification times. */
function rulesSignature(paths: readonly string[]): string {
  const parts: string[] = [];
  for (const path of paths) {
    try {
      for (const file of ruleFiles(path)) {
        const st = statSync(file);
        parts.push(`${file}:${st.size}:${st.mtimeMs}`);
      }
    } catch (err) {
      parts.push(`${path}:unreadable:${(err as Error).message}`);
    }
  }
  return parts.join('\n');
}

export class DetectorStage {
  private detector: Detector;
  private signature: string;
  private readonly placeholders: RegistryPlaceholderSource;
  private subscription: Subscription | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Event handling and clock ticks take turns, so the detector never runs twice at once. */
  private turn: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Newest event time seen and the wall-clock time it was seen at: the clock correlations close windows by. */
  private eventClock: { eventMs: number; wallMs: number } | undefined;

  private constructor(private readonly options: DetectorStageOptions) {
    this.placeholders = new RegistryPlaceholderSource(options.registry);
    this.signature = rulesSignature(options.rules);
    this.detector = this.build(false);
  }

  /** Load the rules and start consuming; throws if the rules cannot be read at all. */
  static async start(options: DetectorStageOptions): Promise<DetectorStage> {
    const stage = new DetectorStage(options);
    stage.subscription = await options.bus.subscribe<EcsEvent>(Topics.events, { group: options.group ?? 'iisa-detector', maxBatch: 1000 },
      (batch) => stage.exclusive(async () => {
        const detections: Detection[] = [];
        for (const message of batch) {
          detections.push(...stage.detector.process(message.value));
          stage.observe(message.value);
        }
        await stage.publish(detections);
      }));
    stage.timers.push(setInterval(() => { void stage.tick(); }, options.tickIntervalMs ?? 1000));
    stage.timers.push(setInterval(() => { stage.reloadIfChanged(); }, options.reloadIntervalMs ?? 2000));
    for (const t of stage.timers) t.unref();
    return stage;
  }

  /** Rules currently loaded. */
  get ruleCount(): { rules: number; correlations: number } {
    return { rules: this.detector.matcher.stats().rules, correlations: this.detector.correlations.stats().rules.length };
  }

  /** Reload now if the rule files changed; returns whether a new rule set is in use. */
  reloadIfChanged(): boolean {
    const signature = rulesSignature(this.options.rules);
    if (signature === this.signature) return false;
    this.signature = signature;
    try {
      this.detector = this.build(true);
      this.options.log.info('rules reloaded', this.ruleCount);
      this.options.metrics.increment('detector.rule_reloads');
      return true;
    } catch (error) {
      this.options.log.error('rules reload failed; the previous rules stay in use', { error });
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.subscription?.close();
    await this.turn.catch(() => undefined);
  }

  /**
   * At start-up, load what loads (a node must come up even with one broken
   * rule). On reload, a rule set with any error is refused whole: an edit
   * that breaks a rule must not silently switch that rule off.
   */
  private build(refuseErrors: boolean): Detector {
    const ruleSet = loadRules(this.options.rules, { placeholders: this.placeholders });
    const errors = ruleSet.problems.filter((p) => p.severity === 'error');
    for (const p of ruleSet.problems) {
      this.options.log.warn(`rule ${p.severity}`, { file: p.location.file, line: p.location.line, rule: p.rule, message: p.message });
    }
    if (refuseErrors && errors.length) {
      throw new Error(`${errors.length} rule error(s), first: ${errors[0].location.file}: ${errors[0].message}`);
    }
    if (errors.length && ruleSet.rules.length === 0 && ruleSet.correlations.length === 0) {
      throw new Error(`no usable rules in ${this.options.rules.join(', ')}: ${errors[0].message}`);
    }
    const detector = new Detector({ ruleSet, placeholders: this.placeholders, metrics: this.options.metrics });
    for (const p of detector.problems) this.options.log.warn('rule not compiled', { file: p.location.file, rule: p.rule, message: p.message });
    return detector;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private observe(event: EcsEvent): void {
    const eventMs = Date.parse(event['@timestamp']);
    if (!Number.isNaN(eventMs) && (!this.eventClock || eventMs > this.eventClock.eventMs)) this.eventClock = { eventMs, wallMs: Date.now() };
  }

  /**
   * Event time moves on with the wall clock from the newest event seen, not
   * to the wall clock itself: a node replaying yesterday's logs must not
   * close today's windows on them.
   */
  private tick(): Promise<void> {
    if (this.closed || !this.eventClock) return Promise.resolve();
    const clock = this.eventClock;
    return this.exclusive(() => this.publish(this.detector.advanceTo(clock.eventMs + (Date.now() - clock.wallMs)))).catch((error: unknown) => {
      this.options.log.error('correlation tick failed', { error });
    });
  }

  private async publish(detections: readonly Detection[]): Promise<void> {
    if (detections.length === 0) return;
    const now = new Date();
    const hits: RuleHit[] = [];
    for (const d of detections) {
      const hit = toRuleHit(d, now);
      if (hit) hits.push(hit);
    }
    this.options.metrics.increment('detector.rule_hits', {}, hits.length);
    if (hits.length) await this.options.bus.publish(Topics.ruleHits, hits.map((h) => ({ key: h.orgId, value: h })));
  }
}
