/**
 * HTTP ingest with an Idempotency-Key: a sender that got no clear answer (a
 * 503 while Kafka went away mid-request, a lost connection) resends the same
 * body with the same key, and nothing of it is stored twice. A key reused
 * for another body, or sent by another org, drops nothing; a malformed key
 * is refused before anything is stored.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { finishNodeConfig, NodeConfigSchema } from '../../../cli/node-config.js';
import { startNode, type RunningNode } from '../../../cli/node.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';

const ORG_A = 'js-jinling-motor';
const ORG_B = 'gd-pearl-electronics';
const TOKENS = { a: 'idempotency-test-a-000000', b: 'idempotency-test-b-000000' };
const MAX_LINE_BYTES = 2048;

const line = (tag: string, seq: number) => JSON.stringify({
  '@timestamp': '2026-11-25T06:00:00Z', event: { category: ['network'], action: 'connection' }, labels: { tag, seq: String(seq) },
});

describe('http source: Idempotency-Key', function () {
  this.timeout(30_000);
  let node: RunningNode;
  let urls: string[];

  before(async () => {
    const dir = tempDir('iisa-http-idempotency-');
    const tokens = join(dir, 'tokens.yaml');
    writeFileSync(tokens, stringify([
      { id: 'idem-a', org: ORG_A, parser: 'ecs', token: TOKENS.a },
      { id: 'idem-b', org: ORG_B, parser: 'ecs', token: TOKENS.b },
    ]));
    node = await startNode(finishNodeConfig(NodeConfigSchema.parse({
      node: { id: 'idempotency-receiver', tier: 'national' },
      registry: join(repoRoot, 'seeds', 'orgs.yaml'),
      dataDir: join(dir, 'data'),
      ingestTokens: tokens,
      log: { level: 'silent' },
      sources: [{ type: 'http', listen: { host: '::', port: 0 }, maxLineBytes: MAX_LINE_BYTES }],
    }), join(dir, 'node.yaml')));
    const port = node.sources[0].source.address!()!.port;
    urls = [`http://[::1]:${port}/api/v1/ingest`, `http://127.0.0.1:${port}/api/v1/ingest`];
  });

  after(async () => {
    await node?.stop();
  });

  async function post(url: string, token: string, body: string, key?: string): Promise<{ status: number; body: { error?: string; message?: string } }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' };
    if (key !== undefined) headers['idempotency-key'] = key;
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: await res.json() as { error?: string; message?: string } };
  }

  async function tagged(org: string, tag: string): Promise<string[]> {
    const page = await node.store.searchEvents({ orgIds: [org], limit: 1000, order: 'asc' });
    return page.events.filter((e) => e.labels?.tag === tag).map((e) => String(e.labels?.seq));
  }

  async function lettersContaining(text: string): Promise<number> {
    return (await node.store.searchDeadLetters({ limit: 1000 })).filter((l) => l.raw.includes(text)).length;
  }

  it('stores a body sent again with the same key once, over IPv6 and IPv4, its dead letters too', async () => {
    const body = [line('resent', 1), line('resent', 2), `{"too long, resent":"${'x'.repeat(MAX_LINE_BYTES)}"}`].join('\n');
    for (const url of urls) expect((await post(url, TOKENS.a, body, 'batch-0001')).status).to.equal(422);
    // The quoted form (a structured-field string, as the draft writes it) is the same key.
    expect((await post(urls[0]!, TOKENS.a, body, '"batch-0001"')).status).to.equal(422);
    expect(await tagged(ORG_A, 'resent')).to.deep.equal(['1', '2']);
    expect(await lettersContaining('too long, resent')).to.equal(1);
  });

  it('stores a body sent again without a key twice (at least once, as before)', async () => {
    const body = line('no-key', 1);
    for (const url of urls) expect((await post(url, TOKENS.a, body)).status).to.equal(200);
    expect(await tagged(ORG_A, 'no-key')).to.deep.equal(['1', '1']);
  });

  it('drops nothing when a key is reused for another body, or by another org', async () => {
    expect((await post(urls[0]!, TOKENS.a, line('reused', 1), 'reused-key')).status).to.equal(200);
    expect((await post(urls[1]!, TOKENS.a, line('reused', 2), 'reused-key')).status).to.equal(200);
    expect((await post(urls[0]!, TOKENS.b, line('reused', 1), 'reused-key')).status).to.equal(200);
    expect(await tagged(ORG_A, 'reused')).to.deep.equal(['1', '2']);
    expect(await tagged(ORG_B, 'reused')).to.deep.equal(['1']);
  });

  it('refuses a malformed key with 400 and stores nothing of the body', async () => {
    for (const key of ['has space', 'k'.repeat(256), '"unterminated', '', 'cl\u00e9']) {
      const reply = await post(urls[0]!, TOKENS.a, line('bad-key', 1), key);
      expect(reply.status, JSON.stringify(key)).to.equal(400);
      expect(reply.body.error).to.equal('bad-idempotency-key');
      expect(reply.body.message).to.match(/Idempotency-Key must be 1 to 255 visible ASCII characters/);
    }
    expect(await tagged(ORG_A, 'bad-key')).to.deep.equal([]);
  });
});
