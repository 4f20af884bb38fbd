/**
 * Syslog over UDP (RFC 5426): one datagram is one message; a datagram holding
 * several newline-separated messages (some relays pack them) is split.
 *
 *   { type: syslog-udp, listen: { port: 5514 }, org: ent-a, parser: syslog }
 *
 * Records are batched like syslog-tcp, but UDP cannot slow its sender: when
 * more than `maxPendingRecords` wait for the pipeline, new messages are
 * dropped, counted as `collector.records_dropped{reason=overload}` and
 * logged (once when dropping starts, with the count when it ends). Behind a
 * forwarding collector whose spool is full, this is where UDP loses data.
 * The stream key is per sender address (`syslog-udp:10.0.0.5`, `syslog-udp:[2001:db8::5]`).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { z } from 'zod';
import { RecordBatcher } from './batcher.js';
import { closeListener, hostPort, peerAddress } from './listen.js';
import { PendingWork } from './pending-work.js';
import { checkFallback, SenderRoutes } from './sender-routes.js';
import { deadLetterOversized, syslogBatchSender, syslogListenerShape, syslogRecord } from './syslog-records.js';
import { SourceMetric } from './telemetry.js';
import type { Source, SourceContext, SourceUnit } from './types.js';

const TYPE = 'syslog-udp' as const;

export const SyslogUdpConfigSchema = z
  .strictObject({
    ...syslogListenerShape(TYPE),
    maxPendingRecords: z.number().int().positive().default(10_000),
  })
  .superRefine(checkFallback);

export type SyslogUdpConfig = z.output<typeof SyslogUdpConfigSchema>;

/** A running syslog-udp listener. */
export class SyslogUdpSource implements Source {
  private readonly routes: SenderRoutes;
  private readonly batcher: RecordBatcher;
  private socket: Socket | undefined;
  private readonly sideWork = new PendingWork();
  private stopped: Promise<void> | undefined;
  /** Messages dropped since the batcher last had room. */
  private overloadDrops = 0;

  constructor(private readonly config: SyslogUdpConfig, private readonly ctx: SourceContext) {
    this.routes = new SenderRoutes(config);
    this.batcher = new RecordBatcher({
      maxRecords: config.batchMaxRecords,
      flushIntervalMs: config.flushIntervalMs,
      send: syslogBatchSender(ctx, TYPE),
    });
  }

  readonly address = (): { host: string; port: number } | undefined => {
    if (!this.socket || this.stopped) return undefined;
    const info = this.socket.address();
    return { host: info.address, port: info.port };
  };

  async start(): Promise<void> {
    if (this.socket) throw new Error('syslog-udp source already started');
    const { host, port } = this.config.listen;
    const socket = createSocket({ type: isIP(host) === 4 ? 'udp4' : 'udp6', ipv6Only: false });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.ctx.log.error('syslog-udp socket error', { error: String(err) }));
    socket.on('message', (msg, rinfo) => this.receive(msg, rinfo));
    this.ctx.log.info('syslog-udp listening', { ...this.address() });
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    await closeListener(socket);
    await this.batcher.drain();
    await this.sideWork.settled();
  }

  private receive(datagram: Buffer, rinfo: RemoteInfo): void {
    if (this.stopped) return;
    const receivedAt = new Date();
    const peer = peerAddress(rinfo.address);
    const origin = `${TYPE}:${hostPort(peer, rinfo.port)}`;
    const route = this.routes.resolve(rinfo.address);
    const where = { stream: `${TYPE}:${isIP(peer) === 6 ? `[${peer}]` : peer}`, origin, input: TYPE };
    for (const message of datagram.toString('utf8').split('\n')) {
      const text = message.endsWith('\r') ? message.slice(0, -1) : message;
      if (text.trim() === '') continue;
      this.ctx.metrics.increment(SourceMetric.recordsReceived, { source: TYPE });
      if (Buffer.byteLength(text, 'utf8') > this.config.maxMessageBytes) {
        this.sideWork.add(deadLetterOversized(this.ctx, TYPE, text.slice(0, 1024), route, origin, this.config.maxMessageBytes));
      } else if (this.batcher.pending >= this.config.maxPendingRecords) {
        this.ctx.metrics.increment(SourceMetric.recordsDropped, { source: TYPE, reason: 'overload' });
        // Logged once per episode, with its count when it ends: a flood must not become a flood of log lines.
        if (this.overloadDrops++ === 0) this.ctx.log.warn('syslog-udp overloaded: dropping messages until the pipeline catches up', { pending: this.batcher.pending });
      } else {
        if (this.overloadDrops > 0) {
          this.ctx.log.warn('syslog-udp took messages again after dropping some', { dropped: this.overloadDrops });
          this.overloadDrops = 0;
        }
        this.batcher.add(syslogRecord(text, receivedAt, route, where));
      }
    }
  }
}

export const syslogUdpSource: SourceUnit<typeof SyslogUdpConfigSchema> = {
  type: TYPE,
  configSchema: SyslogUdpConfigSchema,
  build: (config, ctx) => new SyslogUdpSource(config, ctx),
};
