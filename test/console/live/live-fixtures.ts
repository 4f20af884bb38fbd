/**
 * What the live-view tests share: alerts and posture to publish, a `ws`
 * client that records every frame it gets, and a raw TCP client that does
 * the websocket handshake and then never reads.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { Alert } from '../../../core/alert.js';
import type { Posture } from '../../../core/federation/messages.js';
import { waitFor } from '../../helpers/wait-for.js';

export const JINLING = 'js-jinling-motor'; // JS, industrial
export const YANGTZE = 'js-yangtze-petro'; // JS, industrial
export const PEARL = 'gd-pearl-electronics'; // GD
export const JS_REGULATOR = 'js-industry-regulator'; // oversees JS industrial
export const NATIONAL = 'ncisc';

export const TOKENS: Record<string, string> = {
  [JINLING]: 'live-token-jinling-000000000',
  [YANGTZE]: 'live-token-yangtze-000000000',
  [PEARL]: 'live-token-pearl-00000000000',
  [JS_REGULATOR]: 'live-token-js-industry-00000',
  [NATIONAL]: 'live-token-ncisc-00000000000',
};

export const tokenList = Object.entries(TOKENS).map(([org, token]) => ({ id: `live-${org}`, org, token }));

/** An alert of `orgId`; `seq` makes the id and lets order be checked; `padding` makes it bigger. */
export function makeAlert(orgId: string, seq: number, escalateTo: Alert['escalateTo'] = [], padding = 0): Alert {
  const at = new Date(Date.UTC(2026, 10, 25, 10, 0, 0) + seq).toISOString();
  return {
    id: `alert-${orgId}-${seq}`, orgId, originNode: 'node-1', ruleId: 'plc-stop', ruleTitle: 'PLC stop command', level: 'high',
    kind: 'detection', tags: ['attack.t0881'], techniques: ['t0881'], groupKey: { 'source.ip': '2001:db8:10::5' },
    dedupKey: `dedup-${orgId}-${seq}`, generation: 1, grade: 'II', score: 70,
    gradeReasons: padding ? ['x'.repeat(padding)] : ['critical asset'], escalateTo, assets: ['plc-01'], status: 'new',
    count: 1, firstSeen: at, lastSeen: at, hitIds: [`hit-${seq}`], eventIds: [`event-${seq}`], createdAt: at, updatedAt: at, revision: 1,
  };
}

export function makePosture(orgId: string): Posture {
  return {
    orgId, node: 'node-1', periodStart: '2026-11-25T09:00:00.000Z', periodEnd: '2026-11-25T10:00:00.000Z',
    alerts: { new: 1, open: 1, byGrade: { II: 1 }, byRule: { 'plc-stop': 1 }, byTechnique: { t0881: 1 }, byCategory: { industrial: 1 } },
    sources: [{ name: 'syslog', events: 10, silent: false }], tasks: { open: 0, overdue: 0, done: 0 }, events: 10,
  };
}

export function wsUrl(host: string, port: number, path = '/ws'): string {
  return `ws://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}

export interface Frame {
  readonly at: number;
  readonly message: { type: string; [key: string]: unknown };
}

/** A real `ws` client that keeps every message it got and how the socket closed. */
export class RecordingClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push({ at: Date.now(), message: JSON.parse(String(data)) as Frame['message'] }));
    ws.on('close', (code, reason) => { this.closed = { code, reason: String(reason) }; });
    ws.on('error', () => undefined); // a refused or cut connection shows in `closed`
  }

  /** Connect with the org's token in the Authorization header (or as `protocols`, or `headers` as given). */
  static async open(url: string, options: { org?: string; protocols?: string[]; headers?: Record<string, string> } = {}): Promise<RecordingClient> {
    const headers = options.headers ?? (options.org ? { authorization: `Bearer ${TOKENS[options.org]}` } : {});
    const ws = new WebSocket(url, options.protocols ?? [], { headers });
    const client = new RecordingClient(ws);
    await once(ws, 'open');
    await client.next('hello');
    return client;
  }

  /** Subscribe and wait for the server's confirmation. */
  async subscribe(...views: string[]): Promise<void> {
    const before = this.count('subscribed');
    this.ws.send(JSON.stringify({ type: 'subscribe', views }));
    await waitFor(() => this.count('subscribed') > before, 5000, 'subscribed');
  }

  async unsubscribe(...views: string[]): Promise<void> {
    const before = this.count('subscribed');
    this.ws.send(JSON.stringify({ type: 'unsubscribe', views }));
    await waitFor(() => this.count('subscribed') > before, 5000, 'subscribed');
  }

  count(type: string): number {
    return this.frames.filter((f) => f.message.type === type).length;
  }

  of(type: string): Frame['message'][] {
    return this.frames.filter((f) => f.message.type === type).map((f) => f.message);
  }

  /** Waits for the first message of `type`. */
  async next(type: string, timeoutMs = 5000): Promise<Frame['message']> {
    await waitFor(() => this.count(type) > 0, timeoutMs, `a ${type} message`);
    return this.of(type)[0];
  }

  /** The changes of every batch so far, in order. */
  changes(): { kind: string; [key: string]: unknown }[] {
    return this.of('batch').flatMap((m) => m.changes as { kind: string }[]);
  }

  batches(): Frame[] {
    return this.frames.filter((f) => f.message.type === 'batch');
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closed !== undefined, timeoutMs, 'the socket to close');
    return this.closed!;
  }

  /** Stop reading from the socket (its kernel buffers fill, then the server's). */
  pause(): void {
    rawSocket(this.ws).pause();
  }

  resume(): void {
    rawSocket(this.ws).resume();
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

/** `ws` keeps its TCP socket private; pausing it is the only way to make a real client stop reading. */
function rawSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

/** The HTTP status and JSON body a refused upgrade got. */
export async function refusedUpgrade(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
  ws.on('error', () => undefined); // the refusal is what is checked
  const [, res] = (await Promise.race([
    once(ws, 'unexpected-response'),
    once(ws, 'open').then(() => { throw new Error(`upgrade to ${url} was accepted`); }),
  ])) as [unknown, IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  ws.terminate();
  return { status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> };
}

/** A client frame (masked, as RFC 6455 requires of clients) carrying `text`; short texts only. */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length > 125) throw new Error('short frames only');
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/**
 * A TCP client that does the websocket handshake with `token`, subscribes
 * to `views`, and then never reads again (nor answers pings).
 */
export async function stalledClient(host: string, port: number, token: string, views: string[]): Promise<Socket> {
  const socket = connect({ host, port });
  await once(socket, 'connect');
  socket.write([
    'GET /ws HTTP/1.1', `Host: ${host.includes(':') ? `[${host}]` : host}:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', `Authorization: Bearer ${token}`, '', '',
  ].join('\r\n'));
  let head = '';
  while (!head.includes('\r\n\r\n')) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    head += chunk.toString('latin1');
  }
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`handshake refused: ${head.split('\r\n')[0]}`);
  socket.pause();
  socket.write(maskedTextFrame(JSON.stringify({ type: 'subscribe', views })));
  return socket;
}
