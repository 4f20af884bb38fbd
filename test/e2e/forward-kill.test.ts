/**
 * A forwarding collector killed with SIGKILL loses nothing it acknowledged
 * and the remote stores nothing twice.
 *
 * `iisa collector` with a `forward` section tails a file that keeps growing
 * and forwards to an `iisa node` on 127.0.0.1. Midway the receiver goes
 * away (so the spool holds records), then the collector is killed while the
 * file is still being written and the spool is being filled. Restarted on
 * the same data directory, it resumes from its saved offset and its spool:
 * once the receiver is back every line of the file is stored exactly once,
 * in order. What makes "exactly": a re-read line keeps its id (file and
 * offset), a re-sent spooled record keeps its id, and the receiver stores an
 * id once.
 */
import { expect } from 'chai';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { deliveryProblems, freePort, numberedLine, receiverDb, storedLines, writeReceiverConfig } from '../helpers/forwarding.js';
import { startNodeProcess, stopNodeProcesses, type NodeProcess } from '../helpers/node-process.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const ORG = 'js-jinling-motor';
const TOKEN = { id: 'fwd-kill', org: ORG, parser: 'ecs', token: 'forward-kill-test-token-000001' };
const TOTAL = 6000;

/** True when the spool's cursor stands at the end of its last segment: everything was answered for. */
function spoolDrained(dir: string): boolean {
  const segments = readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();
  if (segments.length === 0) return false;
  const last = segments[segments.length - 1];
  const cursor = JSON.parse(readFileSync(join(dir, 'cursor.json'), 'utf8')) as { segment: number; offset: number };
  return cursor.segment === Number(last.slice(0, -'.seg'.length)) && cursor.offset === statSync(join(dir, last)).size;
}

function writeCollectorConfig(dir: string, tail: string, port: number): string {
  const file = join(dir, 'collector.yaml');
  writeFileSync(file, stringify({
    node: { id: 'edge', tier: 'enterprise' },
    registry: join(repoRoot, 'seeds', 'orgs.yaml'),
    dataDir: join(dir, 'edge'),
    sources: [{ type: 'file', path: tail, org: ORG, parser: 'ecs', pollIntervalMs: 20, batchMaxRecords: 100 }],
    forward: {
      url: `http://127.0.0.1:${port}`,
      tokens: [{ org: ORG, parser: 'ecs', token: { value: TOKEN.token } }],
      spool: { maxBytes: 64 * 1024 * 1024, segmentBytes: 256 * 1024 },
      batch: { maxRecords: 200, maxDelayMs: 10 },
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      timeoutMs: 5000,
    },
    log: { level: 'info' },
  }));
  return file;
}

describe('forwarding collector process', () => {
  describe('SIGKILL while spooling and sending', function () {
    this.timeout(180_000);
    const processes: NodeProcess[] = [];

    after(async () => {
      await stopNodeProcesses(processes);
    });

    it('delivers every line of the file exactly once, in order, after a restart', async () => {
      const dir = tempDir('iisa-forward-kill-');
      const port = await freePort('127.0.0.1');
      const receiverConfig = writeReceiverConfig(dir, '127.0.0.1', port, [TOKEN]);
      const db = receiverDb(dir);
      const tail = join(dir, 'device.log');
      writeFileSync(tail, '');
      const collectorConfig = writeCollectorConfig(dir, tail, port);

      const receiver = await startNodeProcess(receiverConfig);
      processes.push(receiver);
      const collector = await startNodeProcess(collectorConfig, 20_000, 'collector');
      processes.push(collector);

      let written = 0;
      const write = (n: number): void => {
        appendFileSync(tail, Array.from({ length: n }, (_, i) => numberedLine('file', written + i) + '\n').join(''));
        written += n;
      };
      write(2000);
      await waitFor(() => storedLines(db).length >= 500, 60_000, () => `500 events at the receiver (${storedLines(db).length})`);
      await stopNodeProcesses([receiver]);
      // Spooling while the receiver is away: the collector says so in its log.
      await waitFor(() => collector.logs.some((l) => l.msg === 'forward: the remote is not answering; records wait in the spool'), 30_000, 'the collector to notice');

      // The device writes on, a few lines at a time, and the collector is killed in the middle of it.
      let writing = true;
      const writer = (async () => {
        while (writing && written < 4000) {
          write(20);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await waitFor(() => written >= 2600, 60_000, 'the file to grow');
      collector.child.kill('SIGKILL');
      const exit = await collector.exited;
      writing = false;
      await writer;
      expect(exit.signal).to.equal('SIGKILL');
      // The rest of the file, written while nothing ran.
      write(TOTAL - written);

      const again = await startNodeProcess(collectorConfig, 20_000, 'collector');
      processes.push(again);
      // What the killed collector had spooled and not delivered is still there.
      const resumed = again.logs.find((l) => l.msg === 'forward spool: records from before the restart wait to be delivered');
      expect(resumed?.records, 'records the spool kept through the kill').to.be.a('number').greaterThan(0);
      processes.push(await startNodeProcess(receiverConfig));
      await waitFor(() => storedLines(db).length >= TOTAL && spoolDrained(join(dir, 'edge', 'forward-spool')), 120_000,
        () => `${TOTAL} events at the receiver and an empty spool (${storedLines(db).length} events)`);
      const stored = storedLines(db);
      expect(deliveryProblems(stored, 'file', TOTAL)).to.deep.equal([]);
      expect(stored).to.have.length(TOTAL);
    });
  });
});
