/**
 * bench/ws-fanout: the console's live push to many websocket clients.
 *
 * A real console (ConsoleServer with a LiveHub and API tokens, in a process
 * of its own: ./ws-fanout-server.ts) holds `--clients` authenticated
 * websockets subscribed to the alerts view; the clients run in other
 * processes (./ws-fanout-clients.ts), half over ::1 and half over 127.0.0.1
 * to a dual-stack listener. The server publishes alert changes to the hub
 * (hub.publish, as the alert book does), first at a steady `--rate`, then
 * in bursts of `--burst` changes in one synchronous loop. A latency is one
 * change to one client: the server's stamp just before hub.publish to the
 * client's stamp when the frame carrying it arrived, on one clock for every
 * process (./ws-fanout-plan.ts wallClock). A client that may see a change
 * (console/live/visibility.ts) and has not had it 5 s after its phase
 * missed it.
 *
 * Sessions, each a fresh server and fresh clients:
 *   raw     the `ws` library broadcasting the same JSON (one frame per change): the baseline
 *   iisa    national-tier tokens (every client sees every change), hub batchMs as the node's default (console.liveBatchMs), then `--small-batch`
 *   spread  clients over the registry's orgs (10 % national, 30 % provincial regulators, 60 % enterprises),
 *           changes of every enterprise in turn escalated to no, the provincial, or both tiers: visibility filtering
 * Compare ratios to the baseline, not absolute times across machines.
 *
 *   node dist/bench/ws-fanout.js [--clients 1000] [--rate 20] [--seconds 10] [--burst 50] [--bursts 3]
 *     [--small-batch 20 (0: none)] [--client-processes 1] [--host ::] [--out BENCHMARKS.md] [--results bench/results.json]
 */
import { DEFAULT_LIVE_BATCH_MS } from '../cli/node-config.js';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Org } from '../core/orgs.js';
import { OrgRegistry } from '../core/orgs.js';
import { accessOf, type Access } from '../console/access.js';
import { visibleAlert } from '../console/live/visibility.js';
import { defaultRegistryPath } from '../seeds/simulator/simulate.js';
import { pressureMicros } from './console-node.js';
import { ms, summarize, type LatencySummary } from './latency.js';
import { machine, writeSection } from './report.js';
import { DEFAULT_RESULTS_FILE, writeResults } from './results.js';
import { changesOf, fanoutAlert, type Arrivals, type ClientsReply, type ClientsRequest, type ClientTarget, type PhaseReport, type Schedule, type ServerReply, type ServerRequest, type TokenGrant } from './ws-fanout-plan.js';
import { positiveInt } from './bench-util.js';

const HEADING = 'Console: websocket fan-out (bench/ws-fanout)';
const TARGET_P99_MS = 50;
const DEFAULT_BATCH_MS = DEFAULT_LIVE_BATCH_MS;
const DELIVERY_TIMEOUT_MS = 5000;
const CONNECT_CONCURRENCY = 50;
const here = dirname(fileURLToPath(import.meta.url));

interface Params {
  readonly clients: number;
  readonly rate: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly burst: number;
  readonly bursts: number;
  readonly burstGapMs: number;
  readonly smallBatchMs: number;
  readonly clientProcesses: number;
  readonly host: string;
}

interface SessionSpec {
  readonly name: string;
  readonly mode: 'iisa' | 'raw';
  readonly batchMs: number | undefined;
  /** Clients over many orgs (visibility filtering) rather than all national. */
  readonly spread: boolean;
}

interface PhaseResult {
  readonly session: SessionSpec;
  readonly phase: 'steady' | 'burst';
  readonly changes: number;
  readonly expected: number;
  readonly missed: number;
  /** Deliveries of changes the client may not see (must stay 0). */
  readonly leaked: number;
  readonly duplicates: number;
  readonly frames: number;
  /** Every (client, change) latency. */
  readonly pairs: LatencySummary;
  /** Per change, its slowest delivery: how long the whole fan-out took. */
  readonly slowest: LatencySummary;
  readonly server: PhaseReport;
  readonly lateP99Ms: number;
  readonly clientsCpuSeconds: number;
  /** The busiest client process's event loop utilisation. */
  readonly clientsUtilization: number;
  readonly closed: number;
  /** Share of the phase some task on the machine waited for a CPU (Linux PSI), %. */
  readonly cpuPressure: number;
}

