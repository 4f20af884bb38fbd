/**
 * The parent applying a child's uplink batch, on a real SQLite store with
 * the real advisory and task books: every kind of item applied, applying
 * twice changing nothing, and each refusal (out of scope, another org's
 * alert id, an alert not escalated to this tier, an item whose application
 * fails its checks) confined to its item while the rest of the batch goes
 * through. A failure of the node itself fails the batch, for the child to
 * send again.
 */
import { expect } from 'chai';
import type { Alert } from '../../../core/alert.js';
import type { Posture, TaskStatusUpdate, UplinkItem } from '../../../core/federation/messages.js';
import { Collections } from '../../../core/store/documents.js';
import type { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { AdvisoryBook, type AdvisoryRecord } from '../../../console/coordination/advisories.js';
import { CoordinationError, type NodeContext, type Tier } from '../../../console/coordination/context.js';
import { TaskBook, type TaskRecord } from '../../../console/coordination/tasks.js';
import { SecurityLog, type SecurityEntry } from '../../../console/federation/security-log.js';
import { UplinkReceiver } from '../../../console/federation/uplink-receiver.js';
import {
  JINLING, PEARL, PROVINCE, YANGTZE, alert, alertItem, nodeContext, openStore, posture, postureItem, receiptItem, recordingLogger, statusItem,
} from './fixtures.js';

const LINK = 'js-jinling-motor';
const REMOTE = '2001:db8::12';

/** Task status updates for ids in `failing` fail as the given error: a check failing, or the node's own trouble. */
class FailingTasks extends TaskBook {
  constructor(ctx: NodeContext, private readonly failing: Map<string, Error>) {
    super(ctx);
  }

  override async applyStatus(update: TaskStatusUpdate): Promise<boolean> {
    const error = this.failing.get(update.taskId);
    if (error) throw error;
    return super.applyStatus(update);
  }
}

describe('UplinkReceiver', () => {
  let store: SqliteStore;
  let sentUp: UplinkItem[];
  let failing: Map<string, Error>;

  beforeEach(() => {
    store = openStore();
    sentUp = [];
    failing = new Map();
  });

  afterEach(async () => {
    await store.close();
  });

  function parent(tier: Tier = 'provincial'): { receiver: UplinkReceiver; ctx: NodeContext; advisories: AdvisoryBook; tasks: TaskBook; security: SecurityLog } {
    const { log } = recordingLogger();
    const ctx = nodeContext(store, {
      tier, servedOrgs: [tier === 'national' ? 'ncisc' : PROVINCE], log,
      ...(tier === 'provincial' ? { parentTier: 'national' as const, uplink: async (item: UplinkItem) => { sentUp.push(item); } } : {}),
    });
    const advisories = new AdvisoryBook(ctx);
    const tasks = new FailingTasks(ctx, failing);
    const security = new SecurityLog(store, log);
    const receiver = new UplinkReceiver({
      ctx, advisories, tasks, security,
      linkOrgs: (linkId) => (linkId === LINK ? new Set([JINLING]) : linkId === 'js-yangtze-petro' ? new Set([YANGTZE]) : undefined),
    });
    return { receiver, ctx, advisories, tasks, security };
  }

  async function securityLog(): Promise<SecurityEntry[]> {
    const page = await store.queryDocuments<SecurityEntry>({ collection: Collections.securityLog, order: 'asc' });
    return page.documents.map((d) => d.body);
  }

  async function storedAlert(id: string): Promise<{ body: Alert; version: number; orgId?: string } | undefined> {
    return store.getDocument<Alert>(Collections.alerts, id);
  }

  describe('apply', () => {
    it('applies each kind of item: alert, posture, receipt and task status', async () => {
      const { receiver, advisories, tasks } = parent();
      const adv = await advisories.issue({
        issuer: PROVINCE, title: 'Scanner active', grade: 'II', text: 'Block it.',
        targets: { industries: [], categories: [], grades: [], provinces: [], orgs: [JINLING] },
        indicators: { ips: ['203.0.113.9'], identifiers: [], domains: [], hashes: [], sigma: [] },
      });
      const task = await tasks.issue({ issuer: PROVINCE, title: 'Patch the PLCs', text: 'Now.', targetOrgs: [JINLING], deadline: '2099-01-01T00:00:00.000Z', requiredActions: ['patch'] });
      const escalated = alert({ id: 'a-both', grade: 'I', escalateTo: ['provincial', 'national'] });
      const items = [
        alertItem(escalated),
        postureItem(posture(JINLING, '2026-03-02T08:05:00.000Z')),
        receiptItem({ subject: 'advisory', subjectId: adv.advisory.id, orgId: JINLING, state: 'delivered', at: '2026-03-02T08:06:00.000Z', by: 'node:jinling' }),
        statusItem({ taskId: task.task.id, orgId: JINLING, status: 'in_progress', at: '2026-03-02T08:07:00.000Z', by: 'operator', revision: 1 }),
      ];
      const result = await receiver.apply(LINK, items, REMOTE);
      expect(result).to.deep.equal({ accepted: items.map((i) => i.id), refused: [] });

      const kept = await storedAlert('a-both');
      expect(kept?.body).to.deep.equal(escalated);
      expect((await store.getDocument(Collections.alerts, 'a-both'))?.index).to.include({ via: LINK });
      expect((await store.getDocument<Posture>(Collections.posture, `posture:${JINLING}:2026-03-02T08:05:00.000Z`))?.body.events).to.equal(12);
      expect((await store.getDocument<AdvisoryRecord>(Collections.advisories, adv.advisory.id))?.body.receipts[JINLING].delivered).to.equal('2026-03-02T08:06:00.000Z');
      expect((await store.getDocument<TaskRecord>(Collections.tasks, task.task.id))?.body.targets[JINLING]).to.include({ status: 'in_progress', revision: 1 });
      // What escalates further goes on up: the grade I alert and the aggregate.
      expect(sentUp.map((i) => i.id)).to.deep.equal([`alert:a-both`, `posture:${JINLING}:2026-03-02T08:05:00.000Z`]);
    });

    it('changes nothing when the same batch comes again (a retry)', async () => {
      const { receiver } = parent();
      const items = [alertItem(alert({ id: 'a1', escalateTo: ['provincial', 'national'] })), postureItem(posture(JINLING, '2026-03-02T08:05:00.000Z'))];
      const first = await receiver.apply(LINK, items, REMOTE);
      const versions = async () => [
        (await storedAlert('a1'))?.version,
        (await store.getDocument(Collections.posture, `posture-latest:${JINLING}`))?.version,
      ];
      const before = await versions();
      const second = await receiver.apply(LINK, items, REMOTE);
      expect(second).to.deep.equal(first);
      expect(await versions()).to.deep.equal(before);
      // An older revision arriving late does not roll the alert back either.
      await receiver.apply(LINK, [alertItem(alert({ id: 'a1', escalateTo: ['provincial', 'national'], revision: 3, status: 'investigating' }))], REMOTE);
      await receiver.apply(LINK, [alertItem(alert({ id: 'a1', escalateTo: ['provincial', 'national'], revision: 2, status: 'acknowledged' }))], REMOTE);
      expect((await storedAlert('a1'))?.body).to.include({ revision: 3, status: 'investigating' });
      expect(sentUp.filter((i) => i.type === 'alert').map((i) => i.type === 'alert' && i.alert.revision)).to.deep.equal([1, 3]);
    });

    it('refuses an item for an org the link does not serve, logs it, and applies the rest', async () => {
      const { receiver } = parent();
      const foreign = alertItem(alert({ id: 'a-foreign', orgId: PEARL }));
      const own = alertItem(alert({ id: 'a-own' }));
      const result = await receiver.apply(LINK, [foreign, own], REMOTE);
      expect(result.accepted).to.deep.equal([own.id]);
      expect(result.refused).to.have.length(1);
      expect(result.refused[0]).to.include({ id: foreign.id });
      expect(result.refused[0].reason).to.include(PEARL);
      expect(await storedAlert('a-foreign')).to.equal(undefined);
      expect(await securityLog()).to.have.length(1);
      expect((await securityLog())[0]).to.include({ reason: 'wrong-org', linkId: LINK, remote: REMOTE, item: foreign.id });
    });

    it('refuses a malformed item with why, and applies the rest', async () => {
      const { receiver } = parent();
      const own = alertItem(alert({ id: 'a-own' }));
      const result = await receiver.apply(LINK, [{ type: 'alert', id: 'broken', orgId: JINLING }, 'junk', own], REMOTE);
      expect(result.accepted).to.deep.equal([own.id]);
      expect(result.refused.map((r) => r.id)).to.deep.equal(['broken', '(no id)']);
      expect(result.refused[0].reason).to.match(/^invalid item: /);
    });

    it('keeps posture under the id it builds from org and period, whatever id the child sent', async () => {
      const { receiver } = parent();
      // Another org's summary, which a child could try to overwrite by sending its id.
      const pearlId = `posture:${PEARL}:2026-03-02T08:05:00.000Z`;
      await store.putDocument<Posture>(Collections.posture, { id: pearlId, orgId: PEARL, sortKey: '2026-03-02T08:05:00.000Z', body: posture(PEARL, '2026-03-02T08:05:00.000Z') });
      const mine = posture(JINLING, '2026-03-02T16:05:00+08:00', { events: 99 });
      const result = await receiver.apply(LINK, [postureItem(mine, pearlId)], REMOTE);
      expect(result.accepted).to.deep.equal([pearlId]);
      expect((await store.getDocument<Posture>(Collections.posture, pearlId))?.body.orgId).to.equal(PEARL);
      const kept = await store.getDocument<Posture>(Collections.posture, `posture:${JINLING}:2026-03-02T08:05:00.000Z`);
      expect(kept?.body).to.deep.equal(mine);
      expect(kept?.orgId).to.equal(JINLING);
      expect(sentUp.map((i) => i.id)).to.deep.equal([`posture:${JINLING}:2026-03-02T08:05:00.000Z`]);
    });

    it('keeps the newest summary per org as its latest, which an older one arriving late does not replace', async () => {
      const { receiver } = parent();
      await receiver.apply(LINK, [postureItem(posture(JINLING, '2026-03-02T08:10:00.000Z', { events: 10 }))], REMOTE);
      await receiver.apply(LINK, [postureItem(posture(JINLING, '2026-03-02T08:05:00.000Z', { events: 5 }))], REMOTE);
      await receiver.apply('js-yangtze-petro', [postureItem(posture(YANGTZE, '2026-03-02T08:05:00.000Z', { events: 7 }))], REMOTE);
      const latest = async () => (await store.queryDocuments<Posture>({ collection: Collections.posture, where: { latest: true }, order: 'asc' }))
        .documents.map((d) => [d.id, d.body.orgId, d.body.events]);
      expect(await latest()).to.deep.equal([[`posture-latest:${YANGTZE}`, YANGTZE, 7], [`posture-latest:${JINLING}`, JINLING, 10]]);
      await receiver.apply(LINK, [postureItem(posture(JINLING, '2026-03-02T08:15:00.000Z', { events: 15 }))], REMOTE);
      expect((await latest()).find((l) => l[1] === JINLING)).to.deep.equal([`posture-latest:${JINLING}`, JINLING, 15]);
      const perOrg = await store.queryDocuments({ collection: Collections.posture, where: { latest: true, orgId: JINLING } });
      expect(perOrg.documents).to.have.length(1);
      // Every period is kept besides.
      expect((await store.queryDocuments({ collection: Collections.posture, where: { orgId: JINLING } })).documents).to.have.length(4);
    });

    it('refuses an alert whose id is kept here for another org, and logs it', async () => {
      const { receiver } = parent();
      const theirs = alert({ id: 'a-shared', orgId: YANGTZE, ruleTitle: 'theirs' });
      expect((await receiver.apply('js-yangtze-petro', [alertItem(theirs)], '192.0.2.14')).accepted).to.have.length(1);
      const forged = alert({ id: 'a-shared', orgId: JINLING, ruleTitle: 'overwritten', revision: 9 });
      const result = await receiver.apply(LINK, [alertItem(forged), alertItem(alert({ id: 'a-own' }))], REMOTE);
      expect(result.accepted).to.deep.equal(['alert:a-own']);
      expect(result.refused.map((r) => r.id)).to.deep.equal(['alert:a-shared']);
      expect((await storedAlert('a-shared'))?.body).to.deep.equal(theirs);
      expect(await securityLog()).to.have.length(1);
      expect((await securityLog())[0]).to.include({ reason: 'wrong-org', linkId: LINK, item: 'alert:a-shared' });
    });

    it('refuses an alert the grading does not escalate to this tier, and logs it as not-escalated-here', async () => {
      const { receiver } = parent('national');
      const gradeThree = alert({ id: 'a-iii', grade: 'III', escalateTo: ['provincial'] });
      const gradeOne = alert({ id: 'a-i', grade: 'I', escalateTo: ['provincial', 'national'] });
      const result = await receiver.apply(LINK, [alertItem(gradeThree), alertItem(gradeOne)], REMOTE);
      expect(result.accepted).to.deep.equal(['alert:a-i']);
      expect(result.refused.map((r) => r.id)).to.deep.equal(['alert:a-iii']);
      expect(result.refused[0].reason).to.include('national');
      expect(await storedAlert('a-iii')).to.equal(undefined);
      expect((await securityLog()).map((e) => [e.reason, e.item])).to.deep.equal([['not-escalated-here', 'alert:a-iii']]);
    });

    it('refuses an item whose application fails a check, with the reason, and applies the rest', async () => {
      const { receiver } = parent();
      failing.set('task-bad', new CoordinationError('task-bad: the report is not allowed in this state', 'invalid'));
      failing.set('task-type', new TypeError('cannot read properties of undefined'));
      const bad = statusItem({ taskId: 'task-bad', orgId: JINLING, status: 'accepted', at: '2026-03-02T08:07:00.000Z', by: 'x', revision: 1 });
      const typed = statusItem({ taskId: 'task-type', orgId: JINLING, status: 'accepted', at: '2026-03-02T08:07:00.000Z', by: 'x', revision: 1 });
      const own = alertItem(alert({ id: 'a-own' }));
      const result = await receiver.apply(LINK, [bad, typed, own], REMOTE);
      expect(result.accepted).to.deep.equal([own.id]);
      expect(result.refused).to.deep.equal([
        { id: bad.id, reason: 'CoordinationError: task-bad: the report is not allowed in this state' },
        { id: typed.id, reason: 'TypeError: cannot read properties of undefined' },
      ]);
      expect(await storedAlert('a-own')).to.not.equal(undefined);
    });

    it('fails the whole batch on a failure of this node, so the child sends it again', async () => {
      const { receiver } = parent();
      failing.set('task-down', new Error('SQLITE_BUSY: database is locked'));
      const down = statusItem({ taskId: 'task-down', orgId: JINLING, status: 'accepted', at: '2026-03-02T08:07:00.000Z', by: 'x', revision: 1 });
      let error: unknown;
      try {
        await receiver.apply(LINK, [alertItem(alert({ id: 'a-own' })), down], REMOTE);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(Error).with.property('message', 'SQLITE_BUSY: database is locked');
    });
  });
});
