/**
 * The live views over real sockets: an HTTP server on 127.0.0.1 and on ::1
 * with the websocket endpoint, real `ws` clients (and a raw TCP one that
 * stops reading). Proves who may connect, that a client gets what it
 * subscribed to and may see, batched, in order, and nothing else, and that
 * a client that cannot keep up is cut off without holding anything up.
 */
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OrgRegistry } from '../../../core/orgs.js';
import { CounterMetrics, JsonLogger } from '../../../core/telemetry.js';
import { closeListener, listenOn } from '../../../collector/sources/listen.js';
import type { Access } from '../../../console/access.js';
import { accessOf } from '../../../console/access.js';
import { ApiTokens } from '../../../console/api-tokens.js';
import { firstAuthenticated, tokenAuthenticator } from '../../../console/live/auth.js';
import { LiveHub, type LiveHubOptions } from '../../../console/live/hub.js';
import { LiveServer, type LiveServerOptions } from '../../../console/live/ws-server.js';
import { LiveVisibility } from '../../../console/live/visibility.js';
import type { AdvisoryRecord } from '../../../console/coordination/advisories.js';
import type { TaskRecord } from '../../../console/coordination/tasks.js';
import { repoRoot } from '../../helpers/paths.js';
import { waitFor } from '../../helpers/wait-for.js';
import {
  JINLING, JS_REGULATOR, NATIONAL, PEARL, RecordingClient, TOKENS, YANGTZE,
  makeAlert, makePosture, refusedUpgrade, stalledClient, tokenList, wsUrl,
} from './live-fixtures.js';

const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
const tokens = new ApiTokens(tokenList, registry);

/** A session cookie the injected authenticator knows, standing in for the console's login sessions. */
const SESSION = 'session-of-a-yangtze-analyst';
function cookieAuthenticator(req: IncomingMessage): Access | undefined {
  const session = /(?:^|;\s*)iisa_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  return session === SESSION ? accessOf({ kind: 'user', tokenId: 'analyst', orgId: YANGTZE }, registry) : undefined;
}

interface Running {
  readonly hub: LiveHub;
  readonly live: LiveServer;
  readonly server: Server;
  readonly port: number;
  readonly metrics: CounterMetrics;
  readonly url: string;
  readonly clients: RecordingClient[];
  open(org: string, options?: { protocols?: string[]; headers?: Record<string, string> }): Promise<RecordingClient>;
  stop(): Promise<void>;
}

async function startLive(host: string, hubOptions: Partial<LiveHubOptions> = {}, serverOptions: Partial<LiveServerOptions> = {}): Promise<Running> {
  const log = new JsonLogger('silent');
  const metrics = new CounterMetrics();
  const hub = new LiveHub({ batchMs: 50, provinceOf: (id) => registry.get(id)?.province, log, metrics, ...hubOptions });
  const live = new LiveServer({
    hub, log, metrics, heartbeatMs: 60_000, closeGraceMs: 2000,
    authenticate: firstAuthenticated(cookieAuthenticator, tokenAuthenticator(tokens, registry)), ...serverOptions,
  });
  const server = createServer((_req, res) => { res.statusCode = 404; res.end(); });
  live.attach(server);
  await listenOn(server, { host, port: 0 });
  const port = (server.address() as { port: number }).port;
  const url = wsUrl(host, port);
  const clients: RecordingClient[] = [];
  return {
    hub, live, server, port, metrics, url, clients,
    async open(org, options = {}) {
      const client = await RecordingClient.open(url, { org, ...options });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) c.close();
      await live.close();
      server.closeAllConnections();
      await closeListener(server);
    },
  };
}

function ids(client: RecordingClient, kind = 'alert'): string[] {
  return client.changes().filter((c) => c.kind === kind).map((c) => {
    if (kind === 'alert') return (c.alert as { id: string }).id;
    if (kind === 'posture') return (c.posture as { orgId: string }).orgId;
    return ((c.record as { advisory?: { id: string }; task?: { id: string } }).advisory ?? (c.record as { task: { id: string } }).task).id;
  });
}

function advisory(receiptOrgs: string[]): AdvisoryRecord {
  return {
    advisory: {
      id: 'adv-1', issuer: NATIONAL, issuerNode: 'national-node', title: 'S7 stop commands from the internet', grade: 'II', text: '',
      targets: { industries: [], categories: [], grades: [], provinces: [], orgs: receiptOrgs },
      indicators: { ips: ['203.0.113.7', '2001:db8:bad::7'], identifiers: [], domains: [], hashes: [], sigma: [] },
      issuedAt: '2026-11-25T10:00:00.000Z',
    },
    receivedFrom: 'local', receivedAt: '2026-11-25T10:00:00.000Z',
    receipts: Object.fromEntries(receiptOrgs.map((o) => [o, { delivered: '2026-11-25T10:00:01.000Z' }])),
    relayedTo: ['link-js', 'link-gd'],
  };
}

