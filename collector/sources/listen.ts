/**
 * Listener addresses and lifecycle shared by the network sources. The default
 * host `::` with `ipv6Only: false` accepts IPv4 and IPv6 on one socket; IPv4
 * peers then appear as IPv4-mapped addresses (`::ffff:10.0.0.1`), which
 * `peerAddress` turns back into plain IPv4 for origins and logs.
 */
import { once } from 'node:events';
import { isIP, type AddressInfo, type Server } from 'node:net';
import { z } from 'zod';

export const ListenSchema = z.strictObject({
  /** Address to bind. `::` (default) is dual-stack; `0.0.0.0` is IPv4 only. */
  host: z.string().refine((h) => isIP(h) !== 0, 'host must be an IPv4 or IPv6 address').default('::'),
  /** Port to bind; 0 picks a free one (tests). */
  port: z.number().int().min(0).max(65535),
});

export type ListenConfig = z.output<typeof ListenSchema>;

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
