/**
 * The demo accounts (seeds/demo/accounts.yaml) and the user list loader:
 * every demo org has a user, every demo node a node-admin, every hash
 * matches its documented password, and seeding never overwrites a user.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { OrgRegistry } from '../../../core/orgs.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { JsonLogger } from '../../../core/telemetry.js';
import { Accounts } from '../../../console/accounts/accounts.js';
import { verifyPassword } from '../../../console/accounts/password.js';
import { loadSeedUsers, seedUsers } from '../../../console/accounts/seed-file.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';
import { DEMO_PASSWORDS } from './console-fixture.js';

const FILE = join(repoRoot, 'seeds', 'demo', 'accounts.yaml');
const DEMO_NODES: Record<string, string[]> = {
  national: ['ncisc'],
  'js-province': ['js-industry-regulator', 'js-comms-regulator'],
  'gd-province': ['gd-industry-regulator', 'gd-comms-regulator'],
  'js-jinling-motor': ['js-jinling-motor'],
  'js-yangtze-petro': ['js-yangtze-petro'],
  'gd-gearcloud': ['gd-gearcloud'],
  'gd-idres-elec': ['gd-idres-elec'],
};

describe('demo accounts and the user list', function () {
  this.timeout(30_000);
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));

  it('has a user for every org of the demo federation and a node-admin for every demo node', () => {
    const users = loadSeedUsers(FILE, registry);
    for (const [node, orgs] of Object.entries(DEMO_NODES)) {
      for (const org of orgs) expect(users.some((u) => u.org === org), org).to.equal(true);
      expect(users.some((u) => orgs.includes(u.org) && u.roles.includes('node-admin')), `${node} node-admin`).to.equal(true);
    }
    // A node keeps only the users of the orgs it serves.
    expect(loadSeedUsers(FILE, registry, new Set(['gd-gearcloud'])).map((u) => u.id).sort()).to.deep.equal(['gd-gearcloud-admin', 'gd-gearcloud-analyst']);
  });

  it('matches every hash to the password its comment and the file header document', async () => {
    const users = loadSeedUsers(FILE, registry);
    const documented = new Map([...readFileSync(FILE, 'utf8').matchAll(/^- id: (\S+)\s+# password: (\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect([...documented.keys()].sort()).to.deep.equal(users.map((u) => u.id).sort());
    const results = await Promise.all(users.map(async (u) => {
      const tier = registry.get(u.org)!.tier;
      const expected = u.roles.length === 1 && u.roles[0] === 'node-admin' ? DEMO_PASSWORDS.nodeAdmin : DEMO_PASSWORDS[tier];
      expect(documented.get(u.id), u.id).to.equal(expected);
      return [u.id, await verifyPassword(expected, u.passwordHash), await verifyPassword(`${expected}x`, u.passwordHash)] as const;
    }));
    for (const [id, right, wrong] of results) {
      expect(right, `${id} right password`).to.equal(true);
      expect(wrong, `${id} wrong password`).to.equal(false);
    }
    // Same password, different salts: no two hashes alike.
    expect(new Set(users.map((u) => u.passwordHash)).size).to.equal(users.length);
  });

  it('refuses a list whose roles do not fit the tier, or whose orgs are unknown, naming every one', () => {
    const list = parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>[];
    const bad = [
      { ...list[0], id: 'officer-at-a-plant', org: 'js-jinling-motor', roles: ['national-officer'] },
      { ...list[0], id: 'analyst-at-the-center', org: 'ncisc', roles: ['enterprise-analyst'] },
      { ...list[0], id: 'nobody', org: 'no-such-org' },
    ];
    expect(() => seedUsers(bad, registry)).to.throw(/officer-at-a-plant: role national-officer.*analyst-at-the-center: role enterprise-analyst is for enterprise orgs.*nobody: no org no-such-org/);
    expect(() => seedUsers([{ ...list[0], passwordHash: 'demo-national-password' }], registry)).to.throw(/passwordHash/);
    expect(() => seedUsers([list[0], list[0]], registry)).to.throw(/duplicate user/);
  });

  it('creates the users missing from the store and leaves the others as they are', async () => {
    const store = SqliteStore.open({ path: join(tempDir('iisa-seed-'), 'iisa.db') });
    try {
      const options = { store, registry, log: new JsonLogger('silent'), servedOrgs: ['js-jinling-motor'], config: { accounts: FILE } };
      const first = await Accounts.open(options);
      expect((await first.users.list({})).users.map((u) => u.id)).to.deep.equal(['js-jinling-motor-admin', 'js-jinling-motor-analyst']);
      await first.users.setDisabled('js-jinling-motor-analyst', true);
      const again = await new Accounts(options).seed(loadSeedUsers(FILE, registry, new Set(['js-jinling-motor'])));
      expect(again).to.deep.equal({ created: [], kept: ['js-jinling-motor-analyst', 'js-jinling-motor-admin'] });
      expect((await first.users.get('js-jinling-motor-analyst'))!.disabled).to.equal(true);
    } finally {
      await store.close();
    }
  });
});