function task(targetOrgs: string[]): TaskRecord {
  return {
    task: {
      id: 'task-1', issuer: NATIONAL, issuerNode: 'national-node', title: 'Patch S7 firmware', text: '', targetOrgs,
      deadline: '2026-11-30T10:00:00.000Z', requiredActions: ['patch'], issuedAt: '2026-11-25T10:00:00.000Z',
    },
    receivedFrom: 'local', receivedAt: '2026-11-25T10:00:00.000Z',
    targets: Object.fromEntries(targetOrgs.map((o) => [o, { status: 'pending' as const, revision: 0 }])),
    relayedTo: ['link-js'],
  };
}

for (const host of ['127.0.0.1', '::1']) {
  describe(`LiveServer on ${host}`, function () {
    this.timeout(60_000);
    let run: Running;

    afterEach(async () => {
      await run?.stop();
    });

    describe('upgrade', () => {
      beforeEach(async () => { run = await startLive(host); });

      it('refuses an upgrade without a credential, or with an unknown one, with 401 before upgrading', async () => {
        const none = await refusedUpgrade(run.url);
        expect(none.status).to.equal(401);
        expect(none.body.message).to.match(/iisa\.token\.<token>/);
        const unknown = await refusedUpgrade(run.url, { headers: { authorization: 'Bearer not-a-token' } });
        expect(unknown.status).to.equal(401);
        const badProtocolToken = await refusedUpgrade(run.url, { protocols: ['iisa.v1', 'iisa.token.not-a-token'] });
        expect(badProtocolToken.status).to.equal(401);
        const badCookie = await refusedUpgrade(run.url, { headers: { cookie: 'iisa_session=stolen' } });
        expect(badCookie.status).to.equal(401);
        expect(run.live.connections).to.equal(0);
        expect(run.metrics.get('console.live_connections', { outcome: 'unauthenticated' })).to.equal(4);
      });

      it('answers other paths with 404, even with a valid token', async () => {
        const other = await refusedUpgrade(run.url.replace(/\/ws$/, '/api/v1/ws'), { headers: { authorization: `Bearer ${TOKENS[JINLING]}` } });
        expect(other.status).to.equal(404);
        expect(other.body.message).to.match(/\/ws/);
      });

      it('refuses pages of another origin (403) and subprotocols without iisa.v1 (400)', async () => {
        const auth = { authorization: `Bearer ${TOKENS[JINLING]}` };
        const foreign = await refusedUpgrade(run.url, { headers: { ...auth, origin: 'https://evil.example' } });
        expect(foreign.status).to.equal(403);
        const noV1 = await refusedUpgrade(run.url, { protocols: [`iisa.token.${TOKENS[JINLING]}`] });
        expect(noV1.status).to.equal(400);
        // The console's own page (same host and port) is welcome.
        const own = await run.open(JINLING, { headers: { ...auth, origin: `http://${host.includes(':') ? `[${host}]` : host}:${run.port}` } });
        expect(own.of('hello')).to.have.length(1);
      });

      it('says hello with the org and tier of a token from the Authorization header, a subprotocol or the injected cookie check', async () => {
        const byHeader = await run.open(JINLING);
        expect(byHeader.of('hello')[0]).to.deep.equal({ type: 'hello', org: JINLING, tier: 'enterprise', views: ['alerts', 'posture', 'advisories', 'tasks'] });
        const byProtocol = await run.open(JS_REGULATOR, { headers: {}, protocols: ['iisa.v1', `iisa.token.${TOKENS[JS_REGULATOR]}`] });
        expect(byProtocol.ws.protocol).to.equal('iisa.v1');
        expect(byProtocol.of('hello')[0]).to.include({ org: JS_REGULATOR, tier: 'provincial' });
        const byCookie = await run.open(YANGTZE, { headers: { cookie: `theme=dark; iisa_session=${SESSION}` } });
        expect(byCookie.of('hello')[0]).to.include({ org: YANGTZE, tier: 'enterprise' });
        expect(run.live.connections).to.equal(3);
      });
    });

    describe('publishing', () => {
      beforeEach(async () => { run = await startLive(host, { batchMs: 200 }); });

      it('delivers a burst of 100 alerts to a subscriber in one frame, all of them, in order', async () => {
        const client = await run.open(JINLING);
        await client.subscribe('alerts');
        const burst = Array.from({ length: 100 }, (_, i) => makeAlert(JINLING, i));
        for (const alert of burst) run.hub.publish({ kind: 'alert', alert });
        await waitFor(() => client.changes().length >= 100, 5000, () => `100 alerts (got ${client.changes().length})`);
        expect(ids(client)).to.deep.equal(burst.map((a) => a.id));
        expect(client.batches()).to.have.length(1);
        expect(run.metrics.get('console.live_frames_sent')).to.equal(1);
      });

      it('sends at most one frame per batch window while changes keep coming', async () => {
        const client = await run.open(JINLING);
        await client.subscribe('alerts');
        const published: string[] = [];
        for (let i = 0; i < 60; i++) {
          const alert = makeAlert(JINLING, i);
          run.hub.publish({ kind: 'alert', alert });
          published.push(alert.id);
          await sleep(10);
        }
        await waitFor(() => client.changes().length >= 60, 5000, 'all 60 alerts');
        expect(ids(client)).to.deep.equal(published);
        const frames = client.batches();
        // ~600 ms of publishing in 200 ms windows: the first change at once, then one frame per window.
        expect(frames.length).to.be.within(2, 6);
        for (let i = 1; i < frames.length; i++) expect(frames[i].at - frames[i - 1].at, `gap before frame ${i}`).to.be.at.least(150);
      });

      it('never sends an enterprise the changes of another enterprise, and a regulator only what was escalated to it among the orgs it sees', async () => {
        const [jinling, yangtze, pearl, regulator, national] = await Promise.all([JINLING, YANGTZE, PEARL, JS_REGULATOR, NATIONAL].map((org) => run.open(org)));
        for (const c of [jinling, yangtze, pearl, regulator, national]) await c.subscribe('alerts', 'posture', 'advisories', 'tasks');
        const j1 = makeAlert(JINLING, 1);
        const j2 = makeAlert(JINLING, 2, ['provincial']);
        const y1 = makeAlert(YANGTZE, 3, ['provincial', 'national']);
        const p1 = makeAlert(PEARL, 4, ['provincial']);
        const p2 = makeAlert(PEARL, 5, ['national']);
        for (const alert of [j1, j2, y1, p1, p2]) run.hub.publish({ kind: 'alert', alert });
        run.hub.publish({ kind: 'posture', posture: makePosture(JINLING) });
        run.hub.publish({ kind: 'posture', posture: makePosture(PEARL) });
        run.hub.publish({ kind: 'advisory', record: advisory([JINLING, PEARL]) });
        run.hub.publish({ kind: 'task', record: task([JINLING, YANGTZE]) });
        // The matrix covers every kind of change a view carries: a new kind must be added here before it can ship.
        expect(['alert', 'posture', 'advisory', 'task'].sort(), 'kinds this matrix publishes').to.deep.equal(Object.keys(LiveVisibility).sort());
        // Everyone sees at least one change; all were published in one turn, so each client's arrive in one frame.
        const clients = { jinling, yangtze, pearl, regulator, national };
        await waitFor(() => Object.values(clients).every((c) => c.batches().length > 0), 5000, 'a batch at every client');
        await sleep(300);
        for (const c of Object.values(clients)) expect(c.batches()).to.have.length(1);

        expect(ids(jinling)).to.deep.equal([j1.id, j2.id]);
        expect(ids(yangtze)).to.deep.equal([y1.id]);
        expect(ids(pearl)).to.deep.equal([p1.id, p2.id]);
        expect(ids(regulator)).to.deep.equal([j2.id, y1.id]);
        expect(ids(national)).to.deep.equal([y1.id, p2.id]);

        expect(ids(jinling, 'posture')).to.deep.equal([JINLING]);
        expect(ids(yangtze, 'posture')).to.deep.equal([]);
        expect(ids(regulator, 'posture')).to.deep.equal([JINLING]);
        expect(ids(national, 'posture')).to.deep.equal([JINLING, PEARL]);

        expect(ids(jinling, 'advisory')).to.deep.equal(['adv-1']);
        expect(ids(yangtze, 'advisory')).to.deep.equal([]);
        expect(ids(jinling, 'task')).to.deep.equal(['task-1']);
        expect(ids(yangtze, 'task')).to.deep.equal(['task-1']);
        expect(ids(pearl, 'task')).to.deep.equal([]);
        const nationalAdvisory = national.changes().find((c) => c.kind === 'advisory')!.record as AdvisoryRecord;
        expect(Object.keys(nationalAdvisory.receipts)).to.deep.equal([JINLING, PEARL]);
        const regulatorAdvisory = regulator.changes().find((c) => c.kind === 'advisory')!.record as AdvisoryRecord;
        expect(Object.keys(regulatorAdvisory.receipts)).to.deep.equal([JINLING]);
        expect(regulatorAdvisory.relayedTo).to.deep.equal([]);

        // Not a trace of another enterprise anywhere in what an enterprise got (receipts, targets, rollups included).
        const wire = (c: RecordingClient) => JSON.stringify(c.frames);
        expect(wire(jinling)).to.not.include(PEARL).and.not.include(YANGTZE);
        expect(wire(yangtze)).to.not.include(PEARL).and.not.include(JINLING);
        expect(wire(pearl)).to.not.include(JINLING).and.not.include(YANGTZE);
        expect(wire(regulator)).to.not.include(PEARL);
      });

      it('sends only the views a client subscribed to, and stops when it unsubscribes', async () => {
        const client = await run.open(JINLING);
        await client.subscribe('alerts');
        run.hub.publish({ kind: 'posture', posture: makePosture(JINLING) });
        run.hub.publish({ kind: 'advisory', record: advisory([JINLING]) });
        run.hub.publish({ kind: 'task', record: task([JINLING]) });
        run.hub.publish({ kind: 'alert', alert: makeAlert(JINLING, 1) });
        await waitFor(() => client.batches().length > 0, 5000, 'a batch');
        expect(client.changes().map((c) => c.kind)).to.deep.equal(['alert']);

        await client.unsubscribe('alerts');
        expect(client.of('subscribed').at(-1)).to.deep.equal({ type: 'subscribed', views: [] });
        run.hub.publish({ kind: 'alert', alert: makeAlert(JINLING, 2) });
        await client.subscribe('posture');
        run.hub.publish({ kind: 'posture', posture: makePosture(JINLING) });
        await waitFor(() => client.batches().length > 1, 5000, 'a second batch');
        await sleep(300);
        // The alert published while unsubscribed never came; the posture published after subscribing did.
        expect(client.changes().map((c) => c.kind)).to.deep.equal(['alert', 'posture']);
      });
    });

    describe('a client that cannot keep up', () => {
      it('is closed with 1013 and forgotten once its socket buffer passes the limit, while another keeps receiving everything', async () => {
        run = await startLive(host, { batchMs: 20, maxBufferedBytes: 512 * 1024 }, { closeGraceMs: 3000 });
        const fast = await run.open(JINLING);
        const slow = await run.open(JINLING);
        await fast.subscribe('alerts');
        await slow.subscribe('alerts');
        const stalled = await stalledClient(host, run.port, TOKENS[JINLING], ['alerts']);
        await waitFor(() => run.hub.stats().subscribers.alerts === 3, 5000, 'three subscribers');
        expect(run.live.connections).to.equal(3);
        slow.pause();

        let seq = 0;
        // ~100 KiB per round; the kernel's socket buffers take megabytes before the server's starts to grow.
        for (let round = 0; round < 1000 && run.hub.size > 1; round++) {
          for (let i = 0; i < 100; i++) run.hub.publish({ kind: 'alert', alert: makeAlert(JINLING, seq++, [], 900) });
          await sleep(25);
        }
        expect(run.hub.size, 'only the fast client left in the hub').to.equal(1);
        expect(run.metrics.get('console.live_clients_dropped', { reason: 'buffered' })).to.equal(2);
        expect(run.hub.stats().pendingChanges).to.equal(0);

        // The paused client, reading again, finds the close code after what was already on its way.
        slow.resume();
        expect(await slow.waitClosed(5000)).to.include({ code: 1013 });
        // The stalled one never reads: the server terminates it after the grace period, releasing its buffers.
        await waitFor(() => run.live.connections === 1, 6000, () => `sockets closed (open: ${run.live.connections})`);
        stalled.destroy();

        // The fast client got every change, in order, and is still served.
        await waitFor(() => fast.changes().length === seq, 10_000, () => `${seq} alerts at the fast client (got ${fast.changes().length})`);
        expect(ids(fast)).to.deep.equal(Array.from({ length: seq }, (_, i) => `alert-${JINLING}-${i}`));
        run.hub.publish({ kind: 'alert', alert: makeAlert(JINLING, seq) });
        await waitFor(() => fast.changes().length === seq + 1, 5000, 'one more alert');
        expect(fast.closed).to.equal(undefined);
      });

      it('is closed with 1013 when more changes wait for it than the limit, and the clients that do not see them are not', async () => {
        run = await startLive(host, { batchMs: 1000, maxPendingChanges: 50 });
        const jinling = await run.open(JINLING);
        const pearl = await run.open(PEARL);
        await jinling.subscribe('alerts');
        await pearl.subscribe('alerts');
        // The first change goes at once and opens a window of 1 s; 60 more wait for its end.
        run.hub.publish({ kind: 'alert', alert: makeAlert(JINLING, 0) });
        await waitFor(() => jinling.batches().length === 1, 5000, 'the first frame');
        for (let i = 1; i <= 60; i++) run.hub.publish({ kind: 'alert', alert: makeAlert(JINLING, i) });
        expect(await jinling.waitClosed()).to.include({ code: 1013 });
        expect(run.metrics.get('console.live_clients_dropped', { reason: 'pending' })).to.equal(1);
        expect(run.hub.size).to.equal(1);
        run.hub.publish({ kind: 'alert', alert: makeAlert(PEARL, 100) });
        await waitFor(() => pearl.changes().length === 1, 5000, 'pearl\'s alert');
        expect(pearl.closed).to.equal(undefined);
      });

      it('is terminated when it does not answer pings, while a client that answers stays', async () => {
        run = await startLive(host, {}, { heartbeatMs: 100 });
        const answering = await run.open(JINLING);
        const stalled = await stalledClient(host, run.port, TOKENS[JINLING], ['alerts']);
        await waitFor(() => run.live.connections === 2, 5000, 'two sockets');
        await waitFor(() => run.live.connections === 1, 5000, 'the silent socket terminated');
        expect(run.hub.size).to.equal(1);
        expect(run.metrics.get('console.live_clients_closed', { reason: 'heartbeat' })).to.equal(1);
        await sleep(400);
        expect(answering.closed).to.equal(undefined);
        stalled.destroy();
      });
    });

    describe('client messages', () => {
      beforeEach(async () => { run = await startLive(host, {}, { maxBadMessages: 3 }); });

      it('answers a bad message with an error naming the problem, and keeps serving', async () => {
        const client = await run.open(JINLING);
        client.ws.send('subscribe alerts');
        client.ws.send(JSON.stringify({ type: 'subscribe', views: ['raw-events'] }));
        await waitFor(() => client.count('error') === 2, 5000, 'two errors');
        const [notJson, badView] = client.of('error').map((m) => String(m.message));
        expect(notJson).to.match(/JSON/);
        expect(badView).to.match(/views\[0\]/).and.match(/alerts/);
        client.ws.send(JSON.stringify({ type: 'ping' }));
        await client.next('pong');
        expect(client.closed).to.equal(undefined);
      });

      it('closes a connection that keeps sending garbage with 1008', async () => {
        const client = await run.open(JINLING);
        client.ws.send('{');
        client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
        client.ws.send(JSON.stringify({ type: 'subscribe', views: ['alerts'], extra: true }));
        expect(await client.waitClosed()).to.include({ code: 1008 });
        expect(client.count('error')).to.equal(3);
        await waitFor(() => run.live.connections === 0 && run.hub.size === 0, 5000, 'the socket forgotten');
      });

      it('closes a connection that sends a message over 16 KiB (1009, refused at the frame header)', async () => {
        const client = await run.open(JINLING);
        client.ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(17 * 1024) }));
        expect(await client.waitClosed()).to.include({ code: 1009 });
        await waitFor(() => run.hub.size === 0, 5000, 'the client forgotten');
      });
    });

    describe('close', () => {
      it('closes every client with 1001 and refuses new upgrades with 503, promptly even when a client does not read', async () => {
        run = await startLive(host, {}, { closeGraceMs: 500 });
        const a = await run.open(JINLING);
        const b = await run.open(NATIONAL);
        const stalled = await stalledClient(host, run.port, TOKENS[PEARL], ['alerts']);
        await waitFor(() => run.live.connections === 3, 5000, 'three sockets');
        const started = Date.now();
        await run.live.close();
        expect(Date.now() - started).to.be.below(2000);
        expect(await a.waitClosed()).to.include({ code: 1001 });
        expect(await b.waitClosed()).to.include({ code: 1001 });
        expect(run.live.connections).to.equal(0);
        expect(run.hub.size).to.equal(0);
        const late = await refusedUpgrade(run.url, { headers: { authorization: `Bearer ${TOKENS[JINLING]}` } });
        expect(late.status).to.equal(503);
        stalled.destroy();
      });
    });
  });
}