interface SessionResult {
  readonly phases: PhaseResult[];
  readonly ipv6: number;
  readonly ipv4: number;
  /** Largest |wallClock() - Date.now()| seen in the server and client processes, ms. */
  readonly skewMs: number;
}

/** Send `request` and wait for the child's next message; an 'error' reply or an exit rejects. */
function ask<R extends { type: string }>(child: ChildProcess, request: ServerRequest | ClientsRequest): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const onMessage = (message: R | { type: 'error'; message: string }): void => {
      cleanup();
      if (message.type === 'error') reject(new Error((message as { message: string }).message));
      else resolve(message as R);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`a benchmark process exited (${code ?? signal}) before it answered ${request.type}`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(request);
  });
}

function forkChild(file: string, args: readonly string[]): ChildProcess {
  return fork(join(here, file), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
}

async function stopChild(child: ChildProcess, request: ServerRequest | ClientsRequest): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  if (child.connected) child.send(request);
  else child.kill('SIGTERM');
  await exited;
  clearTimeout(timer);
}

/** Which org each client speaks for. */
function clientOrgs(count: number, spread: boolean, registry: OrgRegistry): string[] {
  const national = registry.all().find((o) => o.tier === 'national');
  if (!national) throw new Error('the registry has no national org');
  if (!spread) return Array.from({ length: count }, () => national.id);
  const provincial = registry.all().filter((o: Org) => o.tier === 'provincial').map((o) => o.id);
  const enterprises = registry.enterprises().map((o) => o.id);
  let nextProvincial = 0;
  let nextEnterprise = 0;
  return Array.from({ length: count }, (_, i) => {
    const slot = i % 10;
    if (slot === 0) return national.id;
    if (slot <= 3) return provincial[nextProvincial++ % provincial.length];
    return enterprises[nextEnterprise++ % enterprises.length];
  });
}

/** Whether each client (by org) may see change `seq`, per org: the rule the hub applies. */
function visibilityTable(orgs: readonly string[], totalSeqs: number, spread: boolean, registry: OrgRegistry): Map<string, Uint8Array> {
  const enterprises = registry.enterprises().map((o) => o.id);
  const alerts = Array.from({ length: totalSeqs }, (_, seq) => fanoutAlert(seq, enterprises, spread));
  const table = new Map<string, Uint8Array>();
  for (const org of new Set(orgs)) {
    const access: Access = accessOf({ kind: 'token', tokenId: `bench-${org}`, orgId: org }, registry);
    table.set(org, Uint8Array.from(alerts, (alert) => (visibleAlert(access, alert) ? 1 : 0)));
  }
  return table;
}

function loopbackUrl(host: string, port: number, index: number): { url: string; family: 4 | 6 } {
  const family: 4 | 6 = host === '::' ? (index % 2 === 0 ? 6 : 4) : host.includes(':') ? 6 : 4;
  const address = host === '::' ? (family === 6 ? '::1' : '127.0.0.1') : host;
  return { url: `ws://${address.includes(':') ? `[${address}]` : address}:${port}`, family };
}

function phasesOf(params: Params): { name: 'warmup' | 'steady' | 'burst'; schedule: Schedule }[] {
  return [
    { name: 'warmup', schedule: { kind: 'steady', rate: params.rate, count: params.warmup } },
    { name: 'steady', schedule: { kind: 'steady', rate: params.rate, count: Math.round(params.rate * params.seconds) } },
    { name: 'burst', schedule: { kind: 'burst', size: params.burst, bursts: params.bursts, gapMs: params.burstGapMs } },
  ];
}

