/**
 * GET /api/v1/rules a page at a time: a node with thousands of rules
 * answers them in rule id order, `limit` per page, with a nextCursor until
 * the last page, and counts hits over every rule whatever the page.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { OrgRegistry } from '../../core/orgs.js';
import { SqliteStore } from '../../core/store/sqlite/sqlite-store.js';
import { JsonLogger } from '../../core/telemetry.js';
import { ApiTokens } from '../../console/api-tokens.js';
import { createConsoleApi } from '../../console/api.js';
import { repoRoot, tempDir } from '../helpers/paths.js';

const RULES = 3000;
const JINLING = 'js-jinling-motor';
const TOKEN = 'rules-paging-token';

interface RulesAnswer {
  readonly from: string;
  readonly to: string;
  readonly hitsCounted: number;
  readonly truncated: boolean;
  readonly rules: { id: string; title: string; hits: number }[];
  readonly nextCursor?: string;
}

/** Rule `n`'s id (Sigma ids are UUIDs): zero-padded so id order is number order. Written in reverse so file order is not id order. */
function ruleId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

function ruleFile(): string {
  const docs: string[] = [];
  for (let n = RULES - 1; n >= 0; n--) {
    docs.push([
      `title: Paging rule ${n}`, `id: ${ruleId(n)}`,
      'logsource: { product: ics, service: modbus }',
      'detection:', '  selection:', `    ics.function: Write ${n}`, '  condition: selection', 'level: low',
    ].join('\n'));
  }
  return docs.join('\n---\n');
}

describe('rules API paging', function () {
  this.timeout(60_000);
  let store: SqliteStore;
  let server: Server;
  let base: string;

  async function rules(query: string): Promise<{ status: number; body: RulesAnswer }> {
    const res = await fetch(`${base}/api/v1/rules${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, body: await res.json() as RulesAnswer };
  }

  before(async () => {
    const dir = tempDir('iisa-rules-paging-');
    writeFileSync(join(dir, 'many.yml'), ruleFile());
    const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
    store = SqliteStore.open({ path: join(dir, 'iisa.db') });
    const tokens = new ApiTokens([{ id: 'paging', org: JINLING, token: TOKEN }], registry);
    const time = new Date(Date.now() - 60_000).toISOString();
    // Hits on the last rule by id: counted on the third page, whichever page is asked for.
    await store.appendRuleHits([1, 2].map((n) => ({
      id: `hit-${n}`, kind: 'detection' as const, ruleId: ruleId(RULES - 1), ruleTitle: 'Paging rule', level: 'low',
      tags: [], orgId: JINLING, time, detectedAt: time, eventIds: [`e-${n}`],
    })));
    const app = createConsoleApi({ store, registry, tokens, log: new JsonLogger('silent'), rules: { rules: [dir] } });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  });

  it('pages through every rule in id order, 1000 a page by default, nextCursor absent on the last page', async () => {
    const seen: string[] = [];
    const pages: RulesAnswer[] = [];
    let cursor: string | undefined;
    do {
      const res = await rules(cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).to.equal(200);
      pages.push(res.body);
      seen.push(...res.body.rules.map((r) => r.id));
      cursor = res.body.nextCursor;
    } while (cursor !== undefined && pages.length < 10);
    expect(pages.map((p) => p.rules.length)).to.deep.equal([1000, 1000, 1000]);
    expect(seen).to.deep.equal(Array.from({ length: RULES }, (_, n) => ruleId(n)));
    // Every page counts hits over every rule, not its own rules only.
    expect(pages.map((p) => p.hitsCounted)).to.deep.equal([2, 2, 2]);
    expect(pages[2].rules.at(-1)).to.include({ id: ruleId(RULES - 1), hits: 2 });
    expect(pages[0].rules[0]).to.include({ id: ruleId(0), hits: 0 });
  });

  it('answers `limit` rules a page, and every rule in one page when the limit allows', async () => {
    const first = await rules('?limit=7');
    expect(first.body.rules.map((r) => r.id)).to.deep.equal(Array.from({ length: 7 }, (_, n) => ruleId(n)));
    const second = await rules(`?limit=7&cursor=${first.body.nextCursor!}`);
    expect(second.body.rules.map((r) => r.id)).to.deep.equal(Array.from({ length: 7 }, (_, n) => ruleId(n + 7)));
    const all = await rules('?limit=10000');
    expect(all.body.rules).to.have.length(RULES);
    expect(all.body).to.not.have.property('nextCursor');
    expect(Object.keys(all.body).sort()).to.deep.equal(['from', 'hitsCounted', 'rules', 'to', 'truncated']);
  });

  it('goes on after the place a cursor names even when that rule is gone; an empty page past the end; 400 for a cursor it never gave or a bad limit', async () => {
    const first = await rules('?limit=3');
    const [id, kind, file, title] = JSON.parse(Buffer.from(first.body.nextCursor!, 'base64url').toString('utf8')) as string[];
    // The third rule's place, as if the rule had been removed since (a different title): the next page still starts at the fourth.
    const gone = Buffer.from(JSON.stringify([id, kind, file, `${title} (removed)`])).toString('base64url');
    expect((await rules(`?limit=2&cursor=${gone}`)).body.rules.map((r) => r.id)).to.deep.equal([ruleId(3), ruleId(4)]);
    const end = Buffer.from(JSON.stringify(['\uffff', 'detection', '', ''])).toString('base64url');
    const past = await rules(`?cursor=${end}`);
    expect(past.status).to.equal(200);
    expect(past.body.rules).to.deep.equal([]);
    expect(past.body).to.not.have.property('nextCursor');
    for (const query of ['?cursor=abc', '?cursor=-1', '?limit=0', '?limit=10001']) {
      expect((await rules(query)).status, query).to.equal(400);
    }
  });
});
