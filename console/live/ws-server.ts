/**
 * The live views' websocket endpoint, `/ws` on the console's HTTP listener.
 *
 * An upgrade is checked before it is accepted, each refusal an HTTP answer
 * and a closed socket: another path 404, a stopping server 503, subprotocols
 * offered without `iisa.v1` 400, a browser page of another origin 403 (a
 * session cookie rides along with any page's websocket, so the origin is
 * what stops another site from reading the console as its user), no or an
 * unknown credential 401.
 *
 * Accepted sockets speak ./messages.ts; batching and back-pressure are the
 * hub's (./hub.ts). This file adds what is about the socket itself: a
 * message over `maxMessageBytes` is refused by `ws` at its frame header
 * (close 1009, never buffered); `maxBadMessages` messages that are not
 * JSON, not a known message or binary close it with 1008; a ping every
 * `heartbeatMs`, and a socket that has not answered the previous one is
 * terminated. A socket the server closes (1001, 1008, 1013) that does not
 * finish the closing handshake within `closeGraceMs` (a peer that stopped
 * reading never will) is terminated, so its buffers go with it.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger, Metrics } from '../../collector/sources/types.js';
import { peerAddress } from '../../collector/sources/listen.js';
import type { Access } from '../access.js';
import { AccessDenied } from '../access.js';
import { LiveSubprotocol, offeredSubprotocols, type Authenticate } from './auth.js';
import { CloseCodes, type LiveClient, type LiveHub } from './hub.js';
import { parseClientMessage } from './messages.js';
import { LiveViews } from './visibility.js';

export interface LiveServerOptions {
  readonly hub: LiveHub;
  readonly authenticate: Authenticate;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The upgrade path. */
  readonly path?: string;
  /** Interval between pings; a socket that has not answered the last one by the next is terminated. */
  readonly heartbeatMs?: number;
  /** Largest client message; a bigger one closes the socket with 1009. */
  readonly maxMessageBytes?: number;
  /** Bad client messages after which the socket is closed with 1008. */
  readonly maxBadMessages?: number;
  /** How long a socket the server closed may take to finish closing before it is terminated. */
  readonly closeGraceMs?: number;
  /** Browser origins allowed besides the console's own (the request's Host), e.g. `https://soc.example.cn`. */
  readonly allowedOrigins?: readonly string[];
}

interface Peer {
  readonly client: LiveClient;
  /** Answered the last ping. */
  alive: boolean;
  badMessages: number;
}

type Refusal = { status: number; outcome: string; message: string; headers?: Record<string, string> };

export class LiveServer {
  private readonly wss: WebSocketServer;
  private readonly peers = new Map<WebSocket, Peer>();
  private readonly path: string;
  private readonly closeGraceMs: number;
  private readonly maxBadMessages: number;
  private readonly heartbeatMs: number;
  private heartbeat: NodeJS.Timeout | undefined;
  private attached: Server | undefined;
  private stopping = false;

