/**
 * Users, sessions and the audit log over each Store backend (SQLite, and a
 * real Elasticsearch): they use only the document contract, and this
 * checks that what they ask of it (compare-and-set creates, an index key
 * holding a string array, sortKey ranges and cursors) holds on both.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { OrgRegistry } from '../../../core/orgs.js';
import { Collections } from '../../../core/store/documents.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import type { Store } from '../../../core/store/store.js';
import { AuditLog } from '../../../console/accounts/audit-log.js';
import { SessionBook } from '../../../console/accounts/sessions.js';
import { AccountError, UserBook } from '../../../console/accounts/users.js';
import { requireEngines } from '../../helpers/engines.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';
import { openTestStore } from '../../core/store/elasticsearch/es-helpers.js';

// Cheap hashes: this suite is about storage, not the KDF.
const CHEAP = { ln: 10, r: 8, p: 1 };

function accountStoreSuite(name: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>): void {
  describe(`accounts on ${name}`, function () {
    this.timeout(60_000);
    const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
    let store: Store;
    let cleanup: () => Promise<void>;
    const clock = { now: Date.parse('2026-11-25T08:00:00.000Z') };

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(() => cleanup());

    it('creates users once, lists them by org a page at a time, and verifies their passwords', async () => {
      const users = new UserBook({ store, registry, now: () => clock.now, hashParams: CHEAP, servedOrgs: ['js-jinling-motor', 'js-yangtze-petro'] });
      for (const id of ['amy', 'bob', 'cat']) {
        await users.create({ id, org: 'js-jinling-motor', displayName: id, roles: ['enterprise-analyst'], password: `${id}-password-1` });
      }
      await users.create({ id: 'dan', org: 'js-yangtze-petro', displayName: 'dan', roles: ['enterprise-admin'], password: 'dan-password-1' });
      const again = await users.create({ id: 'amy', org: 'js-jinling-motor', displayName: 'x', roles: ['enterprise-analyst'], password: 'another-password' }).catch((e: unknown) => e);
      expect(again).to.be.instanceOf(AccountError).and.to.have.property('code', 'conflict');
      expect((await users.create({ id: 'eve', org: 'ncisc', displayName: 'x', roles: ['national-officer'], password: 'eve-password-12' }).catch((e: AccountError) => e.message))).to.match(/not served/);
      const first = await users.list({ orgIds: ['js-jinling-motor'], limit: 2 });
      expect(first.users.map((u) => u.id)).to.deep.equal(['amy', 'bob']);
      const second = await users.list({ orgIds: ['js-jinling-motor'], limit: 2, cursor: first.nextCursor! });
      expect(second.users.map((u) => u.id)).to.deep.equal(['cat']);
      expect((await users.list({})).users.map((u) => u.id)).to.deep.equal(['amy', 'bob', 'cat', 'dan']);
      expect((await users.verify('BOB', 'bob-password-1'))?.id).to.equal('bob');
      expect(await users.verify('bob', 'amy-password-1')).to.equal(undefined);
      await users.setDisabled('bob', true);
      expect(await users.verify('bob', 'bob-password-1')).to.equal(undefined);
    });

    it('opens, resolves and ends sessions by the hash of their secret', async () => {
      const users = new UserBook({ store, registry, hashParams: CHEAP });
      const user = await users.create({ id: 'sam', org: 'gd-gearcloud', displayName: 'Sam', roles: ['enterprise-analyst'], password: 'sam-password-12' });
      const sessions = new SessionBook(store, { idleMs: 30 * 60_000, absoluteMs: 8 * 3_600_000 }, () => clock.now);
      const a = await sessions.create(user);
      const b = await sessions.create(user);
      expect((await sessions.resolve(a.secret))?.record.userId).to.equal('sam');
      expect(await store.getDocument(Collections.sessions, a.secret)).to.equal(undefined);
      expect(await sessions.endAllOf('sam')).to.equal(2);
      expect(await sessions.resolve(b.secret)).to.equal(undefined);
      const c = await sessions.create(user);
      clock.now += 31 * 60_000;
      expect(await sessions.resolve(c.secret)).to.equal(undefined);
      expect(await store.getDocument(Collections.sessions, c.session.id)).to.equal(undefined);
    });

    it('records audit entries and lists them by org (actor\'s or target\'s), time range and page', async () => {
      const audit = new AuditLog(store, () => clock.now);
      const start = clock.now;
      const base = { method: 'POST', status: 200, outcome: 'ok' as const };
      await audit.record({ ...base, actor: 'ncisc-admin', actorKind: 'user', org: 'ncisc', targetOrg: 'js-jinling-motor', route: '/api/v1/users', target: 'new-user' });
      clock.now += 1000;
      await audit.record({ ...base, actor: 'analyst', actorKind: 'user', org: 'js-jinling-motor', route: '/api/v1/alerts/:id/status', target: 'a1', remote: '2001:db8::1' });
      clock.now += 1000;
      await audit.record({ ...base, actor: 'officer', actorKind: 'user', org: 'js-industry-regulator', route: '/api/v1/alerts/:id/status', status: 403, outcome: 'refused', reason: 'missing permission "triage"' });
      const jinling = await audit.list({ orgs: ['js-jinling-motor'] });
      expect(jinling.entries.map((e) => e.actor)).to.deep.equal(['analyst', 'ncisc-admin']);
      expect((await audit.list({ outcome: 'refused' })).entries.map((e) => e.actor)).to.deep.equal(['officer']);
      const ranged = await audit.list({ from: new Date(start + 1000), to: new Date(start + 2000) });
      expect(ranged.entries.map((e) => e.actor)).to.deep.equal(['analyst']);
      const page1 = await audit.list({ limit: 2 });
      const page2 = await audit.list({ limit: 2, cursor: page1.nextCursor! });
      expect([...page1.entries, ...page2.entries].map((e) => e.actor)).to.deep.equal(['officer', 'analyst', 'ncisc-admin']);
      expect(page2.nextCursor).to.equal(undefined);
    });
  });
}

accountStoreSuite('SQLite', async () => {
  const store = SqliteStore.open({ path: join(tempDir('iisa-account-store-'), 'iisa.db') });
  return { store, cleanup: () => store.close() };
});

describe('accounts against a real Elasticsearch', function () {
  let url: string | undefined;
  before(async function () {
    url = (await requireEngines(this)).elasticsearchUrl;
  });
  accountStoreSuite('Elasticsearch', async () => {
    if (!url) throw new Error('engines not started');
    const opened = await openTestStore(url);
    return { store: opened.store, cleanup: opened.cleanup };
  });
});