async function runSession(spec: SessionSpec, params: Params, registry: OrgRegistry): Promise<SessionResult> {
  const phases = phasesOf(params);
  const totalSeqs = phases.reduce((n, p) => n + changesOf(p.schedule), 0);
  const orgs = clientOrgs(params.clients, spec.spread, registry);
  // Made up per run: the listener is on every interface while the run lasts.
  const grants: TokenGrant[] = [...new Set(orgs)].map((org) => ({ id: `bench-${org}`, org, token: randomBytes(18).toString('base64url') }));
  const tokenOf = new Map(grants.map((g) => [g.org, g.token]));
  const visible = visibilityTable(orgs, totalSeqs, spec.spread, registry);

  const server = forkChild('ws-fanout-server.js', ['--mode', spec.mode, '--host', params.host, '--batch-ms', String(spec.batchMs ?? DEFAULT_BATCH_MS), ...(spec.spread ? ['--spread'] : [])]);
  const clientProcs: { child: ChildProcess; first: number; count: number }[] = [];
  try {
    const listening = await ask<Extract<ServerReply, { type: 'listening' }>>(server, { type: 'start', tokens: grants });
    const targets: (ClientTarget & { family: 4 | 6 })[] = orgs.map((org, i) => ({ ...loopbackUrl(params.host, listening.port, i), token: tokenOf.get(org)! }));
    const per = Math.ceil(targets.length / params.clientProcesses);
    for (let first = 0; first < targets.length; first += per) {
      clientProcs.push({ child: forkChild('ws-fanout-clients.js', []), first, count: Math.min(per, targets.length - first) });
    }
    const ready = await Promise.all(clientProcs.map((p) => ask<Extract<ClientsReply, { type: 'ready' }>>(p.child, {
      type: 'connect', targets: targets.slice(p.first, p.first + p.count).map(({ url, token }) => ({ url, token })), totalSeqs, concurrency: CONNECT_CONCURRENCY,
    })));
    process.stderr.write(`  ${targets.length} clients subscribed\n`);

    const results: PhaseResult[] = [];
    let seq = 0;
    for (const phase of phases) {
      const count = changesOf(phase.schedule);
      const from = seq;
      seq += count;
      // A quiet window first, so that every phase starts as the hub sees a lone change: its first frame goes out at once.
      await sleep(DEFAULT_BATCH_MS + 50);
      const pressureBefore = pressureMicros('cpu');
      const { report } = await ask<Extract<ServerReply, { type: 'published' }>>(server, { type: 'phase', fromSeq: from, schedule: phase.schedule });
      const pressureAfter = pressureMicros('cpu');
      const arrivals = await Promise.all(clientProcs.map(async (p) => {
        let expected = 0;
        for (let c = p.first; c < p.first + p.count; c++) {
          const seen = visible.get(orgs[c])!;
          for (let s = from; s < from + count; s++) expected += seen[s];
        }
        const answer = await ask<Extract<ClientsReply, { type: 'arrivals' }>>(p.child, { type: 'collect', from, to: from + count, expected, timeoutMs: DELIVERY_TIMEOUT_MS });
        return answer.arrivals;
      }));
      if (phase.name === 'warmup') continue;
      const cpuPressure = pressureBefore === undefined || pressureAfter === undefined ? NaN : (pressureAfter - pressureBefore) / 1e4 / report.seconds;
      results.push(phaseResult(spec, phase.name, phase.schedule, from, report, clientProcs, arrivals, orgs, visible, cpuPressure));
      process.stderr.write(`  ${phase.name}: ${describePhase(results[results.length - 1])}\n`);
    }
    return {
      phases: results,
      ipv6: targets.filter((t) => t.family === 6).length,
      ipv4: targets.filter((t) => t.family === 4).length,
      skewMs: Math.max(Math.abs(listening.skewMs), ...ready.map((r) => Math.abs(r.skewMs))),
    };
  } finally {
    // Clients first: the server's stop would otherwise close them all with 1001 and wait for their handshakes.
    await Promise.all(clientProcs.map((p) => stopChild(p.child, { type: 'stop' })));
    await stopChild(server, { type: 'stop' });
  }
}

function phaseResult(
  session: SessionSpec, phase: 'steady' | 'burst', schedule: Schedule, from: number, server: PhaseReport,
  procs: readonly { first: number; count: number }[], arrivals: readonly Arrivals[], orgs: readonly string[], visible: ReadonlyMap<string, Uint8Array>, cpuPressure: number,
): PhaseResult {
  const count = changesOf(schedule);
  // A burst's changes are all there when its loop starts. Stamped one by one, the baseline's later changes would be stamped
  // only after the earlier ones were written to every socket (its publish sends), hiding the queueing the hub's stamps include.
  const since = Float64Array.from(server.publishedAt, (t, k) => (schedule.kind === 'burst' ? server.publishedAt[k - (k % schedule.size)] : t));
  const latencies: number[] = [];
  const slowest = new Float64Array(count).fill(NaN);
  let expected = 0;
  let missed = 0;
  let leaked = 0;
  procs.forEach((p, i) => {
    const { at } = arrivals[i];
    for (let local = 0; local < p.count; local++) {
      const seen = visible.get(orgs[p.first + local])!;
      for (let k = 0; k < count; k++) {
        const arrived = at[local * count + k];
        const may = seen[from + k] === 1;
        if (may) expected++;
        if (Number.isNaN(arrived)) {
          if (may) missed++;
          continue;
        }
        if (!may) {
          leaked++;
          continue;
        }
        const latency = arrived - since[k];
        latencies.push(latency);
        if (!(slowest[k] >= latency)) slowest[k] = latency;
      }
    }
  });
  return {
    session, phase, changes: count, expected, missed, leaked,
    duplicates: arrivals.reduce((n, a) => n + a.duplicates, 0),
    frames: arrivals.reduce((n, a) => n + a.frames.reduce((m, f) => m + f, 0), 0),
    pairs: summarize(latencies),
    slowest: summarize([...slowest].filter((v) => !Number.isNaN(v))),
    server,
    // In a burst only its first publish can be late: the rest wait for the loop, which the latencies above count.
    lateP99Ms: summarize([...server.lateMs].filter((_, k) => schedule.kind === 'steady' || k % schedule.size === 0)).p99,
    clientsCpuSeconds: arrivals.reduce((n, a) => n + a.cpuSeconds, 0),
    clientsUtilization: Math.max(...arrivals.map((a) => a.utilization)),
    closed: arrivals.reduce((n, a) => n + a.closedBy.filter((code) => code !== 0).length, 0),
    cpuPressure,
  };
}

