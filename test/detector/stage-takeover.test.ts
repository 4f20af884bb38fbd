/**
 * Two detectors in one consumer group on the real Kafka: when one stops
 * (or dies) mid-window, the one that takes its partitions over rebuilds the
 * correlation state from the events the first one still retained, so a
 * correlation that spans the takeover fires, once, and nothing the first
 * one already published comes out again.
 */
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Topics, type Bus } from '../../core/bus/bus.js';
import { KafkaBus } from '../../core/bus/kafka/kafka-bus.js';
import { NamespacedBus } from '../../core/bus/namespaced.js';
import { EcsEventSchema, type EcsEvent } from '../../core/event.js';
import { uuidv7 } from '../../core/ids.js';
import { OrgRegistry } from '../../core/orgs.js';
import type { RuleHit } from '../../core/store/store.js';
import { CounterMetrics, JsonLogger } from '../../core/telemetry.js';
import { DetectorStage } from '../../detector/stage.js';
import { requireEngines } from '../helpers/engines.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const ORG = 'js-jinling-motor';
const DETECTION_ID = '9d0f3a52-1c4e-4b7a-9f61-3e2d5c8b7a10';
const CORRELATION_ID = '4e8c2b91-7d3a-4f5e-8a6b-1c9d0e2f3a45';

function writeRules(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'modbus-write.yml'), stringify({
    title: 'Modbus write', id: DETECTION_ID, name: 'modbus_write', status: 'test', level: 'medium',
    logsource: { product: 'ics', service: 'modbus' },
    detection: { selection: { 'ics.function': 'write_single_register' }, condition: 'selection' },
  }));
  writeFileSync(join(dir, 'modbus-write-burst.yml'), stringify({
    title: 'Modbus write burst', id: CORRELATION_ID, status: 'test', level: 'high',
    correlation: { type: 'event_count', rules: ['modbus_write'], 'group-by': ['org.id', 'source.ip'], timespan: '10m', condition: { gte: 3 }, generate: true },
  }));
}

function write(n: number, ip: string): EcsEvent {
  return EcsEventSchema.parse({
    '@timestamp': new Date(Date.now() - 10_000 + n * 1000).toISOString(),
    message: `modbus write ${n}`,
    event: { id: uuidv7(), category: ['network'], dataset: 'zeek.modbus', module: 'zeek' },
    source: { ip, port: 50000 + n },
    destination: { ip: '10.10.1.10', port: 502 },
    ics: { protocol: 'modbus', function: 'write_single_register' },
    org: { id: ORG },
  });
}

describe('detector takeover on Kafka', function () {
  this.timeout(120_000);
  let brokers: string[];
  let namespace: string;
  let rulesDir: string;
  const open: { close(): Promise<void> }[] = [];

  before(async function () {
    ({ kafkaBrokers: brokers } = await requireEngines(this));
    rulesDir = join(tempDir('iisa-takeover-'), 'rules');
    writeRules(rulesDir);
  });

  beforeEach(() => {
    namespace = `takeover-${uuidv7()}.`;
  });

  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });

  function bus(): Bus {
    const kafka = new KafkaBus({ brokers, partitions: 2, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 200, retryDelayMs: 100 });
    const namespaced = new NamespacedBus(kafka, namespace);
    open.push(namespaced);
    return namespaced;
  }

  async function detector(on: Bus): Promise<DetectorStage> {
    const stage = await DetectorStage.start({
      bus: on, registry: OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml')), rules: [rulesDir],
      metrics: new CounterMetrics(), log: new JsonLogger('silent'),
    });
    open.push(stage);
    return stage;
  }

  async function collectHits(on: Bus): Promise<RuleHit[]> {
    const hits: RuleHit[] = [];
    open.push(await on.subscribe<RuleHit>(Topics.ruleHits, { group: 'test-reader' }, async (batch) => void hits.push(...batch.map((m) => m.value))));
    return hits;
  }

  for (const [source, label] of [['10.10.2.99', 'IPv4'], ['2001:db8:10:2::99', 'IPv6']] as const) {
    it(`fires a correlation spanning the takeover exactly once, and republishes nothing (${label} source)`, async () => {
      const events = [0, 1, 2].map((n) => write(n, source));
      const first = bus();
      const hits = await collectHits(first);
      const stageA = await detector(first);
      await first.publish(Topics.events, events.slice(0, 2).map((e) => ({ key: ORG, value: e })));
      await waitFor(async () => hits.length === 2, 20_000, 'the first detector\'s two detection hits');
      await stageA.close();

      const second = bus();
      await detector(second);
      await second.publish(Topics.events, [{ key: ORG, value: events[2] }]);
      await waitFor(async () => hits.some((h) => h.kind === 'correlation'), 30_000, 'the correlation hit');
      // The takeover handled the replayed events before the third one, in partition order: their hits, if any, are out by now.
      const detections = hits.filter((h) => h.kind === 'detection');
      expect(detections.map((h) => h.eventIds[0]).sort()).to.deep.equal(events.map((e) => e.event.id as string).sort());
      expect(new Set(detections.map((h) => h.id)).size, 'each event\'s detection hit published once').to.equal(3);
      const correlations = hits.filter((h) => h.kind === 'correlation');
      expect(correlations).to.have.length(1);
      expect(correlations[0]).to.include({ ruleId: CORRELATION_ID, orgId: ORG, value: 3 });
      expect([...correlations[0].eventIds].sort()).to.deep.equal(events.map((e) => e.event.id as string).sort());
      expect(correlations[0].groupKey).to.deep.include({ 'source.ip': source });
    });
  }
});
