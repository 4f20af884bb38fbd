/**
 * Scaled out for real: a collector, two detectors and a console, each its
 * own `iisa` process, meeting on the real Kafka and Elasticsearch. The
 * simulator's labelled traffic goes in through the collector; one detector
 * is killed with SIGKILL halfway; the other takes its partitions over.
 *
 * The expected hits come from running the same rules in this process over
 * the same records in the same order per org (the order Kafka keeps per
 * partition): every detection hit must be stored exactly once, every
 * correlation hit the in-process run makes must be stored, and nothing else
 * may be, except windows the detectors closed on the wall clock afterwards
 * (which the in-process run finds when it closes every window).
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../core/config.js';
import type { EcsEvent } from '../../core/event.js';
import { uuidv7 } from '../../core/ids.js';
import { OrgRegistry } from '../../core/orgs.js';
import { ElasticsearchStore } from '../../core/store/elasticsearch/es-store.js';
import type { RuleHit } from '../../core/store/store.js';
import { parsers } from '../../collector/parsers/index.js';
import { readRecord } from '../../collector/record-reader.js';
import { IngestTokenListSchema } from '../../collector/tokens.js';
import { Detector, toRuleHit, type Detection } from '../../detector/detector.js';
import { loadRules } from '../../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../../detector/sigma/placeholders.js';
import { generateTraffic, streamPreamble, type SimRecord } from '../../seeds/simulator/simulate.js';
import { SilenceRuleId } from '../../console/jobs/silence.js';
import { RecordingClient, wsUrl } from '../console/live/live-fixtures.js';
import { requireEngines } from '../helpers/engines.js';
import { startNodeProcesses, stopNodeProcesses, type NodeProcess } from '../helpers/node-process.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const NATIONAL_TOKEN = 'e2e-national-api-token-000000';
const ENTERPRISE = 'js-jinling-motor';
const ENTERPRISE_TOKEN = 'e2e-jinling-api-token-0000000';
/** An enterprise the traffic attacks (its plc-stop scenario), watched live. */
const ATTACKED = 'gd-pearl-electronics';
const ATTACKED_TOKEN = 'e2e-pearl-api-token-00000000';
const TRAFFIC = { scenario: 'all', durationSeconds: 240, rate: 6, seed: 33 } as const;

/** One HTTP request: consecutive records of one sender (org + format), in generation order. */
interface Request {
  readonly token: string;
  readonly records: SimRecord[];
}

function requestsOf(records: readonly SimRecord[], tokens: ReadonlyMap<string, string>): Request[] {
  const requests: Request[] = [];
  for (const rec of records) {
    const token = tokens.get(`${rec.org}\u0000${rec.parser}`);
    if (token === undefined) continue;
    const last = requests[requests.length - 1];
    if (last && last.token === token) last.records.push(rec);
    else requests.push({ token, records: [rec] });
  }
  return requests;
}

/** What the rules find in this process over the same records, in the same order per org. */
function expectedHits(requests: readonly Request[], registry: OrgRegistry): { events: number; detections: Map<string, number>; correlations: Map<string, string>; closing: Map<string, string> } {
  const placeholders = new RegistryPlaceholderSource(registry);
  const detector = new Detector({ ruleSet: loadRules([join(repoRoot, 'rules')], { placeholders }), placeholders });
  const streams = new Map<string, Map<string, unknown>>();
  const detections = new Map<string, number>();
  const correlations = new Map<string, string>();
  let events = 0;
  const now = new Date();
  const take = (found: readonly Detection[], into: Map<string, string>) => {
    for (const d of found) {
      if (d.kind === 'detection') {
        const key = detectionKey(d.rule.id ?? d.rule.title, d.event.org?.id ?? '', d.event.event.original ?? '');
        detections.set(key, (detections.get(key) ?? 0) + 1);
      } else {
        const hit = toRuleHit(d, now);
        if (hit) into.set(hit.id, `${hit.ruleTitle} ${JSON.stringify(hit.groupKey)} value ${hit.value} at ${hit.time}`);
      }
    }
  };
  for (const request of requests) {
    for (const rec of request.records) {
      const parser = parsers.get(rec.parser)!;
      let stream = streams.get(request.token);
      if (!stream) {
        stream = new Map();
        streams.set(request.token, stream);
        for (const line of streamPreamble(rec.parser)) readRecord(parser, { text: line, receivedAt: now }, stream, undefined, now.toISOString());
      }
      const outcome = readRecord(parser, { text: rec.line, receivedAt: now }, stream, registry.stamp(rec.org), now.toISOString());
      if (outcome.kind !== 'event') continue;
      events++;
      take(detector.process(outcome.event), correlations);
    }
  }
  const closing = new Map<string, string>();
  take(detector.flush(), closing);
  return { events, detections, correlations, closing };
}

