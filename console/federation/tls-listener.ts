/**
 * An HTTPS listener for federation links that demands a client certificate
 * signed by the link CA: a child without one cannot even open a connection,
 * which keeps strangers away from the link endpoints before any request
 * signature is looked at. The request signature (./link-auth-middleware.ts)
 * still decides which link is talking; the certificate only decides who may
 * connect.
 */
import { createServer, type Server } from 'node:https';
import type { RequestListener } from 'node:http';
import { z } from 'zod';
import { describeIssues } from '../../core/config.js';

const Pem = z.string().includes('-----BEGIN ', { message: 'must be PEM text' });

export const LinkTlsSchema = z.strictObject({
  /** This parent's certificate chain (PEM). */
  cert: Pem,
  /** Its private key (PEM). */
  key: Pem,
  /** The link CA (PEM): client certificates must chain to it. */
  ca: Pem,
});

export type LinkTlsConfig = z.output<typeof LinkTlsSchema>;

/**
 * An https server for `app` that completes a handshake only with clients
 * presenting a certificate from `tls.ca`. Bind it with `listenOn`
 * (collector/sources/listen.ts) like any other listener.
 */
export function createLinkTlsServer(app: RequestListener, tls: LinkTlsConfig): Server {
  const parsed = LinkTlsSchema.safeParse(tls);
  if (!parsed.success) throw new Error(`invalid link TLS settings: ${describeIssues(parsed.error).join('; ')}`);
  const { cert, key, ca } = parsed.data;
  const server = createServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, app);
  // A stalled client cannot hold a socket for ever (as for the console listener).
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  return server;
}
