/**
 * The live relay between the processes of one node: a change made where
 * there is no browser (a detector process) reaches the hub of every console
 * process; a change a console process made reaches its own hub once, not
 * again round the bus; a malformed message is dropped with a warning. Two
 * relays on one bus stand for two processes (the scaled-out e2e test runs
 * them as processes on Kafka).
 */
import { expect } from 'chai';
import { Topics } from '../../../core/bus/bus.js';
import { InMemoryBus } from '../../../core/bus/memory.js';
import { LiveRelay } from '../../../console/live/live-relay.js';
import type { LiveChange } from '../../../console/live/visibility.js';
import { waitFor } from '../../helpers/wait-for.js';
import { JINLING, makeAlert, makePosture, YANGTZE } from './live-fixtures.js';

describe('live relay', () => {
  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (m: string) => { warnings.push(m); }, error: () => undefined };
  let bus: InMemoryBus;
  let relays: LiveRelay[];

  beforeEach(() => {
    bus = new InMemoryBus();
    relays = [];
    warnings.length = 0;
  });
  afterEach(async () => {
    for (const relay of relays) await relay.close();
    await bus.close();
  });

  async function relay(hub?: LiveChange[]): Promise<LiveRelay> {
    const started = await LiveRelay.start({ bus, log, nodeId: 'node-1', ...(hub ? { hub: { publish: (c: LiveChange) => { hub.push(c); } } } : {}) });
    relays.push(started);
    return started;
  }

  it('brings a detector process\'s changes to every console process, in order per org', async () => {
    const consoleA: LiveChange[] = [];
    const consoleB: LiveChange[] = [];
    await relay(consoleA);
    await relay(consoleB);
    const detector = await relay();
    const changes: LiveChange[] = [
      { kind: 'alert', alert: makeAlert(JINLING, 1) }, { kind: 'alert', alert: makeAlert(YANGTZE, 2) },
      { kind: 'posture', posture: makePosture(JINLING) }, { kind: 'alert', alert: { ...makeAlert(JINLING, 1), revision: 2, status: 'acknowledged' } },
    ];
    for (const change of changes) detector.publish(change);
    await waitFor(() => consoleA.length === 4 && consoleB.length === 4, 5000, 'four changes at each console');
    expect(consoleA).to.deep.equal(changes);
    expect(consoleB).to.deep.equal(changes);
  });

  it('gives a console process its own changes once, at once', async () => {
    const own: LiveChange[] = [];
    const other: LiveChange[] = [];
    const consoleA = await relay(own);
    await relay(other);
    consoleA.publish({ kind: 'alert', alert: makeAlert(JINLING, 7) });
    expect(own, 'before any bus round trip').to.have.length(1);
    await waitFor(() => other.length === 1, 5000, 'the other console');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(own).to.have.length(1);
  });

  it('lets a console start without the broker: its own changes still reach its hub, and it keeps trying', async () => {
    const hub: LiveChange[] = [];
    let attempts = 0;
    // A broker that never answers a subscribe.
    const away = { publish: () => new Promise<void>(() => undefined), subscribe: () => { attempts++; return new Promise<never>(() => undefined); }, close: async () => undefined };
    const started = Date.now();
    const relay = await LiveRelay.start({ bus: away, log, nodeId: 'node-1', hub: { publish: (c: LiveChange) => { hub.push(c); } } }, 100);
    expect(Date.now() - started).to.be.below(2000);
    expect(attempts).to.equal(1);
    relay.publish({ kind: 'alert', alert: makeAlert(JINLING, 9) });
    expect(hub).to.have.length(1);
    await relay.close();
  });

  it('drops a malformed message with a warning and goes on', async () => {
    const hub: LiveChange[] = [];
    await relay(hub);
    const detector = await relay();
    await bus.publish(Topics.live, [{ key: JINLING, value: { origin: 'elsewhere', change: { kind: 'alert', alert: { id: 'x' } } } }]);
    detector.publish({ kind: 'alert', alert: makeAlert(JINLING, 3) });
    await waitFor(() => hub.length === 1, 5000, 'the good change');
    expect(warnings).to.deep.equal(['live relay dropped malformed changes']);
  });
});
