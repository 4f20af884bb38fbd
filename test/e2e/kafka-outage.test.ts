/**
 * Kafka restarted while senders keep sending: the collector cannot make a
 * batch durable, so it answers 503 with Retry-After and acknowledges
 * nothing; the store writer's consumer waits for the broker. Once Kafka is
 * back (same address, same data) the senders' retries go in and every
 * acknowledged event is stored in Elasticsearch, once. The senders resend
 * with an Idempotency-Key, as a client should: a request that failed while
 * the broker went away may have reached Kafka in part, and the key keeps the
 * resent records from being stored twice.
 *
 * Uses a Kafka of its own (its own infra/engines state directory), so
 * stopping it cannot disturb the suites sharing the main one; Elasticsearch
 * is the shared one.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { kafkaGroupId } from '../../core/bus/kafka/subscription.js';
import { uuidv7 } from '../../core/ids.js';
import { ElasticsearchStore } from '../../core/store/elasticsearch/es-store.js';
import { readEnginesEnv, runEngines } from '../../infra/engines-env.js';
import { requireEngines } from '../helpers/engines.js';
import { startNodeProcesses, type NodeProcess } from '../helpers/node-process.js';
import { labelledBatch, ownEngines } from '../helpers/engine-outage.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const ORG = 'js-jinling-motor';
const TOKEN = 'kafka-outage-ingest-token-00000';
const BATCH = 100;
/** The nodes' stop deadline here: a stop that needs it failed to stop by itself. */
const STOP_TIMEOUT_SECONDS = 20;
/** What a node logs when its stop went wrong: a step failed, the deadline ran out, or something stayed open after it. */
const STOP_PROBLEMS = new Set(['stop step failed; stopping the rest', 'stop took too long: exiting without it', 'handles still open after stop: exiting']);

function batch(label: string): string {
  return labelledBatch('kafka-outage', 'batch', label, BATCH, { v4: '10.10.3.7', v6: '2001:db8:10:3::7' });
}

