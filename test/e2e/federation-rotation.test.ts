/**
 * Rotating a link secret without a refused request: the national node
 * (IPv6) learns the new secret while still accepting the old one
 * (`previousSecrets`), its enterprise child (IPv4) keeps working on the old
 * one — an advisory goes down, its receipt comes up — then moves to the new
 * one; once the parent drops the old secret, the old one is refused with 401
 * and logged, while the new one works. Secrets come from files named
 * relative to each node's config file, as an operator would keep them.
 */
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadNodeConfig } from '../../cli/node-config.js';
import { startNode, type RunningNode } from '../../cli/node.js';
import type { AdvisoryRecord } from '../../console/coordination/advisories.js';
import { LinkAuthError, LinkClient } from '../../core/federation/link-client.js';
import { apiToken, freePort, nodeUrl } from '../helpers/federation.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const JINLING = 'js-jinling-motor';
const NATIONAL = 'ncisc';
const LINK = 'jinling';
const OLD = 'the-old-link-secret-of-jinling-0000000000';
const NEW = 'the-new-link-secret-of-jinling-1111111111';

interface Spec { readonly id: string; readonly host: '127.0.0.1' | '::1'; readonly port: number }

describe('rotating a federation link secret', function () {
  this.timeout(120_000);
  const dir = tempDir('iisa-rotation-');
  const national: Spec = { id: 'national', host: '::1', port: 0 };
  const jinling: Spec = { id: 'jinling', host: '127.0.0.1', port: 0 };
  const running = new Map<string, RunningNode>();

  /** Write a node's config (secrets in files beside it) and start it. */
  async function start(spec: Spec, node: Record<string, unknown>, federation: Record<string, unknown>): Promise<void> {
    const nodeDir = join(dir, spec.id);
    mkdirSync(join(nodeDir, 'secrets'), { recursive: true });
    writeFileSync(join(nodeDir, 'secrets', 'old.key'), `${OLD}\n`);
    writeFileSync(join(nodeDir, 'secrets', 'new.key'), `${NEW}\n`);
    writeFileSync(join(nodeDir, 'api-tokens.yaml'), stringify([JINLING, NATIONAL].map((org) => ({ id: `api-${org}`, org, token: apiToken(org) }))));
    const file = join(nodeDir, 'node.yaml');
    writeFileSync(file, stringify({
      node, registry: join(repoRoot, 'seeds', 'orgs.yaml'), dataDir: 'data',
      console: { listen: { host: spec.host, port: spec.port }, apiTokens: 'api-tokens.yaml' },
      federation, log: { level: 'silent' },
    }));
    running.set(spec.id, await startNode(loadNodeConfig(file)));
  }

  async function stop(spec: Spec): Promise<void> {
    await running.get(spec.id)?.stop();
    running.delete(spec.id);
  }

  const startNational = (secrets: { secret: string; previousSecrets?: string[] }) => start(national, { id: 'national', tier: 'national', orgs: [NATIONAL] }, {
    children: [{
      linkId: LINK, orgs: [JINLING], secret: { file: secrets.secret },
      ...(secrets.previousSecrets ? { previousSecrets: secrets.previousSecrets.map((file) => ({ file })) } : {}),
    }],
  });
  const startJinling = (secretFile: string) => start(jinling, { id: 'jinling', tier: 'enterprise', orgs: [JINLING] }, {
    parent: { url: nodeUrl(national), linkId: LINK, tier: 'national', secret: { file: secretFile }, idleMs: 100, backoff: { initialMs: 100, maxMs: 500 } },
  });

  async function issueAdvisory(title: string): Promise<string> {
    const res = await fetch(`${nodeUrl(national)}/api/v1/advisories`, {
      method: 'POST', headers: { authorization: `Bearer ${apiToken(NATIONAL)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title, grade: 'III', targets: { orgs: [JINLING] } }),
    });
    expect(res.status).to.equal(201);
    return ((await res.json()) as { advisory: AdvisoryRecord }).advisory.advisory.id;
  }

  /** The advisory reached Jinling (downlink) and its delivery receipt came back (uplink). */
  async function travelsBothWays(id: string, what: string): Promise<void> {
    await waitFor(async () => (await running.get(jinling.id)!.coordination!.advisories.get(id)) !== undefined, 30_000, `${what}: the advisory at Jinling`);
    await waitFor(async () => (await running.get(national.id)!.coordination!.advisories.get(id))?.receipts[JINLING]?.delivered !== undefined,
      30_000, `${what}: Jinling's receipt at the national node`);
  }

  const client = (secret: string) => new LinkClient({ parentUrl: nodeUrl(national), linkId: LINK, secret, timeoutMs: 5000 });

  before(async () => {
    (national as { port: number }).port = await freePort('::1');
    (jinling as { port: number }).port = await freePort('127.0.0.1');
  });
  after(async () => {
    await stop(jinling);
    await stop(national);
  });

  it('keeps a child on the old secret working while its parent already has the new one', async () => {
    await startNational({ secret: 'secrets/new.key', previousSecrets: ['secrets/old.key'] });
    await startJinling('secrets/old.key');
    await travelsBothWays(await issueAdvisory('Mid-rotation: child still on the old secret'), 'child on the old secret');
    // Both secrets are good for now, and each gets its answer signed so that it can trust it.
    expect(await client(OLD).request('GET', '/federation/v1/hello')).to.deep.include({ link: LINK });
    expect(await client(NEW).request('GET', '/federation/v1/hello')).to.deep.include({ link: LINK });
  });

  it('keeps the link working when the child moves to the new secret', async () => {
    await stop(jinling);
    await startJinling('secrets/new.key');
    await travelsBothWays(await issueAdvisory('Mid-rotation: child on the new secret'), 'child on the new secret');
  });

  it('refuses the old secret with 401 once the parent has dropped it, and logs the refusal', async () => {
    await stop(national);
    await startNational({ secret: 'secrets/new.key' });
    const err = await client(OLD).request('GET', '/federation/v1/hello').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(LinkAuthError);
    expect((err as LinkAuthError).status).to.equal(401);
    expect((err as LinkAuthError).claimed).to.include('bad-signature');
    const refusals = await running.get(national.id)!.coordination!.security.list(100);
    expect(refusals.some((e) => e.linkId === LINK && e.reason === 'bad-signature')).to.equal(true);
    // The child on the new secret goes on as before.
    await travelsBothWays(await issueAdvisory('After rotation'), 'after the old secret is gone');
  });
});
