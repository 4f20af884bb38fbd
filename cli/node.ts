/**
 * The composition root: builds the parts of a node from a validated config
 * and stops them in the reverse order (sources first, so nothing new
 * arrives; then the detector and the store writer drain the bus; then the
 * bus and the store close).
 *
 * A node runs three roles. Embedded (`iisa node`, the default) one process
 * runs all of them over the in-process bus; scaled out each runs alone
 * (`iisa collector|detector|console`) and they meet on Kafka and
 * Elasticsearch:
 *   collector  sources -> parsers -> bus (acknowledged once the bus has it)
 *   detector   bus -> store writer (events, dead letters, rule hits), bus -> Sigma rules -> rule hits,
 *              and retention; detectors share the work through consumer groups
 *   console    the REST API over the store
 */
import { mkdirSync } from 'node:fs';
import type { Bus } from '../core/bus/bus.js';
import { describeBus, openBus } from '../core/bus/open.js';
import { OrgRegistry } from '../core/orgs.js';
import { describeStore, openStore } from '../core/store/open.js';
import { StoreSink } from '../core/store/sink.js';
import { StoreWriteHealth } from '../core/store/write-health.js';
import type { Store } from '../core/store/store.js';
import { CounterMetrics, JsonLogger } from '../core/telemetry.js';
import { IngestPipeline } from '../collector/pipeline.js';
import { sourcePairs, uncoveredPairs } from '../collector/forward/coverage.js';
import { Forwarder } from '../collector/forward/forwarder.js';
import { parsers as builtinParserTable, type ParserTable } from '../collector/parsers/index.js';
import { sourceUnit } from '../collector/sources/index.js';
import type { Source, SourceContext } from '../collector/sources/types.js';
import { ConsoleServer } from '../console/server.js';
import { Accounts } from '../console/accounts/accounts.js';
import { LiveSessionWatch } from '../console/accounts/live-session-watch.js';
import { FederationSecrets } from '../console/federation/link-secrets.js';
import { LiveHub } from '../console/live/hub.js';
import { LiveRelay } from '../console/live/live-relay.js';
import type { LiveChange } from '../console/live/visibility.js';
import { firstAuthenticated, tokenAuthenticator } from '../console/live/auth.js';
import { DetectorStage } from '../detector/stage.js';
import { AlertBook } from '../detector/alerts/alert-book.js';
import { AlertStage } from '../detector/alerts/alert-stage.js';
import { defaultGradingPolicyPath, loadGradingPolicy } from '../detector/alerts/grading.js';
import { installedDetections } from '../console/coordination/advisories.js';
import { Coordination } from '../console/coordination/coordination.js';
import { startFederationListener, type FederationListener } from '../console/federation/listener.js';
import { alertChanged } from '../console/coordination/escalation.js';
import { startJobs } from '../console/jobs/jobs.js';
import type { JobScheduler } from '../console/jobs/scheduler.js';
import type { NodeConfig } from './node-config.js';
import { loadNodeCredentials } from './node-credentials.js';
import type { ReloadOutcome } from '../core/credential-reload.js';
import { StopStack } from './stop-stack.js';

export const Roles = ['collector', 'detector', 'console'] as const;
export type Role = (typeof Roles)[number];

export interface RunningRoles {
  readonly config: NodeConfig;
  readonly roles: readonly Role[];
  readonly registry: OrgRegistry;
  readonly metrics: CounterMetrics;
  readonly log: JsonLogger;
  /** Present when a role needs it: detector and console read or write the store; collector and detector use the bus. */
  readonly store?: Store;
  readonly bus?: Bus;
  readonly pipeline?: IngestPipeline;
  /** The spool and sender of a collector with a `forward` section (then there is no pipeline). */
  readonly forwarder?: Forwarder;
  /** Sources in config order, with their type (collector role). */
  readonly sources: readonly { type: string; source: Source }[];
  /** Present when the detector role runs and the config has a `detector` section. */
  readonly detector?: DetectorStage;
  /** Present when the console role runs and the config has a `console` section. */
  readonly console?: ConsoleServer;
  /** Alerts of this node (detector and console roles). */
  readonly alerts?: AlertBook;
  /** Advisories, tasks and federation links (detector and console roles). */
  readonly coordination?: Coordination;
  /** The link endpoints' own listener, when `federation.listen` is set. */
  readonly federationListener?: FederationListener;
  /** The scheduled jobs (detector role with alerts): `runNow(name)` runs one at once. */
  readonly jobs?: JobScheduler;
  /**
   * Re-read the token files now (ingest tokens, API tokens), changed or not:
   * what SIGHUP does. A file that does not validate keeps its tokens in force.
   */
  reloadCredentials(): ReloadOutcome[];
  stop(): Promise<void>;
}

