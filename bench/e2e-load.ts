/**
 * The load generator of bench/e2e, in a process of its own (forked with
 * IPC) so that building and posting requests never takes the node's CPU
 * time from inside the node.
 *
 * Input: simulator traffic of every format (background and every attack
 * scenario, ./sample-events.ts) parsed into events once, then written back
 * as ECS JSON lines (the `ecs` parser's input: what Filebeat, Vector or
 * Logstash send after mapping; `event.original` keeps the native line, the
 * node stamps id, org and ingest time again). Per org, its lines are cut
 * into NDJSON bodies of `--batch` lines (its lines repeated to fill the
 * last one), built once, before anything is timed; each body goes with that
 * org's ingest token (format `ecs`). `--connections` loops each keep one
 * request in flight on a kept-alive connection, taking bodies round-robin
 * over every org's, so the node is sent as much as it acknowledges.
 *
 * Parent -> child: { go: url } (start posting to that node; the bodies are
 * reused run after run), 'stop' (no new requests; the in-flight ones are
 * awaited). Child -> parent: { built } once the bodies exist, a Progress
 * every second while posting, and the final Progress after 'stop'.
 *
 *   (forked by bench/e2e) e2e-load.js --tokens FILE --events 30000 --batch 1000 --connections 4
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../core/config.js';
import type { EcsEvent } from '../core/event.js';
import { OrgRegistry } from '../core/orgs.js';
import { IngestTokenListSchema } from '../collector/tokens.js';
import { defaultRegistryPath } from '../seeds/simulator/simulate.js';
import { percentile } from './latency.js';
import { simulatorEvents } from './sample-events.js';

const PROGRESS_MS = 1000;

export interface Built {
  readonly built: true;
  readonly distinctEvents: number;
  readonly bodies: number;
  readonly orgs: number;
  readonly meanLineBytes: number;
  readonly largestBodyBytes: number;
  readonly seconds: number;
}

export interface Progress {
  /** Events the node acknowledged as stored (its `accepted`), since the last `go`. */
  readonly accepted: number;
  /** Events it refused (422 answers' `rejected`). */
  readonly rejected: number;
  readonly requests: number;
  /** Requests that failed (network error, 5xx): nothing of them was stored. */
  readonly failures: number;
  /** Set on the final message: request round trips (post to acknowledgement), ms; this process's CPU seconds. */
  readonly final?: { ackP50Ms: number; ackP99Ms: number; ackMaxMs: number; cpuSeconds: number };
}

interface Body {
  readonly token: string;
  readonly bytes: Buffer;
}

/** An event as an ECS sender would post it: without the fields the node stamps itself. */
function ecsLine(event: EcsEvent): string {
  const { org: _org, ...rest } = event;
  const { id: _id, ingested: _ingested, ...meta } = event.event;
  return JSON.stringify({ ...rest, event: meta });
}

function buildBodies(tokensFile: string, events: number, batch: number): { bodies: Body[]; built: Built } {
  const started = performance.now();
  const tokenOf = new Map<string, string>();
  for (const t of loadConfigFile(tokensFile, IngestTokenListSchema)) if (t.parser === 'ecs' && t.token) tokenOf.set(t.org, t.token);
  const byOrg = new Map<string, string[]>();
  let lineBytes = 0;
  for (const event of simulatorEvents(events, OrgRegistry.load(defaultRegistryPath()))) {
    const org = event.org!.id;
    if (!tokenOf.has(org)) throw new Error(`no ecs ingest token for ${org}`);
    const line = ecsLine(event);
    lineBytes += Buffer.byteLength(line) + 1;
    const lines = byOrg.get(org) ?? [];
    lines.push(line);
    byOrg.set(org, lines);
  }
  const perOrg = [...byOrg].map(([org, lines]) => {
    const out: Body[] = [];
    for (let i = 0; i < lines.length; i += batch) {
      const chunk = Array.from({ length: batch }, (_, j) => lines[(i + j) % lines.length]);
      out.push({ token: tokenOf.get(org)!, bytes: Buffer.from(chunk.join('\n')) });
    }
    return out;
  });
  // Interleaved, so consecutive requests are different orgs' as from many senders.
  const bodies: Body[] = [];
  for (let i = 0; bodies.length < perOrg.reduce((n, l) => n + l.length, 0); i++) for (const list of perOrg) if (i < list.length) bodies.push(list[i]);
  const distinct = [...byOrg.values()].reduce((n, l) => n + l.length, 0);
  return {
    bodies,
    built: {
      built: true, distinctEvents: distinct, bodies: bodies.length, orgs: byOrg.size,
      meanLineBytes: lineBytes / Math.max(1, distinct),
      largestBodyBytes: Math.max(...bodies.map((b) => b.bytes.length)),
      seconds: (performance.now() - started) / 1000,
    },
  };
}

