/**
 * Secrets never reach the logs, and those that can be kept hashed are not
 * kept in the clear: an enterprise node and the national node above it run
 * with every log line captured at debug level, while collectors send with
 * good and bad ingest tokens, people log in with right and wrong passwords,
 * a script uses an API token, a stranger forges a link request, and an
 * alert goes up the signed link. Then no captured line, and no byte of
 * either node's SQLite store, holds a password, a session secret or CSRF
 * token, an API or ingest token, or the link secret.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningNode } from '../../cli/node.js';
import { Collections } from '../../core/store/documents.js';
import { loadConfigFile } from '../../core/config.js';
import { OrgRegistry } from '../../core/orgs.js';
import { JsonLogger } from '../../core/telemetry.js';
import { IngestTokenListSchema } from '../../collector/tokens.js';
import { scenarioRecordsAt } from '../../seeds/simulator/simulate.js';
import { sendTraffic } from '../../seeds/simulator/send.js';
import { apiToken, freePort, linkSecret, nodeUrl, startFederationNode, type NodeSpec } from '../helpers/federation.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const JINLING = 'js-jinling-motor';
const PASSWORD = 'demo-enterprise-password';
const WRONG_PASSWORD = 'not-the-password-but-close-1';

/** Every file under `dir`, as bytes (the store, its WAL, the node's data). */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ path, bytes: readFileSync(path) }];
  });
}

describe('secrets in logs and stores', function () {
  this.timeout(120_000);
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
  const lines: string[] = [];
  const log = new JsonLogger('debug', {}, (line) => { lines.push(line); });
  const dir = tempDir('iisa-secrets-');
  const nodes: RunningNode[] = [];
  let enterprise: NodeSpec;
  let national: NodeSpec;

  before(async () => {
    national = { id: 'national', tier: 'national', orgs: ['ncisc'], host: '::1', port: await freePort('::1'), children: [{ linkId: 'jinling', orgs: [JINLING] }] };
    enterprise = {
      id: 'jinling', tier: 'enterprise', orgs: [JINLING], host: '127.0.0.1', port: await freePort('127.0.0.1'), ingest: true,
      accounts: join(repoRoot, 'seeds', 'demo', 'accounts.yaml'), parent: { url: nodeUrl(national), linkId: 'jinling', tier: 'national' },
    };
    nodes.push(await startFederationNode(national, dir, registry, log));
    nodes.push(await startFederationNode(enterprise, dir, registry, log));
  });
  after(async () => {
    for (const node of nodes.reverse()) await node.stop();
  });

  it('keeps every secret out of the debug log and the stores', async () => {
    const secrets = new Map<string, string>([
      ['link secret', linkSecret('jinling')],
      ['API token', apiToken(JINLING)],
      ['password', PASSWORD],
      ['wrong password', WRONG_PASSWORD],
    ]);
    const consoleUrl = nodeUrl(enterprise);

    // A person logs in (and once with a wrong password); the session's secret and CSRF token are secrets too.
    expect((await fetch(`${consoleUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'js-jinling-motor-analyst', password: WRONG_PASSWORD }) })).status).to.equal(401);
    const login = await fetch(`${consoleUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'js-jinling-motor-analyst', password: PASSWORD }) });
    expect(login.status).to.equal(200);
    const session = /iisa_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1];
    const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
    secrets.set('session secret', session);
    secrets.set('CSRF token', csrf);
    expect((await fetch(`${consoleUrl}/api/v1/me`, { headers: { cookie: `iisa_session=${session}` } })).status).to.equal(200);
    expect((await fetch(`${consoleUrl}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: `iisa_session=${session}`, 'x-iisa-csrf': csrf } })).status).to.equal(200);

    // A script with its API token, and one with a token it guessed.
    expect((await fetch(`${consoleUrl}/api/v1/alerts`, { headers: { authorization: `Bearer ${apiToken(JINLING)}` } })).status).to.equal(200);
    expect((await fetch(`${consoleUrl}/api/v1/alerts`, { headers: { authorization: 'Bearer guessed-token-0123456789abcdef' } })).status).to.equal(401);

    // Collectors: the simulator's PLC stop with the right tokens, and a line with a wrong one.
    const ingest = nodes[1].sources[0].source.address!()!;
    const ingestUrl = nodeUrl({ host: enterprise.host, port: ingest.port });
    const tokens = loadConfigFile(join(repoRoot, 'seeds', 'tokens.yaml'), IngestTokenListSchema).filter((t) => t.org === JINLING && t.token);
    for (const t of tokens) secrets.set(`ingest token ${t.id}`, t.token!);
    const records = scenarioRecordsAt('plc-stop', JINLING, new Date(Date.now() - 30_000).toISOString(), 3, registry);
    await sendTraffic(records, { target: ingestUrl, tokensFile: join(repoRoot, 'seeds', 'tokens.yaml'), start: records[0]?.timestamp });
    const badIngest = 'wrong-ingest-token-000000000000';
    secrets.set('guessed ingest token', badIngest);
    expect((await fetch(`${ingestUrl}/api/v1/ingest`, { method: 'POST', headers: { authorization: `Bearer ${badIngest}`, 'content-type': 'application/x-ndjson' }, body: 'hello\n' })).status).to.equal(401);

    // A stranger forges a link request to the national node.
    const forged = await fetch(`${nodeUrl(national)}/federation/v1/uplink`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-iisa-link': 'jinling', 'x-iisa-signature': 'f'.repeat(64), 'x-iisa-timestamp': String(Date.now()), 'x-iisa-nonce': 'n'.repeat(32) },
      body: JSON.stringify({ items: [] }),
    });
    expect(forged.status).to.be.oneOf([401, 403]);

    // The PLC stop escalates to the national node over the signed link.
    await waitFor(async () => (await nodes[0].store.queryDocuments({ collection: Collections.alerts, limit: 10 })).documents.length > 0, 60_000, 'an alert at the national node');
    await nodes[1].jobs?.runNow('posture');

    // The security events themselves are logged (who, from where), only without their secrets.
    expect(lines.some((l) => l.includes('"msg":"login failed"')), 'the failed login is logged').to.equal(true);
    expect(lines.some((l) => l.includes('"msg":"federation refused"')), 'the forged link request is logged').to.equal(true);
    const leaks: string[] = [];
    for (const [what, secret] of secrets) {
      for (const line of lines) if (line.includes(secret)) leaks.push(`${what} in the log: ${line.slice(0, 200)}`);
    }
    for (const file of filesUnder(dir)) {
      // Link secrets live in the node's config by design (both ends sign with them); the store must not hold them.
      if (![enterprise.id, national.id].some((id) => file.path.startsWith(`${join(dir, id)}/`))) continue;
      for (const [what, secret] of secrets) if (file.bytes.includes(secret)) leaks.push(`${what} in ${file.path}`);
    }
    expect(leaks, leaks.join('\n')).to.deep.equal([]);
  });
});
