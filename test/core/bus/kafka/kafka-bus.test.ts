/**
 * What the Kafka bus does beyond the shared conformance suite: topic layout,
 * Java-compatible partitioning, commits only after the handler, dead letters
 * for poison messages, and consumer groups across rebalances, against the
 * real broker.
 */
import { expect } from 'chai';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { z } from 'zod';
import { KafkaBusConfigSchema } from '../../../../core/bus/kafka/config.js';
import { KafkaBus } from '../../../../core/bus/kafka/kafka-bus.js';
import { Publisher } from '../../../../core/bus/kafka/publisher.js';
import { InvalidTopicNameError } from '../../../../core/bus/kafka/topic-names.js';
import { BusClosedError } from '../../../../core/bus/memory.js';
import { ConfigError } from '../../../../core/config.js';
import type { DeadLetter } from '../../../../core/store/store.js';
import { requireEngines } from '../../../helpers/engines.js';
import { firstSeenByKey, label, sequence, unique, type Seq } from '../conformance.js';
import { gate, murmur2, partitionOf, RecordingLogger, sleep, testBusConfig, until } from './support.js';

function distinct(values: readonly Seq[]): number {
  return new Set(values.map(label)).size;
}

function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** What a handler saw of one message. */
interface BusMessageSeen {
  readonly seq: number;
  readonly replayed: boolean;
}

