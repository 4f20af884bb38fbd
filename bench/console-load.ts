/**
 * Steady background load for bench/console, in a process of its own (forked
 * with IPC) so that generating and posting traffic never delays the event
 * loop that timestamps the live clients' frames.
 *
 * Simulator background traffic (no attack scenario) starts at the wall
 * clock and is sent when its simulated time comes: every 100 ms the records
 * now due go out over the node's HTTP ingest source, one request per ingest
 * token (org and format), Zeek headers first on each stream, at most one
 * request in flight per token so a stream's records stay in order. Records
 * a busy token cannot take yet wait for its next turn, so the rate holds on
 * average; the backlog says by how much the node fell behind.
 *
 * Parent -> child: 'stop'. Child -> parent: 'ready' once the first batch is
 * acknowledged, then a LoadStats after 'stop'.
 *
 *   (forked by bench/console) console-load.js --target URL --tokens FILE --rate 500
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../core/config.js';
import { IngestTokenListSchema } from '../collector/tokens.js';
import { generateTraffic, streamPreamble, type SimRecord } from '../seeds/simulator/simulate.js';
import type { ParserName } from '../seeds/simulator/parsers.js';
import { percentile } from './latency.js';

const TICK_MS = 100;

export interface LoadStats {
  readonly seconds: number;
  /** Records the node accepted. */
  readonly accepted: number;
  /** Records it refused (parse errors and the like; 422 answers). */
  readonly rejected: number;
  readonly requests: number;
  /** Requests that failed (network error, 5xx); their records were queued again. */
  readonly failures: number;
  /** Most records waiting at a tick for a token still busy with its previous request. */
  readonly maxBacklog: number;
  /** Request round trips (post to acknowledgement, which comes once the batch is stored and handled), ms. */
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
  readonly cpuSeconds: number;
}

interface Stream {
  readonly token: string;
  readonly parser: ParserName;
  started: boolean;
  busy: boolean;
  queue: string[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      tokens: { type: 'string' },
      rate: { type: 'string', default: '500' },
      seed: { type: 'string', default: '11' },
      skip: { type: 'string', default: 'bench-trigger-' },
    },
  });
  if (!values.target || !values.tokens || !process.send) throw new Error('console-load runs forked by bench/console, with --target and --tokens');
  const url = new URL('/api/v1/ingest', values.target).toString();
  const streams = new Map<string, Stream>();
  for (const t of loadConfigFile(values.tokens, IngestTokenListSchema)) {
    if (!t.token || t.id.startsWith(values.skip!)) continue;
    streams.set(`${t.org}\u0000${t.parser}`, { token: t.token, parser: t.parser as ParserName, started: false, busy: false, queue: [] });
  }
  const start = new Date();
  const startIso = start.toISOString();
  const traffic = generateTraffic({ scenario: 'none', durationSeconds: 7 * 86400, rate: Number(values.rate), seed: Number(values.seed), start: startIso });
  let next: IteratorResult<SimRecord> = traffic.next();

  const acks: number[] = [];
  let accepted = 0;
  let rejected = 0;
  let requests = 0;
  let failures = 0;
  let maxBacklog = 0;
  let announced = false;
  const inFlight = new Set<Promise<void>>();

  const post = async (stream: Stream, lines: string[]): Promise<void> => {
    stream.busy = true;
    const sent = performance.now();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${stream.token}`, 'content-type': 'application/x-ndjson' },
        body: lines.join('\n'),
      });
      const body = (await res.json().catch(() => ({}))) as { accepted?: number; rejected?: unknown[] };
      requests++;
      if (res.status !== 200 && res.status !== 422) throw new Error(`ingest answered ${res.status}`);
      acks.push(performance.now() - sent);
      accepted += body.accepted ?? 0;
      rejected += body.rejected?.length ?? 0;
      if (!announced) {
        announced = true;
        process.send?.('ready');
      }
    } catch {
      failures++;
      stream.queue.unshift(...lines);
    } finally {
      stream.busy = false;
    }
  };

  const tick = (): void => {
    const due = Date.now();
    while (!next.done && Date.parse(next.value.timestamp) <= due) {
      const stream = streams.get(`${next.value.org}\u0000${next.value.parser}`);
      if (stream) {
        if (!stream.started) {
          stream.started = true;
          stream.queue.push(...streamPreamble(stream.parser, startIso));
        }
        stream.queue.push(next.value.line);
      }
      next = traffic.next();
    }
    let backlog = 0;
    for (const stream of streams.values()) {
      if (stream.queue.length === 0) continue;
      if (stream.busy) {
        backlog += stream.queue.length;
        continue;
      }
      const request = post(stream, stream.queue.splice(0));
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
    maxBacklog = Math.max(maxBacklog, backlog);
  };

  const timer = setInterval(tick, TICK_MS);
  const started = performance.now();
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  await Promise.allSettled([...inFlight]);
  acks.sort((a, b) => a - b);
  const usage = process.cpuUsage();
  const stats: LoadStats = {
    seconds, accepted, rejected, requests, failures, maxBacklog,
    ackP50Ms: percentile(acks, 50), ackP99Ms: percentile(acks, 99),
    cpuSeconds: (usage.user + usage.system) / 1e6,
  };
  process.send(stats, () => process.disconnect());
}

await main();
