/**
 * The console's HTTP listener: the API on a dual-stack address, and, when
 * given a live hub, the live views' websocket endpoint on the same listener
 * (./live/ws-server.ts). Closed cleanly on stop: websocket clients first
 * (1001, going away), then in-flight requests finish and idle keep-alive
 * sockets go.
 *
 * With `listen.tls` it is one HTTPS listener for all three (the API, /ws as
 * wss:, the web page), demanding a client certificate when `tls.caFile` is set.
 */
import type { Server } from 'node:http';
import { closeListener, createHttpListener, listenOn, serverAddress, trackHandshakes, type TlsListenConfig } from '../collector/sources/listen.js';
import { createConsoleApi, type ApiDeps } from './api.js';
import { LiveServer, type LiveServerOptions } from './live/ws-server.js';

/** The live views: the hub changes are published to, who an upgrade speaks for, socket limits. The log is the API's. */
export type ConsoleLiveOptions = Omit<LiveServerOptions, 'log'>;

export class ConsoleServer {
  private server: Server | undefined;
  private live: LiveServer | undefined;
  private handshakes: ReturnType<typeof trackHandshakes> | undefined;

  constructor(private readonly listen: TlsListenConfig, private readonly deps: ApiDeps, private readonly liveOptions?: ConsoleLiveOptions) {}

  async start(): Promise<void> {
    // Stalled clients are cut by the listener's header and request timeouts.
    const server = createHttpListener(createConsoleApi(this.deps), this.listen, 'console.listen.tls');
    if (this.liveOptions) {
      const live = new LiveServer({ ...this.liveOptions, log: this.deps.log });
      live.attach(server);
      this.live = live;
    }
    const handshakes = this.listen.tls ? trackHandshakes(server) : undefined;
    await listenOn(server, this.listen);
    this.server = server;
    this.handshakes = handshakes;
    this.deps.log.info('console listening', { ...this.address(), live: this.live !== undefined, ...(this.listen.tls ? { tls: true } : {}) });
  }

  address(): { host: string; port: number } | undefined {
    return serverAddress(this.server);
  }

  /** Live sockets open now (0 without live views). */
  liveConnections(): number {
    return this.live?.connections ?? 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Upgraded sockets count as the listener's connections: it cannot close while they are open.
    const live = this.live;
    this.live = undefined;
    await live?.close();
    const closed = closeListener(server);
    server.closeIdleConnections();
    // Requests in flight may finish; a socket still in its TLS handshake has none, and would hold the close.
    this.handshakes?.destroyAll();
    this.handshakes = undefined;
    await closed;
  }
}
