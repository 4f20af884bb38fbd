/**
 * A parent unreachable for an hour, with time scaled 1:1000 so the test
 * takes seconds: the production backoff (1 s doubling to 60 s) becomes
 * 1 ms to 60 ms, an hour becomes 3.6 s, a posture period (5 minutes) 300 ms.
 * While the link is down the child keeps queueing what it would have sent
 * (escalated alert revisions, a posture summary per period); when the link
 * comes back everything arrives once, oldest first, within a pause or two,
 * and the failures have not flooded the log.
 */
import { expect } from 'chai';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { listenOn, closeListener } from '../../../collector/sources/listen.js';
import { waitFor } from '../../helpers/wait-for.js';
import { freePort } from '../../helpers/federation.js';
import { JINLING, alert, alertItem, posture, postureItem } from './fixtures.js';
import { close, startParent } from './parent-fixture.js';
import { agentFor, startChild } from './child-fixture.js';

const SCALE = 1 / 1000;
const HOUR_MS = 3_600_000 * SCALE;
const POSTURE_PERIOD_MS = 300_000 * SCALE;

/** The network between child and parent: a port that forwards to the parent while up and has nothing listening while down. */
class Link {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(readonly port: number, private readonly target: number) {}

  async up(): Promise<void> {
    const server = createServer((socket) => {
      const upstream = connect({ host: '::1', port: this.target });
      for (const s of [socket, upstream]) {
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      socket.pipe(upstream).pipe(socket);
    });
    await listenOn(server, { host: '::1', port: this.port });
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = closeListener(server);
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe('a parent unreachable for an hour (time scaled 1:1000)', function () {
  this.timeout(60_000);

  it('delivers every item queued meanwhile once, oldest first, soon after the link is back, and logs the outage sparingly', async () => {
    const parent = await startParent();
    const child = startChild();
    const link = new Link(await freePort('::1'), parent.port);
    const agent = agentFor(child, `http://[::1]:${link.port}`, { idleMs: 2, backoff: { initialMs: 1_000 * SCALE, maxMs: 60_000 * SCALE } });
    try {
      await link.up();
      agent.start();
      await child.outbox.enqueue(alertItem(alert({ id: 'before', revision: 1 })));
      await waitFor(async () => parent.received.includes('alert:before') && (await child.outbox.size()) === 0, 5_000, 'the first item up while the link works');

      await link.down();
      const queued: string[] = [];
      const started = Date.now();
      // An hour of a busy plant: a posture summary every period, alert revisions in between.
      for (let period = 1; Date.now() - started < HOUR_MS; period++) {
        const end = new Date(Date.UTC(2026, 10, 26, 0, 0, 0) + period * 300_000).toISOString();
        const summary = postureItem(posture(JINLING, end));
        await child.outbox.enqueue(summary);
        queued.push(summary.id);
        for (let revision = 1; revision <= 3; revision++) {
          const item = alertItem(alert({ id: `during-${period}-${revision}`, revision }));
          await child.outbox.enqueue(item);
          queued.push(item.id);
        }
        await new Promise((r) => setTimeout(r, POSTURE_PERIOD_MS));
      }
      expect(parent.received, 'nothing can arrive while the link is down').to.not.include(queued[0]);
      expect(await child.outbox.size()).to.equal(queued.length);

      const back = Date.now();
      await link.up();
      await waitFor(async () => (await child.outbox.size()) === 0, 10_000, 'the outbox drained');
      const drainedMs = Date.now() - back;
      const arrived = parent.received.filter((id) => id !== 'alert:before');
      expect(arrived, 'each once, oldest first').to.deep.equal(queued);
      // Back within the longest pause (60 ms here, a minute in production) plus the rounds that carry the backlog.
      console.log(`      ${queued.length} items queued over the scaled hour; all delivered ${drainedMs} ms after the link came back`);

      const warnings = child.lines.filter((l) => l.level === 'warn' && /parent link round failed/.test(String(l.msg)));
      const failedRounds = Math.max(...warnings.map((l) => Number(l.failures ?? 0)));
      expect(failedRounds, 'the agent kept trying through the hour').to.be.at.least(40);
      expect(warnings.length, 'the first failure and every 20th, not every one').to.be.at.most(2 * (Math.ceil(failedRounds / 20) + 1));
      expect(child.lines.some((l) => /parent link back/.test(String(l.msg)))).to.equal(true);
    } finally {
      await agent.stop();
      await link.down();
      await close(parent.server);
      await parent.store.close();
      await child.store.close();
    }
  });
});
