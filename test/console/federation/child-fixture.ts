/**
 * The child end of a link for link-agent tests: a SQLite store with an
 * outbox and the real advisory and task books, and a LinkAgent on it that
 * applies what it pulls the way Coordination does (plus a way to make the
 * child fail).
 */
import { LinkClient } from '../../../core/federation/link-client.js';
import type { DownlinkItem } from '../../../core/federation/messages.js';
import type { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import type { JsonLogger } from '../../../core/telemetry.js';
import { AdvisoryBook } from '../../../console/coordination/advisories.js';
import type { NodeContext } from '../../../console/coordination/context.js';
import { TaskBook } from '../../../console/coordination/tasks.js';
import { LinkAgent, type LinkAgentOptions } from '../../../console/federation/link-agent.js';
import { Outbox } from '../../../console/federation/outbox.js';
import { SecurityLog } from '../../../console/federation/security-log.js';
import { JINLING, nodeContext, openStore, recordingLogger, type LogLine } from './fixtures.js';
import { LINK, SECRET } from './parent-fixture.js';

export interface Child {
  readonly store: SqliteStore;
  readonly ctx: NodeContext;
  readonly outbox: Outbox;
  readonly advisories: AdvisoryBook;
  readonly tasks: TaskBook;
  readonly security: SecurityLog;
  readonly log: JsonLogger;
  readonly lines: LogLine[];
  /** Downlink item ids in the order they were applied. */
  readonly applied: string[];
  /** Make the next applications of an item fail: `(id) => error | undefined`. */
  failWith: (item: DownlinkItem) => Error | undefined;
}

export function startChild(): Child {
  const store = openStore();
  const { log, lines } = recordingLogger();
  const outbox = new Outbox(store, LINK);
  const ctx = nodeContext(store, {
    tier: 'enterprise', servedOrgs: [JINLING], parentTier: 'provincial', log, nodeId: 'jinling-node',
    uplink: (item) => outbox.enqueue(item),
  });
  return {
    store, ctx, outbox, log, lines, applied: [],
    advisories: new AdvisoryBook(ctx), tasks: new TaskBook(ctx), security: new SecurityLog(store, log),
    failWith: () => undefined,
  };
}

export function agentFor(child: Child, parentUrl: string, overrides: Partial<LinkAgentOptions> = {}): LinkAgent {
  return new LinkAgent({
    linkId: LINK,
    client: new LinkClient({ parentUrl, linkId: LINK, secret: SECRET, timeoutMs: 5000 }),
    outbox: child.outbox, store: child.store, log: child.log, security: child.security,
    idleMs: 20, backoff: { initialMs: 10, maxMs: 50 },
    // As Coordination applies downlink items, plus a way to make the child fail.
    apply: async (item) => {
      const error = child.failWith(item);
      if (error) throw error;
      if (item.type === 'advisory') await child.advisories.receive(item.advisory, LINK);
      else await child.tasks.receive(item.task, LINK);
      child.applied.push(item.id);
    },
    ...overrides,
  });
}