/** POST one body; the node's answer. */
function post(url: URL, agent: Agent, body: Body): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST', agent,
      headers: { authorization: `Bearer ${body.token}`, 'content-type': 'application/x-ndjson', 'content-length': body.bytes.length },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body.bytes);
  });
}

async function runLoad(target: string, bodies: readonly Body[], connections: number, stopped: Promise<void>): Promise<void> {
  const url = new URL('/api/v1/ingest', target);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let accepted = 0;
  let rejected = 0;
  let requests = 0;
  let failures = 0;
  let next = 0;
  let stopping = false;
  const acks: number[] = [];
  const progress = (): Progress => ({ accepted, rejected, requests, failures });
  void stopped.then(() => { stopping = true; });
  const timer = setInterval(() => process.send?.(progress()), PROGRESS_MS);
  const cpu = process.cpuUsage();

  const sender = async (): Promise<void> => {
    while (!stopping) {
      const body = bodies[next++ % bodies.length];
      const sent = performance.now();
      try {
        const res = await post(url, agent, body);
        requests++;
        if (res.status !== 200 && res.status !== 422) throw new Error(`ingest answered ${res.status}: ${res.text.slice(0, 200)}`);
        acks.push(performance.now() - sent);
        const answer = JSON.parse(res.text) as { accepted?: number; rejected?: unknown[] };
        accepted += answer.accepted ?? 0;
        rejected += answer.rejected?.length ?? 0;
      } catch (err) {
        failures++;
        if (failures <= 3) process.stderr.write(`  e2e-load: ${(err as Error).message}\n`);
        // A node that refuses everything would make this loop spin; give it a moment.
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, sender));
  clearInterval(timer);
  agent.destroy();
  const used = process.cpuUsage(cpu);
  acks.sort((a, b) => a - b);
  process.send?.({
    ...progress(),
    final: { ackP50Ms: percentile(acks, 50), ackP99Ms: percentile(acks, 99), ackMaxMs: acks[acks.length - 1] ?? NaN, cpuSeconds: (used.user + used.system) / 1e6 },
  } satisfies Progress);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tokens: { type: 'string' },
      events: { type: 'string', default: '30000' },
      batch: { type: 'string', default: '1000' },
      connections: { type: 'string', default: '4' },
    },
  });
  if (!values.tokens || !process.send) throw new Error('e2e-load runs forked by bench/e2e, with --tokens');
  const { bodies, built } = buildBodies(values.tokens, Number(values.events), Number(values.batch));
  process.send(built);
  const connections = Number(values.connections);
  for (;;) {
    const [message] = await new Promise<unknown[]>((resolve) => process.once('message', (...args: unknown[]) => resolve(args)));
    if (message === 'exit') break;
    if (typeof message !== 'object' || message === null || typeof (message as { go?: unknown }).go !== 'string') continue;
    const stopped = new Promise<void>((resolve) => process.once('message', () => resolve()));
    await runLoad((message as { go: string }).go, bodies, connections, stopped);
  }
  process.disconnect();
}

await main();