  constructor(private readonly options: LiveServerOptions) {
    this.path = options.path ?? '/ws';
    this.closeGraceMs = options.closeGraceMs ?? 2000;
    this.maxBadMessages = options.maxBadMessages ?? 5;
    this.heartbeatMs = options.heartbeatMs ?? 30_000;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes ?? 16 * 1024,
      // Compression would buy bandwidth with per-socket zlib memory, which is what a slow client must not cost.
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(LiveSubprotocol) ? LiveSubprotocol : false),
    });
  }

  /** Sockets open now. */
  get connections(): number {
    return this.peers.size;
  }

  /** Serve upgrades at the path on `server` (one server per LiveServer). */
  attach(server: Server): void {
    if (this.attached) throw new Error('the live server is already attached to an HTTP server');
    this.attached = server;
    server.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Refuse new upgrades (503), close every socket with 1001 and resolve
   * once all are closed (at most `closeGraceMs` later). Idempotent; the
   * server cannot be attached again.
   */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const open = [...this.peers.keys()];
    const closed = open.map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === ws.CLOSED) resolve();
      else ws.once('close', () => resolve());
    }));
    for (const ws of open) this.shut(ws, CloseCodes.goingAway, 'server stopping', 'shutdown');
    await Promise.all(closed);
    // The upgrade handler stays: until the HTTP listener closes too, late upgrades get a 503 rather than Node's bare hang-up.
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // A reset during the checks below must not become an unhandled 'error'; once accepted, `ws` handles the socket's errors.
    const onError = (error: Error) => this.options.log.warn('live upgrade socket failed', { peer: peerAddress(req.socket.remoteAddress), error });
    socket.on('error', onError);
    this.upgrade(req, socket, head, () => socket.off('error', onError)).catch((error: unknown) => {
      this.options.log.error('live upgrade failed', { peer: peerAddress(req.socket.remoteAddress), error });
      this.refuse(socket, { status: 500, outcome: 'error', message: 'the live view could not be opened' });
    });
  };

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, handedOver: () => void): Promise<void> {
    const refusal = this.check(req);
    if (refusal) return this.refuse(socket, refusal);
    let access: Access | undefined;
    try {
      access = await this.options.authenticate(req);
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
    }
    if (!access) {
      const sent = req.headers.authorization !== undefined || offeredSubprotocols(req).length > 1 || req.headers.cookie !== undefined;
      return this.refuse(socket, {
        status: 401, outcome: 'unauthenticated',
        message: sent ? 'unknown or expired credential' : `log in, or send an API token as "Authorization: Bearer <token>" or as the subprotocol "iisa.token.<token>" beside "${LiveSubprotocol}"`,
        headers: { 'WWW-Authenticate': 'Bearer realm="iisa"' },
      });
    }
    // The checks above may have waited: the peer may have gone, or the server begun stopping.
    if (socket.destroyed) return;
    if (this.stopping) return this.refuse(socket, { status: 503, outcome: 'unavailable', message: 'the console is stopping' });
    const known = access;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      handedOver();
      this.accept(ws, known, req);
    });
  }

  /** The refusals that need no credential check. */
  private check(req: IncomingMessage): Refusal | undefined {
    const path = new URL(req.url ?? '/', 'http://console.invalid').pathname;
    if (path !== this.path) return { status: 404, outcome: 'not-found', message: `no websocket endpoint at ${path}; the live views are at ${this.path}` };
    if (this.stopping) return { status: 503, outcome: 'unavailable', message: 'the console is stopping' };
    const offered = offeredSubprotocols(req);
    if (offered.length > 0 && !offered.includes(LiveSubprotocol)) {
      return { status: 400, outcome: 'bad-protocol', message: `offer the subprotocol "${LiveSubprotocol}" (with "iisa.token.<token>" to authenticate by token)` };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin, req.headers.host)) {
      return { status: 403, outcome: 'forbidden-origin', message: `pages from ${origin} may not open the console's live views` };
    }
    return undefined;
  }

  private originAllowed(origin: string, host: string | undefined): boolean {
    if (this.options.allowedOrigins?.includes(origin)) return true;
    try {
      return host !== undefined && new URL(origin).host === host.toLowerCase();
    } catch {
      return false;
    }
  }

  private refuse(socket: Duplex, refusal: Refusal): void {
    this.options.metrics.increment('console.live_connections', { outcome: refusal.outcome });
    if (socket.destroyed) return;
    const body = JSON.stringify({ error: refusal.outcome, message: refusal.message });
    const headers = {
      Connection: 'close', 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)),
      ...refusal.headers,
    };
    const head = [`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.once('finish', () => socket.destroy());
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  }

  private accept(ws: WebSocket, access: Access, req: IncomingMessage): void {
    const client = this.options.hub.connect({
      access,
      send: (frame) => ws.send(frame),
      bufferedBytes: () => ws.bufferedAmount,
      close: (code, reason) => this.shut(ws, code, reason),
    });
    const peer: Peer = { client, alive: true, badMessages: 0 };
    this.peers.set(ws, peer);
    const fields = { org: access.org.id, tier: access.org.tier, peer: peerAddress(req.socket.remoteAddress) };
    ws.on('pong', () => { peer.alive = true; });
    ws.on('message', (data, isBinary) => this.receive(ws, peer, data, isBinary));
    ws.on('error', (error) => this.options.log.warn('live socket failed', { ...fields, error }));
    ws.once('close', (code) => {
      client.disconnect();
      this.peers.delete(ws);
      if (code === CloseCodes.messageTooBig) this.options.metrics.increment('console.live_clients_closed', { reason: 'message-too-big' });
    });
    this.options.metrics.increment('console.live_connections', { outcome: 'accepted' });
    // An upgrade that was past its checks when stop began.
    if (this.stopping) return this.shut(ws, CloseCodes.goingAway, 'server stopping', 'shutdown');
    client.send({ type: 'hello', org: access.org.id, tier: access.org.tier, views: LiveViews });
  }

  private receive(ws: WebSocket, peer: Peer, data: RawData, isBinary: boolean): void {
    const { client } = peer;
    if (!client.connected) return;
    if (isBinary) return this.bad(ws, peer, 'binary frames are not understood; send JSON text');
    const parsed = parseClientMessage(rawText(data));
    if (!parsed.ok) return this.bad(ws, peer, parsed.error);
    const message = parsed.message;
    switch (message.type) {
      case 'subscribe':
        client.send({ type: 'subscribed', views: client.subscribe(message.views) });
        return;
      case 'unsubscribe':
        client.send({ type: 'subscribed', views: client.unsubscribe(message.views) });
        return;
      case 'ping':
        client.send({ type: 'pong' });
        return;
    }
  }

  private bad(ws: WebSocket, peer: Peer, message: string): void {
    this.options.metrics.increment('console.live_bad_messages');
    peer.badMessages += 1;
    peer.client.send({ type: 'error', message });
    if (peer.badMessages >= this.maxBadMessages) {
      this.options.log.warn('live client closed: too many bad messages', { org: peer.client.access.org.id, badMessages: peer.badMessages });
      this.shut(ws, CloseCodes.policyViolation, 'too many bad messages', 'bad-messages');
    }
  }

  private beat(): void {
    for (const [ws, peer] of this.peers) {
      if (!peer.alive) {
        this.options.metrics.increment('console.live_clients_closed', { reason: 'heartbeat' });
        this.options.log.info('live client terminated: no answer to ping', { org: peer.client.access.org.id });
        this.options.hub.forget(peer.client);
        ws.terminate();
        continue;
      }
      peer.alive = false;
      ws.ping();
    }
  }

  /**
   * Close `ws` with `code`, forgetting its client; terminate it if the
   * closing handshake has not finished `closeGraceMs` later. `reason` (for
   * the metric) is left out when the hub already counted the close.
   */
  private shut(ws: WebSocket, code: number, text: string, reason?: string): void {
    const peer = this.peers.get(ws);
    if (peer) this.options.hub.forget(peer.client);
    if (reason) this.options.metrics.increment('console.live_clients_closed', { reason });
    if (ws.readyState === ws.CLOSED) return;
    const timer = setTimeout(() => ws.terminate(), this.closeGraceMs);
    timer.unref();
    ws.once('close', () => clearTimeout(timer));
    if (ws.readyState !== ws.CLOSING) ws.close(code, text);
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}
