/**
 * Live changes across the processes of one node. Scaled out, alerts are
 * raised in `iisa detector` processes and posture is summed up by their
 * jobs, while browsers hang on the `iisa console` processes: without a
 * relay those browsers would see only the changes made in their own
 * process (triage, advisories), never a new alert.
 *
 * Every process that makes changes publishes each one on the bus topic
 * `iisa.live`; every console process subscribes with a group of its own
 * (so each hears everything), from the latest message (a live view wants
 * what happens now; what happened before is the REST API's), and hands what
 * other processes published to its hub. What a process made itself goes to
 * its own hub at once, not round the broker.
 *
 * Live views are best effort, as a browser reloads the API's truth on every
 * reconnect: a change the broker refuses is logged and dropped, it never
 * holds up the alert that caused it.
 */
import { z } from 'zod';
import { AlertSchema } from '../../core/alert.js';
import { Topics, type Bus, type Subscription } from '../../core/bus/bus.js';
import { PostureSchema } from '../../core/federation/messages.js';
import { uuidv7 } from '../../core/ids.js';
import type { Logger } from '../../collector/sources/types.js';
import { AdvisoryRecordSchema, TaskRecordSchema } from '../coordination-api/schemas.js';
import type { LiveChange } from './visibility.js';

export const LiveChangeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('alert'), alert: AlertSchema }),
  z.strictObject({ kind: z.literal('posture'), posture: PostureSchema }),
  z.strictObject({ kind: z.literal('advisory'), record: AdvisoryRecordSchema }),
  z.strictObject({ kind: z.literal('task'), record: TaskRecordSchema }),
]);

export const LiveMessageSchema = z.strictObject({
  /** The process that made the change: it told its own hub already. */
  origin: z.string(),
  change: LiveChangeSchema,
});
export type LiveMessage = z.output<typeof LiveMessageSchema>;

export interface LiveRelayOptions {
  /**
   * A bus between processes (Kafka). Never the in-process bus: there every
   * change reaches the hub directly, and a topic nobody reads from the
   * earliest would hold every change.
   */
  readonly bus: Bus;
  readonly log: Logger;
  /** This process's hub, in a console process; none in a detector process. */
  readonly hub?: { publish(change: LiveChange): void };
  /** Names the node's relay group (one per console process). */
  readonly nodeId: string;
}

/** Which org a change is about: the bus key, so one org's changes keep their order. */
function keyOf(change: LiveChange): string {
  switch (change.kind) {
    case 'alert': return change.alert.orgId;
    case 'posture': return change.posture.orgId;
    case 'advisory': return change.record.advisory.issuer;
    case 'task': return change.record.task.issuer;
  }
}

/** How long a console's start waits for its relay to join before it goes on without (and keeps trying). */
const ATTACH_WAIT_MS = 15_000;
const ATTACH_RETRY_MS = 5_000;
/** One warning per this period about dropped messages, with their count. */
const WARN_EVERY_MS = 60_000;

export class LiveRelay {
  /** Names this process on the topic. */
  readonly origin = uuidv7();
  private subscription: Subscription | undefined;
  private closed = false;
  private publishFailures = 0;
  private dropped = 0;
  private lastDropWarning = 0;

  private constructor(private readonly options: LiveRelayOptions) {}

  /**
   * Start relaying. With a hub, subscribe so it hears the other processes:
   * the start waits for that a while (so what happens once the console is
   * up reaches it), then goes on and keeps trying in the background, as a
   * console without the broker still serves its API and its own changes.
   */
  static async start(options: LiveRelayOptions, waitMs = ATTACH_WAIT_MS): Promise<LiveRelay> {
    const relay = new LiveRelay(options);
    if (options.hub) {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => { timer = setTimeout(resolve, waitMs); });
      await Promise.race([relay.attach(options.hub), gaveUp]);
      clearTimeout(timer);
    }
    return relay;
  }

  private async attach(hub: NonNullable<LiveRelayOptions['hub']>): Promise<void> {
    const { bus, log, nodeId } = this.options;
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const subscription = await bus.subscribe<LiveMessage>(Topics.live, {
          group: `live-${nodeId}-${this.origin}`, startAt: 'latest', maxBatch: 500,
        }, async (batch) => this.deliver(batch.map((m) => m.value), hub));
        if (this.closed) {
          await subscription.close();
          return;
        }
        this.subscription = subscription;
        if (attempt > 0) log.info('live relay listening: the other processes\' changes reach this console again');
        return;
      } catch (error) {
        if (this.closed) return;
        if (attempt === 0) log.warn('live relay cannot subscribe yet; this console shows only its own process\'s changes until it can', { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, ATTACH_RETRY_MS).unref());
      }
    }
  }

  private deliver(values: readonly unknown[], hub: NonNullable<LiveRelayOptions['hub']>): void {
    for (const value of values) {
      const parsed = LiveMessageSchema.safeParse(value);
      if (!parsed.success) {
        // A process of another version (a rolling upgrade) may send a shape this one refuses: count, warn now and then.
        this.dropped++;
        const now = Date.now();
        if (now - this.lastDropWarning >= WARN_EVERY_MS) {
          this.options.log.warn('live relay dropped malformed changes', { dropped: this.dropped, issue: parsed.error.issues[0]?.message ?? '' });
          this.lastDropWarning = now;
          this.dropped = 0;
        }
        continue;
      }
      if (parsed.data.origin !== this.origin) hub.publish(parsed.data.change as LiveChange);
    }
  }

  /** A change made in this process: to this process's hub now, and to every other console process through the bus. */
  publish(change: LiveChange): void {
    this.options.hub?.publish(change);
    const message: LiveMessage = { origin: this.origin, change: change as LiveMessage['change'] };
    this.options.bus.publish(Topics.live, [{ key: keyOf(change), value: message }]).then(
      () => { this.publishFailures = 0; },
      (error: unknown) => {
        // One line per run of failures, not one per change while the broker is away.
        if (this.publishFailures++ === 0) this.options.log.warn('live relay could not publish; other console processes miss changes until it can', { error: String(error) });
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.subscription?.close();
    this.subscription = undefined;
  }
}