describe('Kafka restarted while senders keep sending', function () {
  this.timeout(600_000);
  const { env, processes, closeables } = ownEngines('kafka-outage');
  let store: ElasticsearchStore | undefined;

  it('refuses with 503 while Kafka is away and stores every acknowledged batch once after it returns', async function () {
    const { elasticsearchUrl } = await requireEngines(this);
    await runEngines(['up', 'kafka'], env);
    const brokers = readEnginesEnv(env).KAFKA_BROKERS!;
    const dir = tempDir('iisa-kafka-outage-');
    const prefix = `iisa-kafka-outage-${uuidv7().slice(-12)}`;
    writeFileSync(join(dir, 'tokens.yaml'), stringify([{ id: 'outage', org: ORG, parser: 'ecs', token: TOKEN }]));
    const config = join(dir, 'iisa.yaml');
    writeFileSync(config, stringify({
      node: { id: 'kafka-outage', tier: 'enterprise', stopTimeoutSeconds: STOP_TIMEOUT_SECONDS },
      registry: join(repoRoot, 'seeds', 'orgs.yaml'),
      dataDir: join(dir, 'data'),
      ingestTokens: join(dir, 'tokens.yaml'),
      store: { type: 'elasticsearch', elasticsearch: { url: elasticsearchUrl, indexPrefix: prefix } },
      // Fail fast and retry often, so the test does not wait out production timeouts.
      bus: {
        type: 'kafka', namespace: `${prefix}.`,
        kafka: {
          brokers: brokers.split(','), sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxWaitTimeMs: 200,
          retryDelayMs: 200, maxRetryDelayMs: 2_000, requestTimeoutMs: 3_000, connectionTimeoutMs: 1_000,
        },
      },
      sources: [{ type: 'http', listen: { host: '::', port: 0 }, retryAfterSeconds: 1 }],
      log: { level: 'info' },
    }));
    processes.push(...await startNodeProcesses(['collector', 'detector'].map((command) => ({ configFile: config, command, timeoutMs: 60_000 }))));
    const [collector, writer] = processes as [NodeProcess, NodeProcess];
    const urls = [`http://[::1]:${collector.ports.http}/api/v1/ingest`, `http://127.0.0.1:${collector.ports.http}/api/v1/ingest`];
    store = await ElasticsearchStore.open({ url: elasticsearchUrl, indexPrefix: prefix });
    closeables.push(store);
    const count = (label: string) => store!.countEvents({ filters: [{ field: 'labels.batch', op: 'eq', value: label }] }).catch(() => -1);

    /** What a failed wait needs to tell a lost batch from a stuck consumer or a duplicate. */
    async function whyNotStored(counts: number[]): Promise<string> {
      const wrong = acknowledged.map((label, i) => ({ label, count: counts[i], statuses: statusesOf.get(label) })).filter((b) => b.count !== BATCH);
      const topic = `${prefix}.iisa.events`;
      const admin = new Kafka({ brokers: brokers.split(','), clientId: 'kafka-outage-diagnosis', logLevel: logLevel.NOTHING }).admin();
      let offsets: string;
      try {
        await admin.connect();
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: kafkaGroupId(`${prefix}.iisa-store`, topic), topics: [topic] });
        offsets = ends.map((e) => `p${e.partition} end ${e.high} committed ${committed?.partitions.find((c) => c.partition === e.partition)?.offset ?? '?'}`).join('; ');
      } catch (e) {
        offsets = `could not read offsets: ${String(e)}`;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      const said = writer.logs.filter((l) => l.level !== 'info').slice(-15).map((l) => `${String(l.level)} ${String(l.msg)} ${JSON.stringify(l.error ?? '')}`);
      return [`batches not stored once (label, count, answers before the 200): ${JSON.stringify(wrong)}`, `Kafka ${topic}: ${offsets}`, 'detector warnings:', ...said].join('\n');
    }

    // A sender that retries each batch until it is acknowledged, as a well-behaved client does.
    const statuses: number[] = [];
    const statusesOf = new Map<string, number[]>();
    const acknowledged: string[] = [];
    let stopSending = false;
    const sender = async (name: string, url: string) => {
      for (let n = 0; !stopSending; n++) {
        const label = `${name}-${n}`;
        const body = batch(label);
        for (;;) {
          const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson', 'idempotency-key': label };
          const res = await fetch(url, { method: 'POST', headers, body })
            .catch(() => undefined);
          statuses.push(res?.status ?? 0);
          statusesOf.set(label, [...statusesOf.get(label) ?? [], res?.status ?? 0]);
          if (res?.status === 200) {
            acknowledged.push(label);
            await res.arrayBuffer();
            break;
          }
          if (res) expect(res.headers.get('retry-after'), `a ${res.status} without Retry-After`).to.equal('1');
          await res?.arrayBuffer();
          await new Promise((r) => setTimeout(r, 1_000));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const senders = [sender('v6', urls[0]!), sender('v4', urls[1]!)];
    await waitFor(() => acknowledged.length >= 4, 60_000, 'batches acknowledged before the outage');

    await runEngines(['stop', 'kafka'], env, 120_000);
    await waitFor(() => statuses.includes(503), 60_000, 'a 503 while Kafka is away');
    const acknowledgedBeforeRestart = acknowledged.length;
    await waitFor(() => writer.logs.some((l) => /Kafka|broker|connect/i.test(String(l.msg)) && l.level !== 'info'), 60_000, 'the detector noticing the broker is gone');

    await runEngines(['up', 'kafka'], env);
    expect(readEnginesEnv(env).KAFKA_BROKERS, 'the same address after the restart').to.equal(brokers);
    await waitFor(() => acknowledged.length >= acknowledgedBeforeRestart + 4, 120_000, 'senders acknowledged again after the restart');
    stopSending = true;
    await Promise.all(senders);

    let lastCounts: number[] = [];
    await waitFor(async () => {
      lastCounts = await Promise.all(acknowledged.map(count));
      return lastCounts.every((c) => c === BATCH);
    }, 180_000, 'every acknowledged batch stored').catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await whyNotStored(lastCounts)}`);
    });
    expect(await store.countEvents({}), 'nothing twice, and nothing from a refused request').to.be.at.least(acknowledged.length * BATCH);
    const counts = await Promise.all(acknowledged.map(count));
    expect(counts.filter((c) => c !== BATCH), 'a batch stored twice').to.deep.equal([]);
    expect(collector.child.exitCode, 'the collector rode the outage out').to.equal(null);

    expect(writer.child.exitCode, 'the detector rode the outage out').to.equal(null);
    console.log(`      ${acknowledged.length} batches acknowledged; ${statuses.filter((s) => s === 503).length} answers 503 and ${statuses.filter((s) => s === 0).length} failed connections while Kafka was away`);

    // After the outage both still stop on SIGTERM by themselves: every step done, none hung or failed (a detector once did not stop here).
    for (const p of [collector, writer]) {
      const started = Date.now();
      p.child.kill('SIGTERM');
      const exit = await p.exited;
      await p.closed;
      const problems = p.logs.filter((l) => STOP_PROBLEMS.has(String(l.msg)));
      const slow = p.logs.filter((l) => l.msg === 'still stopping').map((l) => String(l.step));
      const where = `${p.child.spawnargs[2]} stopping${slow.length ? ` (still running after 10 s: ${slow.join(', ')})` : ''}`;
      expect(problems.map((l) => `${String(l.msg)} ${String(l.step ?? '')} ${JSON.stringify(l.error ?? '')}`), where).to.deep.equal([]);
      expect(exit, where).to.deep.equal({ code: 0, signal: null });
      expect(p.logs.some((l) => l.msg === 'node stopped')).to.equal(true);
      console.log(`      ${String(p.child.spawnargs[2])} stopped in ${Date.now() - started} ms${slow.length ? ` (slow steps: ${slow.join(', ')})` : ''}`);
    }
  });
});
