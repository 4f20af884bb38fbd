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
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadNodeConfig } from '../../cli/node-config.js';
import { startNode, type RunningNode } from '../../cli/node.js';
import type { AdvisoryRecord } from '../../console/coordination/advisories.js';
import { LinkAuthError, LinkClient } from '../../core/federation/link-client.js';
import { JsonLogger } from '../../core/telemetry.js';
import { apiToken, freePort, nodeUrl } from '../helpers/federation.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const JINLING = 'js-jinling-motor';
const NATIONAL = 'ncisc';
const LINK = 'jinling';
const OLD = 'the-old-link-secret-of-jinling-0000000000';
const NEW = 'the-new-link-secret-of-jinling-1111111111';

interface Spec { readonly id: string; readonly host: '127.0.0.1' | '::1'; readonly port: number }

/** A national advisory to Jinling, issued through the national node's API; answers its id. */
async function issueAdvisory(national: Spec, title: string): Promise<string> {
  const res = await fetch(`${nodeUrl(national)}/api/v1/advisories`, {
    method: 'POST', headers: { authorization: `Bearer ${apiToken(NATIONAL)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title, grade: 'III', targets: { orgs: [JINLING] } }),
  });
  expect(res.status).to.equal(201);
  return ((await res.json()) as { advisory: AdvisoryRecord }).advisory.advisory.id;
}

/** The advisory reached Jinling (downlink) and its delivery receipt came back (uplink). */
async function travelsBothWays(running: ReadonlyMap<string, RunningNode>, id: string, what: string): Promise<void> {
  await waitFor(async () => (await running.get('jinling')!.coordination!.advisories.get(id)) !== undefined, 30_000, `${what}: the advisory at Jinling`);
  await waitFor(async () => (await running.get('national')!.coordination!.advisories.get(id))?.receipts[JINLING]?.delivered !== undefined,
    30_000, `${what}: Jinling's receipt at the national node`);
}

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
    await travelsBothWays(running, await issueAdvisory(national, 'Mid-rotation: child still on the old secret'), 'child on the old secret');
    // Both secrets are good for now, and each gets its answer signed so that it can trust it.
    expect(await client(OLD).request('GET', '/federation/v1/hello')).to.deep.include({ link: LINK });
    expect(await client(NEW).request('GET', '/federation/v1/hello')).to.deep.include({ link: LINK });
  });

  it('keeps the link working when the child moves to the new secret', async () => {
    await stop(jinling);
    await startJinling('secrets/new.key');
    await travelsBothWays(running, await issueAdvisory(national, 'Mid-rotation: child on the new secret'), 'child on the new secret');
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
    await travelsBothWays(running, await issueAdvisory(national, 'After rotation'), 'after the old secret is gone');
  });
});

