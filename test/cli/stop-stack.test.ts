import { expect } from 'chai';
import { StopStack } from '../../cli/stop-stack.js';
import { JsonLogger } from '../../core/telemetry.js';

/** A logger that keeps its lines. */
function capture(): { log: JsonLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: new JsonLogger('debug', {}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>)), lines };
}

describe('StopStack (what a node undoes on SIGTERM)', () => {
  it('runs the steps last added first, each once, however often stop is called', async () => {
    const { log } = capture();
    const stack = new StopStack(log);
    const ran: string[] = [];
    for (const name of ['store', 'bus', 'detector', 'sources']) stack.add(name, () => { ran.push(name); });
    await Promise.all([stack.stop(), stack.stop()]);
    await stack.stop();
    expect(ran).to.deep.equal(['sources', 'detector', 'bus', 'store']);
    expect(() => stack.add('late', () => undefined)).to.throw(/while stopping/);
  });

  it('runs the rest when a step throws or rejects, and names each failed step in the log', async () => {
    const { log, lines } = capture();
    const stack = new StopStack(log);
    const ran: string[] = [];
    stack.add('store', () => { ran.push('store'); });
    stack.add('bus', async () => { ran.push('bus'); });
    stack.add('store writer', async () => { throw new Error('The group is rebalancing'); });
    stack.add('detector', () => { throw new TypeError('boom'); });
    const outcome = await stack.stop().then(() => undefined, (err: unknown) => err);
    expect(ran, 'the bus and the store are closed all the same').to.deep.equal(['bus', 'store']);
    expect(outcome, 'stop rejects once every step has run').to.be.instanceOf(AggregateError);
    expect((outcome as AggregateError).errors.map((e: Error) => e.message)).to.deep.equal(['boom', 'The group is rebalancing']);
    const failures = lines.filter((l) => l.msg === 'stop step failed; stopping the rest');
    expect(failures.map((l) => [l.step, (l.error as { message: string; type: string }).message, (l.error as { type: string }).type]))
      .to.deep.equal([['detector', 'boom', 'TypeError'], ['store writer', 'The group is rebalancing', 'Error']]);
    expect(lines.at(-1)).to.include({ msg: 'node stopped', failedSteps: 2 });
  });

  it('names a step that takes long while it runs', async () => {
    const { log, lines } = capture();
    const stack = new StopStack(log, 20);
    stack.add('quick', () => undefined);
    // Long against the interval, so that a late event loop still sees it fire twice.
    stack.add('store writer', () => new Promise((resolve) => setTimeout(resolve, 300)));
    await stack.stop();
    const slow = lines.filter((l) => l.msg === 'still stopping');
    expect(slow.length, 'logged while it ran').to.be.at.least(2);
    expect(new Set(slow.map((l) => l.step))).to.deep.equal(new Set(['store writer']));
    expect(lines.at(-1)).to.include({ msg: 'node stopped' }).and.not.have.property('failedSteps');
  });
});
