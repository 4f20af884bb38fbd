/**
 * What the Kafka bus needs to know, checked once at the edge. Defaults suit
 * a production cluster; tests shorten the timeouts.
 */
import { z } from 'zod';
import { Topics } from '../bus.js';
import { TOPIC_NAME_PATTERN } from './topic-names.js';

const Broker = z.string().regex(/^[^\s,/]+:\d{1,5}$/, 'a broker is host:port');

/** Passed to kafkajs as is; only the mechanisms a config file can express (no callbacks). */
const Sasl = z.discriminatedUnion('mechanism', [
  z.strictObject({ mechanism: z.literal('plain'), username: z.string().min(1), password: z.string() }),
  z.strictObject({ mechanism: z.literal('scram-sha-256'), username: z.string().min(1), password: z.string() }),
  z.strictObject({ mechanism: z.literal('scram-sha-512'), username: z.string().min(1), password: z.string() }),
]);

/** `true` for TLS with the system CAs, or Node tls options (PEM text) for a private CA or mutual TLS. */
const Ssl = z.union([
  z.boolean(),
  z.strictObject({
    rejectUnauthorized: z.boolean().optional(),
    ca: z.union([z.string(), z.array(z.string())]).optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    passphrase: z.string().optional(),
    servername: z.string().optional(),
  }),
]);

const Ms = z.int().min(0).max(2_147_483_647);

export const KafkaBusConfigSchema = z
  .strictObject({
    brokers: z.array(Broker).min(1),
    clientId: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).default('iisa'),
    /** Partitions of a topic the bus creates: the most consumers of one group that get work. */
    partitions: z.int().min(1).max(10_000).default(6),
    replicationFactor: z.int().min(1).max(32_767).default(1),
    ssl: Ssl.optional(),
    sasl: Sasl.optional(),
    connectionTimeoutMs: Ms.min(1).default(3_000),
    requestTimeoutMs: Ms.min(1).default(30_000),
    /** A member not heard from for this long is dropped from its group (the broker bounds it, by default 6 s .. 30 min). */
    sessionTimeoutMs: Ms.min(1).default(30_000),
    /** How long a rebalance waits for members to rejoin, so also the longest a handler may take without losing its partitions. */
    rebalanceTimeoutMs: Ms.min(1).default(60_000),
    heartbeatIntervalMs: Ms.min(1).default(3_000),
    /** Longest a fetch waits at the broker for data; also bounds how late an idle consumer notices a rebalance. */
    maxWaitTimeMs: Ms.default(1_000),
    /** Wait before a failed batch is delivered again; doubles per consecutive failure up to maxRetryDelayMs. */
    retryDelayMs: Ms.default(500),
    maxRetryDelayMs: Ms.default(30_000),
    /** Upper bound on the encoded bytes of one produce request; bigger publishes are sent in several, in order. */
    maxRequestBytes: z.int().min(1_024).max(100 * 1024 * 1024).default(512 * 1024),
    /** Where undecodable messages go. */
    deadLetterTopic: z.string().regex(TOPIC_NAME_PATTERN).default(Topics.deadLetters),
    /** Where a group with no committed offset starts: every retained message, or only new ones. */
    startFrom: z.enum(['earliest', 'latest']).default('earliest'),
  })
  .superRefine((config, ctx) => {
    if (config.heartbeatIntervalMs >= config.sessionTimeoutMs) {
      ctx.addIssue({ code: 'custom', path: ['heartbeatIntervalMs'], message: 'must be below sessionTimeoutMs (a third of it is usual)' });
    }
    if (config.maxRetryDelayMs < config.retryDelayMs) {
      ctx.addIssue({ code: 'custom', path: ['maxRetryDelayMs'], message: 'must be at least retryDelayMs' });
    }
  });

export type KafkaBusConfigInput = z.input<typeof KafkaBusConfigSchema>;
export type KafkaBusConfig = z.output<typeof KafkaBusConfigSchema>;
