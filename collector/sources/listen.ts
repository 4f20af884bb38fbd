/**
 * Listener addresses and lifecycle shared by the network sources and the
 * console. The default host `::` with `ipv6Only: false` accepts IPv4 and IPv6
 * on one socket; IPv4 peers then appear as IPv4-mapped addresses
 * (`::ffff:10.0.0.1`), which `peerAddress` turns back into plain IPv4 for
 * origins and logs.
 *
 * A TCP listener may also take `tls` (TlsListenSchema): a certificate and key
 * it presents, and optionally a CA whose client certificates it demands
 * (mutual TLS). UDP listeners keep the plain ListenSchema, which refuses it.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createPlainServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createTlsHttpServer } from 'node:https';
import { isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, type TlsOptions } from 'node:tls';
import { z } from 'zod';

export const ListenSchema = z.strictObject({
  /** Address to bind. `::` (default) is dual-stack; `0.0.0.0` is IPv4 only. */
  host: z.string().refine((h) => isIP(h) !== 0, 'host must be an IPv4 or IPv6 address').default('::'),
  /** Port to bind; 0 picks a free one (tests). */
  port: z.number().int().min(0).max(65535),
});

export type ListenConfig = z.output<typeof ListenSchema>;

export const ListenTlsSchema = z.strictObject({
  /** The certificate chain this listener presents (PEM file). */
  certFile: z.string().min(1),
  /** Its private key (PEM file). */
  keyFile: z.string().min(1),
  /** When given, clients must present a certificate signed by this CA (PEM file): mutual TLS. */
  caFile: z.string().min(1).optional(),
  /** Oldest protocol version accepted. */
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
});

export type ListenTlsConfig = z.output<typeof ListenTlsSchema>;

/** A TCP listener's address, with TLS when `tls` is given. */
export const TlsListenSchema = ListenSchema.extend({ tls: ListenTlsSchema.optional() });

export type TlsListenConfig = z.output<typeof TlsListenSchema>;

const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** A peer address as people write it: IPv4-mapped IPv6 becomes IPv4. */
export function peerAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = MAPPED_V4.exec(address);
  return mapped ? mapped[1] : address;
}

/** `10.0.0.1:514` or `[2001:db8::1]:514`. */
export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Bind `server` (a TCP or HTTP server) to `listen`, dual-stack when the host
 * is `::`. Resolves once it is listening; rejects with the bind error
 * (address in use, no such address) and leaves no error listener behind.
 */
export async function listenOn(server: Server, listen: ListenConfig): Promise<void> {
  server.listen({ host: listen.host, port: listen.port, ipv6Only: false });
  await once(server, 'listening');
}

/** Where `server` listens, or undefined before it listens and after it closed. */
export function serverAddress(server: Server | undefined): { host: string; port: number } | undefined {
  const info = server?.address() as AddressInfo | null | undefined;
  return info ? { host: info.address, port: info.port } : undefined;
}

/**
 * Close a server or socket; resolves once it has closed (for a server: once
 * its last connection has gone). Never rejects: closing one that is not
 * listening is not an error at shutdown.
 */
export function closeListener(listener: { close(done: () => void): unknown }): Promise<void> {
  return new Promise<void>((resolve) => listener.close(() => resolve()));
}

/** A client that has not finished its handshake by then is cut (Node's default is two minutes). */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Node TLS server options for `tls`, its PEM files read now. `key` names the
 * config key in errors (`console.listen.tls`): a file that cannot be read, or
 * a certificate and key that do not make a usable pair, is an Error naming
 * the key and the path, rather than OpenSSL's words alone.
 */
export function listenTlsOptions(tls: ListenTlsConfig, key = 'listen.tls'): TlsOptions {
  const read = (name: 'certFile' | 'keyFile' | 'caFile', path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`${key}.${name}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const options: TlsOptions = {
    cert: read('certFile', tls.certFile),
    key: read('keyFile', tls.keyFile),
    ...(tls.caFile ? { ca: read('caFile', tls.caFile), requestCert: true, rejectUnauthorized: true } : {}),
    minVersion: tls.minVersion,
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
  };
  try {
    createSecureContext(options);
  } catch (err) {
    const files = [tls.certFile, tls.keyFile, ...(tls.caFile ? [tls.caFile] : [])].join(', ');
    throw new Error(`${key}: ${files} do not make a usable certificate, key${tls.caFile ? ' and CA' : ''}: ${(err as Error).message}`);
  }
  return options;
}

/**
 * An HTTP server for `app`, HTTPS when `listen.tls` is given (its files read
 * now; see listenTlsOptions). Bind it with `listenOn`.
 */
export function createHttpListener(app: RequestListener, listen: TlsListenConfig, key = 'listen.tls'): HttpServer {
  // https.Server is an http.Server to everything that uses it here (upgrade, closeIdleConnections, timeouts).
  const server = listen.tls ? createTlsHttpServer(listenTlsOptions(listen.tls, key), app) : createPlainServer(app);
  // A stalled client cannot hold a socket for ever.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  return server;
}

/**
 * Cut, at stop, the sockets of a TLS server still in their handshake (or a
 * plain-TCP client that never sends a ClientHello): they are no connection
 * yet, so an HTTPS server's closeAllConnections does not know them, yet they
 * hold the listener's close until the handshake timeout. A socket is known by
 * its peer address and port, the same before and after the handshake; once
 * past it, it is the server's (or the source's) to close like any other.
 */
export function trackHandshakes(server: Server): { destroyAll(): void } {
  const pending = new Map<string, Socket>();
  const keyOf = (socket: Socket): string => `${socket.remoteAddress ?? ''}|${socket.remotePort ?? 0}`;
  server.on('connection', (socket: Socket) => {
    const key = keyOf(socket);
    pending.set(key, socket);
    socket.once('close', () => {
      if (pending.get(key) === socket) pending.delete(key);
    });
  });
  server.on('secureConnection', (socket: Socket) => pending.delete(keyOf(socket)));
  return {
    destroyAll() {
      for (const socket of pending.values()) socket.destroy();
      pending.clear();
    },
  };
}
