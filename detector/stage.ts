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
import { stableId } from '../core/ids.js';
import type { OrgRegistry } from '../core/orgs.js';
import type { RuleHit } from '../core/store/store.js';
import type { Logger, Metrics } from '../collector/sources/types.js';
import { Detector, stateReachMs, toRuleHit, type Detection } from './detector.js';
import { loadRules, ruleFiles } from './sigma/parse.js';
import { withExtraRules, type ExtraRule } from './sigma/extra-rules.js';
import type { RuleSet } from './sigma/model.js';
import { withoutScheduledRules } from './sigma/scheduled.js';
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
  /** How long an org must be quiet before its event time moves on with the wall clock (default 10 s). */
  readonly quietBeforeClockMs?: number;
  readonly group?: string;
  /**
   * Rules that do not live in files: the detections advisories install
   * (console/federation), read from the store. Polled with the rule files;
   * a broken one is logged and left out, never stopping the others.
   */
  readonly extraRules?: () => Promise<readonly ExtraRule[]>;
}

export type { ExtraRule } from './sigma/extra-rules.js';

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

/** How far ahead of the wall clock an event time is believed, for retention (beyond: a sender's clock is wrong). */
const FUTURE_SKEW_MS = 5 * 60_000;

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
  /** See `quietBeforeClockMs`. */
  private readonly quietMs: number;
  /** How long (event time) an event can still matter to the correlation state: retained that long. */
  private reachMs = 0;
  /** Orgs whose events are being replayed right now, with the replay run (their state was reset when it began). */
  private readonly replaying = new Map<string, string>();
  /** The extra rules as last read. */
  private extra: readonly ExtraRule[] = [];

  private constructor(private readonly options: DetectorStageOptions) {
    this.quietMs = options.quietBeforeClockMs ?? 10_000;
    this.placeholders = new RegistryPlaceholderSource(options.registry);
    this.signature = this.currentSignature();
    this.detector = this.build(false);
  }

  /** Load the rules and start consuming; throws if the rules cannot be read at all. */
  static async start(options: DetectorStageOptions): Promise<DetectorStage> {
    const stage = new DetectorStage(options);
    // Advisory detections in force before the first event is matched.
    if (options.extraRules) await stage.refreshRules();
    stage.subscription = await options.bus.subscribe<EcsEvent>(Topics.events, {
      group: options.group ?? 'iisa-detector',
      maxBatch: 1000,
      // Correlation windows are state: keep their events until no window can need them (see Retention).
      retain: { releaseAt: (event) => stage.releaseAt(event), clock: () => stage.clockMs() },
    }, (batch) => stage.exclusive(async () => {
      const detections: Detection[] = [];
      let replayed = 0;
      for (const message of batch) {
        stage.beforeDelivery(message.value, message.replayed ? message.replayRun ?? 'replay' : undefined);
        const found = stage.detector.process(message.value);
        stage.observe(message.value);
        if (message.replayed) {
          replayed++;
          // Handled before by whoever held this partition: its detection hits were published then.
          // Correlation hits decided on the rebuilt state are published again: rebuilt exactly, they
          // carry the ids the first ones had and are stored once; one the previous owner never got to
          // publish (still in its reorder buffer) is not lost.
          for (const d of found) if (d.kind === 'correlation') detections.push(d);
        } else {
          detections.push(...found);
        }
      }
      if (replayed > 0) {
        options.metrics.increment('detector.replayed_events', {}, replayed);
        options.log.info('rebuilding correlation state from replayed events', { events: replayed });
      }
      await stage.publish(detections);
    }));
    stage.timers.push(setInterval(() => { void stage.tick(); }, options.tickIntervalMs ?? 1000));
    stage.timers.push(setInterval(() => { void stage.refreshRules(); }, options.reloadIntervalMs ?? 2000));

    for (const t of stage.timers) t.unref();
    return stage;
  }

  /** Rules currently loaded. */
  get ruleCount(): { rules: number; correlations: number } {
    return { rules: this.detector.matcher.stats().rules, correlations: this.detector.correlations.stats().rules.length };
  }

  /**
   * Read the extra rules (if any) and reload if they or the rule files
   * changed; resolves with whether a new rule set is in use. Also what a
   * caller awaits to have a just-installed detection in force.
   */
  async refreshRules(): Promise<boolean> {
    if (this.options.extraRules) {
      try {
        this.extra = await this.options.extraRules();
      } catch (error) {
        this.options.log.error('reading extra rules failed; the previous ones stay in use', { error });
      }
    }
    return this.reloadIfChanged();
  }

  /** Reload now if the rule files (or the extra rules last read) changed; returns whether a new rule set is in use. */
  reloadIfChanged(): boolean {
    const signature = this.currentSignature();
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
    // Scheduled rules run as searches over the store (console/jobs), not on every event.
    const ruleSet = withoutScheduledRules(this.withExtraRules(loadRules(this.options.rules, { placeholders: this.placeholders })));
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
    this.reachMs = stateReachMs(ruleSet.correlations);
    for (const p of detector.problems) this.options.log.warn('rule not compiled', { file: p.location.file, rule: p.rule, message: p.message });
    return detector;
  }

  private currentSignature(): string {
    return `${rulesSignature(this.options.rules)}\n${this.extra.map((r) => `${r.name}:${stableId(r.text)}`).join('\n')}`;
  }

  /** The file rules plus the extra rules that may join them (./sigma/extra-rules.ts); the others are logged. */
  private withExtraRules(files: RuleSet): RuleSet {
    const merged = withExtraRules(files, this.extra, this.placeholders);
    for (const r of merged.leftOut) this.options.log.warn('extra rule left out', { rule: r.name, message: r.reason });
    return merged.set;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * Retention: an event is needed until its org's clock is `reachMs` past
   * it. The bus compares with one clock (`clockMs`, the newest event time of
   * all orgs), so an org lagging behind the newest has its lag added.
   * Unparseable times are never needed (no correlation uses them).
   */
  private releaseAt(event: EcsEvent): number {
    const now = Date.now();
    // A timestamp far in the future (a sender's broken clock) must not pin the commit for ever.
    const eventMs = Math.min(Date.parse(event['@timestamp']), now + FUTURE_SKEW_MS);
    if (Number.isNaN(eventMs)) return -Infinity;
    const orgClock = this.detector.clockOf(event.org?.id ?? '', now);
    const lag = orgClock === undefined ? 0 : Math.max(0, this.clockMs() - orgClock);
    // The org's engine moves on with the wall clock only after the quiet grace: keep that much longer.
    return eventMs + this.reachMs + lag + this.quietMs;
  }

  /** Event time now: the newest event time of any org, moved on with the wall clock since. */
  private clockMs(): number {
    return this.eventClock ? this.eventClock.eventMs + (Date.now() - this.eventClock.wallMs) : -Infinity;
  }

  /**
   * A replay of an org's events starts from where the bus retained them,
   * which covers everything its correlation state needs: state this
   * detector still holds from an earlier ownership of the partition would
   * count some events twice, so it is dropped and rebuilt from the replay.
   */
  private beforeDelivery(event: EcsEvent, replayRun: string | undefined): void {
    const org = event.org?.id ?? '';
    if (replayRun === undefined) {
      this.replaying.delete(org);
      return;
    }
    if (this.replaying.get(org) === replayRun) return;
    this.replaying.set(org, replayRun);
    this.detector.resetOrg(org);
  }


  private observe(event: EcsEvent): void {
    // The retention clock ignores how far a broken sender clock runs ahead: it would release other orgs' events early.
    const eventMs = Math.min(Date.parse(event['@timestamp']), Date.now() + FUTURE_SKEW_MS);
    if (!Number.isNaN(eventMs) && (!this.eventClock || eventMs > this.eventClock.eventMs)) this.eventClock = { eventMs, wallMs: Date.now() };
  }

  /**
   * Each org's event time moves on with the wall clock from its newest event,
   * not to the wall clock itself: a node replaying yesterday's logs must not
   * close today's windows on them.
   */
  private tick(): Promise<void> {
    if (this.closed || !this.eventClock) return Promise.resolve();
    return this.exclusive(() => this.publish(this.detector.advanceClocks(Date.now(), this.quietMs))).catch((error: unknown) => {
      this.options.log.error('correlation tick failed', { error });
    });
  }

  private async publish(detections: readonly Detection[]): Promise<void> {
    if (detections.length === 0) return;
    const now = new Date();
    const hits: RuleHit[] = [];
    for (const d of detections) {
      const hit = toRuleHit(d, now, this.options.registry);
      if (hit) hits.push(hit);
    }
    this.options.metrics.increment('detector.rule_hits', {}, hits.length);
    if (hits.length) await this.options.bus.publish(Topics.ruleHits, hits.map((h) => ({ key: h.orgId, value: h })));
  }
}
