/**
 * Send simulated traffic to a running node over its HTTP ingest source, as
 * the seeded enterprises' collectors would: one token per (org, format),
 * records batched per token, Zeek headers first on each stream. With
 * `realtime`, records go out when their simulated time comes (the demo);
 * without it, as fast as the node acknowledges.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfigFile } from '../../core/config.js';
import { IngestTokenListSchema } from '../../collector/tokens.js';
import type { SimRecord } from './simulate.js';
import { streamPreamble } from './simulate.js';

export interface SendOptions {
  /** Base URL of the node, e.g. http://127.0.0.1:8080 */
  readonly target: string;
  /** Token list file with clear-text tokens (seeds/tokens.yaml). */
  readonly tokensFile: string;
  readonly realtime?: boolean;
  /** Largest batch per request. */
  readonly batchMax?: number;
  /** Simulated start time, for the Zeek headers. */
  readonly start?: string;
  readonly signal?: AbortSignal;
}

export interface SendSummary {
  sent: number;
  accepted: number;
  rejected: number;
  /** Records with no token for their (org, format), not sent. */
  noToken: number;
  requests: number;
}

export async function sendTraffic(records: Iterable<SimRecord>, options: SendOptions): Promise<SendSummary> {
  const tokens = new Map<string, string>();
  for (const t of loadConfigFile(options.tokensFile, IngestTokenListSchema)) {
    if (t.token) tokens.set(`${t.org}\u0000${t.parser}`, t.token);
  }
  const url = new URL('/api/v1/ingest', options.target).toString();
  const batchMax = options.batchMax ?? 500;
  const pending = new Map<string, string[]>();
  const started = new Set<string>();
  const summary: SendSummary = { sent: 0, accepted: 0, rejected: 0, noToken: 0, requests: 0 };

  const post = async (token: string, lines: string[]) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: lines.join('\n'),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const body = (await res.json().catch(() => ({}))) as { accepted?: number; rejected?: unknown[]; message?: string };
    summary.requests++;
    if (res.status !== 200 && res.status !== 422) throw new Error(`node answered ${res.status}: ${body.message ?? ''}`);
    summary.accepted += body.accepted ?? 0;
    summary.rejected += body.rejected?.length ?? 0;
  };
  const flush = async () => {
    for (const [token, lines] of pending) {
      if (lines.length) await post(token, lines.splice(0));
    }
  };

  const wallStart = Date.now();
  let simStart: number | undefined;
  let lastFlush = Date.now();
  for (const rec of records) {
    if (options.signal?.aborted) break;
    const token = tokens.get(`${rec.org}\u0000${rec.parser}`);
    if (!token) { summary.noToken++; continue; }
    if (options.realtime) {
      const at = Date.parse(rec.timestamp);
      simStart ??= at;
      const wait = at - simStart - (Date.now() - wallStart);
      if (wait > 0) {
        await flush();
        lastFlush = Date.now();
        await sleep(wait, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
      }
    }
    let lines = pending.get(token);
    if (!lines) { lines = []; pending.set(token, lines); }
    if (!started.has(token)) {
      started.add(token);
      lines.push(...streamPreamble(rec.parser, options.start));
    }
    lines.push(rec.line);
    summary.sent++;
    if (lines.length >= batchMax) await post(token, lines.splice(0));
    else if (options.realtime && Date.now() - lastFlush > 250) { await flush(); lastFlush = Date.now(); }
  }
  if (!options.signal?.aborted) await flush();
  return summary;
}
