/**
 * Opens the Bus a node config names: in-process, or Kafka when roles run as
 * separate processes. Roles call this and see only the Bus contract.
 */
import { z } from 'zod';
import type { Logger } from '../../collector/sources/types.js';
import type { Bus } from './bus.js';
import { KafkaBusConfigSchema } from './kafka/config.js';
import { KafkaBus } from './kafka/kafka-bus.js';
import { InMemoryBus } from './memory.js';
import { NamespacedBus } from './namespaced.js';

const MemoryBusSectionSchema = z.strictObject({
  type: z.literal('memory'),
  capacity: z.number().int().positive().default(10_000).describe('messages buffered per topic and consumer group before producers wait'),
});

const KafkaBusSectionSchema = z.strictObject({
  type: z.literal('kafka'),
  namespace: z.string().regex(/^[A-Za-z0-9._-]{0,100}$/, 'letters, digits, dot, dash and underscore').default('')
    .describe('prefix of every topic and consumer group, e.g. "prod." when installations share a cluster'),
  kafka: KafkaBusConfigSchema.describe('brokers, client id, partitions, timeouts'),
});

/** How roles hand records to each other: in-process (one process runs every role) or Kafka (roles run apart). */
export const BusSectionSchema = z.discriminatedUnion('type', [MemoryBusSectionSchema, KafkaBusSectionSchema]);

export type BusSection = z.output<typeof BusSectionSchema>;

export function openBus(section: BusSection, logger: Logger): Bus {
  if (section.type === 'memory') return new InMemoryBus({ capacity: section.capacity });
  const kafka = new KafkaBus({ ...section.kafka, deadLetterTopic: section.namespace + section.kafka.deadLetterTopic }, { logger });
  return section.namespace === '' ? kafka : new NamespacedBus(kafka, section.namespace);
}

export function describeBus(section: BusSection): string {
  return section.type === 'memory' ? 'in-process' : `kafka ${section.kafka.brokers.join(',')}${section.namespace ? ` (topics ${section.namespace}*)` : ''}`;
}
