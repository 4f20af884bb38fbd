/**
 * Credentials change while a node runs, without a restart: a token added to
 * the ingest or API token file is accepted, a token taken out is refused
 * (401) and loses its open live views, a file that does not validate leaves
 * the tokens in force as they were and is logged naming the file and the
 * cause — never the secrets in it — and an admin logging a user out
 * everywhere closes that user's live views too, as does any other end of
 * a view's session: a logout in another tab, or sessions ended by another
 * console process sharing the store. The node listens on
 * 127.0.0.1 and ::1 (one dual-stack listener each for ingest and console).
 */
import { expect } from 'chai';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { stringify } from 'yaml';
import { finishNodeConfig, NodeConfigSchema } from '../../cli/node-config.js';
import { startNode, type RunningNode } from '../../cli/node.js';
import { SessionBook } from '../../console/accounts/sessions.js';
import { SqliteStore } from '../../core/store/sqlite/sqlite-store.js';
import { JsonLogger } from '../../core/telemetry.js';
import { freePort } from '../helpers/federation.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const JINLING = 'js-jinling-motor';
const ANALYST = 'js-jinling-motor-analyst';
const PASSWORD = 'demo-enterprise-password';

const INGEST_A = { id: 'gw-a', org: JINLING, parser: 'ecs', token: 'ingest-token-a-0000000000' };
const INGEST_B = { id: 'gw-b', org: JINLING, parser: 'ecs', token: 'ingest-token-b-1111111111' };
const API_SCRIPT = { id: 'soc-script', org: JINLING, token: 'api-token-script-2222222222' };
const API_NEW = { id: 'soc-new', org: JINLING, token: 'api-token-new-3333333333' };
const API_ADMIN = { id: 'accounts-bot', org: JINLING, roles: ['node-admin'], token: 'api-token-admin-4444444444' };

type Json = Record<string, unknown>;

