/**
 * The stop contract every source keeps: `stop()` does not resolve while an
 * emit is in flight, resolves once it is done, and may be called again.
 */
import { expect } from 'chai';
import type { Source } from '../../collector/sources/types.js';
import type { RecordingSourceContext } from './source-context.js';
import { waitFor } from './wait-for.js';

/**
 * Assert that `source.stop()` waits for the one emit `ctx` holds: it has not
 * resolved a turn of the event loop after being called, it resolves once the
 * emit is released, and a second `stop()` resolves as well. The caller has
 * set `ctx.mode = 'hold'` and made the source emit one batch.
 */
export async function expectStopWaitsForHeldEmit(source: Source, ctx: RecordingSourceContext): Promise<void> {
  await waitFor(() => ctx.held.length === 1, 5000, 'the emit');
  let stopped = false;
  const stopping = source.stop().then(() => {
    stopped = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  expect(stopped).to.equal(false);
  ctx.releaseAll();
  await stopping;
  await source.stop();
}
