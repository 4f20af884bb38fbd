/**
 * A parent serving its link endpoints on a listener of their own with
 * mutual TLS (federation.listen + federation.tls), configured the way an
 * operator writes it: a child with a certificate from the link CA gets its
 * alerts and advisories through; one without a certificate cannot connect
 * at all, whatever secret it holds. And a node takes data only for the orgs
 * it serves, even from a token file shared with other nodes.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { finishNodeConfig, NodeConfigSchema } from '../../cli/node-config.js';
import { startNode, type RunningNode } from '../../cli/node.js';
import { LinkClient } from '../../core/federation/link-client.js';
import { apiToken, freePort, linkSecret } from '../helpers/federation.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';
import { haveOpenssl, makeLinkPki, type LinkPki } from '../console/federation/link-pki.js';

const JINLING = 'js-jinling-motor';

describe('federation over mutual TLS, configured per node', function () {
  this.timeout(60_000);
  let dir: string;
  let pki: LinkPki;
  let parent: RunningNode | undefined;
  let child: RunningNode | undefined;
  let linkPort: number;

  before(async function () {
    if (!haveOpenssl()) this.skip();
    dir = tempDir('iisa-federation-tls-');
    pki = makeLinkPki();
    for (const [name, pem] of Object.entries(pki)) writeFileSync(join(dir, `${name}.pem`), pem);
    writeFileSync(join(dir, 'tokens.yaml'), stringify([JINLING, 'js-industry-regulator', 'js-yangtze-petro'].map((org) => ({ id: org, org, token: apiToken(org) }))));
    linkPort = await freePort('::1');
    const base = (id: string) => ({
      registry: join(repoRoot, 'seeds', 'orgs.yaml'), dataDir: join(dir, id), log: { level: 'silent' },
      detector: { rules: [join(repoRoot, 'rules')], reloadIntervalMs: 200 },
    });
    parent = await startNode(finishNodeConfig(NodeConfigSchema.parse({
      ...base('province'), node: { id: 'province', tier: 'provincial', orgs: ['js-industry-regulator'] },
      console: { listen: { host: '127.0.0.1', port: 0 }, apiTokens: join(dir, 'tokens.yaml') },
      federation: {
        listen: { host: '::1', port: linkPort },
        tls: { certFile: 'serverCert.pem', keyFile: 'serverKey.pem', caFile: 'ca.pem' },
        children: [{ linkId: 'jinling', orgs: [JINLING], secret: { value: linkSecret('jinling') } }],
      },
    }), join(dir, 'province.yaml')));
    child = await startNode(finishNodeConfig(NodeConfigSchema.parse({
      ...base('jinling'), node: { id: 'jinling', tier: 'enterprise', orgs: [JINLING] },
      ingestTokens: join(repoRoot, 'seeds', 'tokens.yaml'),
      console: { listen: { host: '127.0.0.1', port: 0 }, apiTokens: join(dir, 'tokens.yaml') },
      federation: {
        parent: {
          url: `https://[::1]:${linkPort}`, linkId: 'jinling', tier: 'provincial', secret: { value: linkSecret('jinling') },
          tls: { caFile: 'ca.pem', certFile: 'clientCert.pem', keyFile: 'clientKey.pem' }, idleMs: 100, backoff: { initialMs: 100, maxMs: 500 },
        },
      },
      sources: [{ type: 'http', listen: { host: '127.0.0.1', port: 0 } }],
    }), join(dir, 'jinling.yaml')));
  });

  after(async () => {
    await child?.stop();
    await parent?.stop();
  });

  it('serves the link endpoints on their own TLS listener and not on the console', async () => {
    expect(parent!.federationListener!.address()!.port).to.equal(linkPort);
    const onConsole = await fetch(`http://127.0.0.1:${parent!.console!.address()!.port}/federation/v1/hello`);
    expect(onConsole.status).to.equal(404);
  });

  it('carries a child\'s items over the certificate-checked link', async () => {
    const issued = await parent!.coordination!.tasks.issue({
      issuer: 'js-industry-regulator', title: 'Confirm backup of PLC programs', text: '', targetOrgs: [JINLING],
      deadline: new Date(Date.now() + 3_600_000).toISOString(), requiredActions: ['back up every PLC program offline'],
    });
    await waitFor(async () => (await child!.coordination!.tasks.get(issued.task.id)) !== undefined, 20_000, 'the task at the child');
    await child!.coordination!.tasks.report(issued.task.id, JINLING, 'accepted', 'analyst');
    await waitFor(async () => (await parent!.coordination!.tasks.get(issued.task.id))?.targets[JINLING].status === 'accepted', 20_000, 'the status at the parent');
  });

  it('does not let a client without a certificate from the link CA connect, even with the right secret', async () => {
    for (const tls of [{ ca: pki.ca }, { ca: pki.ca, cert: pki.strangerCert, key: pki.strangerKey }]) {
      const client = new LinkClient({ parentUrl: `https://[::1]:${linkPort}`, linkId: 'jinling', secret: linkSecret('jinling'), tls, timeoutMs: 5000 });
      const err = await client.request('GET', '/federation/v1/hello').then(() => undefined, (e: unknown) => e as Error);
      expect(err?.name).to.equal('LinkTransportError');
      client.close();
    }
  });

  it('takes ingest only for the orgs the node serves, even from a shared token file', async () => {
    const ingest = `http://127.0.0.1:${child!.sources[0].source.address!()!.port}/api/v1/ingest`;
    const line = JSON.stringify({ '@timestamp': new Date().toISOString(), message: 'x' });
    const other = await fetch(ingest, { method: 'POST', headers: { authorization: 'Bearer demo-js-yangtze-petro-iptables' }, body: line });
    expect(other.status).to.equal(401);
    const own = await fetch(ingest, { method: 'POST', headers: { authorization: 'Bearer demo-js-jinling-motor-iptables' }, body: 'not an iptables line' });
    expect(own.status).to.not.equal(401);
  });
});
