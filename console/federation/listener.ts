/**
 * The link endpoints on a listener of their own: plain HTTP, or HTTPS that
 * demands a client certificate from the link CA (./tls-listener.ts), so that
 * only child nodes can even connect while the console stays reachable for
 * people.
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import express, { type Router } from 'express';
import type { Logger } from '../../collector/sources/types.js';
import { closeListener, listenOn, serverAddress, type ListenConfig } from '../../collector/sources/listen.js';
import { createLinkTlsServer } from './tls-listener.js';

export interface FederationListener {
  address(): { host: string; port: number } | undefined;
  stop(): Promise<void>;
}

export async function startFederationListener(
  listen: ListenConfig, router: Router, tls: { certFile: string; keyFile: string; caFile: string } | undefined, log: Logger,
): Promise<FederationListener> {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use('/federation/v1', router);
  app.use((_req, res) => { res.status(404).json({ error: 'not-found', message: 'this listener serves /federation/v1 only' }); });
  const server = tls
    ? createLinkTlsServer(app, { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8'), ca: readFileSync(tls.caFile, 'utf8') })
    : createServer(app);
  await listenOn(server, listen);
  log.info('federation listening', { ...serverAddress(server), tls: tls !== undefined });
  return {
    address: () => serverAddress(server),
    async stop() {
      const closed = closeListener(server);
      server.closeIdleConnections();
      await closed;
    },
  };
}
