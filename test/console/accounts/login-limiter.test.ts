/**
 * Failed logins counted per user name and per client address (IPv6 per
 * /64), in a sliding window on an injected clock.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { OrgRegistry } from '../../../core/orgs.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { JsonLogger } from '../../../core/telemetry.js';
import { Accounts } from '../../../console/accounts/accounts.js';
import { addressKey, LoginLimiter, userKey } from '../../../console/accounts/login-limiter.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';

describe('LoginLimiter', () => {
  describe('addressKey', () => {
    it('keeps an IPv4 address as it is, and an IPv4-mapped IPv6 peer as its IPv4 address', () => {
      expect(addressKey('192.0.2.7')).to.equal('addr:192.0.2.7');
      expect(addressKey('::ffff:192.0.2.7')).to.equal('addr:192.0.2.7');
      expect(addressKey('192.0.2.8')).to.not.equal(addressKey('192.0.2.7'));
    });

    it('groups IPv6 addresses by their /64, whatever their spelling', () => {
      const key = addressKey('2001:db8:1:2::1');
      expect(key).to.equal('addr:2001:db8:1:2::/64');
      for (const same of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0000:0000:0000:0099', '[2001:db8:1:2::abcd]', '2001:db8:1:2::5%eth0']) {
        expect(addressKey(same), same).to.equal(key);
      }
      expect(addressKey('2001:db8:1:3::1')).to.equal('addr:2001:db8:1:3::/64');
      expect(addressKey('2001:db8::1')).to.equal('addr:2001:db8::/64');
      expect(addressKey('::1')).to.equal('addr:::/64');
      expect(addressKey('fe80::1')).to.equal('addr:fe80::/64');
    });

    it('puts unreadable or missing addresses under one key', () => {
      expect(addressKey(undefined)).to.equal('addr:unknown');
      expect(addressKey('not an ip')).to.equal('addr:unknown');
    });
  });

  it('locks a key at the fifth failure in the window until the oldest failure leaves it', () => {
    const clock = { now: 1_000_000 };
    const limiter = new LoginLimiter({ failures: 5, windowMs: 15 * 60_000, now: () => clock.now });
    const keys = [userKey('Alice'), addressKey('2001:db8::1')];
    for (let i = 0; i < 4; i++) {
      expect(limiter.fail(keys).locked).to.deep.equal([]);
      clock.now += 60_000;
    }
    expect(limiter.retryAfterSeconds(keys)).to.equal(0);
    expect(limiter.fail(keys).locked).to.deep.equal(keys);
    // The first failure was at 1_000_000; it leaves the window 15 minutes later.
    expect(limiter.retryAfterSeconds(keys)).to.equal(11 * 60);
    expect(limiter.retryAfterSeconds([userKey('alice')])).to.equal(11 * 60);
    // Another address of the same /64 is the same client.
    expect(limiter.retryAfterSeconds([addressKey('2001:db8::ffff')])).to.equal(11 * 60);
    expect(limiter.retryAfterSeconds([userKey('bob'), addressKey('2001:db8:0:1::1')])).to.equal(0);
    clock.now = 1_000_000 + 14 * 60_000;
    expect(limiter.retryAfterSeconds(keys)).to.equal(60);
    clock.now += 60_000;
    expect(limiter.retryAfterSeconds(keys)).to.equal(0);
  });

  it('forgives a success its counted attempt and resets only what it is told to', () => {
    const clock = { now: 0 };
    const limiter = new LoginLimiter({ failures: 3, windowMs: 60_000, now: () => clock.now });
    const keys = [userKey('carol'), addressKey('198.51.100.1')];
    limiter.fail(keys);
    clock.now += 1;
    const attempt = limiter.fail(keys);
    limiter.forgive(keys, attempt.at);
    limiter.reset(keys[0]);
    clock.now += 1;
    // The address still has its one earlier failure; two more lock it.
    limiter.fail([addressKey('198.51.100.1')]);
    expect(limiter.retryAfterSeconds([addressKey('198.51.100.1')])).to.equal(0);
    expect(limiter.fail([addressKey('198.51.100.1')]).locked).to.deep.equal([addressKey('198.51.100.1')]);
    expect(limiter.retryAfterSeconds([userKey('carol')])).to.equal(0);
  });

  it('keeps at most maxKeys keys, dropping expired ones first and then the oldest', () => {
    const clock = { now: 0 };
    const limiter = new LoginLimiter({ failures: 2, windowMs: 1000, now: () => clock.now, maxKeys: 3 });
    limiter.fail(['old']);
    clock.now = 2000;
    limiter.fail(['a']);
    limiter.fail(['b']);
    limiter.fail(['c']);
    expect(limiter.size).to.equal(3);
    limiter.fail(['a']);
    limiter.fail(['d']);
    expect(limiter.size).to.equal(3);
    // b was the least recently failing live key.
    expect(limiter.retryAfterSeconds(['a'])).to.equal(1);
    limiter.fail(['b']);
    expect(limiter.retryAfterSeconds(['b'])).to.equal(0);
  });
});

describe('Accounts.login', () => {
  it('logs each failure, the lockout and the refusals after it, naming user and address', async () => {
    const lines: Record<string, unknown>[] = [];
    const store = SqliteStore.open({ path: join(tempDir('iisa-login-log-'), 'iisa.db') });
    try {
      const accounts = new Accounts({
        store, registry: OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml')), hashParams: { ln: 10, r: 8, p: 1 },
        log: new JsonLogger('info', {}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
        config: { loginLimit: { failures: 2, windowMinutes: 1 } },
      });
      await accounts.users.create({ id: 'pat', org: 'gd-gearcloud', displayName: 'Pat', roles: ['enterprise-analyst'], password: 'pat-password-12' });
      expect((await accounts.login('pat', 'wrong-password', '2001:db8::7')).kind).to.equal('refused');
      expect((await accounts.login('pat', 'wrong-password', '2001:db8::7')).kind).to.equal('refused');
      expect(await accounts.login('pat', 'pat-password-12', '2001:db8::7')).to.deep.include({ kind: 'limited' });
      expect(lines.map((l) => l.msg)).to.deep.equal(['login failed', 'login failed', 'login locked', 'login refused: rate limited']);
      expect(lines[2]).to.deep.include({ level: 'warn', user: 'pat', remote: '2001:db8::7', keys: 'user:pat,addr:2001:db8::/64' });
    } finally {
      await store.close();
    }
  });
});