function detectionKey(ruleId: string, org: string, original: string): string {
  return `${ruleId}\u0000${org}\u0000${original}`;
}

describe('scaled out: collector, two detectors and a console as processes on Kafka and Elasticsearch', function () {
  this.timeout(300_000);
  const processes: NodeProcess[] = [];
  const live: RecordingClient[] = [];
  let store: ElasticsearchStore | undefined;

  afterEach(function () {
    // On failure, what each process said last is the quickest way to see which role stalled.
    if (this.currentTest?.state !== 'failed') return;
    for (const [i, p] of processes.entries()) {
      console.log(`      --- process ${i} (${p.child.spawnargs.slice(2, 3).join(' ')}) last log lines:`);
      for (const entry of p.logs.filter((l) => l.level !== 'warn').slice(-40)) console.log(`      ${JSON.stringify(entry)}`);
    }
  });

  after(async () => {
    for (const client of live) client.close();
    await stopNodeProcesses(processes);
    await store?.close();
  });

  it('stores every acknowledged event and every rule hit once when a detector is killed and the other takes over', async function () {
    const engines = await requireEngines(this);
    const dir = tempDir('iisa-scale-');
    const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
    const indexPrefix = `iisa-e2e-${uuidv7().slice(-12)}`;
    writeFileSync(join(dir, 'api-tokens.yaml'), stringify([
      { id: 'national', org: 'ncisc', token: NATIONAL_TOKEN },
      { id: 'jinling', org: ENTERPRISE, token: ENTERPRISE_TOKEN },
      { id: 'pearl', org: ATTACKED, token: ATTACKED_TOKEN },
    ]));
    const config = join(dir, 'iisa.yaml');
    writeFileSync(config, stringify({
      node: { id: 'e2e-scale', tier: 'national' },
      registry: join(repoRoot, 'seeds', 'orgs.yaml'),
      dataDir: join(dir, 'data'),
      ingestTokens: join(repoRoot, 'seeds', 'tokens.yaml'),
      // The traffic is sent faster than real time: event time must not move on with the wall clock in the pauses.
      detector: { rules: [join(repoRoot, 'rules')], quietBeforeClockMs: 600_000 },
      store: { type: 'elasticsearch', elasticsearch: { url: engines.elasticsearchUrl, indexPrefix } },
      bus: {
        type: 'kafka', namespace: `${indexPrefix}.`,
        kafka: { brokers: engines.kafkaBrokers, partitions: 6, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, maxWaitTimeMs: 200 },
      },
      console: { listen: { host: '::', port: 0 }, apiTokens: join(dir, 'api-tokens.yaml') },
      sources: [{ type: 'http', listen: { host: '::', port: 0 } }],
      log: { level: 'info' },
    }));

    const [collector, detectorA, detectorB, consoleProcess] = await startNodeProcesses(
      ['collector', 'detector', 'detector', 'console'].map((command) => ({ configFile: config, command, timeoutMs: 60_000 })),
    ) as [NodeProcess, NodeProcess, NodeProcess, NodeProcess];
    processes.push(collector, detectorA, detectorB, consoleProcess);
    // Browsers hang on the console process; the alerts are raised in the detector processes (the live relay joins them).
    const nationalLive = await RecordingClient.open(wsUrl('::1', consoleProcess.ports.console!), { headers: { authorization: `Bearer ${NATIONAL_TOKEN}` } });
    const enterpriseLive = await RecordingClient.open(wsUrl('127.0.0.1', consoleProcess.ports.console!), { headers: { authorization: `Bearer ${ATTACKED_TOKEN}` } });
    live.push(nationalLive, enterpriseLive);
    await nationalLive.subscribe('alerts');
    await enterpriseLive.subscribe('alerts');
    const ingestUrl = `http://127.0.0.1:${collector.ports.http}/api/v1/ingest`;
    const consoleUrl = `http://[::1]:${consoleProcess.ports.console}`;
    const api = async <T>(path: string, token = NATIONAL_TOKEN): Promise<T> => {
      const res = await fetch(consoleUrl + path, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, `${path}: ${res.status}`).to.equal(200);
      return (await res.json()) as T;
    };

    const tokens = new Map<string, string>();
    for (const t of loadConfigFile(join(repoRoot, 'seeds', 'tokens.yaml'), IngestTokenListSchema)) if (t.token) tokens.set(`${t.org}\u0000${t.parser}`, t.token);
    const records = [...generateTraffic(TRAFFIC)];
    const requests = requestsOf(records, tokens);
    const expected = expectedHits(requests, registry);
    expect(expected.detections.size, 'the traffic must make the rules fire').to.be.greaterThan(10);

    let accepted = 0;
    const started = new Set<string>();
    const send = async (request: Request) => {
      const lines = request.records.map((r) => r.line);
      if (!started.has(request.token)) {
        started.add(request.token);
        lines.unshift(...streamPreamble(request.records[0].parser));
      }
      const res = await fetch(ingestUrl, { method: 'POST', headers: { authorization: `Bearer ${request.token}`, 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });
      const body = (await res.json()) as { accepted?: number };
      expect(res.status, 'the collector accepts the simulator\'s lines').to.equal(200);
      accepted += body.accepted ?? 0;
    };

    const half = requests.length >> 1;
    for (const request of requests.slice(0, half)) await send(request);
    await waitFor(async () => (await api<{ hits: RuleHit[] }>('/api/v1/rule-hits?limit=10')).hits.length > 0, 60_000, 'the first rule hits');
    detectorA.child.kill('SIGKILL');
    await detectorA.exited;
    for (const request of requests.slice(half)) await send(request);

    // The survivor took the killed detector's partitions over and rebuilt their windows from what was retained.
    await waitFor(async () => detectorB.logs.some((l) => l.msg === 'rebuilding correlation state from replayed events'), 60_000, 'the takeover');

    // Everything acknowledged is stored (Zeek header lines are accepted records but no events), and the surviving detector catches up.
    expect(accepted).to.be.at.least(expected.events);
    let storedEvents = 0;
    await waitFor(async () => (storedEvents = (await api<{ count: number }>('/api/v1/events/count')).count) === expected.events, 120_000,
      () => `all ${expected.events} events stored (${storedEvents} are)`);
    const expectedDetections = [...expected.detections.values()].reduce((a, b) => a + b, 0);
    // The rules' hits: the node's own liveness hits (a simulated source quiet since its last line) are not the rules' to compare.
    const storedHits = async (kind: 'detection' | 'correlation') =>
      (await api<{ hits: RuleHit[] }>(`/api/v1/rule-hits?kind=${kind}&limit=10000`)).hits.filter((h) => h.ruleId !== SilenceRuleId);
    let storedDetections = 0;
    await waitFor(async () => (storedDetections = (await storedHits('detection')).length) >= expectedDetections, 120_000,
      () => `${expectedDetections} detection hits (${storedDetections} stored)`);
    let missing: string[] = [];
    let got: RuleHit[] = [];
    await waitFor(async () => {
      got = await storedHits('correlation');
      const ids = new Set(got.map((h) => h.id));
      missing = [...expected.correlations].filter(([id]) => !ids.has(id)).map(([, what]) => what);
      return missing.length === 0;
    }, 60_000, () => `the ${expected.correlations.size} correlation hits; missing:\n${missing.join('\n')}\nstored:\n${
      got.map((h) => `${h.ruleTitle} ${JSON.stringify(h.groupKey)} value ${h.value} at ${h.time}`).sort().join('\n')}`);

    // Detection hits: exactly the expected (rule, org, line) multiset.
    store = await ElasticsearchStore.open({ url: engines.elasticsearchUrl, indexPrefix });
    const originals = new Map<string, EcsEvent>();
    let cursor: string | undefined;
    do {
      const page = await store.searchEvents({ limit: 10_000, cursor });
      for (const e of page.events) originals.set(e.event.id as string, e);
      cursor = page.nextCursor;
    } while (cursor);
    expect(originals.size).to.equal(expected.events);
    const detections = await storedHits('detection');
    const stored = new Map<string, number>();
    for (const hit of detections) {
      const event = originals.get(hit.eventIds[0]);
      expect(event, `the event of hit ${hit.id}`).to.not.equal(undefined);
      const key = detectionKey(hit.ruleId, hit.orgId, event!.event.original ?? '');
      stored.set(key, (stored.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(stored)).to.deep.equal(Object.fromEntries(expected.detections));

    // Correlation hits: all of the in-process run's, and no other but windows closed since.
    const correlations = await storedHits('correlation');
    const extra = correlations.filter((h) => !expected.correlations.has(h.id) && !expected.closing.has(h.id));
    expect(extra.map((h) => `${h.ruleTitle} ${JSON.stringify(h.groupKey)} at ${h.time}`)).to.deep.equal([]);

    // Every labelled attack scenario left hits (detections, or correlations over its events) on its own lines.
    const scenarioOf = new Map(records.filter((r) => r.scenario).map((r) => [`${r.org}\u0000${r.line}`, r.scenario!]));
    const hitScenarios = new Set([...detections, ...correlations].flatMap((h) => h.eventIds.flatMap((id) => {
      const e = originals.get(id);
      const s = e ? scenarioOf.get(`${h.orgId}\u0000${e.event.original}`) : undefined;
      return s ? [s] : [];
    })));
    expect([...hitScenarios].sort()).to.deep.equal([...new Set(scenarioOf.values())].sort());

    // Alerts raised by the detector processes reached the console's live views: each alert the API shows a caller
    // came to that caller's socket too, and an enterprise's socket carried nothing of another org.
    const liveAlerts = (client: RecordingClient) => client.changes().filter((c) => c.kind === 'alert').map((c) => c.alert as { id: string; orgId: string });
    for (const [client, token, who] of [[nationalLive, NATIONAL_TOKEN, 'national'], [enterpriseLive, ATTACKED_TOKEN, 'enterprise']] as const) {
      let listed: { id: string }[] = [];
      let missingLive: string[] = [];
      // The alert stage trails the stored hits (each alert is a few refreshed Elasticsearch writes): give it time.
      await waitFor(async () => {
        listed = (await api<{ alerts: { id: string }[] }>('/api/v1/alerts?limit=1000', token)).alerts;
        const heard = new Set(liveAlerts(client).map((a) => a.id));
        missingLive = listed.filter((a) => !heard.has(a.id)).map((a) => a.id);
        return listed.length > 0 && missingLive.length === 0;
      }, 120_000, () => `the ${who} socket to hear every alert its API lists (${listed.length} listed, ${liveAlerts(client).length} changes heard, missing ${missingLive.slice(0, 5).join(', ')})`);
    }
    expect([...new Set(liveAlerts(enterpriseLive).map((a) => a.orgId))]).to.deep.equal([ATTACKED]);

    // The console, a process of its own, scopes what it shows: an enterprise sees its own hits only.
    const own = (await api<{ hits: RuleHit[] }>('/api/v1/rule-hits?limit=10000', ENTERPRISE_TOKEN)).hits;
    expect(own.every((h) => h.orgId === ENTERPRISE)).to.equal(true);
    const other = await fetch(`${consoleUrl}/api/v1/rule-hits?org=gd-pearl-electronics`, { headers: { authorization: `Bearer ${ENTERPRISE_TOKEN}` } });
    expect(other.status).to.equal(403);
    console.log(`      ${expected.events} events, ${detections.length} detection hits, ${correlations.length} correlation hits (${expected.correlations.size} on arrival), ${hitScenarios.size} scenarios; detector killed after ${half} of ${requests.length} requests`);
  });
});