describe('KafkaBus', () => {
  describe('configuration (no broker needed)', () => {
    it('fills defaults: 6 partitions, replication factor 1, the shared dead-letter topic', () => {
      const config = KafkaBusConfigSchema.parse({ brokers: ['127.0.0.1:9092'] });
      expect(config).to.include({ partitions: 6, replicationFactor: 1, clientId: 'iisa', deadLetterTopic: 'iisa.dead-letters', startFrom: 'earliest' });
    });

    it('rejects missing brokers, a bad broker, zero partitions, unknown keys and a heartbeat not below the session timeout', () => {
      for (const bad of [
        {},
        { brokers: [] },
        { brokers: ['no-port'] },
        { brokers: ['127.0.0.1:9092'], partitions: 0 },
        { brokers: ['127.0.0.1:9092'], replicationFactor: 1.5 },
        { brokers: ['127.0.0.1:9092'], partition: 3 },
        { brokers: ['127.0.0.1:9092'], sessionTimeoutMs: 6_000, heartbeatIntervalMs: 6_000 },
        { brokers: ['127.0.0.1:9092'], sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } },
        { brokers: ['127.0.0.1:9092'], deadLetterTopic: 'has space' },
      ]) {
        expect(() => new KafkaBus(bad as never), JSON.stringify(bad)).to.throw(ConfigError);
      }
    });

    it('accepts SASL and TLS settings for a real cluster', () => {
      const config = KafkaBusConfigSchema.parse({
        brokers: ['kafka-1.example:9093', 'kafka-2.example:9093'],
        ssl: { rejectUnauthorized: true, ca: '-----BEGIN CERTIFICATE-----' },
        sasl: { mechanism: 'scram-sha-512', username: 'iisa', password: 'secret' },
      });
      expect(config.sasl?.mechanism).to.equal('scram-sha-512');
      expect(config.ssl).to.deep.equal({ rejectUnauthorized: true, ca: '-----BEGIN CERTIFICATE-----' });
    });

    it('refuses topic names Kafka would refuse, before contacting a broker', async () => {
      const bus = new KafkaBus({ brokers: ['127.0.0.1:1'] }, { logger: new RecordingLogger() });
      for (const name of ['', '.', '..', 'has space', 'slash/ed', 'ü', 'x'.repeat(250)]) {
        let error: unknown;
        await bus.publish(name, [{ key: 'org-a', value: 1 }]).catch((e: unknown) => (error = e));
        expect(error, JSON.stringify(name)).to.be.instanceOf(InvalidTopicNameError);
        error = undefined;
        await bus.subscribe(name, { group: 'g' }, async () => undefined).catch((e: unknown) => (error = e));
        expect(error, JSON.stringify(name)).to.be.instanceOf(InvalidTopicNameError);
      }
      await bus.close();
    });

    it('matches the Java client on murmur2 (the partitioner the tests check the bus against)', () => {
      // Test vectors from Kafka's UtilsTest.
      expect(murmur2(Buffer.from('21'))).to.equal(-973932308);
      expect(murmur2(Buffer.from('foobar'))).to.equal(-790332482);
      expect(murmur2(Buffer.from('a-little-bit-long-string'))).to.equal(-985981536);
      expect(murmur2(Buffer.from('a-little-bit-longer-string'))).to.equal(-1486304829);
      expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).to.equal(-58897971);
      expect(murmur2(Buffer.from('abc'))).to.equal(479470107);
    });
  });

  describe('against the broker', function () {
    let brokers: string[];
    let raw: Kafka;
    const buses: KafkaBus[] = [];
    let logger: RecordingLogger;
    let topic: string;

    before(async function () {
      ({ kafkaBrokers: brokers } = await requireEngines(this));
      raw = new Kafka({ brokers, clientId: 'iisa-test-raw', logLevel: logLevel.NOTHING });
    });

    beforeEach(() => {
      logger = new RecordingLogger();
      topic = unique('kafka-bus');
    });

    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
    });

    function open(overrides: Parameters<typeof testBusConfig>[1] = {}): KafkaBus {
      const bus = new KafkaBus(testBusConfig(brokers, overrides), { logger });
      buses.push(bus);
      return bus;
    }

    /** Read every record of `topic` with a throwaway consumer: partition, key, value text. */
    async function readTopic(name: string, expected: number): Promise<{ partition: number; key: string; value: string }[]> {
      const records: { partition: number; key: string; value: string }[] = [];
      const consumer = raw.consumer({ groupId: unique('reader'), sessionTimeout: 6_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [name], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            records.push({ partition, key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
          },
        });
        await until(() => records.length >= expected, `${expected} records on ${name}`);
      } finally {
        await consumer.disconnect();
      }
      return records;
    }

    describe('topics', () => {
      it('creates a topic on first use with the configured partition count, and again is a no-op', async () => {
        const bus = open({ partitions: 3 });
        expect(await bus.partitionCount(topic)).to.equal(0);
        await bus.publish(topic, [{ key: 'org-a', value: 1 }]);
        expect(await bus.partitionCount(topic)).to.equal(3);
        await bus.ensureTopic(topic);
        // Another bus with another layout uses the topic as it is, and says so.
        const other = open({ partitions: 5 });
        await other.ensureTopic(topic);
        expect(await other.partitionCount(topic)).to.equal(3);
        expect(logger.entries.some((entry) => entry.level === 'warn' && /different partition count/.test(entry.msg))).to.equal(true);
      });

      it('creates the topic when subscribing, so a consumer can wait for a topic nobody wrote yet', async () => {
        const bus = open({ partitions: 2 });
        await bus.subscribe(topic, { group: unique('g') }, async () => undefined);
        expect(await bus.partitionCount(topic)).to.equal(2);
      });
    });

    describe('publish', () => {
      it('keys records by the message key with Java\'s murmur2 partitioning, as JSON', async () => {
        const bus = open({ partitions: 6 });
        const keys = range(12).map((i) => `org-${i}`);
        const messages = sequence(48, keys);
        await bus.publish(topic, messages);
        const records = await readTopic(topic, 48);
        expect(records).to.have.length(48);
        for (const record of records) {
          expect(record.partition, record.key).to.equal(partitionOf(record.key, 6));
          expect(JSON.parse(record.value)).to.have.property('key', record.key);
        }
        expect(new Set(records.map((r) => r.partition)).size, 'keys spread over partitions').to.be.greaterThan(1);
      });

      it('splits a publish bigger than one request, keeping its order', async () => {
        const bus = open({ maxRequestBytes: 2_048 });
        const received: Seq[] = [];
        await bus.subscribe<Seq>(topic, { group: unique('g') }, async (batch) => {
          received.push(...batch.map((m) => m.value));
        });
        const messages = sequence(300, ['org-a', 'org-b']).map((m) => ({ ...m, value: { ...m.value, pad: 'x'.repeat(100) } }));
        await bus.publish(topic, messages);
        await until(() => distinct(received) === 300, '300 messages');
        const byKey = firstSeenByKey(received);
        expect(byKey.get('org-a')).to.deep.equal(range(150));
        expect(byKey.get('org-b')).to.deep.equal(range(150));
      });

      it('retires its producer after a failed send, so the next publish goes out under a new producer id', async () => {
        // kafkajs takes a failed request's sequence numbers back even when the broker appended it; a
        // producer kept after a failure could have its next batch taken for a duplicate and dropped.
        const kafka = new Kafka({ brokers, clientId: 'iisa-test-publisher', logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } });
        const made: { producer: Producer; disconnected: boolean }[] = [];
        const makeProducer = kafka.producer.bind(kafka);
        kafka.producer = (config) => {
          const producer = makeProducer(config);
          const entry = { producer, disconnected: false };
          producer.on(producer.events.DISCONNECT, () => (entry.disconnected = true));
          made.push(entry);
          return producer;
        };
        await open().ensureTopic(topic);
        const publisher = new Publisher(kafka, { maxRequestBytes: 1_000_000, requestTimeoutMs: 3_000 });
        try {
          await publisher.send(topic, [{ key: 'org-a', value: 0 }]);
          await publisher.send(topic, [{ key: 'org-a', value: 1 }]);
          expect(made, 'one producer while sends succeed').to.have.length(1);
          // The send queued right behind the failing one must not go out on the failed producer either.
          const [failed, behind] = await Promise.allSettled([
            publisher.send(unique('no-such-topic'), [{ key: 'org-a', value: 2 }]),
            publisher.send(topic, [{ key: 'org-a', value: 3 }]),
          ]);
          expect(failed.status, 'the send to a missing topic').to.equal('rejected');
          expect(behind.status, 'the send behind it').to.equal('fulfilled');
          expect(made, 'a new producer for the send behind the failure').to.have.length(2);
          await until(() => made[0]!.disconnected, 'the failed producer disconnected');
          const records = await readTopic(topic, 3);
          expect(records.map((r) => JSON.parse(r.value) as number).sort()).to.deep.equal([0, 1, 3]);
        } finally {
          await publisher.close();
        }
        expect(made.every((m) => m.disconnected), 'close disconnects every producer').to.equal(true);
      });

      it('rejects a value with no JSON form, and calls after close', async () => {
        const bus = open();
        let error: unknown;
        await bus.publish(topic, [{ key: 'org-a', value: undefined }]).catch((e: unknown) => (error = e));
        expect(error).to.be.instanceOf(TypeError);
        await bus.close();
        error = undefined;
        await bus.publish(topic, [{ key: 'org-a', value: 1 }]).catch((e: unknown) => (error = e));
        expect(error).to.be.instanceOf(BusClosedError);
      });
    });

    describe('consumer groups', () => {
      it('splits the partitions between two consumers of a group, who together get every message', async () => {
        const bus = open({ partitions: 6 });
        const group = unique('g');
        const a: Seq[] = [];
        const b: Seq[] = [];
        await bus.subscribe<Seq>(topic, { group }, async (batch) => void a.push(...batch.map((m) => m.value)));
        await bus.subscribe<Seq>(topic, { group }, async (batch) => void b.push(...batch.map((m) => m.value)));
        const keys = range(48).map((i) => `org-${i}`);
        const messages = sequence(480, keys);
        await bus.publish(topic, messages);
        await until(() => distinct([...a, ...b]) === 480, 'every message');
        const partitionsOf = (values: Seq[]): Set<number> => new Set(values.map((v) => partitionOf(v.key, 6)));
        const pa = partitionsOf(a);
        const pb = partitionsOf(b);
        expect(pa.size, 'first consumer has partitions').to.be.greaterThan(0);
        expect(pb.size, 'second consumer has partitions').to.be.greaterThan(0);
        expect([...pa].filter((p) => pb.has(p)), 'no partition in both').to.deep.equal([]);
        expect(new Set([...a, ...b].map(label))).to.deep.equal(new Set(messages.map((m) => label(m.value))));
      });

      it('hands what a consumer had not committed when it stopped to the next consumer of its group, and nothing it had', async () => {
        const bus = open();
        const group = unique('g');
        await bus.publish(topic, sequence(10, ['org-a']));
        const seenByFirst: Seq[] = [];
        const stuck = gate();
        let calls = 0;
        const first = await bus.subscribe<Seq>(topic, { group, maxBatch: 5 }, async (batch) => {
          seenByFirst.push(...batch.map((m) => m.value));
          if (++calls === 1) return;
          await stuck.promise;
          throw new Error('the consumer dies before finishing (deliberately, by the test)');
        });
        await until(() => calls === 2, 'the second batch to reach the first consumer');
        const closing = first.close();
        stuck.open();
        await closing;
        expect(seenByFirst.map((v) => v.seq)).to.deep.equal(range(10));

        const second: Seq[] = [];
        await bus.subscribe<Seq>(topic, { group, maxBatch: 5 }, async (batch) => void second.push(...batch.map((m) => m.value)));
        await until(() => distinct(second) === 5, 'the 5 uncommitted messages');
        await bus.publish(topic, sequence(1, ['org-a'], new Map([['org-a', 10]])));
        await until(() => distinct(second) === 6, 'a later message');
        expect(second.map((v) => v.seq)).to.deep.equal(range(6, 5));
      });

      it('keeps each key in order across a rebalance, losing nothing', async function () {
        this.timeout(40_000);
        const bus = open({ partitions: 6 });
        const group = unique('g');
        const keys = range(24).map((i) => `org-${i}`);
        const counters = new Map<string, number>();
        const handled: Seq[] = [];
        const byFirst: Seq[] = [];
        const bySecond: Seq[] = [];
        const published: string[] = [];
        const publish = async (count: number): Promise<void> => {
          const messages = sequence(count, keys, counters);
          published.push(...messages.map((m) => label(m.value)));
          await bus.publish(topic, messages);
        };
        await publish(480);
        await bus.subscribe<Seq>(topic, { group, maxBatch: 10 }, async (batch) => {
          await sleep(10); // slow enough that the second consumer joins while there is work
          handled.push(...batch.map((m) => m.value));
          byFirst.push(...batch.map((m) => m.value));
        });
        await until(() => byFirst.length >= 40, 'the first consumer to be under way');
        await bus.subscribe<Seq>(topic, { group, maxBatch: 10 }, async (batch) => {
          handled.push(...batch.map((m) => m.value));
          bySecond.push(...batch.map((m) => m.value));
        });
        for (let round = 0; round < 30 && bySecond.length === 0; round++) {
          await publish(48);
          await until(() => distinct(handled) === published.length, `round ${round}`).catch(() => undefined);
        }
        await until(() => distinct(handled) === published.length, 'every message');
        expect(bySecond.length, 'the second consumer took over partitions').to.be.greaterThan(0);
        const byKey = firstSeenByKey(handled);
        for (const key of keys) expect(byKey.get(key), key).to.deep.equal(range(counters.get(key) ?? 0));
      });

      it('does not hold up other partitions while one partition\'s batch is being retried', async () => {
        const bus = open({ partitions: 6, retryDelayMs: 200, maxRetryDelayMs: 200 });
        const failing = 'org-0';
        const healthy = range(40).map((i) => `org-${i + 1}`).find((key) => partitionOf(key, 6) !== partitionOf(failing, 6))!;
        const release = gate();
        let released = false;
        void release.promise.then(() => (released = true));
        const received: Seq[] = [];
        await bus.subscribe<Seq>(topic, { group: unique('g') }, async (batch) => {
          if (!released && batch.some((m) => m.key === failing)) throw new Error('not yet (deliberately, by the test)');
          received.push(...batch.map((m) => m.value));
        });
        await bus.publish(topic, sequence(5, [failing]));
        await bus.publish(topic, sequence(5, [healthy]));
        await until(() => distinct(received) === 5, 'the healthy key');
        expect(received.every((v) => v.key === healthy)).to.equal(true);
        release.open();
        await until(() => distinct(received) === 10, 'the failing key once it succeeds');
        expect(firstSeenByKey(received).get(failing)).to.deep.equal(range(5));
      });

      it('replaces a consumer kafkajs gives up on, and goes on from the committed offsets', async function () {
        this.timeout(60_000);
        const bus = open();
        // A schema that throws (rather than refuses) escapes the subscription into kafkajs; marked
        // non-retriable, it makes kafkajs crash the consumer without restarting it, as it does when
        // it finds no group coordinator while a broker restarts. Once only: the next consumer reads on.
        let thrown = 0;
        const schema = z.custom<Seq>((value) => {
          if ((value as Seq).seq === 1 && thrown++ === 0) throw Object.assign(new Error('deliberately, by the test'), { retriable: false });
          return true;
        });
        const received: number[] = [];
        await bus.subscribe<Seq>(topic, { group: unique('g'), schema }, async (batch) => void received.push(...batch.map((m) => m.value.seq)));
        await bus.publish(topic, [{ key: 'org-a', value: { key: 'org-a', seq: 0 } }]);
        await until(() => received.length === 1, 'the first message');
        await bus.publish(topic, [1, 2, 3].map((seq) => ({ key: 'org-a', value: { key: 'org-a', seq } })));
        await until(() => received.length >= 4, 'the messages after the crash, from a new consumer', 45_000);
        expect(received).to.deep.equal([0, 1, 2, 3]);
        expect(thrown, 'the crash happened').to.be.at.least(1);
        const said = logger.entries.map((e) => `${e.level} ${e.msg}`);
        expect(said).to.include('error Kafka consumer stopped on an error kafkajs does not restart from; starting a new one');
        expect(said).to.include('warn Kafka consumer replaced; consuming again from the committed offsets');
      });

      it('heartbeats while a handler takes longer than the session timeout, so its batch is not handed out again', async function () {
        this.timeout(40_000);
        const bus = open({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 });
        const received: Seq[] = [];
        let calls = 0;
        await bus.subscribe<Seq>(topic, { group: unique('g') }, async (batch) => {
          if (++calls === 1) await sleep(7_500);
          received.push(...batch.map((m) => m.value));
        });
        await bus.publish(topic, sequence(3, ['org-a']));
        await until(() => received.length >= 3, 'the slow batch', 20_000);
        await bus.publish(topic, sequence(1, ['org-a'], new Map([['org-a', 3]])));
        await until(() => received.length >= 4, 'the next message');
        // Without heartbeats the member would have been dropped, its commit refused and the batch delivered twice.
        expect(received.map((v) => v.seq)).to.deep.equal(range(4));
      });
    });

    describe('retention (subscribers with state)', () => {
      /** Seq values whose release time is their seq number, read against a clock the test moves. */
      function retainBy(clock: { now: number }) {
        return { releaseAt: (v: Seq) => v.seq, clock: () => clock.now };
      }

      it('commits only past released messages; the next consumer gets the held ones again, marked replayed, then new ones unmarked', async () => {
        const bus = open();
        const group = unique('g');
        await bus.publish(topic, sequence(10, ['org-a']));
        const clock = { now: 4.5 };
        const first: BusMessageSeen[] = [];
        const sub = await bus.subscribe<Seq>(topic, { group, maxBatch: 1, retain: retainBy(clock) }, async (batch) => {
          first.push(...batch.map((m) => ({ seq: m.value.seq, replayed: m.replayed === true })));
        });
        await until(() => first.length === 10, 'all ten messages');
        expect(first.every((m) => !m.replayed), 'a fresh group replays nothing').to.equal(true);
        await sub.close();

        const second: BusMessageSeen[] = [];
        const runs = new Set<string | undefined>();
        await bus.subscribe<Seq>(topic, { group, maxBatch: 3, retain: retainBy(clock) }, async (batch) => {
          second.push(...batch.map((m) => ({ seq: m.value.seq, replayed: m.replayed === true })));
          for (const m of batch) if (m.replayed) runs.add(m.replayRun);
        });
        await until(() => second.length === 5, 'the five held messages');
        // 0..4 were released (their release time was behind the clock): never delivered again.
        expect(second).to.deep.equal(range(5, 5).map((seq) => ({ seq, replayed: true })));
        expect(runs.size, 'one replay run names every replayed message').to.equal(1);
        expect([...runs][0]).to.be.a('string');
        await bus.publish(topic, sequence(1, ['org-a'], new Map([['org-a', 10]])));
        await until(() => second.length === 6, 'a new message');
        expect(second[5]).to.deep.equal({ seq: 10, replayed: false });
      });

      it('never commits past a held message, not even to skip a poison message after it', async () => {
        const bus = open({ deadLetterTopic: unique('dead') });
        await bus.ensureTopic(topic);
        const producer = raw.producer({ createPartitioner: Partitioners.DefaultPartitioner });
        await producer.connect();
        try {
          await producer.send({ topic, messages: [
            { key: 'org-a', value: JSON.stringify({ key: 'org-a', seq: 100 }) },
            { key: 'org-a', value: 'not json' },
            { key: 'org-a', value: JSON.stringify({ key: 'org-a', seq: 101 }) },
          ] });
        } finally {
          await producer.disconnect();
        }
        const group = unique('g');
        const clock = { now: 0 };
        const first: number[] = [];
        const sub = await bus.subscribe<Seq>(topic, { group, maxBatch: 1, retain: retainBy(clock) }, async (batch) => void first.push(...batch.map((m) => m.value.seq)));
        await until(() => first.length === 2, 'both good messages');
        await sub.close();
        const again: BusMessageSeen[] = [];
        clock.now = 100.5; // 100 is released from now on, 101 is not
        await bus.subscribe<Seq>(topic, { group, maxBatch: 1, retain: retainBy(clock) }, async (batch) => {
          again.push(...batch.map((m) => ({ seq: m.value.seq, replayed: m.replayed === true })));
        });
        await until(() => again.length === 2, 'both held messages again');
        expect(again).to.deep.equal([{ seq: 100, replayed: true }, { seq: 101, replayed: true }]);
      });
    });

    describe('close', () => {
      /** Open TCP connections of this process (what would keep mocha from exiting). */
      function tcpHandles(): number {
        return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap' || name === 'TCPWRAP').length;
      }

      it('closes every connection it opened: producer, admin and consumers', async () => {
        const before = tcpHandles();
        const bus = new KafkaBus(testBusConfig(brokers), { logger });
        const received: number[] = [];
        await bus.subscribe<number>(topic, { group: unique('g') }, async (batch) => void received.push(...batch.map((m) => m.value)));
        await bus.subscribe<number>(topic, { group: unique('g') }, async () => undefined);
        await bus.publish(topic, [{ key: 'org-a', value: 1 }]);
        await until(() => received.length === 1, 'the message');
        expect(tcpHandles()).to.be.greaterThan(before);
        await bus.close();
        await bus.close();
        expect(tcpHandles()).to.be.at.most(before);
      });
    });

    describe('poison messages', () => {
      it('turns a value that is not JSON into a dead letter, commits past it and goes on', async () => {
        const deadLetterTopic = unique('dead');
        const bus = open({ deadLetterTopic });
        await bus.ensureTopic(topic);
        const producer = raw.producer({ createPartitioner: Partitioners.DefaultPartitioner });
        await producer.connect();
        try {
          await producer.send({
            topic,
            messages: [
              { key: 'org-a', value: JSON.stringify({ key: 'org-a', seq: 0 }) },
              { key: 'org-a', value: '{"key":"org-a","seq":' },
              { key: 'org-a', value: JSON.stringify({ key: 'org-a', seq: 1 }) },
            ],
          });
        } finally {
          await producer.disconnect();
        }
        const letters: DeadLetter[] = [];
        await bus.subscribe<DeadLetter>(deadLetterTopic, { group: unique('dl') }, async (batch) => void letters.push(...batch.map((m) => m.value)));
        const group = unique('g');
        const received: Seq[] = [];
        const first = await bus.subscribe<Seq>(topic, { group }, async (batch) => void received.push(...batch.map((m) => m.value)));
        await until(() => received.length === 2 && letters.length === 1, 'two messages and one dead letter');
        expect(received.map((v) => v.seq)).to.deep.equal([0, 1]);
        expect(letters[0]).to.include({ code: 'decode', source: `kafka:${topic}`, orgId: 'org-a', raw: '{"key":"org-a","seq":' });
        expect(letters[0].reason).to.match(/not JSON/);
        expect(letters[0].id).to.be.a('string');
        expect(Number.isNaN(Date.parse(letters[0].receivedAt)), 'receivedAt is a date').to.equal(false);

        // Committed past: the group's next consumer starts after it.
        await first.close();
        const again: Seq[] = [];
        await bus.subscribe<Seq>(topic, { group }, async (batch) => void again.push(...batch.map((m) => m.value)));
        await bus.publish(topic, [{ key: 'org-a', value: { key: 'org-a', seq: 2 } }]);
        await until(() => again.length >= 1, 'the next message');
        expect(again.map((v) => v.seq)).to.deep.equal([2]);
        expect(letters).to.have.length(1);
      });

      it('dead-letters a value its subscription schema refuses (code schema)', async () => {
        const deadLetterTopic = unique('dead');
        const bus = open({ deadLetterTopic });
        const letters: DeadLetter[] = [];
        await bus.subscribe<DeadLetter>(deadLetterTopic, { group: unique('dl') }, async (batch) => void letters.push(...batch.map((m) => m.value)));
        const schema = z.strictObject({ key: z.string(), seq: z.int() });
        const received: Seq[] = [];
        await bus.subscribe<Seq>(topic, { group: unique('g'), schema }, async (batch) => void received.push(...batch.map((m) => m.value)));
        await bus.publish(topic, [
          { key: 'org-a', value: { key: 'org-a', seq: 0 } },
          { key: 'org-a', value: { key: 'org-a', seq: 'one' } },
          { key: 'org-a', value: { key: 'org-a', seq: 2 } },
        ]);
        await until(() => received.length === 2 && letters.length === 1, 'two messages and one dead letter');
        expect(received.map((v) => v.seq)).to.deep.equal([0, 2]);
        expect(letters[0]).to.include({ code: 'schema', source: `kafka:${topic}`, orgId: 'org-a' });
        expect(letters[0].reason).to.match(/seq/);
        expect(JSON.parse(letters[0].raw)).to.deep.equal({ key: 'org-a', seq: 'one' });
      });
    });
  });
});