/** Write as configuration tools do: a new file renamed over the old one. */
function replaceFile(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

/** A live-view socket and how it closed, if it did. */
interface LiveSocket { readonly ws: WebSocket; closed?: { code: number; reason: string } }

async function openLive(url: string, options: { protocols?: string[]; headers?: Record<string, string> }): Promise<LiveSocket> {
  const ws = new WebSocket(url, options.protocols ?? ['iisa.v1'], { headers: options.headers ?? {} });
  const socket: LiveSocket = { ws };
  ws.on('close', (code, reason) => { socket.closed = { code, reason: String(reason) }; });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  return socket;
}

describe('reloading token files while the node runs', function () {
  this.timeout(60_000);
  const dir = tempDir('iisa-token-reload-');
  const ingestFile = join(dir, 'tokens.yaml');
  const apiFile = join(dir, 'api-tokens.yaml');
  const lines: string[] = [];
  let node: RunningNode;
  let consolePort: number;

  const logged = (): Json[] => lines.map((l) => JSON.parse(l) as Json);
  const refusals = (file: string): Json[] => logged().filter((l) => l.msg === 'credentials reload refused; the previous ones stay in force' && l.file === file);

  function ingestUrl(host: string): string {
    const address = node.sources[0].source.address!()!;
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/api/v1/ingest`;
  }

  async function ingest(token: string, host = '127.0.0.1'): Promise<number> {
    const res = await fetch(ingestUrl(host), {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ '@timestamp': new Date().toISOString(), message: 'token reload test' }]),
    });
    await res.arrayBuffer();
    return res.status;
  }

  async function api(path: string, options: { token?: string; cookie?: string; method?: string; host?: string } = {}): Promise<{ status: number; body: Json }> {
    const host = options.host ?? '127.0.0.1';
    const res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${consolePort}${path}`, {
      method: options.method ?? 'GET',
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.cookie ? { cookie: options.cookie } : {}),
        ...(options.method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(options.method === 'POST' ? { body: '{}' } : {}),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  before(async () => {
    writeFileSync(ingestFile, stringify([INGEST_A]));
    writeFileSync(apiFile, stringify([API_SCRIPT, API_ADMIN]));
    consolePort = await freePort('::');
    const raw = NodeConfigSchema.parse({
      node: { id: 'reload', tier: 'enterprise', orgs: [JINLING] },
      registry: join(repoRoot, 'seeds', 'orgs.yaml'),
      dataDir: join(dir, 'data'),
      ingestTokens: ingestFile,
      tokenReload: { checkIntervalMs: 200 },
      console: {
        listen: { host: '::', port: consolePort }, apiTokens: apiFile, accounts: join(repoRoot, 'seeds', 'demo', 'accounts.yaml'), sessions: { liveCheckSeconds: 1 },
      },
      sources: [{ type: 'http', listen: { host: '::', port: 0 } }],
    });
    node = await startNode(finishNodeConfig(raw, join(dir, 'node.yaml')), { log: new JsonLogger('info', {}, (line) => { lines.push(line); }) });
  });
  after(async () => {
    await node?.stop();
  });

  describe('ingest tokens', () => {
    it('accepts a token added to the file, over IPv4 and IPv6', async () => {
      expect(await ingest(INGEST_B.token)).to.equal(401);
      replaceFile(ingestFile, stringify([INGEST_A, INGEST_B]));
      await waitFor(async () => (await ingest(INGEST_B.token)) === 200, 10_000, 'the added ingest token accepted');
      expect(await ingest(INGEST_B.token, '::1')).to.equal(200);
      expect(await ingest(INGEST_A.token, '::1')).to.equal(200);
    });

    it('refuses a token taken out of the file with 401 (edited in place)', async () => {
      writeFileSync(ingestFile, stringify([INGEST_B]));
      await waitFor(async () => (await ingest(INGEST_A.token)) === 401, 10_000, 'the revoked ingest token refused');
      expect(await ingest(INGEST_B.token)).to.equal(200);
      const reloaded = logged().filter((l) => l.msg === 'credentials reloaded' && l.file === ingestFile);
      expect(reloaded.at(-1)).to.include({ what: 'ingest tokens', tokens: 1, withdrawn: 1 });
    });

    it('keeps the tokens in force when the file does not validate, logging the file and the cause but no secret', async () => {
      const newcomer = 'ingest-token-c-never-in-force-555';
      // A YAML syntax error on the line with a secret.
      writeFileSync(ingestFile, `- { id: gw-b, org: ${JINLING}, parser: ecs, token: ${INGEST_B.token} }\n- { id: gw-c, org: ${JINLING}, parser: ecs, token: "${newcomer}\n`);
      await waitFor(() => refusals(ingestFile).length >= 1, 10_000, 'the refused reload logged');
      const syntax = refusals(ingestFile)[0];
      expect(syntax).to.include({ level: 'error', what: 'ingest tokens' });
      expect(syntax.error).to.match(/^line \d+, column \d+: /);
      // A secret pasted where a key goes (the colon forgotten): the key's name is withheld.
      writeFileSync(ingestFile, stringify([INGEST_B, { id: 'gw-c', org: JINLING, parser: 'ecs', [`token ${newcomer}`]: null }]));
      await waitFor(() => refusals(ingestFile).length >= 2, 10_000, 'the second refused reload logged');
      expect(refusals(ingestFile)[1].error).to.equal('[1]: unknown key (name withheld: a credential file\'s keys may hold a secret); [1]: give exactly one of "token" and "sha256"');
      // What was in force still is; nothing of the broken files took effect.
      expect(await ingest(INGEST_B.token)).to.equal(200);
      expect(await ingest(newcomer)).to.equal(401);
      expect(await ingest(INGEST_A.token)).to.equal(401);
      for (const secret of [newcomer, INGEST_A.token, INGEST_B.token]) expect(lines.join('\n')).to.not.include(secret);
      // Fixed, it is taken.
      replaceFile(ingestFile, stringify([INGEST_B, { id: 'gw-c', org: JINLING, parser: 'ecs', token: newcomer }]));
      await waitFor(async () => (await ingest(newcomer)) === 200, 10_000, 'the fixed file in force');
    });

    it('refuses a file that gives two tokens the same secret, whole, naming them but not the secret', async () => {
      const before = refusals(ingestFile).length;
      writeFileSync(ingestFile, stringify([INGEST_A, { ...INGEST_A, id: 'gw-a-again', parser: 'cef' }]));
      await waitFor(() => refusals(ingestFile).length > before, 10_000, 'the refused reload logged');
      expect(refusals(ingestFile).at(-1)!.error).to.equal('ingest token "gw-a-again" has the same secret as "gw-a"');
      expect(await ingest(INGEST_A.token)).to.equal(401);
      expect(await ingest(INGEST_B.token)).to.equal(200);
      expect(lines.join('\n')).to.not.include(INGEST_A.token);
    });
  });

  describe('API tokens', () => {
    it('accepts a token added to the file and refuses one taken out, closing its live views', async () => {
      expect((await api('/api/v1/me', { token: API_NEW.token })).status).to.equal(401);
      const live = await openLive(`ws://[::1]:${consolePort}/ws`, { protocols: ['iisa.v1', `iisa.token.${API_SCRIPT.token}`] });
      const kept = await openLive(`ws://127.0.0.1:${consolePort}/ws`, { headers: { authorization: `Bearer ${API_ADMIN.token}` } });
      replaceFile(apiFile, stringify([API_NEW, API_ADMIN]));
      await waitFor(async () => (await api('/api/v1/me', { token: API_NEW.token, host: '::1' })).status === 200, 10_000, 'the added API token accepted');
      expect((await api('/api/v1/me', { token: API_SCRIPT.token })).status).to.equal(401);
      await waitFor(() => live.closed !== undefined, 5000, 'the revoked token\'s live view closed');
      expect(live.closed).to.deep.equal({ code: 1008, reason: 'API token withdrawn' });
      expect(kept.closed).to.equal(undefined);
      kept.ws.close();
    });

    it('keeps the API tokens in force when the file does not validate', async () => {
      writeFileSync(apiFile, stringify([API_NEW, API_ADMIN, { id: 'soc-bad', org: JINLING, roles: ['national-officer'], token: 'api-token-bad-7777777777' }]));
      await waitFor(() => refusals(apiFile).length >= 1, 10_000, 'the refused reload logged');
      expect(refusals(apiFile)[0]).to.include({ what: 'API tokens' });
      expect(refusals(apiFile)[0].error).to.match(/soc-bad: role national-officer is for national orgs/);
      expect((await api('/api/v1/me', { token: API_NEW.token })).status).to.equal(200);
      expect((await api('/api/v1/me', { token: 'api-token-bad-7777777777' })).status).to.equal(401);
      expect(lines.join('\n')).to.not.include('api-token-bad-7777777777');
      replaceFile(apiFile, stringify([API_NEW, API_ADMIN]));
    });
  });

  describe('sessions', () => {
    async function login(host = '127.0.0.1'): Promise<{ cookie: string; csrf: string }> {
      const res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${consolePort}/api/v1/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: ANALYST, password: PASSWORD }),
      });
      expect(res.status).to.equal(200);
      const { csrfToken } = await res.json() as { csrfToken: string };
      return { cookie: /iisa_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0], csrf: csrfToken };
    }

    it('closes the live views of a user an admin logs out everywhere', async () => {
      const { cookie } = await login();
      const live = await openLive(`ws://[::1]:${consolePort}/ws`, { headers: { cookie } });
      const ended = await api(`/api/v1/users/${ANALYST}/end-sessions`, { token: API_ADMIN.token, method: 'POST' });
      expect(ended.status).to.equal(200);
      expect(ended.body.sessionsEnded).to.equal(1);
      await waitFor(() => live.closed !== undefined, 5000, 'the user\'s live view closed');
      expect(live.closed).to.deep.equal({ code: 1008, reason: 'sessions ended' });
      expect((await api('/api/v1/me', { cookie })).status).to.equal(401);
    });

    it('closes a live view when its session is logged out, and only that session\'s views', async () => {
      const tab = await login('::1');
      const other = await login();
      const live = await openLive(`ws://[::1]:${consolePort}/ws`, { headers: { cookie: tab.cookie } });
      const kept = await openLive(`ws://127.0.0.1:${consolePort}/ws`, { headers: { cookie: other.cookie } });
      const out = await fetch(`http://[::1]:${consolePort}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: tab.cookie, 'x-iisa-csrf': tab.csrf } });
      expect(out.status).to.equal(200);
      await waitFor(() => live.closed !== undefined, 10_000, 'the logged-out session\'s live view closed');
      expect(live.closed).to.deep.equal({ code: 1008, reason: 'session ended' });
      // Two more checks go by: the other session's view stays open.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(kept.closed).to.equal(undefined);
      kept.ws.close();
    });

    it('closes a live view whose sessions another console process ended (a store they share)', async () => {
      const { cookie } = await login();
      const live = await openLive(`ws://127.0.0.1:${consolePort}/ws`, { headers: { cookie } });
      // What another console process's end-sessions does: delete the user's sessions in the shared store.
      const elsewhere = SqliteStore.open({ path: join(dir, 'data', 'iisa.db') });
      try {
        expect(await new SessionBook(elsewhere, { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 }).endAllOf(ANALYST)).to.be.at.least(1);
      } finally {
        await elsewhere.close();
      }
      await waitFor(() => live.closed !== undefined, 10_000, 'the live view of the sessions ended elsewhere closed');
      expect(live.closed).to.deep.equal({ code: 1008, reason: 'session ended' });
      expect((await api('/api/v1/me', { cookie })).status).to.equal(401);
    });
  });
});
