/**
 * Login rate limiting over HTTP, IPv4 and IPv6 alike: five failures per
 * user name or client address in fifteen minutes, then 429 with
 * Retry-After; a success clears its user name's count; an unknown user
 * and a wrong password get the same answer in about the same time.
 */
import { expect } from 'chai';
import { DEMO_PASSWORDS, startConsoleFixture, type Answer, type ConsoleFixture } from './console-fixture.js';

const USER = 'js-yangtze-petro-analyst';
const RIGHT = DEMO_PASSWORDS.enterprise;

describe('login rate limiting', function () {
  this.timeout(60_000);
  let fx: ConsoleFixture;

  beforeEach(async () => {
    fx = await startConsoleFixture();
  });
  afterEach(() => fx.close());

  // Every 127.0.0.0/8 address is loopback on Linux: distinct client addresses without a network.
  /** `host` [::1] connects over IPv6; any other is the IPv4 source address (127.0.0.0/8 is all loopback). */
  const attempt = (user: string, password: string, host = '127.0.0.1'): Promise<Answer> =>
    fx.call('POST', '/api/v1/auth/login', { body: { user, password }, ...(host === '[::1]' ? { host } : { from: host }) });

  it('locks a user name after five failures, from any address, and says when to retry', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await attempt(USER, `wrong-${i}`, i % 2 ? '[::1]' : '127.0.0.1');
      expect(res.status, `failure ${i + 1}`).to.equal(401);
    }
    for (const host of ['127.0.0.1', '[::1]'] as const) {
      const locked = await attempt(USER, RIGHT, host);
      expect(locked.status, host).to.equal(429);
      expect(locked.headers.get('retry-after')).to.equal('900');
      expect(locked.body).to.deep.equal({ error: 'too-many-attempts', message: 'too many failed logins; try again in 900 seconds' });
    }
    fx.clock.now += 10 * 60_000;
    expect((await attempt(USER, RIGHT)).headers.get('retry-after')).to.equal('300');
    fx.clock.now += 5 * 60_000;
    expect((await attempt(USER, RIGHT)).status).to.equal(200);
  });

  it('locks a client address after five failures over any user names, IPv6 by its /64', async () => {
    for (let i = 0; i < 5; i++) expect((await attempt(`nobody-${i}`, 'guess-guess', '[::1]')).status).to.equal(401);
    const locked = await attempt(USER, RIGHT, '[::1]');
    expect(locked.status).to.equal(429);
    expect(Number(locked.headers.get('retry-after'))).to.be.within(899, 900);
    // The same user from another address logs in: the lock was on the address.
    expect((await attempt(USER, RIGHT, '127.0.0.1')).status).to.equal(200);
  });

  it('clears the user name\'s count on success, but not the address\'s', async () => {
    for (let i = 0; i < 4; i++) expect((await attempt(USER, 'wrong-password', '[::1]')).status).to.equal(401);
    expect((await attempt(USER, RIGHT, '127.0.0.1')).status).to.equal(200);
    // Without the reset this would be the user name's eighth failure.
    for (let i = 0; i < 4; i++) expect((await attempt(USER, 'wrong-password', '127.0.0.1')).status, `after success ${i}`).to.equal(401);
    expect((await attempt(USER, RIGHT, '127.0.0.1')).status).to.equal(200);
    // 127.0.0.1 has four failures (its success did not forgive them): one more locks it.
    expect((await attempt('someone-else', 'wrong-password', '127.0.0.1')).status).to.equal(401);
    expect((await attempt(USER, RIGHT, '127.0.0.1')).status).to.equal(429);
  });

  it('answers an unknown user exactly as a wrong password, locks both alike, and takes about as long', async () => {
    const unknown = await attempt('no-such-user', 'wrong-password', '[::1]');
    const wrong = await attempt(USER, 'wrong-password', '127.0.0.1');
    expect(unknown.status).to.equal(401);
    expect(unknown.body).to.deep.equal(wrong.body);
    expect(unknown.body).to.deep.equal({ error: 'login-failed', message: 'wrong user name or password' });
    // A disabled account with its right password: the same answer again.
    await fx.accounts.users.setDisabled('gd-gearcloud-analyst', true);
    expect((await attempt('gd-gearcloud-analyst', RIGHT, '[::1]')).body).to.deep.equal(wrong.body);

    const time = async (user: string, host: string): Promise<number> => {
      const started = process.hrtime.bigint();
      await attempt(user, 'wrong-password', host);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const unknownMs: number[] = [];
    const wrongMs: number[] = [];
    // Three of each, from separate addresses and names, so no lock is reached.
    for (let i = 0; i < 3; i++) {
      unknownMs.push(await time(`ghost-${i}`, '[::1]'));
      wrongMs.push(await time(['js-jinling-motor-analyst', 'gd-idres-elec-analyst', 'ncisc-officer'][i], '127.0.0.1'));
    }
    // Both spend one scrypt hash (tens of milliseconds); a skipped hash would be ten times faster.
    expect(median(unknownMs) / median(wrongMs)).to.be.within(0.6, 1.6);

    fx.clock.now += 16 * 60_000;
    const lockouts: Answer[] = [];
    for (const user of ['no-such-user', USER]) {
      for (let i = 0; i < 5; i++) expect((await attempt(user, 'wrong-password', `127.0.0.${10 + i}`)).status).to.equal(401);
      lockouts.push(await attempt(user, 'wrong-password', '127.0.0.20'));
    }
    expect(lockouts.map((r) => r.status)).to.deep.equal([429, 429]);
    expect(lockouts[0].body).to.deep.equal(lockouts[1].body);
  });
});
