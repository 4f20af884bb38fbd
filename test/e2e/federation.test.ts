/**
 * Three tiers on loopback in one test run: a national node, the Jiangsu
 * provincial node and two Jiangsu enterprises, each with its own store,
 * linked by signed requests (the national node on IPv4, the province and
 * one enterprise on IPv6). What the acceptance of the federation asks:
 * escalation by grade, advisories with indicators that become detections,
 * receipts, tasks and their status, overdue marking, a parent away and back,
 * and refusal of forged, replayed and out-of-scope link requests.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { RunningNode } from '../../cli/node.js';
import type { Alert } from '../../core/alert.js';
import { signRequest } from '../../core/federation/link-auth.js';
import { LinkClient } from '../../core/federation/link-client.js';
import { PostureSchema, type Posture } from '../../core/federation/messages.js';
import { OrgRegistry } from '../../core/orgs.js';
import { Collections } from '../../core/store/documents.js';
import type { AdvisoryRecord } from '../../console/coordination/advisories.js';
import type { TaskRecord } from '../../console/coordination/tasks.js';
import type { SecurityEntry } from '../../console/federation/security-log.js';
import { JobNames } from '../../console/jobs/jobs.js';
import { scenarioRecordsAt } from '../../seeds/simulator/simulate.js';
import { iptables } from '../../seeds/simulator/emit.js';
import { Rng } from '../../seeds/simulator/prng.js';
import { isoUtc, microsFromIso } from '../../seeds/simulator/time.js';
import { buildWorld } from '../../seeds/simulator/world.js';
import { sendTraffic } from '../../seeds/simulator/send.js';
import type { SimRecord } from '../../seeds/simulator/simulate.js';
import { WebSocket } from 'ws';
import { api, apiToken, freePort, linkSecret, nodeUrl, startFederationNode, type NodeSpec } from '../helpers/federation.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const NATIONAL = 'ncisc';
const PROVINCE = 'js-industry-regulator';
const JINLING = 'js-jinling-motor';
const YANGTZE = 'js-yangtze-petro';

describe('federation of a national, a provincial and two enterprise nodes', function () {
  this.timeout(180_000);
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
  let dir: string;
  let national: NodeSpec;
  let province: NodeSpec;
  let jinling: NodeSpec;
  let yangtze: NodeSpec;
  const running = new Map<string, RunningNode>();

  async function start(spec: NodeSpec): Promise<RunningNode> {
    const node = await startFederationNode(spec, dir, registry);
    running.set(spec.id, node);
    return node;
  }

  async function stop(spec: NodeSpec): Promise<void> {
    await running.get(spec.id)?.stop();
    running.delete(spec.id);
  }

  function node(spec: NodeSpec): RunningNode {
    const n = running.get(spec.id);
    if (!n) throw new Error(`${spec.id} is not running`);
    return n;
  }

  function ingestUrl(spec: NodeSpec): string {
    const address = node(spec).sources[0].source.address!()!;
    return nodeUrl({ host: spec.host, port: address.port });
  }

  async function send(spec: NodeSpec, records: readonly SimRecord[]): Promise<void> {
    const summary = await sendTraffic(records, { target: ingestUrl(spec), tokensFile: join(repoRoot, 'seeds', 'tokens.yaml'), start: records[0]?.timestamp });
    expect(summary.rejected, 'records refused by the collector').to.equal(0);
  }

  async function alertsAt(spec: NodeSpec, where: Record<string, string> = {}): Promise<Alert[]> {
    const page = await node(spec).store.queryDocuments<Alert>({ collection: Collections.alerts, where, limit: 10_000 });
    return page.documents.map((d) => d.body);
  }

  /** A live-view client subscribed to alerts, collecting what it receives. */
  async function liveClient(spec: NodeSpec, org: string): Promise<{ alerts: () => Alert[]; close: () => void }> {
    const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
    const socket = new WebSocket(`ws://${host}:${spec.port}/ws`, ['iisa.v1', `iisa.token.${apiToken(org)}`]);
    const received: Alert[] = [];
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; changes?: { kind: string; alert?: Alert }[] };
      if (message.type === 'batch') for (const c of message.changes ?? []) if (c.kind === 'alert' && c.alert) received.push(c.alert);
    });
    await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
    socket.send(JSON.stringify({ type: 'subscribe', views: ['alerts'] }));
    return { alerts: () => received, close: () => socket.close() };
  }

  before(async () => {
    dir = tempDir('iisa-federation-');
    national = { id: 'national', tier: 'national', orgs: [NATIONAL], host: '127.0.0.1', port: await freePort('127.0.0.1'),
      children: [{ linkId: 'js-province', orgs: ['js-industry-regulator', 'js-comms-regulator'] }] };
    province = { id: 'js-province', tier: 'provincial', orgs: ['js-industry-regulator', 'js-comms-regulator'], host: '::1', port: await freePort('::1'),
      parent: { url: nodeUrl(national), linkId: 'js-province', tier: 'national' },
      children: [{ linkId: 'jinling', orgs: [JINLING] }, { linkId: 'yangtze', orgs: [YANGTZE] }] };
    jinling = { id: 'jinling', tier: 'enterprise', orgs: [JINLING], host: '127.0.0.1', port: await freePort('127.0.0.1'), ingest: true,
      parent: { url: nodeUrl(province), linkId: 'jinling', tier: 'provincial' } };
    yangtze = { id: 'yangtze', tier: 'enterprise', orgs: [YANGTZE], host: '::1', port: await freePort('::1'), ingest: true,
      parent: { url: nodeUrl(province), linkId: 'yangtze', tier: 'provincial' } };
    for (const spec of [national, province, jinling, yangtze]) await start(spec);
  });

  after(async () => {
    for (const spec of [jinling, yangtze, province, national]) await stop(spec);
  });

  describe('escalation by grade', () => {
    let portScan: Alert;
    let plcStop: Alert;

    before(async () => {
      const t0 = new Date(Date.now() - 120_000).toISOString();
      // Reconnaissance first, then the PLC stopped from outside: the same intruder story at Jinling.
      await send(jinling, scenarioRecordsAt('port-scan-of-ics-ports', JINLING, t0, 7, registry));
      await send(jinling, scenarioRecordsAt('plc-stop', JINLING, new Date(Date.now() - 60_000).toISOString(), 7, registry));
      await waitFor(async () => {
        const local = await alertsAt(jinling);
        return local.some((a) => a.grade === 'III') && local.some((a) => a.grade === 'I');
      }, 30_000, 'a grade III and a grade I alert at the enterprise');
      const local = await alertsAt(jinling);
      portScan = local.find((a) => a.grade === 'III')!;
      plcStop = local.find((a) => a.grade === 'I')!;
    });

    it('grades the alerts at the enterprise and records why', () => {
      expect(portScan.ruleTitle).to.match(/scan/i);
      expect(portScan.escalateTo).to.deep.equal(['provincial']);
      expect(plcStop.escalateTo).to.deep.equal(['provincial', 'national']);
      for (const a of [portScan, plcStop]) {
        expect(a.gradeReasons.join(' ')).to.match(/rule level/).and.to.match(/enterprise grade 3/i);
        expect(a.originNode).to.equal('jinling');
      }
    });

    it('sends grade III to the province only, and grade I to the province and the national center', async () => {
      await waitFor(async () => (await alertsAt(province)).some((a) => a.id === plcStop.id) && (await alertsAt(national)).some((a) => a.id === plcStop.id),
        30_000, 'the grade I alert at both parents');
      await waitFor(async () => (await alertsAt(province)).some((a) => a.id === portScan.id), 30_000, 'the grade III alert at the province');
      expect((await alertsAt(national)).map((a) => a.id)).to.not.include(portScan.id);
      // Nothing of grade IV or III ever reaches the national node.
      expect((await alertsAt(national)).filter((a) => a.grade === 'III' || a.grade === 'IV')).to.deep.equal([]);
      expect((await alertsAt(province)).filter((a) => a.grade === 'IV')).to.deep.equal([]);
    });

    it('shows the regulators escalated alerts through their API, scoped by tier', async () => {
      const atProvince = await api<{ alerts: Alert[] }>(province, PROVINCE, 'GET', '/api/v1/alerts');
      expect(atProvince.status).to.equal(200);
      expect(atProvince.body.alerts.map((a) => a.id)).to.include.members([portScan.id, plcStop.id]);
      const atNational = await api<{ alerts: Alert[] }>(national, NATIONAL, 'GET', '/api/v1/alerts');
      expect(atNational.body.alerts.map((a) => a.id)).to.include(plcStop.id).and.not.include(portScan.id);
      // An enterprise works at its own node: its token means nothing at the province's, nor at another enterprise's.
      expect((await api(province, YANGTZE, 'GET', '/api/v1/alerts')).status).to.equal(401);
      expect((await api(jinling, YANGTZE, 'GET', '/api/v1/alerts')).status).to.equal(401);
      const own = await api<{ alerts: Alert[] }>(yangtze, YANGTZE, 'GET', '/api/v1/alerts');
      expect(own.body.alerts.map((a) => a.orgId)).to.not.include(JINLING);
    });

    it('keeps raw events at the enterprise: the province and the national center have none', async () => {
      expect((await node(jinling).store.countEvents({}))).to.be.greaterThan(0);
      expect(await node(province).store.countEvents({})).to.equal(0);
      expect(await node(national).store.countEvents({})).to.equal(0);
      const events = await api<{ error: string }>(province, PROVINCE, 'GET', '/api/v1/events');
      expect(events.status).to.equal(403);
    });

    it('carries the enterprise\'s triage up: the newest revision wins at the parents, and live views see it at both', async () => {
      const atProvince = await liveClient(province, PROVINCE);
      const atJinling = await liveClient(jinling, JINLING);
      const changed = await api<{ alert: Alert }>(jinling, JINLING, 'POST', `/api/v1/alerts/${plcStop.id}/status`, { status: 'investigating', comment: 'isolating the cell' });
      expect(changed.status).to.equal(200);
      await waitFor(async () => (await alertsAt(national)).find((a) => a.id === plcStop.id)?.status === 'investigating', 30_000, 'the status change at the national node');
      for (const client of [atJinling, atProvince]) {
        await waitFor(() => client.alerts().some((a) => a.id === plcStop.id && a.status === 'investigating'), 30_000, 'the change in a live view');
        client.close();
      }
      const regulator = await api<{ error: string }>(province, PROVINCE, 'POST', `/api/v1/alerts/${plcStop.id}/status`, { status: 'resolved' });
      expect(regulator.status).to.equal(403);
    });
  });

  describe('advisories', () => {
    const indicatorIp = '203.0.113.77';
    let advisoryId: string;

    it('travels from the national center through the province to both enterprises and becomes a detection there', async () => {
      const rulesBefore = new Map([jinling, yangtze].map((spec) => [spec.id, node(spec).detector!.ruleCount.rules]));
      const issued = await api<{ advisory: AdvisoryRecord }>(national, NATIONAL, 'POST', '/api/v1/advisories', {
        title: 'Scanner infrastructure probing S7 PLCs', grade: 'II', text: 'Block and hunt for the address below.',
        targets: { provinces: ['JS'], categories: ['industrial'] },
        indicators: { ips: [indicatorIp, '2001:db8:bad:77::/64'] },
      });
      expect(issued.status).to.equal(201);
      advisoryId = issued.body.advisory.advisory.id;
      expect(Object.keys(issued.body.advisory.receipts).sort()).to.deep.equal(
        registry.enterprises().filter((o) => o.province === 'JS' && o.category === 'industrial').map((o) => o.id).sort());
      expect(issued.body.advisory.relayedTo).to.deep.equal(['js-province']);
      for (const spec of [province, jinling, yangtze]) {
        await waitFor(async () => (await node(spec).coordination!.advisories.get(advisoryId)) !== undefined, 30_000, `the advisory at ${spec.id}`);
      }
      for (const spec of [jinling, yangtze]) {
        await node(spec).detector!.refreshRules();
        // One detection per indicator kind given (here: addresses).
        expect(node(spec).detector!.ruleCount.rules).to.equal(rulesBefore.get(spec.id)! + 1);
      }
    });

    it('fires on the next matching event at the enterprise, IPv4 and IPv6', async () => {
      const site = buildWorld(registry).industrial.find((s) => s.org.id === JINLING)!;
      const rng = new Rng(3, 'advisory-test');
      const at = microsFromIso(new Date(Date.now() - 5_000).toISOString());
      const line = (src: string, dst: string, n: number): SimRecord => {
        const l = iptables({ org: JINLING }, at + n, site, 'ACCEPT', { src, dst, proto: 'TCP', spt: 55550 + n, dpt: 102 }, true, rng);
        return { parser: l.parser, org: l.org, line: l.line, timestamp: isoUtc(l.time) };
      };
      await send(jinling, [line(indicatorIp, '10.10.1.10', 1)]);
      await waitFor(async () => (await alertsAt(jinling)).some((a) => a.ruleTitle.startsWith('Advisory indicator')), 30_000, 'an alert from the advisory indicator');
      await send(jinling, [line('2001:db8:bad:77::9', '2001:db8:10:1::10', 2)]);
      await waitFor(async () => (await node(jinling).store.searchRuleHits({ orgIds: [JINLING] })).filter((h) => h.ruleTitle.startsWith('Advisory indicator')).length === 2,
        30_000, 'a hit for the IPv4 and for the IPv6 indicator');
    });

    it('brings the receipts of both enterprises back to the national node', async () => {
      await waitFor(async () => {
        const record = await node(national).coordination!.advisories.get(advisoryId);
        return record?.receipts[JINLING]?.delivered !== undefined && record.receipts[YANGTZE]?.delivered !== undefined;
      }, 30_000, 'delivered receipts at the national node');
      const ack = await api<{ advisory: AdvisoryRecord }>(yangtze, YANGTZE, 'POST', `/api/v1/advisories/${advisoryId}/ack`);
      expect(ack.status).to.equal(200);
      await waitFor(async () => (await node(national).coordination!.advisories.get(advisoryId))?.receipts[YANGTZE]?.acknowledged !== undefined,
        30_000, 'the acknowledgement at the national node');
      const view = await api<{ advisory: AdvisoryRecord }>(national, NATIONAL, 'GET', `/api/v1/advisories/${advisoryId}`);
      expect(view.body.advisory.receipts[YANGTZE].acknowledgedBy).to.equal(`api-${YANGTZE}`);
      // An enterprise sees its own receipt only.
      const own = await api<{ advisory: AdvisoryRecord }>(jinling, JINLING, 'GET', `/api/v1/advisories/${advisoryId}`);
      expect(Object.keys(own.body.advisory.receipts)).to.deep.equal([JINLING]);
    });
  });

  describe('tasks', () => {
    let answered: string;
    let unanswered: string;

    it('goes to the target enterprise and its status flows back up', async () => {
      const issued = await api<{ task: TaskRecord }>(national, NATIONAL, 'POST', '/api/v1/tasks', {
        title: 'Patch S7-1500 firmware', text: 'Apply the vendor fix to every S7-1500.', targetOrgs: [JINLING],
        deadline: new Date(Date.now() + 3_600_000).toISOString(), requiredActions: ['inventory affected CPUs', 'apply firmware V3.1.2'],
      });
      expect(issued.status).to.equal(201);
      answered = issued.body.task.task.id;
      await waitFor(async () => (await node(jinling).coordination!.tasks.get(answered)) !== undefined, 30_000, 'the task at the enterprise');
      // Relayed to Jinling's link only: the other enterprise never gets it.
      expect((await node(province).coordination!.tasks.get(answered))!.relayedTo).to.deep.equal(['jinling']);
      expect(await node(province).coordination!.feeds.after('yangtze', '', 1000).then((items) => items.map((i) => i.item.id))).to.not.include(answered);
      for (const status of ['accepted', 'in_progress'] as const) {
        expect((await api(jinling, JINLING, 'POST', `/api/v1/tasks/${answered}/status`, { status })).status).to.equal(200);
      }
      const noReport = await api<{ message: string }>(jinling, JINLING, 'POST', `/api/v1/tasks/${answered}/status`, { status: 'done' });
      expect(noReport.status).to.equal(400);
      expect(noReport.body.message).to.match(/report/);
      expect((await api(jinling, JINLING, 'POST', `/api/v1/tasks/${answered}/status`, { status: 'done', report: '14 CPUs updated; 2 scheduled for the next outage' })).status).to.equal(200);
      for (const spec of [province, national]) {
        await waitFor(async () => (await node(spec).coordination!.tasks.get(answered))?.targets[JINLING].status === 'done', 30_000, `done at ${spec.id}`);
        const record = (await node(spec).coordination!.tasks.get(answered))!;
        expect(record.targets[JINLING].report).to.match(/14 CPUs/);
        expect(record.targets[JINLING].delivered).to.be.a('string');
      }
      const rolled = await api<{ task: TaskRecord & { rollup: Record<string, Record<string, number>> } }>(national, NATIONAL, 'GET', `/api/v1/tasks/${answered}`);
      expect(rolled.body.task.rollup.JS.done).to.equal(1);
    });

    it('turns an unanswered task overdue at the province and the national node', async () => {
      const issued = await api<{ task: TaskRecord }>(national, NATIONAL, 'POST', '/api/v1/tasks', {
        title: 'Report exposed engineering workstations', targetOrgs: [YANGTZE],
        deadline: new Date(Date.now() + 2_000).toISOString(), requiredActions: ['list workstations reachable from the office network'],
      });
      unanswered = issued.body.task.task.id;
      await waitFor(async () => (await node(yangtze).coordination!.tasks.get(unanswered)) !== undefined, 30_000, 'the task at the enterprise');
      await new Promise((r) => setTimeout(r, 2_100));
      for (const spec of [province, national]) {
        // The overdue job (every minute by default) might have run already: run it now either way.
        await node(spec).jobs!.runNow(JobNames.overdue);
        const record = (await node(spec).coordination!.tasks.get(unanswered))!;
        expect(record.targets[YANGTZE].status).to.equal('overdue');
        // The answered task is not touched.
        expect((await node(spec).coordination!.tasks.get(answered))!.targets[JINLING].status).to.equal('done');
      }
      const rolled = await api<{ task: TaskRecord & { rollup: Record<string, Record<string, number>> } }>(province, PROVINCE, 'GET', `/api/v1/tasks/${unanswered}`);
      expect(rolled.body.task.rollup.JS.overdue).to.equal(1);
    });
  });

  describe('posture summaries', () => {
    it('go up from the enterprise through the province to the national center, as aggregates', async () => {
      await node(jinling).jobs!.runNow(JobNames.posture);
      for (const spec of [province, national]) {
        await waitFor(async () => (await node(spec).store.queryDocuments<Posture>({ collection: Collections.posture, orgIds: [JINLING], where: { latest: true } })).documents.length > 0,
          30_000, `Jinling's posture at ${spec.id}`);
      }
      const view = await api<{ posture: Posture[] }>(province, PROVINCE, 'GET', '/api/v1/posture');
      expect(view.status).to.equal(200);
      const summary = view.body.posture.find((p) => p.orgId === JINLING)!;
      expect(PostureSchema.parse(summary)).to.deep.equal(summary);
      expect(summary.node).to.equal('jinling');
      // The other enterprise's regulator view holds only what that regulator oversees.
      const comms = await api<{ posture: Posture[] }>(province, 'js-comms-regulator', 'GET', '/api/v1/posture');
      expect(comms.body.posture.map((p) => p.orgId)).to.not.include(JINLING);
    });
  });

  describe('a parent away for a while', () => {
    it('loses nothing: every uplink item arrives once the province is back, and repeats change nothing', async () => {
      const before = new Set((await alertsAt(province)).map((a) => a.id));
      await stop(province);
      // Meanwhile at Jinling: another PLC stopped from outside (a new attacker, a new alert).
      await send(jinling, scenarioRecordsAt('plc-stop', JINLING, new Date(Date.now() - 30_000).toISOString(), 11, registry));
      await waitFor(async () => (await alertsAt(jinling)).filter((a) => a.escalateTo.includes('provincial') && !before.has(a.id)).length > 0,
        30_000, 'new escalated alerts at the enterprise');
      await waitFor(async () => (await node(jinling).coordination!.outbox!.size()) > 0, 10_000, 'items waiting in the outbox');
      // Answers go up the same way while the parent is away: an acknowledgement and task progress.
      const advisory = (await node(jinling).coordination!.advisories.list(() => true))[0];
      await node(jinling).coordination!.advisories.acknowledge(advisory.advisory.id, JINLING, 'night-shift');
      const task = await api<{ task: TaskRecord }>(national, NATIONAL, 'POST', '/api/v1/tasks', {
        title: 'Confirm the port forward is closed', targetOrgs: [JINLING], deadline: new Date(Date.now() + 3_600_000).toISOString(), requiredActions: ['close it', 'report'],
      });
      const taskId = task.body.task.task.id;
      // Wait until the first failed rounds back off (the agent keeps trying).
      await new Promise((r) => setTimeout(r, 1_500));
      const waiting = (await node(jinling).coordination!.outbox!.next(1000)).map((d) => d.body);
      expect((await node(jinling).coordination!.outbox!.size())).to.be.greaterThan(3); // more than one batch waits
      await start(province);
      // The task issued while the province was away reaches Jinling after it is back; its progress goes up.
      await waitFor(async () => (await node(jinling).coordination!.tasks.get(taskId)) !== undefined, 30_000, 'the task at Jinling');
      for (const status of ['accepted', 'in_progress'] as const) await node(jinling).coordination!.tasks.report(taskId, JINLING, status, 'night-shift');
      const expected = (await alertsAt(jinling)).filter((a) => a.escalateTo.includes('provincial'));
      await waitFor(async () => (await node(jinling).coordination!.outbox!.size()) === 0, 30_000, 'the outbox drained');
      await waitFor(async () => {
        const there = new Map((await alertsAt(province)).map((a) => [a.id, a]));
        return expected.every((a) => there.get(a.id)?.revision === a.revision);
      }, 30_000, 'every escalated alert at the province, at its newest revision');
      // Send what had waited once more, as a retry after a lost answer would: nothing changes.
      const snapshot = JSON.stringify((await alertsAt(province)).sort((a, b) => a.id.localeCompare(b.id)));
      const client = new LinkClient({ parentUrl: nodeUrl(province), linkId: 'jinling', secret: linkSecret('jinling') });
      const result = await client.request('POST', '/federation/v1/uplink', { items: waiting }) as { accepted: string[] };
      expect(result.accepted).to.have.length(waiting.length);
      expect(JSON.stringify((await alertsAt(province)).sort((a, b) => a.id.localeCompare(b.id)))).to.equal(snapshot);
      // The answers arrived at the national node too, the task's last status included.
      await waitFor(async () => (await node(national).coordination!.advisories.get(advisory.advisory.id))?.receipts[JINLING]?.acknowledged !== undefined,
        30_000, 'the acknowledgement sent during the outage, at the national node');
      await waitFor(async () => (await node(national).coordination!.tasks.get(taskId))?.targets[JINLING].status === 'in_progress', 30_000, 'the task progress at the national node');
      expect((await node(national).coordination!.tasks.get(taskId))!.targets[JINLING].revision).to.equal(2);
      // And the national node got the grade I/II ones of the outage, once each.
      const national1 = expected.filter((a) => a.escalateTo.includes('national'));
      await waitFor(async () => {
        const there = new Set((await alertsAt(national)).map((a) => a.id));
        return national1.every((a) => there.has(a.id));
      }, 30_000, 'the outage\'s serious alerts at the national node');
    });
  });

  describe('link security', () => {
    async function securityLog(spec: NodeSpec): Promise<SecurityEntry[]> {
      return node(spec).coordination!.security.list(1000);
    }

    it('refuses a forged request and logs it', async () => {
      const forger = new LinkClient({ parentUrl: nodeUrl(province), linkId: 'jinling', secret: 'not-the-secret-of-this-link-at-all-0000' });
      const err = await forger.request('GET', '/federation/v1/hello').then(() => undefined, (e: unknown) => e as { status?: number });
      expect(err?.status).to.equal(401);
      expect((await securityLog(province)).map((e) => e.reason)).to.include('bad-signature');
    });

    it('refuses a replayed request and logs it', async () => {
      const body = JSON.stringify({ items: [] });
      const headers = signRequest({ linkId: 'yangtze', secret: linkSecret('yangtze'), method: 'POST', path: '/federation/v1/uplink', body });
      const post = () => fetch(`${nodeUrl(province)}/federation/v1/uplink`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
      expect((await post()).status).to.equal(200);
      const replay = await post();
      expect(replay.status).to.equal(401);
      expect(((await replay.json()) as { error: string }).error).to.equal('replayed');
      expect((await securityLog(province)).map((e) => e.reason)).to.include('replayed');
    });

    it('refuses alerts a child posts for an org it does not serve, and logs it', async () => {
      const own = (await alertsAt(jinling))[0];
      const forged: Alert = { ...own, id: 'forged-alert-for-yangtze', orgId: YANGTZE, revision: 1 };
      const client = new LinkClient({ parentUrl: nodeUrl(province), linkId: 'jinling', secret: linkSecret('jinling') });
      const result = await client.request('POST', '/federation/v1/uplink', {
        items: [{ type: 'alert', id: 'alert:forged', orgId: YANGTZE, alert: forged }],
      }) as { accepted: string[]; refused: { id: string; reason: string }[] };
      expect(result.accepted).to.deep.equal([]);
      expect(result.refused[0].reason).to.match(/does not serve js-yangtze-petro/);
      expect((await alertsAt(province)).map((a) => a.id)).to.not.include('forged-alert-for-yangtze');
      const entry = (await securityLog(province)).find((e) => e.reason === 'wrong-org');
      expect(entry?.linkId).to.equal('jinling');
    });

    it('refuses a link the parent does not know', async () => {
      const stranger = new LinkClient({ parentUrl: nodeUrl(national), linkId: 'gd-province', secret: linkSecret('gd-province') });
      const err = await stranger.request('GET', '/federation/v1/downlink').then(() => undefined, (e: unknown) => e as { status?: number });
      expect(err?.status).to.equal(401);
      expect((await securityLog(national)).map((e) => e.reason)).to.include('unknown-link');
    });
  });
});
