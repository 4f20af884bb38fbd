/**
 * Shared by the Kafka bus suites: a bus configuration with the short
 * timeouts a test wants, and a logger that keeps what kafkajs says.
 */
import type { Logger } from '../../../../collector/sources/types.js';
import type { KafkaBusConfigInput } from '../../../../core/bus/kafka/config.js';

export function testBusConfig(brokers: string[], overrides: Partial<KafkaBusConfigInput> = {}): KafkaBusConfigInput {
  return {
    brokers,
    clientId: 'iisa-test',
    partitions: 6,
    // The broker's floor (group.min.session.timeout.ms) is 6 s.
    sessionTimeoutMs: 6_000,
    rebalanceTimeoutMs: 10_000,
    heartbeatIntervalMs: 300,
    maxWaitTimeMs: 200,
    retryDelayMs: 20,
    maxRetryDelayMs: 200,
    ...overrides,
  };
}

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly fields?: Record<string, unknown>;
}

/** Keeps log entries in memory (set IISA_TEST_KAFKA_LOG=1 to see them too). */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  info(msg: string, fields?: Record<string, unknown>): void { this.add('info', msg, fields); }
  warn(msg: string, fields?: Record<string, unknown>): void { this.add('warn', msg, fields); }
  error(msg: string, fields?: Record<string, unknown>): void { this.add('error', msg, fields); }

  private add(level: LogEntry['level'], msg: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level, msg, fields });
    if (process.env.IISA_TEST_KAFKA_LOG === '1') console.log(`      [${level}] ${msg}`, fields ?? '');
  }
}

/**
 * Kafka's murmur2 (the Java client's Utils.murmur2), written out here so the
 * tests check the bus against Java's partitioning, not against itself.
 */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length % 4;
  if (rest === 3) h ^= data[whole + 2] << 16;
  if (rest >= 2) h ^= data[whole + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition the Java client (and the bus) sends `key` to. */
export function partitionOf(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

/** Waits, bounded, for a condition handlers make true; checks every few milliseconds. */
export async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/** A promise the test resolves by hand. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