describe('rotating a federation link secret without a restart', function () {
  this.timeout(120_000);
  const dir = tempDir('iisa-hot-rotation-');
  const national: Spec = { id: 'national', host: '::1', port: 0 };
  const jinling: Spec = { id: 'jinling', host: '127.0.0.1', port: 0 };
  const running = new Map<string, RunningNode>();
  const lines: string[] = [];
  const secretFile = (spec: Spec, name: string) => join(dir, spec.id, 'secrets', name);
  /** Write as an operator's tool does: a new file renamed over the old one. */
  const put = (file: string, text: string) => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };
  const reloads = (what: RegExp, msg: string) => lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg && what.test(String(l.what)));

  async function start(spec: Spec, node: Record<string, unknown>, federation: Record<string, unknown>): Promise<void> {
    const nodeDir = join(dir, spec.id);
    writeFileSync(join(nodeDir, 'api-tokens.yaml'), stringify([JINLING, NATIONAL].map((org) => ({ id: `api-${org}`, org, token: apiToken(org) }))));
    const file = join(nodeDir, 'node.yaml');
    writeFileSync(file, stringify({
      node, registry: join(repoRoot, 'seeds', 'orgs.yaml'), dataDir: 'data', tokenReload: { checkIntervalMs: 200 },
      console: { listen: { host: spec.host, port: spec.port }, apiTokens: 'api-tokens.yaml' }, federation,
    }));
    running.set(spec.id, await startNode(loadNodeConfig(file), { log: new JsonLogger('info', { node: spec.id }, (line) => { lines.push(line); }) }));
  }

  const hello = (secret: string) => new LinkClient({ parentUrl: nodeUrl(national), linkId: LINK, secret, timeoutMs: 5000 })
    .request('GET', '/federation/v1/hello').then(() => 200, (e: unknown) => (e instanceof LinkAuthError ? e.status : -1));

  before(async () => {
    (national as { port: number }).port = await freePort('::1');
    (jinling as { port: number }).port = await freePort('127.0.0.1');
    for (const spec of [national, jinling]) mkdirSync(join(dir, spec.id, 'secrets'), { recursive: true });
    writeFileSync(secretFile(national, 'current.key'), `${OLD}\n`);
    writeFileSync(secretFile(national, 'previous.key'), ''); // no previous secret outside a rotation
    writeFileSync(secretFile(jinling, 'link.key'), `${OLD}\n`);
    await start(national, { id: 'national', tier: 'national', orgs: [NATIONAL] }, {
      children: [{ linkId: LINK, orgs: [JINLING], secret: { file: 'secrets/current.key' }, previousSecrets: [{ file: 'secrets/previous.key' }] }],
    });
    await start(jinling, { id: 'jinling', tier: 'enterprise', orgs: [JINLING] }, {
      parent: { url: nodeUrl(national), linkId: LINK, tier: 'national', secret: { file: 'secrets/link.key' }, idleMs: 100, backoff: { initialMs: 100, maxMs: 500 } },
    });
  });
  after(async () => {
    for (const id of [jinling.id, national.id]) await running.get(id)?.stop();
  });

  it('starts with one secret, an empty previous-secret file being none', async () => {
    await travelsBothWays(running, await issueAdvisory(national, 'Before the rotation'), 'before');
    expect(await hello(NEW)).to.equal(401);
  });

  it('takes the new secret at the parent, keeping the old one, and the child goes on with the old one', async () => {
    put(secretFile(national, 'previous.key'), `${OLD}\n`);
    put(secretFile(national, 'current.key'), `${NEW}\n`);
    await waitFor(async () => (await hello(NEW)) === 200, 10_000, 'the new secret accepted at the parent');
    expect(await hello(OLD)).to.equal(200);
    await travelsBothWays(running, await issueAdvisory(national, 'Mid-rotation: child still on the old secret'), 'child on the old secret');
  });

  it('moves the child to the new secret when its file changes', async () => {
    const before = reloads(/parent link/, 'credentials reloaded').length;
    put(secretFile(jinling, 'link.key'), `${NEW}\n`);
    await waitFor(() => reloads(/parent link/, 'credentials reloaded').length > before, 10_000, 'the child reloading its secret');
    await travelsBothWays(running, await issueAdvisory(national, 'Mid-rotation: child on the new secret'), 'child on the new secret');
  });

  it('refuses the old secret once the parent removes the previous-secret file, and the link goes on', async () => {
    rmSync(secretFile(national, 'previous.key'));
    await waitFor(async () => (await hello(OLD)) === 401, 10_000, 'the old secret refused');
    await travelsBothWays(running, await issueAdvisory(national, 'After the rotation'), 'after');
  });

  it('keeps the secret in force when a file does not hold a usable one, and never logs a secret', async () => {
    put(secretFile(national, 'current.key'), 'too-short\n');
    await waitFor(() => reloads(/child link/, 'credentials reload refused; the previous ones stay in force').length >= 1, 10_000, 'the refused reload logged');
    expect(reloads(/child link/, 'credentials reload refused; the previous ones stay in force')[0]!.error).to.match(/at least \d+ characters/);
    expect(await hello(NEW)).to.equal(200);
    await travelsBothWays(running, await issueAdvisory(national, 'After a bad secret file'), 'after a bad file');
    const logged = lines.join('\n');
    for (const secret of [OLD, NEW, 'too-short']) expect(logged).to.not.include(secret);
  });
});
