/**
 * The coordination API's scoping, on one node serving every org (as a
 * single national installation would): who sees which alerts, advisories,
 * receipts and tasks, who may triage and issue, and the 4xx answers.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { RunningNode } from '../../cli/node.js';
import { alertIndex, type Alert } from '../../core/alert.js';
import { OrgRegistry } from '../../core/orgs.js';
import { Collections } from '../../core/store/documents.js';
import type { RuleHit } from '../../core/store/store.js';
import type { AuditEntry } from '../../console/accounts/audit-log.js';
import type { AdvisoryRecord } from '../../console/coordination/advisories.js';
import type { TaskRecord } from '../../console/coordination/tasks.js';
import { storePosture } from '../../console/coordination/posture-store.js';
import type { Posture } from '../../core/federation/messages.js';
import type { SecurityEntry } from '../../console/federation/security-log.js';
import { api, freePort, startFederationNode, type NodeSpec } from '../helpers/federation.js';
import { repoRoot, tempDir } from '../helpers/paths.js';

const JINLING = 'js-jinling-motor'; // JS industrial, grade 3
const YANGTZE = 'js-yangtze-petro'; // JS industrial, grade 3
const PEARL = 'gd-pearl-electronics'; // GD industrial
const JS_INDUSTRY = 'js-industry-regulator';
const JS_COMMS = 'js-comms-regulator';
const NATIONAL = 'ncisc';

function hit(id: string, orgId: string, level: string, assets: string[] = []): RuleHit {
  const time = new Date(Date.now() - 60_000).toISOString();
  return {
    id, kind: 'detection', ruleId: `rule-${level}`, ruleTitle: `A ${level} rule`, level, tags: ['attack.t0855'], orgId, time, detectedAt: time,
    eventIds: [`event-${id}`], groupKey: { 'source.ip': '203.0.113.5' }, assets,
  };
}

describe('coordination API scoping', function () {
  this.timeout(60_000);
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
  let spec: NodeSpec;
  let node: RunningNode;
  const alerts: Record<string, Alert> = {};

  before(async () => {
    spec = { id: 'all-in-one', tier: 'national', orgs: registry.all().map((o) => o.id), host: '::1', port: await freePort('::1') };
    node = await startFederationNode(spec, tempDir('iisa-coordination-api-'), registry);
    // Grades at a grade-3 industrial enterprise: informational -> IV, high with no asset -> III, critical on a critical PLC -> I.
    for (const [name, h] of Object.entries({
      jinlingIV: hit('h1', JINLING, 'informational'),
      jinlingIII: hit('h2', JINLING, 'high'),
      jinlingI: hit('h3', JINLING, 'critical', ['plc-01']),
      pearlI: hit('h4', PEARL, 'critical'),
    })) {
      const outcome = await node.alerts!.recordHit(h);
      if (outcome.kind !== 'created') throw new Error(`${name}: ${outcome.kind}`);
      alerts[name] = outcome.alert;
    }
    expect([alerts.jinlingIV.grade, alerts.jinlingIII.grade, alerts.jinlingI.grade]).to.deep.equal(['IV', 'III', 'I']);
  });
  after(() => node?.stop());

  async function listed(org: string): Promise<string[]> {
    const res = await api<{ alerts: Alert[] }>(spec, org, 'GET', '/api/v1/alerts');
    expect(res.status).to.equal(200);
    return res.body.alerts.map((a) => a.id).sort();
  }

  it('shows an enterprise all of its own alerts and none of another\'s', async () => {
    expect(await listed(JINLING)).to.deep.equal([alerts.jinlingIV.id, alerts.jinlingIII.id, alerts.jinlingI.id].sort());
    expect(await listed(YANGTZE)).to.deep.equal([]);
    expect((await api(spec, YANGTZE, 'GET', `/api/v1/alerts/${alerts.jinlingI.id}`)).status).to.equal(404);
    expect((await api(spec, YANGTZE, 'GET', `/api/v1/alerts?org=${JINLING}`)).status).to.equal(403);
  });

  it('shows a provincial regulator the alerts escalated to the province among those it oversees', async () => {
    expect(await listed(JS_INDUSTRY)).to.deep.equal([alerts.jinlingIII.id, alerts.jinlingI.id].sort());
    // The communications regulator oversees platforms and resolution operators, not Jinling.
    expect(await listed(JS_COMMS)).to.deep.equal([]);
    expect((await api(spec, JS_INDUSTRY, 'GET', `/api/v1/alerts/${alerts.jinlingIV.id}`)).status).to.equal(404);
    expect((await api(spec, JS_INDUSTRY, 'GET', `/api/v1/alerts/${alerts.pearlI.id}`)).status).to.equal(404);
  });

  it('shows the national center the alerts escalated to it, everywhere', async () => {
    expect(await listed(NATIONAL)).to.deep.equal([alerts.jinlingI.id, alerts.pearlI.id].sort());
  });

  it('lets only the owning enterprise triage, and only at the node that raised the alert', async () => {
    expect((await api(spec, JS_INDUSTRY, 'POST', `/api/v1/alerts/${alerts.jinlingIII.id}/status`, { status: 'resolved' })).status).to.equal(403);
    expect((await api(spec, YANGTZE, 'POST', `/api/v1/alerts/${alerts.jinlingIII.id}/status`, { status: 'resolved' })).status).to.equal(404);
    const bad = await api<{ message: string }>(spec, JINLING, 'POST', `/api/v1/alerts/${alerts.jinlingIII.id}/status`, { status: 'closed' });
    expect(bad.status).to.equal(400);
    expect(bad.body.message).to.match(/status/);
    const ok = await api<{ alert: Alert }>(spec, JINLING, 'POST', `/api/v1/alerts/${alerts.jinlingIII.id}/status`, { status: 'acknowledged' });
    expect(ok.status).to.equal(200);
    expect(ok.body.alert.status).to.equal('acknowledged');
    const again = await api(spec, JINLING, 'POST', `/api/v1/alerts/${alerts.jinlingIII.id}/status`, { status: 'acknowledged' });
    expect(again.status).to.equal(409);
    // A copy received from another node follows its origin: triage happens there.
    const copy: Alert = { ...alerts.jinlingIV, id: 'copy-from-elsewhere', originNode: 'another-node' };
    await node.store.putDocument(Collections.alerts, { id: copy.id, orgId: copy.orgId, sortKey: copy.firstSeen, index: alertIndex(copy), body: copy });
    const elsewhere = await api<{ message: string }>(spec, JINLING, 'POST', `/api/v1/alerts/${copy.id}/assign`, { assignee: 'me' });
    expect(elsewhere.status).to.equal(409);
    expect(elsewhere.body.message).to.match(/another-node/);
  });

  it('refuses a suppression that would suppress everything, naming the rule', async () => {
    const res = await api<{ message: string }>(spec, JINLING, 'POST', '/api/v1/suppressions', { reason: 'noisy', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect(res.status).to.equal(400);
    expect(res.body.message).to.match(/ruleId or a match/);
  });

  it('keeps an advisory\'s other targets from an enterprise and lets a province issue only within what it oversees', async () => {
    const issued = await api<{ advisory: AdvisoryRecord }>(spec, NATIONAL, 'POST', '/api/v1/advisories', {
      title: 'Two named plants', grade: 'III', targets: { orgs: [JINLING, YANGTZE] }, indicators: { ips: ['198.51.100.7'] },
    });
    expect(issued.status).to.equal(201);
    const id = issued.body.advisory.advisory.id;
    const seen = await api<{ advisory: AdvisoryRecord }>(spec, JINLING, 'GET', `/api/v1/advisories/${id}`);
    expect(seen.body.advisory.advisory.targets.orgs).to.deep.equal([JINLING]);
    expect(Object.keys(seen.body.advisory.receipts)).to.deep.equal([JINLING]);
    expect((await api(spec, PEARL, 'GET', `/api/v1/advisories/${id}`)).status).to.equal(404);
    expect((await api(spec, JINLING, 'POST', '/api/v1/advisories', { title: 'Not mine to issue', grade: 'IV' })).status).to.equal(403);
    const outside = await api(spec, JS_INDUSTRY, 'POST', '/api/v1/advisories', { title: 'Platforms too', grade: 'IV', targets: { categories: ['platform'] } });
    expect(outside.status).to.equal(403);
    const own = await api<{ advisory: AdvisoryRecord }>(spec, JS_INDUSTRY, 'POST', '/api/v1/advisories', { title: 'All plants of Jiangsu', grade: 'IV', targets: { provinces: ['GD'] } });
    expect(own.status).to.equal(201);
    const targeted = Object.keys(own.body.advisory.receipts);
    expect(targeted).to.include(JINLING).and.not.include(PEARL);
    expect(targeted.every((org) => registry.get(org)?.category === 'industrial' && registry.get(org)?.province === 'JS')).to.equal(true);
  });

  it('exports an advisory as a STIX 2.1 bundle and imports a bundle as a new advisory', async () => {
    const issued = await api<{ advisory: AdvisoryRecord }>(spec, NATIONAL, 'POST', '/api/v1/advisories', {
      title: 'Resolver poisoning infrastructure', grade: 'II', targets: { categories: ['idres'] },
      indicators: { ips: ['2001:db8:bad::/48'], domains: ['evil.example'] },
    });
    const id = issued.body.advisory.advisory.id;
    const exported = await api<{ type: string; objects: { type: string; pattern?: string }[] }>(spec, NATIONAL, 'GET', `/api/v1/advisories/${id}/stix`);
    expect(exported.status).to.equal(200);
    expect(exported.body.type).to.equal('bundle');
    const patterns = exported.body.objects.filter((o) => o.type === 'indicator').map((o) => o.pattern);
    expect(patterns).to.include.members(["[ipv6-addr:value = '2001:db8:bad::/48']", "[domain-name:value = 'evil.example']"]);
    // Imported elsewhere (here: as a new advisory of the same node), the indicators come back, and what cannot be read is listed.
    const bundle = { ...exported.body, objects: [...exported.body.objects, {
      type: 'indicator', spec_version: '2.1', id: 'indicator--6b6a1f5e-8d2f-4b8e-9d3a-2f1e5c7a9b01', created: '2026-11-01T00:00:00.000Z', modified: '2026-11-01T00:00:00.000Z',
      pattern: "[ipv4-addr:value = '198.51.100.1' AND network-traffic:dst_port = 502]", pattern_type: 'stix', valid_from: '2026-11-01T00:00:00.000Z',
    }] };
    const imported = await api<{ advisory: AdvisoryRecord; skipped: { id: string; reason: string }[] }>(spec, NATIONAL, 'POST', '/api/v1/advisories/stix', { bundle });
    expect(imported.status).to.equal(201);
    expect(imported.body.advisory.advisory.indicators.ips).to.deep.equal(['2001:db8:bad::/48']);
    expect(imported.body.advisory.advisory.indicators.domains).to.deep.equal(['evil.example']);
    expect(imported.body.skipped.map((x) => x.id)).to.deep.equal(['indicator--6b6a1f5e-8d2f-4b8e-9d3a-2f1e5c7a9b01']);
    expect((await api(spec, JINLING, 'POST', '/api/v1/advisories/stix', { bundle })).status).to.equal(403);
    const notABundle = await api<{ message: string }>(spec, NATIONAL, 'POST', '/api/v1/advisories/stix', { bundle: { type: 'report' } });
    expect(notABundle.status).to.equal(400);
    expect(notABundle.body.message).to.match(/bundle/);
  });

  it('refuses a bad indicator with a 400 naming it', async () => {
    const res = await api<{ message: string }>(spec, NATIONAL, 'POST', '/api/v1/advisories', { title: 'Typo', grade: 'II', indicators: { ips: ['203.0.113.300'] } });
    expect(res.status).to.equal(400);
    expect(res.body.message).to.match(/203\.0\.113\.300/);
  });

  it('lets a province task only the enterprises it oversees, and hides other targets from an enterprise', async () => {
    const deadline = new Date(Date.now() + 3_600_000).toISOString();
    expect((await api(spec, JS_INDUSTRY, 'POST', '/api/v1/tasks', { title: 'Not yours', targetOrgs: [PEARL], deadline, requiredActions: ['x'] })).status).to.equal(403);
    const issued = await api<{ task: TaskRecord }>(spec, JS_INDUSTRY, 'POST', '/api/v1/tasks', { title: 'Check backups', targetOrgs: [JINLING, YANGTZE], deadline, requiredActions: ['check'] });
    expect(issued.status).to.equal(201);
    const seen = await api<{ task: TaskRecord }>(spec, JINLING, 'GET', `/api/v1/tasks/${issued.body.task.task.id}`);
    expect(seen.body.task.task.targetOrgs).to.deep.equal([JINLING]);
    expect(Object.keys(seen.body.task.targets)).to.deep.equal([JINLING]);
    const past = await api<{ message: string }>(spec, NATIONAL, 'POST', '/api/v1/tasks', { title: 'Too late', targetOrgs: [JINLING], deadline: new Date(Date.now() - 1000).toISOString(), requiredActions: ['x'] });
    expect(past.status).to.equal(400);
    expect(past.body.message).to.match(/deadline/);
  });

  it('keeps every change and permission refusal on the node\'s audit log, without any accounts configured', async () => {
    const { documents } = await node.store.queryDocuments<AuditEntry>({ collection: Collections.auditLog, limit: 1000 });
    const entries = documents.map((d) => d.body);
    const triaged = entries.find((e) => e.route === '/api/v1/alerts/:id/status' && e.status === 200);
    expect(triaged).to.deep.include({ actor: `api-${JINLING}`, actorKind: 'token', org: JINLING, target: alerts.jinlingIII.id, outcome: 'ok', remote: '::1' });
    const refused = entries.find((e) => e.actor === `api-${JS_INDUSTRY}` && e.route === '/api/v1/alerts/:id/status');
    expect(refused).to.deep.include({ status: 403, outcome: 'refused' });
    expect(refused?.reason).to.match(/missing permission "triage"/);
    // Refused for the state of the alert (409) or a bad body (400): nothing changed, nothing recorded.
    expect(entries.filter((e) => e.route === '/api/v1/alerts/:id/status' && e.actor === `api-${JINLING}`).map((e) => e.status)).to.deep.equal([200]);
  });

  it('lets a target acknowledge and answer, and shows posture and the federation security log by tier', async () => {
    const advisory = await api<{ advisory: AdvisoryRecord }>(spec, NATIONAL, 'POST', '/api/v1/advisories', { title: 'Read me', grade: 'IV', targets: { orgs: [JINLING] } });
    const acked = await api<{ advisory: AdvisoryRecord }>(spec, JINLING, 'POST', `/api/v1/advisories/${advisory.body.advisory.advisory.id}/ack`);
    expect(acked.status).to.equal(200);
    expect(acked.body.advisory.receipts[JINLING].acknowledged).to.be.a('string');
    const deadline = new Date(Date.now() + 3_600_000).toISOString();
    const task = await api<{ task: TaskRecord }>(spec, NATIONAL, 'POST', '/api/v1/tasks', { title: 'Patch the PLC', targetOrgs: [JINLING], deadline, requiredActions: ['patch'] });
    const id = task.body.task.task.id;
    expect((await api(spec, JINLING, 'POST', `/api/v1/tasks/${id}/ack`)).status).to.equal(200);
    const done = await api<{ task: TaskRecord & { rollup: Record<string, Record<string, number>> } }>(spec, JINLING, 'POST', `/api/v1/tasks/${id}/status`, { status: 'done', report: 'patched' });
    expect(done.status).to.equal(200);
    expect(done.body.task.targets[JINLING]).to.include({ status: 'done', report: 'patched' });
    expect(done.body.task.rollup).to.deep.equal({ JS: { pending: 0, accepted: 0, in_progress: 0, done: 1, overdue: 0 } });
    expect((await api(spec, NATIONAL, 'POST', `/api/v1/tasks/${id}/ack`)).status).to.equal(403);
    expect((await api(spec, JINLING, 'GET', '/api/v1/posture')).status).to.equal(200);
    await node.coordination!.security.record({ linkId: 'link-nowhere', reason: 'bad-signature', detail: 'POST /federation/v1/uplink: signature does not verify', remote: '::1' });
    const log = await api<{ entries: SecurityEntry[] }>(spec, NATIONAL, 'GET', '/api/v1/federation/security-log?limit=5');
    expect(log.status).to.equal(200);
    expect(log.body.entries[0]).to.deep.include({ linkId: 'link-nowhere', reason: 'bad-signature', remote: '::1' });
    expect((await api(spec, JINLING, 'GET', '/api/v1/federation/security-log')).status).to.equal(403);
  });

  it('gives each tier the posture history of the orgs it sees, oldest first, within the day or the range asked', async () => {
    const now = Date.now();
    const summary = (orgId: string, minutesAgo: number): Posture => ({
      orgId, node: 'n', periodStart: new Date(now - (minutesAgo + 5) * 60_000).toISOString(), periodEnd: new Date(now - minutesAgo * 60_000).toISOString(),
      alerts: { new: 1, open: 1, byGrade: { II: 1 }, byRule: { 'plc-stop': 1 }, byTechnique: { t0881: 1 }, byCategory: { industrial: 1 } },
      sources: [], tasks: { open: 0, overdue: 0, done: 0 }, events: 3,
    });
    for (const [org, ago] of [[JINLING, 30], [JINLING, 10], [YANGTZE, 20], [PEARL, 15], [JINLING, 26 * 60]] as const) {
      await storePosture(node.store, summary(org, ago));
    }
    type History = { posture: Posture[]; nextCursor?: string };
    // Only this test's summaries (node 'n'): the node's own posture job may add some if a period ends meanwhile.
    const ends = (h: History) => h.posture.filter((p) => p.node === 'n').map((p) => `${p.orgId}@${Math.round((now - Date.parse(p.periodEnd)) / 60_000)}`);
    const jinling = await api<History>(spec, JINLING, 'GET', '/api/v1/posture/history');
    expect(ends(jinling.body)).to.deep.equal([`${JINLING}@30`, `${JINLING}@10`]);
    const province = await api<History>(spec, JS_INDUSTRY, 'GET', '/api/v1/posture/history');
    expect(ends(province.body)).to.deep.equal([`${JINLING}@30`, `${YANGTZE}@20`, `${JINLING}@10`]);
    const pages: History[] = [];
    let cursor: string | undefined;
    do {
      const page = await api<History>(spec, NATIONAL, 'GET', `/api/v1/posture/history?from=-2d&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.posture.length).to.be.at.most(2);
      pages.push(page.body);
      cursor = page.body.nextCursor;
    } while (cursor && pages.length < 20);
    expect(pages.length).to.be.greaterThan(2);
    expect(pages.flatMap((p) => ends(p))).to.deep.equal([`${JINLING}@1560`, `${JINLING}@30`, `${YANGTZE}@20`, `${PEARL}@15`, `${JINLING}@10`]);
    expect((await api(spec, JINLING, 'GET', `/api/v1/posture/history?org=${YANGTZE}`)).status).to.equal(403);
  });

  describe('lists, a page at a time', () => {
    type Listed<K extends string, T> = Record<K, T[]> & { nextCursor?: string };

    /** Every page of a list, following nextCursor until a page has none: what `pick` takes of each item, page by page. */
    async function pages<K extends string, T, P = string>(org: string, path: string, key: K, pick: (item: T) => P): Promise<P[][]> {
      const out: P[][] = [];
      let cursor: string | undefined;
      for (let n = 0; n < 20; n++) {
        const res = await api<Listed<K, T>>(spec, org, 'GET', `${path}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status, `${path} page ${n}`).to.equal(200);
        out.push(res.body[key].map(pick));
        if (res.body.nextCursor === undefined) return out;
        cursor = res.body.nextCursor;
      }
      throw new Error(`${path}: more than 20 pages`);
    }
    const advisoryId = (r: AdvisoryRecord) => r.advisory.id;

    it('pages advisories newest first within what the caller sees, each once, with no nextCursor on the last page', async () => {
      const since = encodeURIComponent(new Date().toISOString());
      const issued: AdvisoryRecord[] = [];
      for (const [n, org] of [JINLING, PEARL, JINLING, PEARL, JINLING, PEARL].entries()) {
        const res = await api<{ advisory: AdvisoryRecord }>(spec, NATIONAL, 'POST', '/api/v1/advisories', { title: `Paged ${n}`, grade: 'IV', targets: { orgs: [org] } });
        expect(res.status).to.equal(201);
        issued.push(res.body.advisory);
      }
      const key = (r: AdvisoryRecord) => `${r.advisory.issuedAt}|${r.advisory.id}`;
      const newestFirst = [...issued].sort((a, b) => (key(a) < key(b) ? 1 : -1)).map(advisoryId);
      const national = await pages(NATIONAL, `/api/v1/advisories?from=${since}&limit=4`, 'advisories', advisoryId);
      expect(national.map((p) => p.length)).to.deep.equal([4, 2]);
      expect(national.flat()).to.deep.equal(newestFirst);
      // Pages of what an enterprise sees are full pages of its own, however many others it skips.
      for (const org of [JINLING, PEARL]) {
        const own = await pages(org, `/api/v1/advisories?from=${since}&limit=2`, 'advisories', advisoryId);
        expect(own.map((p) => p.length)).to.deep.equal([2, 1]);
        expect(own.flat()).to.deep.equal(newestFirst.filter((id) => issued.find((r) => r.advisory.id === id)!.advisory.targets.orgs.includes(org)));
      }
      // A page size that ends exactly at the last item: no cursor to an empty page.
      expect((await pages(JINLING, `/api/v1/advisories?from=${since}&limit=3`, 'advisories', advisoryId)).map((p) => p.length)).to.deep.equal([3]);
    });

    it('resumes right after the last item shown when several were issued at the same time', async () => {
      const at = '2026-01-02T03:04:05.006Z';
      const ids = ['tied-a', 'tied-b', 'tied-c', 'tied-d', 'tied-e'];
      for (const id of ids) {
        const record: AdvisoryRecord = {
          advisory: {
            id, issuer: NATIONAL, issuerNode: spec.id, title: `Tied ${id}`, grade: 'IV', text: '', issuedAt: at,
            targets: { industries: [], categories: [], grades: [], provinces: [], orgs: [JINLING] },
            indicators: { ips: [], identifiers: [], domains: [], hashes: [], sigma: [] },
          },
          receivedFrom: 'local', receivedAt: at, receipts: { [JINLING]: {} }, relayedTo: [],
        };
        await node.store.putDocument(Collections.advisories, { id, orgId: NATIONAL, sortKey: at, index: { issuer: NATIONAL, grade: 'IV' }, body: record });
      }
      const range = `from=${at}&to=2026-01-02T03:04:05.007Z`;
      const listed = await pages(NATIONAL, `/api/v1/advisories?${range}&limit=2`, 'advisories', advisoryId);
      expect(listed).to.deep.equal([['tied-e', 'tied-d'], ['tied-c', 'tied-b'], ['tied-a']]);
      expect((await pages(JINLING, `/api/v1/advisories?${range}&limit=4`, 'advisories', advisoryId)).flat()).to.deep.equal([...ids].reverse());
    });

    it('ranges over the time of issue: from inclusive, to exclusive, relative times too', async () => {
      const all = (await pages(NATIONAL, '/api/v1/advisories?from=-1h&limit=1000', 'advisories', (r: AdvisoryRecord) => r)).flat();
      expect(all.length).to.be.greaterThan(6);
      const middle = all[Math.floor(all.length / 2)].advisory.issuedAt;
      const before = await pages(NATIONAL, `/api/v1/advisories?from=-1h&to=${middle}`, 'advisories', advisoryId);
      expect(before.flat()).to.deep.equal(all.filter((r) => r.advisory.issuedAt < middle).map(advisoryId));
      const after = await pages(NATIONAL, `/api/v1/advisories?from=${middle}`, 'advisories', advisoryId);
      expect(after.flat()).to.deep.equal(all.filter((r) => r.advisory.issuedAt >= middle).map(advisoryId));
      expect(await pages(NATIONAL, '/api/v1/advisories?from=2030-01-01T00:00:00Z', 'advisories', advisoryId)).to.deep.equal([[]]);
      // The tied advisories of the test before were issued long before the last hour.
      expect(all.map(advisoryId)).to.not.include('tied-a');
    });

    it('pages tasks and suppressions the same way', async () => {
      const since = encodeURIComponent(new Date().toISOString());
      const deadline = new Date(Date.now() + 3_600_000).toISOString();
      const tasks: string[] = [];
      for (const n of [1, 2, 3]) {
        const res = await api<{ task: TaskRecord }>(spec, JS_INDUSTRY, 'POST', '/api/v1/tasks', { title: `Paged task ${n}`, targetOrgs: [JINLING], deadline, requiredActions: ['check'] });
        expect(res.status).to.equal(201);
        tasks.push(res.body.task.task.id);
      }
      const taskPages = await pages(JINLING, `/api/v1/tasks?from=${since}&limit=2`, 'tasks', (t: TaskRecord) => t.task.id);
      expect(taskPages.map((p) => p.length)).to.deep.equal([2, 1]);
      expect([...taskPages.flat()].sort()).to.deep.equal([...tasks].sort());
      expect(await pages(PEARL, `/api/v1/tasks?from=${since}`, 'tasks', (t: TaskRecord) => t.task.id)).to.deep.equal([[]]);

      const suppressions: string[] = [];
      for (const n of [1, 2, 3]) {
        const res = await api<{ suppression: { id: string } }>(spec, JINLING, 'POST', '/api/v1/suppressions', {
          ruleId: `rule-paged-${n}`, reason: 'a known scanner', expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        });
        expect(res.status).to.equal(201);
        suppressions.push(res.body.suppression.id);
      }
      const suppressionPages = await pages(JINLING, `/api/v1/suppressions?from=${since}&limit=2`, 'suppressions', (s: { id: string }) => s.id);
      expect(suppressionPages.map((p) => p.length)).to.deep.equal([2, 1]);
      // uuidv7 ids grow with time: newest first is descending id order here.
      expect(suppressionPages.flat()).to.deep.equal([...suppressions].sort().reverse());
      expect(await pages(JINLING, `/api/v1/suppressions?from=${since}&to=${since}`, 'suppressions', (s: { id: string }) => s.id)).to.deep.equal([[]]);
      expect((await api(spec, JS_INDUSTRY, 'GET', '/api/v1/suppressions')).status).to.equal(403);
    });

    it('refuses a cursor it did not make, or made for another list, and a bad limit or time', async () => {
      const first = await api<{ nextCursor?: string }>(spec, NATIONAL, 'GET', '/api/v1/tasks?limit=1');
      expect(first.body.nextCursor).to.be.a('string');
      for (const query of ['cursor=not-a-cursor', `cursor=${first.body.nextCursor}`, 'limit=0', 'limit=many', 'from=yesterday', 'page=2']) {
        const res = await api<{ error: string; message: string }>(spec, NATIONAL, 'GET', `/api/v1/advisories?${query}`);
        expect(res.status, query).to.equal(400);
        expect(res.body.error, query).to.equal('bad-request');
      }
      const bad = await api<{ message: string }>(spec, NATIONAL, 'GET', '/api/v1/advisories?cursor=not-a-cursor');
      expect(bad.body.message).to.match(/cursor/);
    });
  });

  it('answers 401 without a token and 400 for malformed JSON', async () => {
    const base = `http://[::1]:${spec.port}`;
    expect((await fetch(`${base}/api/v1/alerts`)).status).to.equal(401);
    const res = await fetch(`${base}/api/v1/alerts/x/comments`, { method: 'POST', headers: { authorization: `Bearer api-${JINLING}-test-token`, 'content-type': 'application/json' }, body: '{"text": ' });
    expect(res.status).to.equal(400);
  });
});
