/**
 * The composition root of a node: builds the registry, store, bus, ingest
 * pipeline, store writer and sources from a validated config, and stops
 * them in the reverse order (sources first, so nothing new arrives; then the
 * bus drains into the store; then the store closes).
 */
import { mkdirSync } from 'node:fs';
import type { Bus } from '../core/bus/bus.js';
import { InMemoryBus } from '../core/bus/memory.js';
import { OrgRegistry } from '../core/orgs.js';
import { StoreSink } from '../core/store/sink.js';
import { SqliteStore } from '../core/store/sqlite/sqlite-store.js';
import type { Store } from '../core/store/store.js';
import { CounterMetrics, JsonLogger } from '../core/telemetry.js';
import { IngestPipeline } from '../collector/pipeline.js';
import { parsers as builtinParserTable, type ParserTable } from '../collector/parsers/index.js';
import { sourceUnit } from '../collector/sources/index.js';
import type { Source, SourceContext } from '../collector/sources/types.js';
import { IngestTokens } from '../collector/tokens.js';
import { DetectorStage } from '../detector/stage.js';
import type { NodeConfig } from './node-config.js';

export interface RunningNode {
  readonly config: NodeConfig;
  readonly registry: OrgRegistry;
  readonly store: Store;
  readonly bus: Bus;
  readonly pipeline: IngestPipeline;
  readonly metrics: CounterMetrics;
  readonly log: JsonLogger;
  /** Sources in config order, with their type. */
  readonly sources: readonly { type: string; source: Source }[];
  /** Present when the config has a `detector` section. */
  readonly detector?: DetectorStage;
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  readonly parsers?: ParserTable;
  readonly log?: JsonLogger;
}

export async function startNode(config: NodeConfig, options: StartNodeOptions = {}): Promise<RunningNode> {
  const log = options.log ?? new JsonLogger(config.log.level, { node: config.node.id });
  const metrics = new CounterMetrics();
  const registry = OrgRegistry.load(config.registry);
  mkdirSync(config.dataDir, { recursive: true });
  const tokens = config.ingestTokens ? IngestTokens.load(config.ingestTokens) : new IngestTokens([]);
  const unknownTokenOrgs = tokens.grants().filter((g) => !registry.get(g.orgId));
  if (unknownTokenOrgs.length) {
    throw new Error(`ingest tokens name orgs missing from the registry: ${unknownTokenOrgs.map((g) => `${g.tokenId} -> ${g.orgId}`).join(', ')}`);
  }

  const store = SqliteStore.open({ path: config.store.path!, synchronous: config.store.synchronous });
  const bus = new InMemoryBus({ capacity: config.bus.capacity });
  const sink = await StoreSink.start(bus, store, metrics);
  // Subscribed before any source starts, so every event is offered to the rules.
  const detector = config.detector
    ? await DetectorStage.start({ bus, registry, rules: config.detector.rules, reloadIntervalMs: config.detector.reloadIntervalMs, metrics, log })
    : undefined;
  const pipeline = new IngestPipeline({ parsers: options.parsers ?? builtinParserTable, registry, bus, metrics });

  const ctx: SourceContext = {
    emit: (records) => pipeline.emit(records),
    deadLetter: (letter) => pipeline.deadLetter(letter),
    endStream: (stream) => pipeline.endStream(stream),
    dataDir: config.dataDir,
    tokens,
    log,
    metrics,
  };
  const sources = config.sourceConfigs.map(({ type, config: sourceConfig }) => {
    const unit = sourceUnit(type)!;
    return { type, source: unit.build(sourceConfig, ctx) };
  });

  const retention = setInterval(() => {
    const cutoff = new Date(Date.now() - config.store.retentionDays * 86_400_000);
    store.deleteOlderThan(cutoff).then(
      (removed) => log.info('retention ran', { cutoff: cutoff.toISOString(), ...removed }),
      (error: unknown) => log.error('retention failed', { error }),
    );
  }, 3_600_000);
  retention.unref();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(retention);
      await Promise.allSettled(sources.map(({ source }) => source.stop()));
      await detector?.close();
      await sink.close();
      await bus.close();
      await store.close();
      log.info('node stopped');
    })();
    return stopping;
  };

  try {
    for (const { type, source } of sources) {
      await source.start();
      const address = source.address?.();
      log.info('source started', { type, ...(address ? { host: address.host, port: address.port } : {}) });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { config, registry, store, bus, pipeline, metrics, log, sources, stop, ...(detector ? { detector } : {}) };
}
