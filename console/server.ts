/**
 * The console's HTTP listener: the read API on a dual-stack address, closed
 * cleanly on stop (in-flight requests finish, idle keep-alive sockets go).
 */
import { createServer, type Server } from 'node:http';
import { closeListener, listenOn, serverAddress, type ListenConfig } from '../collector/sources/listen.js';
import { createConsoleApi, type ApiDeps } from './api.js';

export class ConsoleServer {
  private server: Server | undefined;

  constructor(private readonly listen: ListenConfig, private readonly deps: ApiDeps) {}

  async start(): Promise<void> {
    const server = createServer(createConsoleApi(this.deps));
    // A stalled client cannot hold a socket for ever.
    server.headersTimeout = 20_000;
    server.requestTimeout = 60_000;
    await listenOn(server, this.listen);
    this.server = server;
    this.deps.log.info('console listening', { ...this.address() });
  }

  address(): { host: string; port: number } | undefined {
    return serverAddress(this.server);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = closeListener(server);
    server.closeIdleConnections();
    await closed;
  }
}
