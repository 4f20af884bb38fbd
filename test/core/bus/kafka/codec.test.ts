import { expect } from 'chai';
import { logLevel } from 'kafkajs';
import { z } from 'zod';
import { decodeValue, encodeValue } from '../../../../core/bus/kafka/codec.js';
import { deadLetterOf, MAX_RAW_BYTES } from '../../../../core/bus/kafka/dead-letter.js';
import { kafkaLogCreator } from '../../../../core/bus/kafka/log.js';
import { RecordingLogger } from './support.js';

describe('Kafka bus codec, dead letters and logs', () => {
  describe('encodeValue / decodeValue', () => {
    it('round-trips JSON values', () => {
      for (const value of [0, 'text', null, [1, 2], { a: { b: [true] } }]) {
        const decoded = decodeValue(encodeValue('t', value));
        expect(decoded).to.deep.equal({ ok: true, value });
      }
    });

    it('refuses values with no JSON form', () => {
      expect(() => encodeValue('t', undefined)).to.throw(TypeError, /no JSON form/);
      expect(() => encodeValue('t', () => 1)).to.throw(TypeError);
      expect(() => encodeValue('t', 1n)).to.throw(TypeError, /cannot be encoded/);
    });

    it('reports text that is not JSON and a missing value as decode failures', () => {
      expect(decodeValue(Buffer.from('{"a":'))).to.include({ ok: false, code: 'decode' });
      expect(decodeValue(null)).to.include({ ok: false, code: 'decode' });
    });

    it('checks a schema when given one, naming the failing field', () => {
      const schema = z.strictObject({ seq: z.int() });
      expect(decodeValue(Buffer.from('{"seq":3}'), schema)).to.deep.equal({ ok: true, value: { seq: 3 } });
      const refused = decodeValue(Buffer.from('{"seq":"3"}'), schema);
      expect(refused).to.include({ ok: false, code: 'schema' });
      expect(refused.ok === false && refused.reason).to.match(/^value does not match.*seq/);
    });
  });

  describe('deadLetterOf', () => {
    const message = { topic: 'iisa.events', partition: 2, offset: '41', timestamp: '1700000000000', key: Buffer.from('org-7'), value: Buffer.from('not json') };

    it('names the topic, org, position and keeps the raw value', () => {
      const letter = deadLetterOf(message, { code: 'decode', reason: 'value is not JSON' });
      expect(letter).to.include({ source: 'kafka:iisa.events', orgId: 'org-7', code: 'decode', raw: 'not json', receivedAt: '2023-11-14T22:13:20.000Z' });
      expect(letter.reason).to.equal('value is not JSON (partition 2, offset 41)');
    });

    it('gives the same message the same id, and another message another', () => {
      const failure = { code: 'decode', reason: 'x' };
      expect(deadLetterOf(message, failure).id).to.equal(deadLetterOf(message, failure).id);
      expect(deadLetterOf({ ...message, offset: '42' }, failure).id).to.not.equal(deadLetterOf(message, failure).id);
    });

    it('leaves out the org when the message had no key, and cuts a huge value with a note', () => {
      const letter = deadLetterOf({ ...message, key: null, value: Buffer.alloc(MAX_RAW_BYTES + 10, 'a') }, { code: 'decode', reason: 'x' });
      expect(letter).to.not.have.property('orgId');
      expect(letter.raw).to.have.length.lessThan(MAX_RAW_BYTES + 100);
      expect(letter.raw).to.match(/\[cut: first 65536 of 65546 bytes\]$/);
    });
  });

  describe('kafkaLogCreator', () => {
    it('passes warnings and errors on with their fields, and drops per-response protocol errors', () => {
      const logger = new RecordingLogger();
      const log = kafkaLogCreator(logger)(logLevel.WARN);
      const entry = (namespace: string, level: logLevel, message: string): void =>
        log({ namespace, level, label: '', log: { timestamp: 'now', message, groupId: 'g' } });
      entry('Runner', logLevel.WARN, 'The group is rebalancing, re-joining');
      entry('Consumer', logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded');
      entry('Connection', logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)');
      entry('Consumer', logLevel.INFO, 'Starting');
      expect(logger.entries).to.deep.equal([
        { level: 'warn', msg: 'The group is rebalancing, re-joining', fields: { component: 'kafkajs', namespace: 'Runner', groupId: 'g' } },
        { level: 'error', msg: 'Crash: KafkaJSNumberOfRetriesExceeded', fields: { component: 'kafkajs', namespace: 'Consumer', groupId: 'g' } },
      ]);
    });
  });
});
