/**
 * Link authentication as pure functions: a signed request verifies only with
 * every signed part intact, inside the clock window, once; a response
 * verifies only for the request it answers; the nonce store never forgets an
 * unexpired nonce to make room.
 */
import { expect } from 'chai';
import {
  signRequest, signResponse, verifyRequest, verifyResponse, type HeaderBag, type LinkBody, type VerifyResult,
} from '../../../core/federation/link-auth.js';
import { InMemoryNonceStore, NonceStoreFullError } from '../../../core/federation/nonce-store.js';

const NOW = Date.parse('2026-11-25T10:00:00.000Z');
const SECRETS: Record<string, string> = {
  'js-jinling-motor': 'jinling-link-secret-0123456789abcdef',
  'js-yangtze-petro': 'yangtze-link-secret-0123456789abcdef',
};
const LINK = 'js-jinling-motor';
const BODY = JSON.stringify({ items: [{ id: 'hit-1', level: 'high' }] });
const PATH = '/federation/v1/uplink?batch=7';

describe('link-auth', () => {
  let clock: number;
  let nonces: InMemoryNonceStore;

  beforeEach(() => {
    clock = NOW;
    nonces = new InMemoryNonceStore({ clock: () => clock });
  });

  function sign(overrides: Partial<Parameters<typeof signRequest>[0]> = {}): Record<string, string> {
    return { ...signRequest({ linkId: LINK, secret: SECRETS[LINK], method: 'POST', path: PATH, body: BODY, now: NOW, ...overrides }) };
  }

  function verify(headers: HeaderBag, overrides: { method?: string; path?: string; body?: LinkBody; now?: number; maxSkewMs?: number } = {}): Promise<VerifyResult> {
    return verifyRequest({
      headers, method: 'POST', path: PATH, body: Buffer.from(BODY), lookupSecret: (id) => SECRETS[id], nonces, now: NOW, ...overrides,
    });
  }

  async function expectRefused(result: Promise<VerifyResult>, reason: string): Promise<void> {
    const r = await result;
    expect(r.ok, JSON.stringify(r)).to.equal(false);
    if (!r.ok) {
      expect(r.reason).to.equal(reason);
      expect(r.detail).to.be.a('string').and.not.equal('');
    }
  }

  describe('signRequest / verifyRequest', () => {
    it('verifies a request signed with the link secret and names the link', async () => {
      const headers = sign();
      expect(headers['x-iisa-link']).to.equal(LINK);
      expect(headers['x-iisa-timestamp']).to.equal(String(NOW));
      expect(headers['x-iisa-nonce']).to.match(/^[0-9a-f]{32}$/);
      expect(headers['x-iisa-signature']).to.match(/^[0-9a-f]{64}$/);
      const r = await verify(headers);
      expect(r).to.deep.equal({ ok: true, linkId: LINK, nonce: headers['x-iisa-nonce'] });
    });

    it('verifies a bodiless GET and treats the method case-insensitively', async () => {
      const headers = sign({ method: 'get', body: undefined });
      expect((await verify(headers, { method: 'GET', body: undefined })).ok).to.equal(true);
    });

    it('draws a fresh nonce for every request', () => {
      const seen = new Set(Array.from({ length: 50 }, () => sign()['x-iisa-nonce']));
      expect(seen.size).to.equal(50);
    });

    it('refuses a tampered body, path, method, timestamp or link id as bad-signature', async () => {
      await expectRefused(verify(sign(), { body: BODY.replace('high', 'low') }), 'bad-signature');
      await expectRefused(verify(sign(), { body: undefined }), 'bad-signature');
      await expectRefused(verify(sign(), { path: '/federation/v1/uplink?batch=8' }), 'bad-signature');
      await expectRefused(verify(sign(), { path: '/federation/v1/uplink' }), 'bad-signature');
      await expectRefused(verify(sign(), { method: 'PUT' }), 'bad-signature');
      // Still inside the window, so only the signature can catch it.
      await expectRefused(verify({ ...sign(), 'x-iisa-timestamp': String(NOW + 1) }), 'bad-signature');
      // Another configured link: the signature was made with the first link's secret over the first link's id.
      const other = await verify({ ...sign(), 'x-iisa-link': 'js-yangtze-petro' });
      await expectRefused(Promise.resolve(other), 'bad-signature');
      expect(other.ok ? undefined : other.linkId).to.equal('js-yangtze-petro');
      // A nonce swapped for another one.
      await expectRefused(verify({ ...sign(), 'x-iisa-nonce': 'ab'.repeat(16) }), 'bad-signature');
    });

    it('refuses a request signed with another secret', async () => {
      await expectRefused(verify(sign({ secret: 'not-the-jinling-secret-0123456789ab' })), 'bad-signature');
    });

    it('refuses a stale timestamp, past or future, just beyond the skew', async () => {
      const skew = 300_000;
      expect((await verify(sign({ now: NOW - skew }))).ok, 'exactly maxSkew behind').to.equal(true);
      expect((await verify(sign({ now: NOW + skew }))).ok, 'exactly maxSkew ahead').to.equal(true);
      const past = await verify(sign({ now: NOW - skew - 1 }));
      await expectRefused(Promise.resolve(past), 'stale');
      expect(past.ok ? '' : past.detail).to.match(/behind/);
      const future = await verify(sign({ now: NOW + skew + 1 }));
      await expectRefused(Promise.resolve(future), 'stale');
      expect(future.ok ? '' : future.detail).to.match(/ahead/);
      await expectRefused(verify(sign({ now: NOW - 2_000 }), { maxSkewMs: 1_000 }), 'stale');
    });

    it('refuses a replayed request and keeps nonces apart per link', async () => {
      const headers = sign({ nonce: 'c0ffee'.padEnd(32, '0') });
      expect((await verify(headers)).ok).to.equal(true);
      await expectRefused(verify(headers), 'replayed');
      // Even a little later, while the timestamp is still fresh.
      await expectRefused(verify(headers, { now: NOW + 299_000 }), 'replayed');

      const other = 'js-yangtze-petro';
      const sameNonce = signRequest({ linkId: other, secret: SECRETS[other], method: 'POST', path: PATH, body: BODY, now: NOW, nonce: headers['x-iisa-nonce'] });
      expect(await verify(sameNonce)).to.deep.include({ ok: true, linkId: other });
    });

    it('records the nonce only for a valid signature, so junk cannot burn a nonce', async () => {
      const headers = sign();
      await expectRefused(verify({ ...headers, 'x-iisa-signature': 'f'.repeat(64) }), 'bad-signature');
      expect(nonces.size).to.equal(0);
      expect((await verify(headers)).ok, 'the genuine request with that nonce still passes').to.equal(true);
      expect(nonces.size).to.equal(1);
    });

    it('refuses an unknown link', async () => {
      const headers = signRequest({ linkId: 'gd-pearl-electronics', secret: 'pearl-link-secret-0123456789abcdef', method: 'POST', path: PATH, body: BODY, now: NOW });
      const r = await verify(headers);
      await expectRefused(Promise.resolve(r), 'unknown-link');
      expect(r.ok ? undefined : r.linkId).to.equal('gd-pearl-electronics');
    });

    it('refuses missing headers, naming them', async () => {
      const r = await verify({});
      await expectRefused(Promise.resolve(r), 'missing-headers');
      const { 'x-iisa-nonce': _n, 'x-iisa-signature': _s, ...partial } = sign();
      const p = await verify(partial);
      await expectRefused(Promise.resolve(p), 'missing-headers');
      expect(p.ok ? '' : p.detail).to.include('x-iisa-nonce').and.include('x-iisa-signature').and.not.include('x-iisa-link');
    });

    it('refuses malformed and repeated headers', async () => {
      await expectRefused(verify({ ...sign(), 'x-iisa-timestamp': '17e11' }), 'malformed');
      await expectRefused(verify({ ...sign(), 'x-iisa-nonce': 'NOT-HEX'.padEnd(32, 'x') }), 'malformed');
      await expectRefused(verify({ ...sign(), 'x-iisa-signature': 'abc' }), 'malformed');
      await expectRefused(verify({ ...sign(), 'x-iisa-link': 'bad link\nid' }), 'malformed');
      const headers = sign();
      await expectRefused(verify({ ...headers, 'x-iisa-signature': [headers['x-iisa-signature'], headers['x-iisa-signature']] }), 'malformed');
    });

    it('refuses to sign with a short secret or an unencoded path, and to verify under a short configured secret', async () => {
      expect(() => sign({ secret: 'short' })).to.throw(TypeError, /at least 32/);
      expect(() => sign({ path: 'federation/v1' })).to.throw(TypeError, /path/);
      expect(() => sign({ path: '/a b' })).to.throw(TypeError, /path/);
      let thrown: unknown;
      try {
        await verifyRequest({ headers: sign(), method: 'POST', path: PATH, body: BODY, lookupSecret: () => 'too-short', nonces, now: NOW });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).to.be.instanceOf(TypeError);
      expect((thrown as Error).message).to.match(/at least 32/);
    });
  });

  describe('signResponse / verifyResponse', () => {
    const secret = SECRETS[LINK];
    const nonceA = 'a'.repeat(32);
    const nonceB = 'b'.repeat(32);
    const body = JSON.stringify({ accepted: 3 });

    it('verifies a response for the request it answers', () => {
      const signature = signResponse({ secret, status: 200, requestNonce: nonceA, body });
      expect(verifyResponse({ secret, status: 200, requestNonce: nonceA, body: Buffer.from(body), signature })).to.deep.equal({ ok: true });
    });

    it('refuses the same response replayed for another request', () => {
      const signature = signResponse({ secret, status: 200, requestNonce: nonceA, body });
      expect(verifyResponse({ secret, status: 200, requestNonce: nonceB, body, signature })).to.include({ ok: false, reason: 'bad-signature' });
    });

    it('refuses an altered status or body, another secret, and a missing or malformed signature', () => {
      const signature = signResponse({ secret, status: 200, requestNonce: nonceA, body });
      expect(verifyResponse({ secret, status: 201, requestNonce: nonceA, body, signature }).ok).to.equal(false);
      expect(verifyResponse({ secret, status: 200, requestNonce: nonceA, body: body.replace('3', '4'), signature }).ok).to.equal(false);
      expect(verifyResponse({ secret: SECRETS['js-yangtze-petro'], status: 200, requestNonce: nonceA, body, signature }).ok).to.equal(false);
      expect(verifyResponse({ secret, status: 200, requestNonce: nonceA, body, signature: null })).to.include({ ok: false, reason: 'missing-signature' });
      expect(verifyResponse({ secret, status: 200, requestNonce: nonceA, body, signature: 'zz' })).to.include({ ok: false, reason: 'malformed' });
    });

    it('never accepts a request signature as a response signature', () => {
      // Same secret, same nonce: only the label inside the signed string keeps the two apart.
      const request = signRequest({ linkId: LINK, secret, method: 'GET', path: '/', now: NOW, nonce: nonceA });
      expect(verifyResponse({ secret, status: 200, requestNonce: nonceA, body: '', signature: request['x-iisa-signature'] }).ok).to.equal(false);
    });
  });

  describe('InMemoryNonceStore', () => {
    it('answers false for a nonce it holds and true again once it has expired', async () => {
      expect(await nonces.remember('a', 'n1', NOW + 1_000)).to.equal(true);
      expect(await nonces.remember('a', 'n1', NOW + 1_000)).to.equal(false);
      expect(await nonces.remember('b', 'n1', NOW + 1_000)).to.equal(true);
      clock = NOW + 1_000;
      expect(await nonces.remember('a', 'n1', NOW + 2_000)).to.equal(true);
    });

    it('when full, refuses new nonces instead of forgetting unexpired ones, and frees room as they expire', async () => {
      const small = new InMemoryNonceStore({ maxEntries: 3, clock: () => clock });
      expect(await small.remember(LINK, 'n1', NOW + 1_000)).to.equal(true);
      expect(await small.remember(LINK, 'n2', NOW + 5_000)).to.equal(true);
      expect(await small.remember(LINK, 'n3', NOW + 5_000)).to.equal(true);
      let thrown: unknown;
      try {
        await small.remember(LINK, 'n4', NOW + 5_000);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).to.be.instanceOf(NonceStoreFullError);
      // Still a replay, not forgotten, while full.
      expect(await small.remember(LINK, 'n1', NOW + 1_000)).to.equal(false);
      clock = NOW + 1_000;
      expect(await small.remember(LINK, 'n4', NOW + 5_000), 'n1 expired, so there is room').to.equal(true);
      expect(await small.remember(LINK, 'n2', NOW + 5_000)).to.equal(false);
      expect(small.size).to.equal(3);
    });

    it('makes verifyRequest fail closed when full: the request is not accepted', async () => {
      const small = new InMemoryNonceStore({ maxEntries: 1, clock: () => clock });
      const input = { method: 'POST', path: PATH, body: BODY, lookupSecret: (id: string) => SECRETS[id], nonces: small, now: NOW };
      expect((await verifyRequest({ ...input, headers: sign() })).ok).to.equal(true);
      let thrown: unknown;
      try {
        await verifyRequest({ ...input, headers: sign() });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).to.be.instanceOf(NonceStoreFullError);
    });

    it('sweeps expired entries on its interval', async () => {
      const store = new InMemoryNonceStore({ sweepIntervalMs: 1_000, clock: () => clock });
      for (let i = 0; i < 10; i++) await store.remember(LINK, `n${i}`, NOW + 500);
      expect(store.size).to.equal(10);
      clock = NOW + 1_000;
      await store.remember(LINK, 'fresh', NOW + 5_000);
      expect(store.size).to.equal(1);
    });
  });
});