/** Every role in one process, as `iisa node` runs it: store, bus and pipeline are always there. */
export interface RunningNode extends RunningRoles {
  readonly store: Store;
  readonly bus: Bus;
  readonly pipeline: IngestPipeline;
}

export interface StartNodeOptions {
  readonly parsers?: ParserTable;
  readonly log?: JsonLogger;
}

/** Why a role set cannot run with this config, or undefined when it can. */
export function roleProblem(config: NodeConfig, roles: readonly Role[]): string | undefined {
  const alone = roles.length < Roles.length;
  const forwarding = config.forward !== undefined && roles.includes('collector');
  if (forwarding && roles.length > 1) {
    return 'a config with "forward" sends its records to another node: run it as "iisa collector" (it has no store for other roles to work on)';
  }
  const needsBus = (roles.includes('collector') && !forwarding) || roles.includes('detector');
  if (alone && needsBus && config.bus.type === 'memory') {
    return `the ${roles.join(' and ')} role${roles.length > 1 ? 's' : ''} cannot run apart from the others on the in-process bus: set bus.type to kafka (or run "iisa node")`;
  }
  if (roles.includes('console') && alone && !config.console) return 'the console role needs a "console" section (listen, apiTokens)';
  return undefined;
}

export async function startNode(config: NodeConfig, options: StartNodeOptions = {}): Promise<RunningNode> {
  const running = await startRoles(config, Roles, options);
  const { store, bus, pipeline } = running;
  if (!store || !bus || !pipeline) throw new Error('a node running every role has a store, a bus and a pipeline');
  return { ...running, store, bus, pipeline };
}

