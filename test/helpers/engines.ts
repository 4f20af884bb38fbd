/**
 * Real Elasticsearch and Kafka for the adapter suites, started through
 * `infra/engines` once per mocha run and stopped at its end.
 *
 * A suite calls `requireEngines(this)` in its `before`: the first call starts
 * the engines (or reuses engines someone already started with the default
 * state directory, which it then leaves running), later calls share the
 * result. Without Java or Maven the suite is skipped with the reason, unless
 * `IISA_REQUIRE_ENGINES=1` (set by `.ci/run`) makes that a failure.
 *
 * The root hook below (registered in .mocharc.json) runs `down` after the
 * last test, for engines this run started and only those.
 */
import { enginePrerequisites, ensureEngines, runEngines, type RunningEngines } from '../../infra/engines-env.js';
import { killLeftoverNodeProcesses } from './node-process.js';

export type Engines = Omit<RunningEngines, 'startedHere'>;

let starting: Promise<Engines> | undefined;
let startedByThisRun = false;

async function start(): Promise<Engines> {
  const engines = await ensureEngines();
  startedByThisRun = engines.startedHere;
  return engines;
}

/**
 * The running engines, starting them on first use. Call from a `before`
 * hook; it raises the hook's timeout to cover a cold Maven cache.
 */
export async function requireEngines(ctx: Mocha.Context): Promise<Engines> {
  const pre = enginePrerequisites();
  if (!pre.ok) {
    const why = `needs ${pre.missing.join(' and ')} on PATH (JDK 17+ and Maven) to run Elasticsearch and Kafka`;
    if (process.env.IISA_REQUIRE_ENGINES === '1') throw new Error(`${why}; IISA_REQUIRE_ENGINES=1 makes that a failure`);
    console.log(`      skipped: ${why}`);
    ctx.skip();
  }
  ctx.timeout(25 * 60_000);
  starting ??= start();
  return starting;
}

/** Mocha root hooks: stop what this run started. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    // A node process a failed test could not stop would hold on to the engines and keep mocha from exiting.
    const leftovers = await killLeftoverNodeProcesses();
    if (leftovers > 0) console.log(`      stopped ${leftovers} node process(es) a test left running`);
    if (!startedByThisRun) return;
    this.timeout(180_000);
    await runEngines(['down'], process.env, 170_000);
  },
};
