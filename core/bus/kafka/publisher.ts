/**
 * The producer side: JSON values keyed by the message key, murmur2
 * partitioning (Java's, so other clients agree on where a key goes),
 * idempotent, acks from every in-sync replica. A publish resolves when the
 * broker has every message of it.
 *
 * A failed send retires its producer: the next publish gets a new one, with
 * a new producer id. kafkajs takes a failed request's sequence numbers back
 * even when the broker did append it (a timeout, a connection closed by a
 * broker shutting down), so the same producer's next batch of the same size
 * would carry the same sequence numbers, and the broker would answer it as a
 * duplicate of the appended one: acknowledged, never written. Under a new
 * producer id a batch sent again after an ambiguous failure can only be
 * stored twice (and events carry ids the stores dedupe on), never lost.
 * Sends take turns for the same reason: kafkajs hands the taken-back
 * numbers to whichever send of the producer goes next, so no other send may
 * go until a failed one has retired its producer. With one request in
 * flight per broker (idempotence needs it) they nearly did already.
 */
import { Partitioners } from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
import type { BusMessage } from '../bus.js';
import { encodeValue } from './codec.js';

/** Bytes a record adds beyond key and value (headers, varints, timestamps); an estimate for chunking only. */
const RECORD_OVERHEAD = 64;

export class Publisher {
  private producer: Promise<Producer> | undefined;
  /** Producers retired after a failed send, still disconnecting: close() waits for them. */
  private readonly retiring = new Set<Promise<void>>();
  /** The send whose turn it is now, and everything queued behind it. */
  private turns: Promise<void> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: { readonly maxRequestBytes: number; readonly requestTimeoutMs: number },
  ) {}

  /** Send in order, in produce requests of at most maxRequestBytes, each acknowledged before the next. */
  async send(topic: string, messages: readonly BusMessage<unknown>[]): Promise<void> {
    const records: EncodedRecord[] = messages.map((message) => ({ key: message.key, value: encodeValue(topic, message.value) }));
    const turn = this.turns.then(() => this.sendInTurn(topic, records));
    this.turns = turn.catch(() => undefined);
    return turn;
  }

  private async sendInTurn(topic: string, records: readonly EncodedRecord[]): Promise<void> {
    const connecting = this.connected();
    const producer = await connecting;
    try {
      for (const chunk of chunks(records, this.options.maxRequestBytes)) {
        await producer.send({ topic, messages: chunk, acks: -1, timeout: this.options.requestTimeoutMs });
      }
    } catch (error) {
      this.retire(connecting, producer);
      throw error;
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    const connected = await producer?.catch(() => undefined);
    await connected?.disconnect();
    await Promise.all(this.retiring);
  }

  /** Stop using `producer` (see the header), before the next send's turn. */
  private retire(connecting: Promise<Producer>, producer: Producer): void {
    if (this.producer !== connecting) return; // another failed send retired it already
    this.producer = undefined;
    const disconnecting = producer.disconnect().catch(() => undefined);
    this.retiring.add(disconnecting);
    void disconnecting.then(() => this.retiring.delete(disconnecting));
  }

  private connected(): Promise<Producer> {
    if (this.producer === undefined) {
      const producer = this.kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        idempotent: true,
        // Idempotence as kafkajs implements it (KIP-98) keeps sequence numbers gapless only with one request in flight.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      const connecting = producer.connect().then(() => producer);
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
      this.producer = connecting;
    }
    return this.producer;
  }
}

interface EncodedRecord {
  readonly key: string;
  readonly value: Buffer;
}

function* chunks(records: readonly EncodedRecord[], maxBytes: number): Generator<EncodedRecord[]> {
  let chunk: EncodedRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = RECORD_OVERHEAD + Buffer.byteLength(record.key) + record.value.length;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
