/**
 * A child's link agent against a real parent: the federation router (link
 * signatures, uplink receiver, feeds) on a dual-stack listener, reached
 * over IPv4 and IPv6 by the real LinkClient, both nodes on SQLite stores
 * with the real advisory and task books. Proves: push and pull rounds carry
 * items both ways (receipts come back for what was pulled); a downlink item
 * that can never be applied is set aside, recorded, and does not hold up
 * the ones after it; a failure of the child itself leaves the cursor where
 * it was; a parent finding a batch too large gets smaller ones, in order,
 * and a single item too large is dropped only on the parent's signed word;
 * whole-batch refusals are logged every time; the wait between idle rounds
 * leaves nothing behind.
 */
import { expect } from 'chai';
import express from 'express';
import { hostPort } from '../../../collector/sources/listen.js';
import type { Alert } from '../../../core/alert.js';
import type { DownlinkItem, UplinkItem } from '../../../core/federation/messages.js';
import { InMemoryNonceStore } from '../../../core/federation/nonce-store.js';
import { Collections } from '../../../core/store/documents.js';
import type { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { type AdvisoryRecord } from '../../../console/coordination/advisories.js';
import { type TaskRecord } from '../../../console/coordination/tasks.js';
import { linkOf, requireLink } from '../../../console/federation/link-auth-middleware.js';
import type { FederationRouterDeps } from '../../../console/federation/router.js';
import { type SecurityEntry } from '../../../console/federation/security-log.js';
import { waitFor } from '../../helpers/wait-for.js';
import { JINLING, PEARL, PROVINCE, advisory, advisoryItem, alert, alertItem, posture, postureItem, task, taskItem } from './fixtures.js';
import { LINK, SECRET, close, listen, startParent, type Parent } from './parent-fixture.js';
import { agentFor, startChild, type Child } from './child-fixture.js';

const HOSTS = ['127.0.0.1', '::1'] as const;

function urlOf(host: string, port: number): string {
  return `http://${hostPort(host, port)}`;
}

async function cursorOf(child: Child): Promise<string | undefined> {
  return (await child.store.getDocument<{ cursor: string }>(Collections.linkState, `downlink-cursor:${LINK}`))?.body.cursor;
}

async function securityEntries(store: SqliteStore): Promise<SecurityEntry[]> {
  return (await store.queryDocuments<SecurityEntry>({ collection: Collections.securityLog, order: 'asc' })).documents.map((d) => d.body);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('LinkAgent', function () {
  this.timeout(20_000);
  const cleanup: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function parentAndChild(routerOptions: Partial<FederationRouterDeps> = {}): Promise<{ parent: Parent; child: Child }> {
    const parent = await startParent(routerOptions);
    const child = startChild();
    cleanup.push(() => parent.store.close(), () => child.store.close(), () => close(parent.server));
    return { parent, child };
  }

  describe('pushOnce', () => {
    for (const host of HOSTS) {
      it(`delivers the outbox over ${host}, oldest first, and empties it`, async () => {
        const { parent, child } = await parentAndChild();
        const items: UplinkItem[] = [
          alertItem(alert({ id: 'a1' })), postureItem(posture(JINLING, '2026-03-02T08:05:00.000Z')), alertItem(alert({ id: 'a2', grade: 'I', escalateTo: ['provincial', 'national'] })),
        ];
        for (const item of items) await child.outbox.enqueue(item);
        const agent = agentFor(child, urlOf(host, parent.port));
        expect(await agent.pushOnce()).to.equal(false);
        expect(parent.received).to.deep.equal(items.map((i) => i.id));
        expect(await child.outbox.size()).to.equal(0);
        expect((await parent.store.getDocument<Alert>(Collections.alerts, 'a2'))?.body.grade).to.equal('I');
        expect(await parent.store.getDocument(Collections.posture, `posture-latest:${JINLING}`)).to.not.equal(undefined);
        expect(agent.stats).to.include({ pushed: 3 });
        expect(await agent.pushOnce()).to.equal(false);
        expect(parent.received).to.have.length(3);
      });
    }

    it('drops an item the parent refuses, with an error log, and delivers the rest', async () => {
      const { parent, child } = await parentAndChild();
      await child.outbox.enqueue(alertItem(alert({ id: 'foreign', orgId: PEARL })));
      await child.outbox.enqueue(alertItem(alert({ id: 'own' })));
      await agentFor(child, urlOf('::1', parent.port)).pushOnce();
      expect(await child.outbox.size()).to.equal(0);
      expect(await parent.store.getDocument(Collections.alerts, 'own')).to.not.equal(undefined);
      expect(child.lines.filter((l) => l.msg === 'parent refused an uplink item; it is dropped').map((l) => l.item)).to.deep.equal(['alert:foreign']);
    });

    it('halves a batch the parent finds too large (413) until it passes, keeps the order, and grows back', async () => {
      const { parent, child } = await parentAndChild({ maxBatchItems: 3 });
      const ids = Array.from({ length: 10 }, (_, i) => `a${String(i).padStart(2, '0')}`);
      for (const id of ids) await child.outbox.enqueue(alertItem(alert({ id })));
      const agent = agentFor(child, urlOf('127.0.0.1', parent.port), { batchSize: 8 });
      const sizes: number[] = [];
      for (let round = 0; round < 20 && (await child.outbox.size()) > 0; round++) {
        await agent.pushOnce();
        sizes.push(agent.stats.pushSize);
      }
      expect(await child.outbox.size()).to.equal(0);
      // Only accepted batches reach the receiver: in queue order, none lost or repeated.
      expect(parent.received).to.deep.equal(ids.map((id) => `alert:${id}`));
      expect(sizes.slice(0, 3)).to.deep.equal([4, 2, 4]);
      expect(Math.max(...sizes)).to.be.at.most(8);
      expect(child.lines.filter((l) => l.msg === 'uplink batch too large for the parent; sending smaller ones').length).to.be.greaterThan(1);

      const growing = agentFor(child, urlOf('127.0.0.1', parent.port), { batchSize: 4 });
      for (const id of ['b1', 'b2', 'b3', 'b4', 'b5']) await child.outbox.enqueue(alertItem(alert({ id })));
      await growing.pushOnce(); // 4 -> 413 -> 2
      expect(growing.stats.pushSize).to.equal(2);
      await growing.pushOnce(); // 2 accepted -> back to 4
      expect(growing.stats.pushSize).to.equal(4);
    });

    it('drops a single item the parent finds too large on its own, with an error log and a security-log entry', async () => {
      const { parent, child } = await parentAndChild({ maxBatchItems: 0 });
      await child.outbox.enqueue(alertItem(alert({ id: 'huge' })));
      await child.outbox.enqueue(alertItem(alert({ id: 'huge-2' })));
      const agent = agentFor(child, urlOf('::1', parent.port), { batchSize: 2 });
      expect(await agent.pushOnce()).to.equal(true); // 2 -> 1
      expect(await child.outbox.size()).to.equal(2);
      await agent.pushOnce();
      await agent.pushOnce();
      expect(await child.outbox.size()).to.equal(0);
      expect(agent.stats).to.include({ dropped: 2, pushed: 0 });
      expect(child.lines.filter((l) => l.msg === 'uplink item too large for the parent even alone; it is dropped').map((l) => l.item)).to.deep.equal(['alert:huge', 'alert:huge-2']);
      expect((await securityEntries(child.store)).map((e) => [e.reason, e.item])).to.deep.equal([['too-large', 'alert:huge'], ['too-large', 'alert:huge-2']]);
      expect(parent.received).to.deep.equal([]);
    });

    it('keeps a single item an unsigned 413 refuses: anyone on the path could have said it', async () => {
      const { parent, child } = await parentAndChild({ maxBodyBytes: 6000 });
      await child.outbox.enqueue(alertItem(alert({ id: 'small-1' })));
      await child.outbox.enqueue(alertItem(alert({ id: 'big', ruleTitle: 'x'.repeat(8000) })));
      await child.outbox.enqueue(alertItem(alert({ id: 'small-2' })));
      const agent = agentFor(child, urlOf('127.0.0.1', parent.port), { batchSize: 2 });
      // small-1 + big: refused by the body limit before the link is checked, so unsigned; halved all the same.
      expect(await agent.pushOnce()).to.equal(true);
      expect(agent.stats.pushSize).to.equal(1);
      let error: Error | undefined;
      for (let round = 0; round < 5 && !error; round++) error = await agent.pushOnce().then(() => undefined, (err: Error) => err);
      // big alone: still an unsigned 413, so it stays queued and the round fails (to be retried with backoff).
      expect(error?.name).to.equal('LinkAuthError');
      expect(error).to.have.property('status', 413);
      expect(await child.outbox.size()).to.equal(2);
      expect(agent.stats.dropped).to.equal(0);
      expect(parent.received).to.deep.equal(['alert:small-1']);
    });

    it('logs a whole-batch refusal with the parent\'s message every time and keeps the items for a retry', async () => {
      const child = startChild();
      const app = express();
      app.use('/federation/v1', requireLink({ lookupSecret: (id) => (id === LINK ? SECRET : undefined), nonces: new InMemoryNonceStore(), log: child.log }));
      app.post('/federation/v1/uplink', (_req, res) => {
        res.status(422).json({ error: 'rejected', message: 'this parent wants a newer child' });
      });
      const { server, port } = await listen(app);
      cleanup.push(() => child.store.close(), () => close(server));
      await child.outbox.enqueue(alertItem(alert({ id: 'a1' })));
      const agent = agentFor(child, urlOf('::1', port));
      for (let i = 0; i < 3; i++) expect(await rejection(agent.pushOnce())).to.have.property('status', 422);
      const logged = child.lines.filter((l) => l.msg === 'parent refused the uplink batch; retrying');
      expect(logged).to.have.length(3);
      expect(logged[2]).to.include({ status: 422, message: 'this parent wants a newer child' });
      expect(await child.outbox.size()).to.equal(1);
    });
  });

  describe('pullOnce', () => {
    for (const host of HOSTS) {
      it(`applies the feed over ${host} in order, saves the cursor, and the receipts go back up`, async () => {
        const { parent, child } = await parentAndChild();
        const adv = await parent.advisories.issue({
          issuer: PROVINCE, title: 'Scanner active', grade: 'II', text: 'Block it.',
          targets: { industries: [], categories: [], grades: [], provinces: [], orgs: [JINLING] },
          indicators: { ips: ['203.0.113.9', '2001:db8:66::9'], identifiers: [], domains: [], hashes: [], sigma: [] },
        });
        const tsk = await parent.tasks.issue({ issuer: PROVINCE, title: 'Patch the PLCs', text: 'Now.', targetOrgs: [JINLING], deadline: '2099-01-01T00:00:00.000Z', requiredActions: ['patch'] });
        const agent = agentFor(child, urlOf(host, parent.port));
        expect(await agent.pullOnce()).to.equal(false);
        expect(child.applied).to.deep.equal([adv.advisory.id, tsk.task.id]);
        expect(await cursorOf(child)).to.be.a('string');
        expect((await child.store.queryDocuments({ collection: Collections.detections, where: { advisoryId: adv.advisory.id } })).documents).to.have.length(1);
        // Pulled again: nothing new.
        await agent.pullOnce();
        expect(child.applied).to.have.length(2);
        expect(agent.stats).to.include({ pulled: 2, setAside: 0 });
        // The child's "delivered" receipts reach the issuer.
        await agent.pushOnce();
        expect((await parent.store.getDocument<AdvisoryRecord>(Collections.advisories, adv.advisory.id))?.body.receipts[JINLING].delivered).to.be.a('string');
        expect((await parent.store.getDocument<TaskRecord>(Collections.tasks, tsk.task.id))?.body.targets[JINLING].delivered).to.be.a('string');
      });
    }

    it('sets aside items that can never be applied, records them, and applies the ones after them', async () => {
      const { parent, child } = await parentAndChild();
      await parent.feeds.append(LINK, advisoryItem(advisory('adv-1')));
      // Valid to the schema, but its indicator is no address: applying it throws IndicatorError.
      await parent.feeds.append(LINK, advisoryItem(advisory('adv-bad-ip', { indicators: { ips: ['not-an-address'], identifiers: [], domains: [], hashes: [], sigma: [] } })));
      // A newer parent's item with a field this child does not know, and one that is no item at all.
      await parent.feeds.append(LINK, { ...advisoryItem(advisory('adv-newer')), priority: 'high' } as unknown as DownlinkItem);
      await parent.feeds.append(LINK, { type: 'bulletin', id: 'bulletin-1' } as unknown as DownlinkItem);
      await parent.feeds.append(LINK, taskItem(task('task-1')));
      const agent = agentFor(child, urlOf('127.0.0.1', parent.port));
      await agent.pullOnce();
      expect(child.applied).to.deep.equal(['adv-1', 'task-1']);
      expect(agent.stats).to.include({ pulled: 2, setAside: 3 });
      const entries = await securityEntries(child.store);
      expect(entries.map((e) => [e.reason, e.item])).to.deep.equal([
        ['bad-downlink-item', 'adv-bad-ip'], ['bad-downlink-item', 'adv-newer'], ['bad-downlink-item', 'bulletin-1'],
      ]);
      expect(entries[0].detail).to.include('IndicatorError');
      expect(child.lines.filter((l) => l.msg === 'downlink item set aside: it cannot be applied')).to.have.length(3);
      const lastCursor = (await parent.feeds.after(LINK, '', 10)).at(-1)?.cursor;
      expect(await cursorOf(child)).to.equal(lastCursor);
      // Nothing is tried again.
      await agent.pullOnce();
      expect(agent.stats.setAside).to.equal(3);
    });

    it('reads a page from a newer parent that adds fields to the page and its entries', async () => {
      const child = startChild();
      const app = express();
      app.use('/federation/v1', requireLink({ lookupSecret: (id) => (id === LINK ? SECRET : undefined), nonces: new InMemoryNonceStore(), log: child.log }));
      app.get('/federation/v1/downlink', (_req, res) => {
        res.json({ items: [{ cursor: '000000000000001.000000', item: advisoryItem(advisory('adv-1')), sentAt: '2026-03-02T08:00:00Z' }], more: false, link: linkOf(res).linkId });
      });
      const { server, port } = await listen(app);
      cleanup.push(() => child.store.close(), () => close(server));
      await agentFor(child, urlOf('::1', port)).pullOnce();
      expect(child.applied).to.deep.equal(['adv-1']);
    });

    it('leaves the cursor before an item whose application fails for a passing reason, and applies it once that passes', async () => {
      const { parent, child } = await parentAndChild();
      for (const id of ['adv-1', 'adv-2', 'adv-3']) await parent.feeds.append(LINK, advisoryItem(advisory(id)));
      let failures = 0;
      child.failWith = (item) => (item.id === 'adv-2' && failures++ < 3 ? new Error('SQLITE_BUSY: database is locked') : undefined);
      const agent = agentFor(child, urlOf('127.0.0.1', parent.port));
      const error = await rejection(agent.pullOnce());
      expect(error.message).to.include('SQLITE_BUSY');
      expect(child.applied).to.deep.equal(['adv-1']);
      const [first] = await parent.feeds.after(LINK, '', 1);
      expect(await cursorOf(child)).to.equal(first.cursor);

      // The loop retries with backoff until it passes; nothing is set aside or skipped.
      agent.start();
      cleanup.push(() => agent.stop());
      await waitFor(() => child.applied.length === 3, 5000, () => `applied ${child.applied.join(',')}`);
      expect(child.applied).to.deep.equal(['adv-1', 'adv-2', 'adv-3']);
      expect(agent.stats.setAside).to.equal(0);
      expect(await securityEntries(child.store)).to.deep.equal([]);
      expect(child.lines.some((l) => l.msg === 'parent link back' && l.loop === 'pull')).to.equal(true);
    });
  });

  describe('start / nudge / stop', () => {
    it('runs both loops: what the child queues goes up, what the parent issues comes down', async () => {
      const { parent, child } = await parentAndChild();
      const agent = agentFor(child, urlOf('::1', parent.port), { idleMs: 10_000 });
      agent.start();
      cleanup.push(() => agent.stop());
      // Both loops found nothing and sleep for 10 s unless nudged.
      await waitFor(() => agent.pendingWakes === 2, 5000, 'both loops idle');
      await child.outbox.enqueue(alertItem(alert({ id: 'a1' })));
      await parent.feeds.append(LINK, advisoryItem(advisory('adv-1')));
      agent.nudge();
      await waitFor(async () => parent.received.length === 1 && child.applied.length === 1, 5000, 'a round each after the nudge');
      expect(parent.received).to.deep.equal(['alert:a1']);
    });

    it('keeps one wake per sleeping loop however many idle rounds pass', async () => {
      const child = startChild();
      cleanup.push(() => child.store.close());
      let rounds = 0;
      const agent = agentFor(child, 'http://127.0.0.1:1', {
        idleMs: 1, client: { request: async () => { rounds++; return { items: [] }; } },
      });
      agent.start();
      const samples: number[] = [];
      while (rounds < 300) {
        samples.push(agent.pendingWakes);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await agent.stop();
      expect(Math.max(...samples)).to.be.at.most(2);
      expect(agent.pendingWakes).to.equal(0);
    });

    it('can still be nudged after 50 000 idle rounds with idleMs 0, and stops', async () => {
      const child = startChild();
      cleanup.push(() => child.store.close());
      let rounds = 0;
      const agent = agentFor(child, 'http://127.0.0.1:1', {
        idleMs: 0, client: { request: async () => { rounds++; return { items: [] }; } },
      });
      agent.start();
      await waitFor(() => rounds >= 50_000, 15_000, () => `50 000 rounds, at ${rounds}`);
      expect(() => agent.nudge()).to.not.throw();
      expect(agent.pendingWakes).to.be.at.most(2);
      await agent.stop();
    });
  });
});
