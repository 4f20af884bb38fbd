/**
 * The parent's link endpoints, under /federation/v1, every one behind the
 * link signature (./link-auth-middleware.ts), so the answer is signed too:
 *   POST /uplink    a batch of items from the child (./uplink-receiver.ts);
 *                   413 when it carries more than maxBatchItems, so the
 *                   child sends smaller ones
 *   GET  /downlink  the child's feed after its cursor (./feeds.ts)
 *   GET  /hello     who this parent is, for a child checking its link
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { describeIssues } from '../../core/config.js';
import { UplinkBatchSchema } from '../../core/federation/messages.js';
import type { LinkSecrets } from '../../core/federation/link-auth.js';
import type { NonceStore } from '../../core/federation/nonce-store.js';
import type { Logger } from '../../collector/sources/types.js';
import { peerAddress } from '../../collector/sources/listen.js';
import type { Feeds } from './feeds.js';
import { linkOf, requireLink } from './link-auth-middleware.js';
import type { SecurityLog } from './security-log.js';
import type { UplinkReceiver } from './uplink-receiver.js';

export interface FederationRouterDeps {
  readonly nodeId: string;
  readonly tier: string;
  /** A link's secret, or during a rotation its secrets (current first): a request signed with any of them passes. */
  readonly secretOf: (linkId: string) => LinkSecrets | undefined;
  readonly nonces: NonceStore;
  readonly receiver: UplinkReceiver;
  readonly feeds: Feeds;
  readonly security: SecurityLog;
  readonly log: Logger;
  /** Most items one uplink batch may carry; more are answered 413, so the child halves its batches. Default (and at most) 500. */
  readonly maxBatchItems?: number;
  /** Largest request body read (bytes); see requireLink. */
  readonly maxBodyBytes?: number;
}

/** What UplinkBatchSchema takes at most. */
const MAX_BATCH_ITEMS = 500;

const DownlinkQuery = z.strictObject({
  after: z.string().max(64).default(''),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function federationRouter(deps: FederationRouterDeps): Router {
  const router = express.Router();
  const maxBatchItems = Math.min(deps.maxBatchItems ?? MAX_BATCH_ITEMS, MAX_BATCH_ITEMS);
  router.use(requireLink({
    lookupSecret: deps.secretOf,
    nonces: deps.nonces,
    log: deps.log,
    // The security log below logs refusals, throttled per sender.
    logRefusals: false,
    ...(deps.maxBodyBytes !== undefined ? { maxBodyBytes: deps.maxBodyBytes } : {}),
    onRefused: (r) => deps.security.record({ ...(r.linkId ? { linkId: r.linkId } : {}), reason: r.reason, detail: `${r.method} ${r.path}: ${r.detail}`, remote: r.remote }),
  }));

  router.get('/hello', (_req, res) => {
    res.json({ node: deps.nodeId, tier: deps.tier, link: linkOf(res).linkId });
  });

  router.post('/uplink', (req, res, next) => {
    const items = (req.body as { items?: unknown } | undefined)?.items;
    // Signed (the link is authenticated by now), so the child may believe it and send smaller batches.
    if (Array.isArray(items) && items.length > maxBatchItems) {
      res.status(413).json({ error: 'too-large', message: `an uplink batch carries at most ${maxBatchItems} items, this one ${items.length}` });
      return;
    }
    const parsed = UplinkBatchSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'bad-request', message: `invalid uplink batch: ${describeIssues(parsed.error).join('; ')}` });
      return;
    }
    deps.receiver.apply(linkOf(res).linkId, parsed.data.items, peerAddress(req.socket.remoteAddress))
      .then((result) => { res.json(result); }, next);
  });

  router.get('/downlink', (req, res, next) => {
    const parsed = DownlinkQuery.safeParse(req.query);
    if (!parsed.success) {
      res.status(400).json({ error: 'bad-request', message: `invalid query: ${describeIssues(parsed.error).join('; ')}` });
      return;
    }
    deps.feeds.after(linkOf(res).linkId, parsed.data.after, parsed.data.limit)
      .then((items) => { res.json({ items }); }, next);
  });

  router.use((_req, res) => {
    res.status(404).json({ error: 'not-found', message: 'no such federation endpoint' });
  });
  // Errors are answered through the signing wrapper, so the child can tell a parent failure from a forgery.
  router.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    deps.log.error('federation request failed', { error: err instanceof Error ? err.message : String(err) });
    if (!res.headersSent) res.status(503).json({ error: 'unavailable', message: 'the parent could not apply the request; it will be retried' });
  });
  return router;
}
