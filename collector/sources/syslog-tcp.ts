/**
 * Syslog over TCP (RFC 6587), octet-counted or newline-framed, detected per
 * connection; over TLS (RFC 5425) when `listen.tls` is given, with the same
 * framing inside it (and client certificates demanded when `listen.tls.caFile` is set).
 *
 *   { type: syslog-tcp, listen: { port: 6514 }, routes: [{ from: [10.1.0.0/16], org: ent-a, parser: iptables }] }
 *   { type: syslog-tcp, listen: { port: 6514, tls: { certFile: syslog.pem, keyFile: syslog.key } }, org: ent-a, parser: cef }
 *
 * Each connection is one stream (`syslog-tcp:[::1]:53122`): its records are
 * batched (`batchMaxRecords` / `flushIntervalMs`) and the socket is paused
 * while a batch is being stored, so a slow pipeline slows the sender through
 * TCP flow control instead of filling memory. TCP syslog has no
 * acknowledgement: a batch the pipeline refuses outright is logged and
 * counted as `emit-failed`; and at stop, each connection first reads what
 * its sender already sent (until quiet, at most `stopGraceMs`) before it is
 * cut, so a restart does not drop what sat in the socket buffers.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { z } from 'zod';
import { AutoSyslogFramer } from '../framing/octet-counting.js';
import { RecordBatcher } from './batcher.js';
import { closeListener, hostPort, listenOn, listenTlsOptions, peerAddress, serverAddress, trackHandshakes } from './listen.js';
import { PendingWork } from './pending-work.js';
import { checkFallback, SenderRoutes } from './sender-routes.js';
import { deadLetterOversized, syslogBatchSender, syslogListenerShape, syslogRecord } from './syslog-records.js';
import { SourceMetric } from './telemetry.js';
import type { Source, SourceContext, SourceUnit } from './types.js';

const TYPE = 'syslog-tcp' as const;

export const SyslogTcpConfigSchema = z.strictObject({
  ...syslogListenerShape(TYPE),
  /**
   * At stop, how long connections may go on delivering what their senders
   * already sent (TCP syslog has no acknowledgement: what sits unread in the
   * socket buffers would be lost with the connection). A connection is cut
   * once it has been quiet for a moment, or when this is up.
   */
  stopGraceMs: z.number().int().min(0).default(5_000),
}).superRefine(checkFallback);

/** A connection that has read nothing for this long at stop has nothing more on its way. */
const DRAIN_QUIET_MS = 100;
const DRAIN_CHECK_MS = 20;

export type SyslogTcpConfig = z.output<typeof SyslogTcpConfigSchema>;

interface Connection {
  readonly socket: Socket;
  /** Resolves once the connection's records are all handed over and its stream is ended. */
  readonly done: Promise<void>;
  /** When it last read something or was last held back by a batch being stored (ms since epoch). */
  lastActive: number;
  /** Its reading is paused while a batch is being stored: waiting, not quiet. */
  held: boolean;
}

/** A running syslog-tcp listener. */
export class SyslogTcpSource implements Source {
  private readonly routes: SenderRoutes;
  private readonly send: ReturnType<typeof syslogBatchSender>;
  private server: Server | undefined;
  private handshakes: ReturnType<typeof trackHandshakes> | undefined;
  private readonly connections = new Set<Connection>();
  private readonly sideWork = new PendingWork();
  private stopped: Promise<void> | undefined;

  constructor(private readonly config: SyslogTcpConfig, private readonly ctx: SourceContext) {
    this.routes = new SenderRoutes(config);
    this.send = syslogBatchSender(ctx, TYPE);
  }

  readonly address = (): { host: string; port: number } | undefined => serverAddress(this.server);

