/**
 * Issue 7: a collector forwarding to a node that is down spools to disk and
 * delivers everything when the node returns, in order per source.
 *
 * The receiving node is a real `iisa node` process on [::1]; the forwarding
 * collector runs in this process (so the test can read its spool and
 * counters) with a file tail and a syslog-tcp listener on 127.0.0.1. The
 * receiver is stopped while both sources keep receiving, long enough for the
 * collector to fail many times and spool thousands of records (the backoff is
 * shortened so that this takes seconds, not ten minutes), then started again
 * on the same port: every record must be stored exactly once, in order per
 * source.
 */
import { expect } from 'chai';
import { appendFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { finishNodeConfig, NodeConfigSchema } from '../../cli/node-config.js';
import { startRoles, type RunningRoles } from '../../cli/node.js';
import { ForwardMetric } from '../../collector/forward/telemetry.js';
import { JsonLogger } from '../../core/telemetry.js';
import { deliveryProblems, freePort, numberedLine, receiverDb, storedLines, writeReceiverConfig } from '../helpers/forwarding.js';
import { startNodeProcess, stopNodeProcesses, type NodeProcess } from '../helpers/node-process.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const FILE_ORG = 'js-jinling-motor';
const SYSLOG_ORG = 'gd-pearl-electronics';
const TOKENS = [
  { id: 'fwd-file', org: FILE_ORG, parser: 'ecs', token: 'forward-outage-file-token-0001' },
  { id: 'fwd-syslog', org: SYSLOG_ORG, parser: 'ecs', token: 'forward-outage-syslog-token-01' },
];
const BEFORE = 100;
const DURING = 3000;

function syslogMessage(seq: number): string {
  return `<134>1 2026-11-25T06:00:00.000Z gw-03 devlog - - - ${numberedLine('syslog', seq)}\n`;
}

async function connectTcp(host: string, port: number): Promise<Socket> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Write and wait until the kernel took it (a paused listener holds it in our buffer meanwhile, which is the point). */
function send(socket: Socket, text: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(text, (err) => (err ? reject(err) : resolve())));
}

describe('forwarding collector', () => {
  describe('while the receiving node is down', function () {
    this.timeout(180_000);
    let dir: string;
    let receiver: NodeProcess | undefined;
    let collector: RunningRoles | undefined;

    after(async () => {
      await collector?.stop();
      if (receiver) await stopNodeProcesses([receiver]);
    });

    it('spools thousands of records through many failed attempts and delivers every one once, in order per source, when the node is back', async () => {
      dir = tempDir('iisa-forward-outage-');
      const port = await freePort('::1');
      const receiverConfig = writeReceiverConfig(dir, '::1', port, TOKENS);
      receiver = await startNodeProcess(receiverConfig);

      const tail = join(dir, 'device.log');
      writeFileSync(tail, '');
      const config = finishNodeConfig(NodeConfigSchema.parse({
        node: { id: 'edge', tier: 'enterprise' },
        registry: join(repoRoot, 'seeds', 'orgs.yaml'),
        dataDir: join(dir, 'edge'),
        sources: [
          { type: 'file', path: tail, org: FILE_ORG, parser: 'ecs', pollIntervalMs: 50 },
          { type: 'syslog-tcp', listen: { host: '127.0.0.1', port: 0 }, org: SYSLOG_ORG, parser: 'ecs' },
        ],
        forward: {
          url: `http://[::1]:${port}`,
          tokens: TOKENS.map((t) => ({ org: t.org, parser: t.parser, token: { value: t.token } })),
          spool: { maxBytes: 64 * 1024 * 1024, segmentBytes: 1024 * 1024 },
          batch: { maxRecords: 250, maxDelayMs: 20 },
          retry: { baseDelayMs: 20, maxDelayMs: 250 },
          timeoutMs: 5000,
        },
      }), join(dir, 'edge.yaml'));
      const edgeLog: string[] = [];
      collector = await startRoles(config, ['collector'], { log: new JsonLogger('warn', { node: 'edge' }, (line) => edgeLog.push(line)) });
      const forwarder = collector.forwarder!;
      const tcpPort = collector.sources[1].source.address!()!.port;
      const db = receiverDb(dir);

      // Before the outage: both sources reach the receiver.
      const syslog = await connectTcp('127.0.0.1', tcpPort);
      appendFileSync(tail, Array.from({ length: BEFORE }, (_, i) => numberedLine('file', i) + '\n').join(''));
      await send(syslog, Array.from({ length: BEFORE }, (_, i) => syslogMessage(i)).join(''));
      await waitFor(() => storedLines(db).length === 2 * BEFORE, 30_000, () => `${2 * BEFORE} events at the receiver (${storedLines(db).length})`);

      // The receiver goes away; the sources keep receiving.
      await stopNodeProcesses([receiver]);
      receiver = undefined;
      const failuresBefore = collector.metrics.total(ForwardMetric.sendFailures);
      for (let chunk = 0; chunk < DURING; chunk += 500) {
        appendFileSync(tail, Array.from({ length: 500 }, (_, i) => numberedLine('file', BEFORE + chunk + i) + '\n').join(''));
        await send(syslog, Array.from({ length: 500 }, (_, i) => syslogMessage(BEFORE + chunk + i)).join(''));
      }
      const failures = () => collector!.metrics.total(ForwardMetric.sendFailures) - failuresBefore;
      await waitFor(() => forwarder.spool.pendingRecords >= 2 * DURING && failures() >= 20, 60_000,
        () => `${2 * DURING} records in the spool and 20 failed attempts (${forwarder.spool.pendingRecords} spooled, ${failures()} failures); collector log:\n${edgeLog.slice(-10).join('\n')}`);
      // The outage was logged, a few lines rather than one per attempt.
      const outageLines = edgeLog.filter((l) => l.includes('the remote is not answering'));
      expect(outageLines.length).to.be.within(1, Math.ceil(Math.log2(failures())) + 2);
      expect(storedLines(db).length, 'nothing reached the stopped receiver').to.equal(2 * BEFORE);

      // Back on the same port: everything arrives.
      receiver = await startNodeProcess(receiverConfig);
      const total = 2 * (BEFORE + DURING);
      await waitFor(() => storedLines(db).length >= total && forwarder.spool.pendingRecords === 0, 90_000,
        () => `${total} events at the receiver (${storedLines(db).length}; ${forwarder.spool.pendingRecords} still spooled); collector log:\n${edgeLog.slice(-10).join('\n')}`);
      const stored = storedLines(db);
      expect([...deliveryProblems(stored, 'file', BEFORE + DURING), ...deliveryProblems(stored, 'syslog', BEFORE + DURING)]).to.deep.equal([]);
      expect(stored).to.have.length(total);
      syslog.destroy();
    });
  });
});
