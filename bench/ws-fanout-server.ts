/**
 * The server side of bench/ws-fanout, in a process of its own (forked with
 * IPC) so that nothing but the server runs on its event loop: either a real
 * iisa console (ConsoleServer with a LiveHub, API tokens, the live views'
 * /ws) or the raw `ws` library's broadcast, the baseline. Both listen on
 * `--host` (dual-stack on '::') and publish alert changes when the benchmark
 * asks, stamping each just before its publish call.
 *
 *   (forked by bench/ws-fanout) ws-fanout-server.js --mode iisa|raw [--batch-ms 250] [--spread] [--host ::]
 */
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeListener, listenOn } from '../collector/sources/listen.js';
import { OrgRegistry } from '../core/orgs.js';
import { SqliteStore } from '../core/store/sqlite/sqlite-store.js';
import { CounterMetrics, JsonLogger } from '../core/telemetry.js';
import { ApiTokens } from '../console/api-tokens.js';
import { tokenAuthenticator } from '../console/live/auth.js';
import { LiveHub } from '../console/live/hub.js';
import type { LiveChange } from '../console/live/visibility.js';
import { ConsoleServer } from '../console/server.js';
import { defaultRegistryPath } from '../seeds/simulator/simulate.js';
import { changesOf, clockSkew, fanoutAlert, wallClock, type PhaseReport, type Schedule, type ServerReply, type ServerRequest, type TokenGrant } from './ws-fanout-plan.js';

/** How long a phase lasts past its last publish: longer than the default batch window. */
const TAIL_MS = 300;

/** What the benchmark needs of either server. */
interface FanoutServer {
  readonly port: number;
  publish(change: LiveChange): void;
  /** Clients closed for not keeping up. */
  dropped(): number;
  stop(): Promise<void>;
}

/** A real console: the API and /ws on one listener, the hub as a node builds it (console/live/). */
async function startIisa(host: string, batchMs: number, grants: readonly TokenGrant[], registry: OrgRegistry): Promise<FanoutServer> {
  const store = SqliteStore.open({ path: ':memory:' });
  const log = new JsonLogger('error');
  const metrics = new CounterMetrics();
  const tokens = new ApiTokens(grants, registry);
  const hub = new LiveHub({ batchMs, provinceOf: (id) => registry.get(id)?.province, log, metrics });
  const server = new ConsoleServer({ host, port: 0 }, { store, registry, tokens, log }, { hub, metrics, authenticate: tokenAuthenticator(tokens, registry) });
  await server.start();
  return {
    port: server.address()!.port,
    publish: (change) => hub.publish(change),
    dropped: () => metrics.total('console.live_clients_dropped'),
    async stop() {
      await server.stop();
      await store.close();
    },
  };
}

/**
 * The baseline: `ws` as its README broadcasts, each change serialised once
 * and sent to every subscribed socket, one frame per change, no credential
 * check, no visibility, no batching. It speaks enough of
 * console/live/messages.ts (hello, subscribe) for the same clients to use it.
 */
async function startRaw(host: string): Promise<FanoutServer> {
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
  const subscribers = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    ws.on('message', () => {
      subscribers.add(ws);
      ws.send(JSON.stringify({ type: 'subscribed', views: ['alerts'] }));
    });
    ws.on('close', () => subscribers.delete(ws));
    ws.on('error', () => subscribers.delete(ws));
    ws.send(JSON.stringify({ type: 'hello', org: 'raw', tier: 'national', views: ['alerts'] }));
  });
  await listenOn(server, { host, port: 0 });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the raw server has no port');
  return {
    port: address.port,
    publish(change) {
      const frame = JSON.stringify({ type: 'batch', changes: [change] });
      for (const ws of subscribers) ws.send(frame);
    },
    dropped: () => 0,
    async stop() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeListener(server);
    },
  };
}

/** Publish the phase's changes on schedule; the stamp is taken just before each publish call, whatever the lateness. */
async function runPhase(server: FanoutServer, fromSeq: number, schedule: Schedule, enterprises: readonly string[], spread: boolean): Promise<PhaseReport> {
  const count = changesOf(schedule);
  const publishedAt = new Float64Array(count);
  const lateMs = new Float64Array(count);
  let publishCallMs = 0;
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const start = wallClock();
  const publish = (k: number, due: number): void => {
    // The alert is built before the stamp: making the change is its producer's work, not the push's.
    const change: LiveChange = { kind: 'alert', alert: fanoutAlert(fromSeq + k, enterprises, spread) };
    const t = wallClock();
    publishedAt[k] = t;
    lateMs[k] = t - due;
    server.publish(change);
    publishCallMs += wallClock() - t;
  };
  if (schedule.kind === 'steady') {
    const interval = 1000 / schedule.rate;
    for (let k = 0; k < count; k++) {
      const due = start + k * interval;
      const wait = due - wallClock();
      if (wait > 0) await sleep(wait);
      publish(k, due);
    }
  } else {
    for (let b = 0; b < schedule.bursts; b++) {
      const due = start + b * schedule.gapMs;
      const wait = due - wallClock();
      if (wait > 0) await sleep(wait);
      for (let i = 0; i < schedule.size; i++) publish(b * schedule.size + i, due);
    }
  }
  // The frames of the last changes go out after the last publish (the hub's timers, up to a batch window later): they belong to the phase.
  await sleep(TAIL_MS);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    publishedAt, lateMs, publishCallMs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    utilization: performance.eventLoopUtilization(eluBefore).utilization,
    dropped: server.dropped(),
    seconds: (wallClock() - start) / 1000,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string' },
      host: { type: 'string', default: '::' },
      'batch-ms': { type: 'string', default: '250' },
      spread: { type: 'boolean', default: false },
    },
  });
  const send = process.send?.bind(process);
  if (!send || (values.mode !== 'iisa' && values.mode !== 'raw')) throw new Error('ws-fanout-server runs forked by bench/ws-fanout, with --mode iisa or raw');
  const reply = (message: ServerReply): void => { send(message); };
  const registry = OrgRegistry.load(defaultRegistryPath());
  const enterprises = registry.enterprises().map((o) => o.id);
  let server: FanoutServer | undefined;
  // One request at a time, in order: the benchmark waits for each answer before the next.
  let queue = Promise.resolve();
  process.on('message', (request: ServerRequest) => {
    queue = queue.then(async () => {
      switch (request.type) {
        case 'start':
          server = values.mode === 'iisa' ? await startIisa(values.host!, Number(values['batch-ms']), request.tokens, registry) : await startRaw(values.host!);
          reply({ type: 'listening', port: server.port, skewMs: clockSkew() });
          return;
        case 'phase':
          if (!server) throw new Error('phase before start');
          reply({ type: 'published', report: await runPhase(server, request.fromSeq, request.schedule, enterprises, values.spread === true) });
          return;
        case 'stop':
          await server?.stop();
          process.disconnect();
          return;
      }
    }).catch((error: unknown) => {
      reply({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
    });
  });
}

await main();
