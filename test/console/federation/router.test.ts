/**
 * The parent's federation router over HTTP on a dual-stack listener:
 * requests nobody signed cannot fill the security log (one entry per
 * reason, link and address a minute, the rest counted), and an uplink
 * batch above the item limit gets a signed 413 the child can act on.
 */
import { expect } from 'chai';
import { hostPort } from '../../../collector/sources/listen.js';
import { LinkClient, LinkHttpError } from '../../../core/federation/link-client.js';
import { signRequest } from '../../../core/federation/link-auth.js';
import { Collections } from '../../../core/store/documents.js';
import type { SecurityEntry } from '../../../console/federation/security-log.js';
import { alert, alertItem } from './fixtures.js';
import { LINK, SECRET, close, startParent, type Parent } from './parent-fixture.js';

const UPLINK = '/federation/v1/uplink';

describe('federationRouter', function () {
  this.timeout(20_000);
  let parent: Parent;

  beforeEach(async () => {
    parent = await startParent({ maxBatchItems: 2 });
  });

  afterEach(async () => {
    await close(parent.server);
    await parent.store.close();
  });

  function url(host: string): string {
    return `http://${hostPort(host, parent.port)}`;
  }

  async function forged(host: string): Promise<number> {
    const body = JSON.stringify({ items: [] });
    const headers = signRequest({ linkId: LINK, secret: 'not-the-link-secret-0123456789abcdef', method: 'POST', path: UPLINK, body });
    const res = await fetch(`${url(host)}${UPLINK}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    return res.status;
  }

  describe('refused requests', () => {
    it('keep one security-log entry per reason, link and address however many arrive, over IPv4 and IPv6', async () => {
      for (let i = 0; i < 40; i++) expect(await forged(i % 2 ? '::1' : '127.0.0.1')).to.equal(401);
      const entries = (await parent.store.queryDocuments<SecurityEntry>({ collection: Collections.securityLog, order: 'asc' })).documents.map((d) => d.body);
      expect(entries.map((e) => [e.reason, e.linkId, e.remote]).sort()).to.deep.equal([
        ['bad-signature', LINK, '127.0.0.1'], ['bad-signature', LINK, '::1'],
      ]);
      expect(parent.lines.filter((l) => l.msg === 'federation refused')).to.have.length(2);
    });
  });

  describe('POST /uplink', () => {
    it('answers a batch above maxBatchItems with a signed 413, and takes one within it', async () => {
      const client = new LinkClient({ parentUrl: url('::1'), linkId: LINK, secret: SECRET, timeoutMs: 5000 });
      const items = ['a1', 'a2', 'a3'].map((id) => alertItem(alert({ id })));
      const error = await client.request('POST', UPLINK, { items }).then(() => undefined, (err: unknown) => err);
      expect(error).to.be.instanceOf(LinkHttpError).and.include({ status: 413, code: 'too-large' });
      expect(parent.received).to.deep.equal([]);
      expect(await client.request('POST', UPLINK, { items: items.slice(0, 2) })).to.deep.equal({ accepted: ['alert:a1', 'alert:a2'], refused: [] });
    });
  });
});