export async function startRoles(config: NodeConfig, roles: readonly Role[], options: StartNodeOptions = {}): Promise<RunningRoles> {
  const problem = roleProblem(config, roles);
  if (problem) throw new Error(problem);
  const has = (role: Role): boolean => roles.includes(role);
  const log = options.log ?? new JsonLogger(config.log.level, { node: config.node.id, roles: roles.join(',') });
  const metrics = new CounterMetrics();
  const registry = OrgRegistry.load(config.registry);
  mkdirSync(config.dataDir, { recursive: true });

  // Credentials first: a bad token file stops the start before anything listens.
  const credentials = loadNodeCredentials(config, { collector: has('collector'), console: has('console') }, registry);
  const { ingest: tokens, api: apiTokens } = credentials;
  // The grading policy too: a node with a bad policy must not start and grade by guesswork.
  const gradingPolicy = config.detector || config.console ? loadGradingPolicy(config.detector?.gradingPolicy ?? defaultGradingPolicyPath()) : undefined;
  const servedOrgs = config.node.orgs ?? registry.all().map((o) => o.id);
  const unknownServed = servedOrgs.filter((id) => !registry.get(id));
  if (unknownServed.length) throw new Error(`node.orgs names orgs missing from the registry: ${unknownServed.join(', ')}`);

  const stack = new StopStack(log);
  const stop = (): Promise<void> => stack.stop();

  try {
    const store = has('detector') || has('console') ? await openStore(config.store, registry) : undefined;
    // Where the store writer shares the process with the sources (embedded), a full disk closes ingest until a write succeeds.
    const writeHealth = new StoreWriteHealth((full) => {
      if (full) log.error('store out of disk space: ingest refuses new data until a write succeeds', { reason: full.reason });
      else log.info('store writable again: ingest resumed');
    });
    if (store) stack.add('store', () => store.close());
    // A console process scaled out hears the detectors' alerts on the bus (the live relay).
    const relayed = config.bus.type === 'kafka' && (has('console') || has('detector'));
    const bus = (has('collector') && !config.forward) || has('detector') || relayed ? openBus(config.bus, log) : undefined;
    if (bus) stack.add('bus', () => bus.close());

    let coordination: Coordination | undefined;
    let linkSecrets: FederationSecrets | undefined;
    let alerts: AlertBook | undefined;
    // Live views: the console's hub hears every change made in this process (alerts, posture, advisories, tasks),
    // and, on Kafka, those made in the node's other processes (console/live/live-relay.ts).
    const hub = has('console') && config.console ? new LiveHub({ log, metrics, batchMs: config.console.liveBatchMs, provinceOf: (id) => registry.get(id)?.province }) : undefined;
    const relay = relayed && bus ? await LiveRelay.start({ bus, log, nodeId: config.node.id, ...(hub ? { hub } : {}) }) : undefined;
    if (relay) stack.add('live relay', () => relay.close());
    const publish = relay ? (change: LiveChange) => relay.publish(change) : hub ? (change: LiveChange) => hub.publish(change) : undefined;
    if (store && gradingPolicy) {
      // The console process checks the children's requests and runs the link agent: it follows the secret files.
      linkSecrets = has('console') ? new FederationSecrets(config.federation, { parent: true }) : undefined;
      coordination = new Coordination({
        store, registry, nodeId: config.node.id, tier: config.node.tier, servedOrgs, log,
        ...(linkSecrets ? { linkSecrets } : {}),
        ...(config.federation ? { federation: config.federation } : {}),
        runAgent: has('console'),
        ...(publish ? { publish } : {}),
      });
      alerts = new AlertBook({
        store, registry, policy: () => gradingPolicy, nodeId: config.node.id,
        dedupWindowMs: (config.detector?.dedupWindowMinutes ?? 60) * 60_000,
      });
    }

    let detector: DetectorStage | undefined;
    let jobs: JobScheduler | undefined;
    if (has('detector') && store && bus) {
      const sink = await StoreSink.start(bus, store, metrics, { health: writeHealth });
      stack.add('store writer', () => sink.close());
      // Subscribed before any source starts, so every event is offered to the rules.
      if (config.detector) {
        const stage = await DetectorStage.start({
          bus, registry, rules: config.detector.rules, reloadIntervalMs: config.detector.reloadIntervalMs,
          quietBeforeClockMs: config.detector.quietBeforeClockMs, metrics, log,
          extraRules: () => installedDetections(store),
        });
        stack.add('detector', () => stage.close());
        detector = stage;
        if (alerts && coordination) {
          const ctx = coordination.ctx;
          const alerting = await AlertStage.start({ bus, book: alerts, log, metrics, onChange: (alert) => alertChanged(ctx, alert) });
          stack.add('alerting', () => alerting.close());
        }
      }
      if (alerts && coordination) {
        // Retention, posture, overdue tasks, reminders, silent sources and scheduled searches (console/jobs).
        jobs = await startJobs({
          config: config.jobs, ctx: coordination.ctx, tasks: coordination.tasks, alerts, log,
          retentionDays: config.store.retentionDays, rules: config.detector?.rules ?? [], extraRules: () => installedDetections(store),
        });
        const scheduler = jobs;
        stack.add('jobs', () => scheduler.stop());
      } else {
        const retention = setInterval(() => {
          const cutoff = new Date(Date.now() - config.store.retentionDays * 86_400_000);
          store.deleteOlderThan(cutoff).then(
            (removed) => log.info('retention ran', { cutoff: cutoff.toISOString(), ...removed }),
            (error: unknown) => log.error('retention failed', { error: String(error) }),
          );
        }, 3_600_000);
        retention.unref();
        stack.add('retention', () => clearInterval(retention));
      }
    }

    let consoleServer: ConsoleServer | undefined;
    let federationListener: FederationListener | undefined;
    if (has('console') && store && coordination) {
      // Links from children: on a listener of their own (mutual TLS) or on the console's.
      const ownListener = config.federation?.listen !== undefined;
      if (coordination.router && ownListener && config.federation?.listen) {
        federationListener = await startFederationListener(config.federation.listen, coordination.router, config.federation.tls, log);
        const listener = federationListener;
        stack.add('federation listener', () => listener.stop());
      }
      if (config.console && apiTokens && hub) {
        const { accounts: usersFile, sessions, loginLimit } = config.console;
        const accounts = await Accounts.open({ store, registry, log, servedOrgs, config: { ...(usersFile ? { accounts: usersFile } : {}), sessions, loginLimit } });
        // A user logged out everywhere (by an admin, a new password, a disabled account) loses the live views it opened too.
        accounts.sessions.onAllEnded((userId) => {
          hub.disconnectWhere((a) => a.principal.kind === 'user' && a.principal.tokenId === userId, 'sessions ended');
        });
        // Any other end of a view's session (logout, expiry, another console process) closes it within the interval.
        const sessionWatch = new LiveSessionWatch({ sessions: accounts.sessions, hub, log, intervalMs: sessions.liveCheckSeconds * 1000 });
        const server = new ConsoleServer(config.console.listen, {
          store, registry, tokens: apiTokens, log, accounts,
          ...(alerts ? { coordination: { alerts, coordination } } : {}),
          ...(coordination.router && !ownListener ? { federation: coordination.router } : {}),
          rules: { rules: config.detector?.rules ?? [], extraRules: () => installedDetections(store) },
        }, {
          hub, metrics,
          authenticate: firstAuthenticated(sessionWatch.authenticator({ registry, accounts }), tokenAuthenticator(apiTokens, registry)),
        });
        await server.start();
        stack.add('console', () => server.stop());
        sessionWatch.start();
        stack.add('live session watch', () => sessionWatch.stop());
        consoleServer = server;
      } else if (coordination.router && !ownListener) {
        throw new Error('federation.children need a console section (the link endpoints are served on its listener) or federation.listen');
      }
      const running = coordination;
      running.start();
      stack.add('coordination', () => running.stop());
    }

    let pipeline: IngestPipeline | undefined;
    let forwarder: Forwarder | undefined;
    const sources: { type: string; source: Source }[] = [];
    if (has('collector') && config.forward) {
      // Records of a pair without a remote token could never leave the spool: refuse before anything listens.
      const tokenPairs = new Set(config.forward.tokens.map((t) => `${t.org}\u0000${t.parser}`));
      const uncovered = uncoveredPairs(sourcePairs(config.sourceConfigs, tokens.grants()), (org, parser) => tokenPairs.has(`${org}\u0000${parser}`));
      if (uncovered.length) throw new Error(`forward.tokens does not cover every source:\n${uncovered.map((u) => `  - ${u}`).join('\n')}`);
      const started = await Forwarder.start(config.forward, { log, metrics });
      forwarder = started;
      stack.add('forwarder', () => started.close());
    }
    let ctx: SourceContext | undefined;
    if (has('collector') && forwarder) {
      ctx = forwarder.sourceContext({ dataDir: config.dataDir, tokens });
    } else if (has('collector') && bus) {
      const ingest = new IngestPipeline({ parsers: options.parsers ?? builtinParserTable, registry, bus, metrics });
      pipeline = ingest;
      ctx = {
        emit: async (records, emitOptions) => {
          // Out of disk space, nothing new is taken in: HTTP answers 503 at once, the other sources wait.
          if (writeHealth.outOfSpace) {
            if (emitOptions?.waitForRoom === false) writeHealth.assertWritable();
            await writeHealth.whenWritable();
          }
          return ingest.emit(records);
        },
        deadLetter: (letter) => ingest.deadLetter(letter),
        endStream: (stream) => ingest.endStream(stream),
        dataDir: config.dataDir,
        tokens,
        log,
        metrics,
      };
    }
    if (ctx) {
      const sourceCtx = ctx;
      for (const { type, config: sourceConfig } of config.sourceConfigs) sources.push({ type, source: sourceUnit(type)!.build(sourceConfig, sourceCtx) });
      // Sources stop first (the stack unwinds in reverse), all at once.
      stack.add('sources', () => Promise.allSettled(sources.map(({ source }) => source.stop())));
      // ...and before that a full spool stops holding them back, so the batches they hold are kept, not lost.
      const spooling = forwarder;
      if (spooling) stack.add('spool admission', () => spooling.admitWaiting());
      for (const [i, { type, source }] of sources.entries()) {
        await source.start();
        const address = source.address?.();
        const listen = (config.sourceConfigs[i]?.config as { listen?: { tls?: unknown } } | undefined)?.listen;
        log.info('source started', { type, ...(address ? { host: address.host, port: address.port } : {}), ...(listen?.tls ? { tls: true } : {}) });
      }
    }

    // Token files are followed from here on; a withdrawn API token's live views are closed (a socket is authenticated when it opens).
    // Link secrets kept in files are followed the same way: a rotation needs no restart (console/federation/link-secrets.ts).
    const reloader = credentials.follow(log, (ids) => {
      const closed = hub?.disconnectWhere((a) => a.principal.kind === 'token' && ids.includes(a.principal.tokenId), 'API token withdrawn') ?? 0;
      if (closed) log.info('live views closed: their API token was withdrawn', { clients: closed });
    }, linkSecrets?.credentialFiles() ?? []);
    stack.add('token reload', () => reloader.close());

    log.info('roles started', {
      roles: roles.join(','),
      ...(store ? { store: describeStore(config.store) } : {}),
      ...(bus ? { bus: describeBus(config.bus) } : {}),
    });
    return {
      config, roles, registry, metrics, log, sources, stop,
      reloadCredentials: () => reloader.reloadAll(),
      ...(store ? { store } : {}), ...(bus ? { bus } : {}), ...(pipeline ? { pipeline } : {}), ...(forwarder ? { forwarder } : {}),
      ...(detector ? { detector } : {}), ...(consoleServer ? { console: consoleServer } : {}),
      ...(alerts ? { alerts } : {}), ...(coordination ? { coordination } : {}), ...(federationListener ? { federationListener } : {}),
      ...(jobs ? { jobs } : {}),
    };
  } catch (err) {
    // The start's own error is the one to report; a stop step that fails as well is in the log.
    await stop().catch(() => undefined);
    throw err;
  }
}