  async start(): Promise<void> {
    if (this.server) throw new Error('syslog-tcp source already started');
    const { tls } = this.config.listen;
    // A TLS server hands over each socket once its handshake is done; what is read from it is plain syslog as over TCP.
    const server = tls
      ? createTlsServer(listenTlsOptions(tls), (socket) => this.accept(socket))
      : createServer((socket) => this.accept(socket));
    if (tls) {
      this.handshakes = trackHandshakes(server);
      // A failed handshake (no or a wrong client certificate, plain TCP) never becomes a connection; say who it was.
      server.on('tlsClientError', (err: Error, socket: Socket) => {
        this.ctx.log.warn('syslog-tcp TLS handshake failed', { peer: peerAddress(socket.remoteAddress), error: err.message });
      });
    }
    this.server = server;
    await listenOn(server, this.config.listen);
    server.on('error', (err) => this.ctx.log.error('syslog-tcp listener error', { error: String(err) }));
    this.ctx.log.info('syslog-tcp listening', { ...this.address(), ...(tls ? { tls: true } : {}) });
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = closeListener(server);
    // Sockets still in their TLS handshake are no connection yet, but hold the close.
    this.handshakes?.destroyAll();
    await this.drainConnections();
    await Promise.all([...this.connections].map((c) => c.done));
    await this.sideWork.settled();
    await closed;
  }

  /** Let each connection read what is on its way, then cut it: once quiet (not merely held back), or at the grace period's end. */
  private async drainConnections(): Promise<void> {
    const deadline = Date.now() + this.config.stopGraceMs;
    while (this.connections.size > 0) {
      const now = Date.now();
      for (const conn of this.connections) {
        const quiet = !conn.held && now - conn.lastActive >= DRAIN_QUIET_MS;
        if (quiet || now >= deadline) conn.socket.destroy();
      }
      if (now >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_CHECK_MS));
    }
  }

  private accept(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    const peer = peerAddress(socket.remoteAddress);
    const origin = `${TYPE}:${hostPort(peer, socket.remotePort ?? 0)}`;
    const route = this.routes.resolve(socket.remoteAddress ?? '');
    const framer = new AutoSyslogFramer({ maxMessageBytes: this.config.maxMessageBytes });
    let closing = false;
    let resolveDone!: () => void;
    const conn: Connection = { socket, done: new Promise<void>((resolve) => { resolveDone = resolve; }), lastActive: Date.now(), held: false };
    const batcher = new RecordBatcher({
      maxRecords: this.config.batchMaxRecords,
      flushIntervalMs: this.config.flushIntervalMs,
      send: this.send,
      onBusyChange: (busy) => {
        conn.held = busy;
        conn.lastActive = Date.now();
        if (busy) socket.pause();
        else if (!closing) socket.resume();
      },
    });
    const where = { stream: origin, origin, input: TYPE };

    const handle = (frames: ReturnType<AutoSyslogFramer['push']>, receivedAt: Date): void => {
      for (const frame of frames) {
        if (frame.type === 'message') {
          this.ctx.metrics.increment(SourceMetric.recordsReceived, { source: TYPE });
          batcher.add(syslogRecord(frame.text, receivedAt, route, where));
        } else if (frame.type === 'oversized') {
          this.ctx.metrics.increment(SourceMetric.recordsReceived, { source: TYPE });
          this.sideWork.add(deadLetterOversized(this.ctx, TYPE, frame.head, route, origin, this.config.maxMessageBytes));
        } else {
          this.ctx.metrics.increment(SourceMetric.recordsDropped, { source: TYPE, reason: 'framing' });
          this.ctx.log.warn('syslog-tcp framing error; closing the connection', { origin, reason: frame.reason });
          socket.destroy();
        }
      }
    };

    let peerEnded = false;
    socket.on('data', (chunk: Buffer) => {
      conn.lastActive = Date.now();
      handle(framer.push(chunk), new Date());
    });
    socket.on('end', () => {
      peerEnded = true;
    });
    socket.on('error', (err) => this.ctx.log.warn('syslog-tcp connection error', { origin, error: String(err) }));
    socket.once('close', () => {
      closing = true;
      // Only a sender that closed its side has finished its last message; a cut connection has not.
      if (peerEnded) handle(framer.flush(), new Date());
      void batcher.drain().then(() => {
        this.ctx.endStream(where.stream);
        this.connections.delete(conn);
        resolveDone();
      });
    });
    this.connections.add(conn);
  }
}

export const syslogTcpSource: SourceUnit<typeof SyslogTcpConfigSchema> = {
  type: TYPE,
  configSchema: SyslogTcpConfigSchema,
  build: (config, ctx) => new SyslogTcpSource(config, ctx),
};