function describePhase(r: PhaseResult): string {
  return `p50 ${ms(r.pairs.p50)} ms  p90 ${ms(r.pairs.p90)} ms  p99 ${ms(r.pairs.p99)} ms  max ${ms(r.pairs.max)} ms  (${r.pairs.count} deliveries of ${r.expected}, ${r.missed} missed, ${r.leaked} leaked, ${r.frames} frames); ` +
    `slowest client p50 ${ms(r.slowest.p50)} ms; server CPU ${cpuPerChange(r)} ms/change, loop ${percent(100 * r.server.utilization)} busy, publish late p99 ${ms(r.lateP99Ms)} ms; ` +
    `clients loop ${percent(100 * r.clientsUtilization)} busy; CPU pressure ${percent(r.cpuPressure)}${r.closed ? `; ${r.closed} clients closed` : ''}${r.server.dropped ? `; ${r.server.dropped} dropped by the hub` : ''}`;
}

function cpuPerChange(r: PhaseResult): string {
  return (1000 * r.server.cpuSeconds / r.changes).toFixed(2);
}

function percent(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(0)} %` : '-';
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}×` : '-';
}

function sessionLabel(s: SessionSpec): string {
  if (s.mode === 'raw') return 'raw `ws` broadcast';
  return `iisa, batchMs ${s.batchMs ?? DEFAULT_BATCH_MS}${s.batchMs === undefined ? ' (default)' : ''}`;
}

