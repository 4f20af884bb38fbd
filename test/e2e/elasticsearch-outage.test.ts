/**
 * Elasticsearch goes away while the collector keeps receiving: the
 * collector acknowledges what Kafka has, the store writer keeps retrying,
 * and once Elasticsearch is back every acknowledged event is stored (once).
 *
 * Uses an Elasticsearch of its own (its own infra/engines state directory),
 * so stopping it cannot disturb the suites sharing the main one; Kafka is
 * the shared one.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { uuidv7 } from '../../core/ids.js';
import { ElasticsearchStore } from '../../core/store/elasticsearch/es-store.js';
import { readEnginesEnv, runEngines } from '../../infra/engines-env.js';
import { requireEngines } from '../helpers/engines.js';
import { startNodeProcesses, type NodeProcess } from '../helpers/node-process.js';
import { labelledBatch, ownEngines } from '../helpers/engine-outage.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const ORG = 'js-jinling-motor';
const TOKEN = 'es-outage-ingest-token-0000000';
const BATCH = 200;

function batch(phase: string, n: number): string {
  return labelledBatch('es-outage', 'phase', phase, n, { v4: '10.10.2.7', v6: '2001:db8:10:2::7' });
}

describe('Elasticsearch stopped while the collector keeps receiving', function () {
  this.timeout(600_000);
  const { env, processes, closeables } = ownEngines('es-outage');
  let store: ElasticsearchStore | undefined;

  it('stores every acknowledged event once Elasticsearch is back', async function () {
    const { kafkaBrokers } = await requireEngines(this);
    await runEngines(['up', 'es'], env);
    const url = readEnginesEnv(env).ELASTICSEARCH_URL!;
    const dir = tempDir('iisa-es-outage-');
    const prefix = `iisa-outage-${uuidv7().slice(-12)}`;
    writeFileSync(join(dir, 'tokens.yaml'), stringify([{ id: 'outage', org: ORG, parser: 'ecs', token: TOKEN }]));
    const config = join(dir, 'iisa.yaml');
    writeFileSync(config, stringify({
      node: { id: 'es-outage', tier: 'enterprise' },
      registry: join(repoRoot, 'seeds', 'orgs.yaml'),
      dataDir: join(dir, 'data'),
      ingestTokens: join(dir, 'tokens.yaml'),
      // Fail fast and retry often, so the test does not wait out production timeouts.
      store: { type: 'elasticsearch', elasticsearch: { url, indexPrefix: prefix, requestTimeoutMs: 2_000, bulk: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200 } } },
      bus: {
        type: 'kafka', namespace: `${prefix}.`,
        kafka: { brokers: kafkaBrokers, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxWaitTimeMs: 200, retryDelayMs: 200, maxRetryDelayMs: 2_000 },
      },
      sources: [{ type: 'http', listen: { host: '::', port: 0 } }],
    }));
    const [collector, writer] = await startNodeProcesses(
      ['collector', 'detector'].map((command) => ({ configFile: config, command, timeoutMs: 60_000 })),
    ) as [NodeProcess, NodeProcess];
    processes.push(collector, writer);
    const ingest = async (phase: string): Promise<number> => {
      const res = await fetch(`http://[::1]:${collector.ports.http}/api/v1/ingest`, {
        method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' }, body: batch(phase, BATCH),
      });
      expect(res.status, `ingest ${phase}`).to.equal(200);
      return ((await res.json()) as { accepted: number }).accepted;
    };
    store = await ElasticsearchStore.open({ url, indexPrefix: prefix });
    closeables.push(store);
    // A search while an index is being created (or Elasticsearch is starting) fails: that is "not yet", not a count.
    const count = (phase: string) => store!.countEvents({ filters: [{ field: 'labels.phase', op: 'eq', value: phase }] }).catch(() => -1);

    expect(await ingest('before')).to.equal(BATCH);
    await waitFor(async () => (await count('before')) === BATCH, 60_000, 'the first batch stored');

    await runEngines(['stop', 'es'], env, 120_000);
    // While Elasticsearch is down the collector still acknowledges: Kafka has the events.
    let acknowledged = 0;
    for (const phase of ['during-1', 'during-2', 'during-3']) acknowledged += await ingest(phase);
    expect(acknowledged).to.equal(3 * BATCH);
    // The store writer is failing and retrying meanwhile.
    await waitFor(() => writer.logs.some((l) => l.msg === 'Kafka batch failed; it will be delivered again'), 60_000, 'the store writer retrying');

    await runEngines(['up', 'es'], env);
    expect(readEnginesEnv(env).ELASTICSEARCH_URL, 'the same address after the restart').to.equal(url);
    await waitFor(async () => {
      const counts = await Promise.all(['during-1', 'during-2', 'during-3'].map(count));
      return counts.every((c) => c === BATCH);
    }, 180_000, 'every batch acknowledged during the outage stored');
    expect(await count('before'), 'nothing stored twice').to.equal(BATCH);
    expect(await store.countEvents({}), 'nothing else, nothing twice').to.equal(4 * BATCH);
    expect(await ingest('after')).to.equal(BATCH);
    await waitFor(async () => (await count('after')) === BATCH, 60_000, 'a batch after the restart stored');
  });
});
