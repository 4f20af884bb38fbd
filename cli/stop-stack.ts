/**
 * What a running node undoes when it stops: each part it started registers
 * how to stop it, and `stop` runs those in reverse order (sources first, so
 * nothing new comes in while the stages drain; the store last).
 *
 * Every step runs even if one before it failed: a step that throws (a Kafka
 * consumer that cannot leave its group after a broker restart) must not
 * leave the store and the bus open, and with them the process running after
 * SIGTERM. A step that takes long is named in the log while it runs.
 */
import type { Logger } from '../collector/sources/types.js';

export class StopStack {
  private readonly steps: { readonly name: string; readonly run: () => unknown }[] = [];
  private stopping: Promise<void> | undefined;

  /** `warnAfterMs`: a step running this long is logged (and again each time as long again passes). */
  constructor(private readonly log: Logger, private readonly warnAfterMs = 10_000) {}

  /** Register how to stop one part; runs before everything registered earlier. */
  add(name: string, run: () => unknown): void {
    if (this.stopping) throw new Error(`stop step ${name} added while stopping`);
    this.steps.push({ name, run });
  }

  /**
   * Run every step once, last added first. Resolves when all have; rejects
   * after all have run if any failed (each failure is logged as it happens).
   * Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.runAll();
    return this.stopping;
  }

  private async runAll(): Promise<void> {
    const failed: unknown[] = [];
    for (const step of [...this.steps].reverse()) {
      const slow = setInterval(() => this.log.warn('still stopping', { step: step.name }), this.warnAfterMs);
      slow.unref();
      try {
        await step.run();
      } catch (err) {
        failed.push(err);
        this.log.error('stop step failed; stopping the rest', { step: step.name, error: err instanceof Error ? err : String(err) });
      } finally {
        clearInterval(slow);
      }
    }
    this.log.info('node stopped', failed.length > 0 ? { failedSteps: failed.length } : {});
    if (failed.length > 0) throw new AggregateError(failed, `${failed.length} stop step(s) failed`);
  }
}
