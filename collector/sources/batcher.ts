/**
 * Collects records into batches for `ctx.emit`: a batch goes when it holds
 * `maxRecords` or when `flushIntervalMs` has passed since its first record.
 * One batch is in flight at a time, so the pipeline's pace sets the source's
 * pace: `busy` is true while a batch is being sent or a full one waits, and
 * `onBusyChange` lets a stream source pause its socket meanwhile.
 */
import type { IngestRecord } from './types.js';

export interface RecordBatcherOptions {
  readonly maxRecords: number;
  readonly flushIntervalMs: number;
  /** Sends one batch. Must not reject: failures are the sender's to count and log. */
  readonly send: (records: IngestRecord[]) => Promise<void>;
  readonly onBusyChange?: (busy: boolean) => void;
}

export class RecordBatcher {
  private batch: IngestRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private due = false;
  private inFlight: Promise<void> | undefined;
  private inFlightCount = 0;
  private wasBusy = false;

  constructor(private readonly options: RecordBatcherOptions) {}

  /** Records waiting or being sent. */
  get pending(): number {
    return this.batch.length + this.inFlightCount;
  }

  /** A batch is being sent, or a full one is waiting. */
  get busy(): boolean {
    return this.inFlight !== undefined || this.batch.length >= this.options.maxRecords;
  }

  add(record: IngestRecord): void {
    this.batch.push(record);
    if (this.batch.length >= this.options.maxRecords) this.due = true;
    else if (!this.timer && !this.due) this.timer = setTimeout(() => this.onTimer(), this.options.flushIntervalMs);
    this.kick();
  }

  /** Send everything now and wait until nothing is pending. */
  async drain(): Promise<void> {
    while (this.inFlight || this.batch.length > 0) {
      this.due = true;
      this.kick();
      await this.inFlight;
    }
    this.clearTimer();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.due = true;
    this.kick();
  }

  private kick(): void {
    if (!this.inFlight && this.due && this.batch.length > 0) {
      this.clearTimer();
      const records = this.batch.splice(0, this.options.maxRecords);
      this.due = this.batch.length >= this.options.maxRecords;
      this.inFlightCount = records.length;
      this.inFlight = this.options.send(records).finally(() => {
        this.inFlight = undefined;
        this.inFlightCount = 0;
        // Records that came while this batch was out have waited long enough.
        if (this.batch.length > 0) this.due = true;
        this.kick();
        this.notify();
      });
    }
    this.notify();
  }

  private notify(): void {
    const busy = this.busy;
    if (busy !== this.wasBusy) {
      this.wasBusy = busy;
      this.options.onBusyChange?.(busy);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
