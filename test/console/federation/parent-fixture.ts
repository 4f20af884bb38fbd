/**
 * A parent node for link tests: the real federation router (link
 * signatures, uplink receiver, feeds without settle delay) over a SQLite
 * store, on a dual-stack listener, serving one child link.
 */
import express from 'express';
import { createServer, type Server } from 'node:http';
import { closeListener, listenOn } from '../../../collector/sources/listen.js';
import { InMemoryNonceStore } from '../../../core/federation/nonce-store.js';
import type { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import type { JsonLogger } from '../../../core/telemetry.js';
import { AdvisoryBook } from '../../../console/coordination/advisories.js';
import type { NodeContext } from '../../../console/coordination/context.js';
import { TaskBook } from '../../../console/coordination/tasks.js';
import { Feeds } from '../../../console/federation/feeds.js';
import { federationRouter, type FederationRouterDeps } from '../../../console/federation/router.js';
import { SecurityLog } from '../../../console/federation/security-log.js';
import { UplinkReceiver } from '../../../console/federation/uplink-receiver.js';
import { JINLING, PROVINCE, nodeContext, openStore, recordingLogger, type LogLine } from './fixtures.js';

export const LINK = 'js-jinling-motor';
export const SECRET = 'jinling-link-secret-0123456789abcdef';

export interface Parent {
  readonly store: SqliteStore;
  readonly ctx: NodeContext;
  readonly feeds: Feeds;
  readonly advisories: AdvisoryBook;
  readonly tasks: TaskBook;
  readonly security: SecurityLog;
  /** Uplink item ids in the order the receiver got them. */
  readonly received: string[];
  readonly server: Server;
  readonly port: number;
  readonly log: JsonLogger;
  readonly lines: LogLine[];
}

/** The receiver, noting the ids of what it is given, in order. */
class RecordingReceiver extends UplinkReceiver {
  constructor(deps: ConstructorParameters<typeof UplinkReceiver>[0], private readonly seen: string[]) {
    super(deps);
  }

  override async apply(linkId: string, items: readonly unknown[], remote: string): ReturnType<UplinkReceiver['apply']> {
    for (const item of items) this.seen.push((item as { id: string }).id);
    return super.apply(linkId, items, remote);
  }
}

export async function listen(app: express.Express): Promise<{ server: Server; port: number }> {
  const server = createServer(app);
  await listenOn(server, { host: '::', port: 0 });
  return { server, port: (server.address() as { port: number }).port };
}

export async function close(server: Server): Promise<void> {
  const closed = closeListener(server);
  server.closeAllConnections();
  await closed;
}

export async function startParent(routerOptions: Partial<FederationRouterDeps> = {}): Promise<Parent> {
  const store = openStore();
  const { log, lines } = recordingLogger();
  const feeds = new Feeds(store, { settleMs: 0 });
  const ctx = nodeContext(store, {
    tier: 'provincial', servedOrgs: [PROVINCE], log,
    relay: async (item, orgs) => {
      if (!orgs.includes(JINLING)) return [];
      await feeds.append(LINK, item);
      return [LINK];
    },
  });
  const advisories = new AdvisoryBook(ctx);
  const tasks = new TaskBook(ctx);
  const security = new SecurityLog(store, log);
  const received: string[] = [];
  const receiver = new RecordingReceiver({ ctx, advisories, tasks, security, linkOrgs: (id) => (id === LINK ? new Set([JINLING]) : undefined) }, received);
  const app = express();
  app.use('/federation/v1', federationRouter({
    nodeId: 'province-node', tier: 'provincial', secretOf: (id) => (id === LINK ? SECRET : undefined),
    nonces: new InMemoryNonceStore(), receiver, feeds, security, log, ...routerOptions,
  }));
  const { server, port } = await listen(app);
  return { store, ctx, feeds, advisories, tasks, security, received, server, port, log, lines };
}