function report(sessions: readonly SessionResult[], params: Params, headline: PhaseResult): string {
  const all = sessions.flatMap((s) => s.phases);
  const baseline = (phase: 'steady' | 'burst') => all.find((r) => r.session.mode === 'raw' && r.phase === phase)!;
  const row = (r: PhaseResult) => {
    const raw = baseline(r.phase);
    return `| ${sessionLabel(r.session)} | ${r.session.spread ? 'spread over orgs' : 'all national'} | ${r.pairs.count} | ${r.missed} | ${ms(r.pairs.p50)} | ${ms(r.pairs.p90)} | ${ms(r.pairs.p99)} | ${ms(r.pairs.max)} | ` +
      `${r.session.mode === 'raw' ? '1×' : ratio(r.pairs.p99, raw.pairs.p99)} | ${ms(r.slowest.p50)} / ${ms(r.slowest.p99)} | ${Math.round(r.frames / Math.max(1, r.pairs.count) * 100)} | ${cpuPerChange(r)} | ${percent(100 * r.server.utilization)} | ${ms(r.lateP99Ms)} | ${percent(100 * r.clientsUtilization)} | ${percent(r.cpuPressure)} |`;
  };
  const header = [
    '| server | clients | deliveries | missed | p50 ms | p90 ms | p99 ms | max ms | p99 / raw | slowest client per change p50 / p99 ms | frames per 100 deliveries | server CPU ms per change | server loop busy | publish late p99 ms | clients loop busy | CPU pressure |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const small = all.find((r) => r.session.mode === 'iisa' && !r.session.spread && r.session.batchMs !== undefined && r.phase === 'steady');
  const leaked = all.reduce((n, r) => n + r.leaked, 0);
  const duplicates = all.reduce((n, r) => n + r.duplicates, 0);
  const closed = all.reduce((n, r) => n + r.closed, 0);
  const [first] = sessions;
  const interval = 1000 / params.rate;
  return [
    `Machine: ${machine()}. The server, the client process(es) and whatever else the machine runs share these cores; "CPU pressure" says how shared (the share of each phase in which some task waited for a CPU, Linux PSI).`,
    '',
    `**Target (issue 7): push p99 ≤ ${TARGET_P99_MS} ms at ${params.clients} clients. Measured with the default configuration (batchMs ${DEFAULT_BATCH_MS}, ${params.rate} changes/s): ${ms(headline.pairs.p99)} ms, ${headline.pairs.p99 <= TARGET_P99_MS ? 'met' : 'missed'}` +
      `${small ? `; with batchMs ${small.session.batchMs}: ${ms(small.pairs.p99)} ms, ${small.pairs.p99 <= TARGET_P99_MS ? 'met' : 'missed'}` : ''}; the raw \`ws\` broadcast: ${ms(baseline('steady').pairs.p99)} ms.** Compare the ratios to the baseline, not absolute times across machines.`,
    '',
    `The server runs in its own process: a real console (console/server.ts ConsoleServer with a LiveHub, API tokens checked on every upgrade, listening on \`${params.host}\`), or, for the baseline, the \`ws\` library's broadcast (each change serialised once and sent to every socket as its own frame; no credentials, no visibility, no batching). ` +
      `${params.clients} clients (\`ws\`, token in \`Authorization: Bearer\`, subscribed to the alerts view) run in ${params.clientProcesses === 1 ? 'one other process' : `${params.clientProcesses} other processes`}, ${first.ipv6} over ::1 and ${first.ipv4} over 127.0.0.1. ` +
      '"all national": every client holds a national-tier token and sees every change. "spread over orgs": 10 % national, 30 % provincial regulators, 60 % enterprises, round robin over the registry\'s orgs; changes are alerts of every enterprise in turn, escalated to no upper tier, the provincial, or both in turn, so each change goes to a subset and the hub checks every client\'s visibility for each. Each session starts a fresh server and fresh clients.',
    '',
    `Each change is a new alert of about 800 bytes of JSON, published with hub.publish (as the alert book does) by the server process: after ${params.warmup} warm-up changes, steady: ${Math.round(params.rate * params.seconds)} changes, one every ${ms(interval)} ms (${params.rate}/s); burst: ${params.bursts} times ${params.burst} changes in one synchronous loop (as a batch from the bus or a federation sync brings them), ${params.burstGapMs / 1000} s apart. ` +
      'A latency is one change to one client: the server\'s clock just before hub.publish (for the baseline: before its broadcast) to the client\'s when the frame carrying it arrived (stamped first thing on \'message\'; the frame is only scanned for alert ids after that), over every (client, change) pair. ' +
      'In a burst it counts from the burst\'s first publish call: all its changes are there when the loop starts, and the baseline\'s broadcast writes every socket inside the call, so stamping its later changes one by one would leave out their wait behind the earlier ones. ' +
      `Both processes take time as performance.timeOrigin + performance.now(), one clock for the machine (largest difference from Date.now() in any process: ${ms(Math.max(...sessions.map((s) => s.skewMs)))} ms, Date.now() being whole milliseconds). ` +
      `A client that may see a change and has not had it ${DELIVERY_TIMEOUT_MS / 1000} s after its phase missed it. "slowest client per change": per change, its last delivery, p50 / p99 over changes: how long a whole fan-out took.`,
    '',
    `### Steady, ${params.rate} changes/s`,
    '',
    ...header,
    ...all.filter((r) => r.phase === 'steady').map(row),
    '',
    `### Bursts of ${params.burst} changes`,
    '',
    ...header,
    ...all.filter((r) => r.phase === 'burst').map(row),
    '',
    `Deliveries of changes a client may not see: ${leaked}; changes delivered twice: ${duplicates}; clients closed during the runs (1013: not keeping up): ${closed}.`,
    '',
    `Batching: the hub sends a client at most one frame per batchMs. A change after a quiet window goes out on the next turn of the event loop; one within the window waits for the window to end and shares that frame. At ${params.rate} changes/s (one every ${ms(interval)} ms) with the default ${DEFAULT_BATCH_MS} ms window, only the change after each frame goes at once and the next ones wait ${ms(DEFAULT_BATCH_MS - interval)} ms down to 0: each client gets about ${(1000 / DEFAULT_BATCH_MS).toFixed(0)} frames a second carrying ${ms(DEFAULT_BATCH_MS / interval)} changes each, and p50 and p99 are set by the window (up to ${DEFAULT_BATCH_MS} ms plus the fan-out), not by the push. ` +
      `With a window shorter than the interval between changes every change goes at once, one frame each, as the raw broadcast does, so that row measures the push itself: visibility checks, a timer and a frame per client, the socket writes. ` +
      `In a burst the window works the other way: the ${params.burst} changes of one synchronous loop become one frame per client (the raw broadcast sends ${params.burst}), so the hub's bursts cost fewer frames and syscalls than the baseline's.`,
    '',
    '"server CPU ms per change": the server process\'s CPU over the phase (including the hub\'s timers and socket writes) over the changes published. "loop busy": event loop utilisation of the server, and of the busiest client process (a client process near 100 % delays its own stamps: that time is in the baseline too). ' +
      '"publish late": how far behind its schedule a publish call ran (steady: every change; bursts: each burst\'s first), the server\'s event loop being busy with earlier fan-out or the process waiting for a CPU; that wait comes before the stamp, so it is not in the latencies.',
  ].join('\n');
}

/**
 * The soft limit on open files (Linux; undefined elsewhere). The server holds
 * one descriptor per client and the children inherit the limit; 1024, a
 * common default, is just too few for a thousand clients and the rest.
 */
function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '20' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '20' },
      burst: { type: 'string', default: '50' },
      bursts: { type: 'string', default: '3' },
      'burst-gap': { type: 'string', default: '2000' },
      'small-batch': { type: 'string', default: '20' },
      'client-processes': { type: 'string', default: '1' },
      host: { type: 'string', default: '::' },
      out: { type: 'string', default: 'BENCHMARKS.md' },
      results: { type: 'string', default: DEFAULT_RESULTS_FILE },
    },
  });
  const params: Params = {
    clients: positiveInt('clients', values.clients),
    rate: positiveInt('rate', values.rate),
    seconds: positiveInt('seconds', values.seconds),
    warmup: positiveInt('warmup', values.warmup),
    burst: positiveInt('burst', values.burst),
    bursts: positiveInt('bursts', values.bursts),
    burstGapMs: positiveInt('burst-gap', values['burst-gap']),
    // 0: no small-batch sessions (npm run bench leaves them out to keep within its budget).
    smallBatchMs: values['small-batch'] === '0' ? 0 : positiveInt('small-batch', values['small-batch']),
    clientProcesses: positiveInt('client-processes', values['client-processes']),
    host: values.host!,
  };
  const limit = openFilesLimit();
  const needed = Math.ceil(params.clients / params.clientProcesses) + params.clients + 200;
  if (limit !== undefined && limit < params.clients + 200) {
    throw new Error(`the open files limit is ${limit}, too few for ${params.clients} clients: raise it first (e.g. ulimit -n ${needed})`);
  }
  const registry = OrgRegistry.load(defaultRegistryPath());
  const small = params.smallBatchMs > 0;
  const specs: SessionSpec[] = [
    { name: 'raw', mode: 'raw', batchMs: undefined, spread: false },
    { name: 'iisa', mode: 'iisa', batchMs: undefined, spread: false },
    ...(small ? [{ name: 'iisa-small-batch', mode: 'iisa', batchMs: params.smallBatchMs, spread: false } as const] : []),
    { name: 'spread', mode: 'iisa', batchMs: undefined, spread: true },
    ...(small ? [{ name: 'spread-small-batch', mode: 'iisa', batchMs: params.smallBatchMs, spread: true } as const] : []),
  ];
  const sessions: SessionResult[] = [];
  for (const spec of specs) {
    process.stderr.write(`session ${spec.name}\n`);
    sessions.push(await runSession(spec, params, registry));
    // Let the previous session's sockets finish closing before the next one's handshakes.
    await sleep(500);
  }
  const headline = sessions[1].phases.find((r) => r.phase === 'steady')!;
  const raw = sessions[0].phases.find((r) => r.phase === 'steady')!;
  process.stdout.write(`ws_fanout_p99_ms ${ms(headline.pairs.p99)} (target ${TARGET_P99_MS}); raw ws ${ms(raw.pairs.p99)}; ratio ${ratio(headline.pairs.p99, raw.pairs.p99)}\n`);
  writeSection(values.out!, HEADING, report(sessions, params, headline));
  writeResults({ ws_fanout_p99_ms: { value: headline.pairs.p99, unit: 'ms' } }, values.results!);
  process.stdout.write(`wrote ${values.out} and ${values.results}\n`);
}

await main();
