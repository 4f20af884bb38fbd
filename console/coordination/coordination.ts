/**
 * The coordination side of a node, put together: the node context, the
 * advisory and task books, and the federation links — up to the parent (an
 * outbox and the link agent) and down to the children (their feeds, the
 * uplink receiver and the /federation/v1 router). Built once per process
 * that needs it: the console role runs the link agent and serves the
 * router; the detector role only queues escalated alerts in the outbox.
 */
import type { Router } from 'express';
import type { Logger } from '../../collector/sources/types.js';
import { LinkClient } from '../../core/federation/link-client.js';
import type { DownlinkItem, UplinkItem } from '../../core/federation/messages.js';
import type { OrgRegistry } from '../../core/orgs.js';
import type { Store } from '../../core/store/store.js';
import { readFileSync } from 'node:fs';
import type { FederationSection } from '../federation/config.js';
import { FederationSecrets } from '../federation/link-secrets.js';
import { DocumentNonceStore } from '../federation/document-nonce-store.js';
import { Feeds } from '../federation/feeds.js';
import { LinkAgent } from '../federation/link-agent.js';
import { Outbox } from '../federation/outbox.js';
import { federationRouter } from '../federation/router.js';
import { SecurityLog } from '../federation/security-log.js';
import { UplinkReceiver } from '../federation/uplink-receiver.js';
import { AdvisoryBook } from './advisories.js';
import type { NodeContext, Tier } from './context.js';
import { coveredOrgs } from './targets.js';
import { TaskBook } from './tasks.js';

export interface CoordinationOptions {
  readonly store: Store;
  readonly registry: OrgRegistry;
  readonly nodeId: string;
  readonly tier: Tier;
  /** Orgs the node serves (node.orgs; default every org of the registry). */
  readonly servedOrgs: readonly string[];
  readonly federation?: FederationSection;
  readonly log: Logger;
  readonly now?: () => Date;
  /** Run the link agent (push and pull): the console role does, the detector role does not. */
  readonly runAgent: boolean;
  /** Where live changes go (the console's live hub), when this process serves live views. */
  readonly publish?: NodeContext['publish'];
  /** The federation's link secrets, when the caller follows their files (cli/node.ts); read from `federation` otherwise. */
  readonly linkSecrets?: FederationSecrets;
}

interface ChildLink {
  readonly linkId: string;
  readonly covers: ReadonlySet<string>;
}

export class Coordination {
  readonly ctx: NodeContext;
  readonly advisories: AdvisoryBook;
  readonly tasks: TaskBook;
  readonly security: SecurityLog;
  readonly feeds: Feeds;
  readonly outbox: Outbox | undefined;
  readonly agent: LinkAgent | undefined;
  /** The /federation/v1 router, when this node has children. */
  readonly router: Router | undefined;
  readonly nonces: DocumentNonceStore;
  private readonly children: ReadonlyMap<string, ChildLink>;
  private sweep: NodeJS.Timeout | undefined;

  constructor(options: CoordinationOptions) {
    const { store, registry, federation, log } = options;
    const now = options.now ?? (() => new Date());
    const secrets = options.linkSecrets ?? new FederationSecrets(federation, { parent: options.runAgent });
    this.children = new Map((federation?.children ?? []).map((c) => {
      const unknown = c.orgs.filter((id) => !registry.get(id));
      if (unknown.length) throw new Error(`federation.children ${c.linkId}: orgs missing from the registry: ${unknown.join(', ')}`);
      return [c.linkId, { linkId: c.linkId, covers: coveredOrgs(c.orgs, registry) }];
    }));
    this.feeds = new Feeds(store);
    this.security = new SecurityLog(store, log, now);
    this.nonces = new DocumentNonceStore(store);
    const parent = federation?.parent;
    this.outbox = parent ? new Outbox(store, parent.linkId) : undefined;
    const outbox = this.outbox;
    let agent: LinkAgent | undefined;
    const ctx: NodeContext = {
      store, registry, log, now,
      nodeId: options.nodeId,
      tier: options.tier,
      servedOrgs: new Set(options.servedOrgs),
      ...(parent ? { parentTier: parent.tier } : {}),
      ...(outbox ? {
        uplink: async (item: UplinkItem) => {
          await outbox.enqueue(item);
          agent?.nudge();
        },
      } : {}),
      relay: (item, orgs) => this.relay(item, orgs),
      ...(options.publish ? { publish: options.publish } : {}),
    };
    this.ctx = ctx;
    this.advisories = new AdvisoryBook(ctx);
    this.tasks = new TaskBook(ctx);
    if (parent && outbox && options.runAgent) {
      const tls = parent.tls ? {
        ca: readFileSync(parent.tls.caFile, 'utf8'),
        ...(parent.tls.certFile ? { cert: readFileSync(parent.tls.certFile, 'utf8') } : {}),
        ...(parent.tls.keyFile ? { key: readFileSync(parent.tls.keyFile, 'utf8') } : {}),
      } : undefined;
      const client = new LinkClient({ parentUrl: parent.url, linkId: parent.linkId, secret: secrets.parentSecret()!, ...(tls ? { tls } : {}) });
      secrets.onParentSecret((secret) => client.useSecret(secret));
      agent = new LinkAgent({
        linkId: parent.linkId,
        client,
        outbox, store, log, idleMs: parent.idleMs, backoff: parent.backoff, batchSize: parent.batchSize, security: this.security,
        apply: (item) => this.applyDownlink(item, parent.linkId),
      });
    }
    this.agent = agent;
    const receiver = new UplinkReceiver({
      ctx, advisories: this.advisories, tasks: this.tasks, security: this.security,
      linkOrgs: (linkId) => this.children.get(linkId)?.covers,
    });
    this.router = this.children.size > 0 ? federationRouter({
      nodeId: options.nodeId, tier: options.tier, nonces: this.nonces, receiver, feeds: this.feeds, security: this.security, log,
      secretOf: (linkId) => secrets.childSecrets(linkId),
    }) : undefined;
  }

  start(): void {
    this.agent?.start();
    if (this.router) {
      this.sweep = setInterval(() => { this.nonces.sweep().catch((error: unknown) => this.ctx.log.error('nonce sweep failed', { error: String(error) })); }, 60_000);
      this.sweep.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    await this.agent?.stop();
  }

  /** Child links covering any of `orgs`. */
  linksFor(orgs: readonly string[]): string[] {
    return [...this.children.values()].filter((c) => orgs.some((o) => c.covers.has(o))).map((c) => c.linkId);
  }

  private async relay(item: DownlinkItem, orgs: readonly string[]): Promise<string[]> {
    const links = this.linksFor(orgs);
    for (const linkId of links) await this.feeds.append(linkId, item);
    return links;
  }

  private async applyDownlink(item: DownlinkItem, linkId: string): Promise<void> {
    if (item.type === 'advisory') await this.advisories.receive(item.advisory, linkId);
    else await this.tasks.receive(item.task, linkId);
  }
}
