import { expect } from 'chai';
import kafkajs from 'kafkajs';
import { retryWhileSettling } from '../../../../core/bus/kafka/broker-settling.js';

const { KafkaJSProtocolError, KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError } = kafkajs;

/** The broker's answer while a topic another process just created has no leaders yet. */
function notHostedYet(): Error {
  // kafkajs builds protocol errors from the broker's error-code entry; its typings only admit an Error or a string.
  const entry = { type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true, message: 'This server does not host this topic-partition' };
  return new KafkaJSProtocolError(entry as unknown as Error);
}

/** An attempt that fails with `failures` in turn, then answers 'done'. */
function failingThen(failures: readonly Error[]): { attempt: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    attempt: async () => {
      const failure = failures[calls++];
      if (failure) throw failure;
      return 'done';
    },
    calls: () => calls,
  };
}

describe('retryWhileSettling (Kafka topics other processes just created)', () => {
  it('retries what the broker marks retriable until the attempt succeeds', async () => {
    const { attempt, calls } = failingThen([notHostedYet(), notHostedYet()]);
    expect(await retryWhileSettling(attempt, 5_000)).to.equal('done');
    expect(calls()).to.equal(3);
  });

  it('sees through kafkajs giving up on a retriable error', async () => {
    const gaveUp = new KafkaJSNumberOfRetriesExceeded(notHostedYet(), { retryCount: 5, retryTime: 1_000 });
    const { attempt, calls } = failingThen([gaveUp]);
    expect(await retryWhileSettling(attempt, 5_000)).to.equal('done');
    expect(calls()).to.equal(2);
  });

  it('throws a non-retriable error at once', async () => {
    const refused = new KafkaJSNonRetriableError('Topic authorization failed');
    const { attempt, calls } = failingThen([refused]);
    let thrown: unknown;
    try { await retryWhileSettling(attempt, 5_000); } catch (error) { thrown = error; }
    expect(thrown).to.equal(refused);
    expect(calls()).to.equal(1);
  });

  it('gives up with the broker\'s error once the time is spent', async () => {
    const { attempt, calls } = failingThen(Array.from({ length: 1_000 }, notHostedYet));
    let thrown: unknown;
    try { await retryWhileSettling(attempt, 250); } catch (error) { thrown = error; }
    expect((thrown as Error).message).to.equal('This server does not host this topic-partition');
    expect(calls()).to.be.within(2, 10);
  });
});
