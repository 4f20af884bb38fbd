/**
 * Live-view clients for bench/console: each a `ws` socket on the console's
 * /ws, authenticated by API token (Authorization: Bearer on the upgrade,
 * console/live/auth.ts), subscribed to the 'alerts' view, noting when each
 * alert change arrived. The arrival time is taken first thing on 'message',
 * before the frame is parsed, on the same clock (performance.now) the
 * benchmark stamps its triggers with.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { WebSocket, type RawData } from 'ws';
import type { Alert } from '../core/alert.js';
import type { Access } from '../console/access.js';
import type { ServerMessage } from '../console/live/messages.js';

/** One alert change as a client received it. */
export interface Receipt {
  /** performance.now() when the frame carrying it arrived. */
  readonly at: number;
  readonly alertId: string;
  readonly orgId: string;
  readonly ruleId: string;
  readonly revision: number;
  /** The revision's `updatedAt` (the alert book's wall clock when it made it), ms since the epoch. */
  readonly stampedAt: number;
}

export interface BenchClient {
  readonly index: number;
  readonly access: Access;
  readonly family: 4 | 6;
  /** Alert changes in arrival order. */
  readonly receipts: Receipt[];
  /** Frames of kind 'batch' received. */
  frames: number;
  /** Close code if the server closed the socket during the run (e.g. 1013: too slow). */
  closedBy: number | undefined;
  close(): Promise<void>;
}

function text(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}

/**
 * Connect, wait for `hello`, subscribe to alerts and wait for `subscribed`.
 * `alerts` is shared by all clients: the newest revision of every alert any
 * of them received (the benchmark checks who should have seen it).
 */
export async function connectClient(options: {
  readonly index: number;
  readonly url: string;
  readonly token: string;
  readonly access: Access;
  readonly family: 4 | 6;
  readonly alerts: Map<string, Alert>;
}): Promise<BenchClient> {
  const ws = new WebSocket(`${options.url.replace(/^http/, 'ws')}/ws`, ['iisa.v1'], {
    headers: { authorization: `Bearer ${options.token}` },
    perMessageDeflate: false,
  });
  let closing = false;
  const client: BenchClient = {
    index: options.index,
    access: options.access,
    family: options.family,
    receipts: [],
    frames: 0,
    closedBy: undefined,
    async close() {
      closing = true;
      if (ws.readyState === ws.CLOSED) return;
      const closed = once(ws, 'close');
      ws.close(1000, 'benchmark done');
      await closed;
    },
  };
  let ready: (() => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  const subscribed = new Promise<void>((resolve, reject) => { ready = resolve; failed = reject; });
  ws.on('message', (data) => {
    const at = performance.now();
    const message = JSON.parse(text(data)) as ServerMessage;
    switch (message.type) {
      case 'hello':
        ws.send(JSON.stringify({ type: 'subscribe', views: ['alerts'] }));
        return;
      case 'subscribed':
        if (message.views.includes('alerts')) ready?.();
        return;
      case 'error':
        failed?.(new Error(`client ${options.index}: ${message.message}`));
        return;
      case 'batch':
        client.frames += 1;
        for (const change of message.changes) {
          if (change.kind !== 'alert') continue;
          const { alert } = change;
          client.receipts.push({ at, alertId: alert.id, orgId: alert.orgId, ruleId: alert.ruleId, revision: alert.revision, stampedAt: Date.parse(alert.updatedAt) });
          const known = options.alerts.get(alert.id);
          if (!known || known.revision < alert.revision) options.alerts.set(alert.id, alert);
        }
        return;
      default:
        return;
    }
  });
  ws.on('close', (code) => {
    if (!closing) client.closedBy = code;
    failed?.(new Error(`client ${options.index}: closed (${code}) before it subscribed`));
  });
  ws.on('error', (error) => failed?.(error));
  const timer = setTimeout(() => failed?.(new Error(`client ${options.index}: not subscribed within 10 s`)), 10_000);
  try {
    await subscribed;
  } finally {
    clearTimeout(timer);
  }
  return client;
}
