/**
 * A node runs the Sigma rules on every stored event and stores rule hits;
 * it picks up a changed rule file without a restart.
 */
import { expect } from 'chai';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { finishNodeConfig, NodeConfigSchema } from '../../cli/node-config.js';
import { startNode, type RunningNode } from '../../cli/node.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const ORG_A = 'js-jinling-motor';
const ORG_B = 'gd-pearl-electronics';

function rule(id: string, title: string, fn: string): string {
  return stringify({
    title, id, status: 'test', level: 'high', tags: ['attack.ics', 'attack.t0816'],
    logsource: { product: 'ics', service: 's7comm' },
    detection: { selection: { 'ics.function|contains': fn }, condition: 'selection' },
  });
}

function s7(org: string, fn: string, n: number): string {
  return JSON.stringify({
    '@timestamp': new Date(Date.now() - 1000 + n).toISOString(),
    message: `s7 ${fn} ${n}`,
    event: { category: ['network'], type: ['protocol'], dataset: 'zeek.s7comm', module: 'zeek' },
    network: { transport: 'tcp', protocol: 's7comm' },
    source: { ip: n % 2 ? '2001:db8:66::7' : '203.0.113.66', port: 40000 + n },
    destination: { ip: '10.1.1.20', port: 102 },
    ics: { protocol: 's7comm', function: fn, is_write: true },
    org: { id: 'forged' },
  });
}

describe('node detection end to end', function () {
  this.timeout(60_000);
  let dir: string;
  let rulesDir: string;
  let node: RunningNode;
  let url: string;

  before(async () => {
    dir = tempDir('iisa-detect-');
    rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(join(rulesDir, 'plc-stop.yml'), rule('0f9a1a6e-2b5e-4c1e-9d6a-5b1f0c2e7a11', 'PLC stop', 'PLC Stop'));
    writeFileSync(join(dir, 'tokens.yaml'), stringify([
      { id: 'a', org: ORG_A, parser: 'ecs', token: 'detect-token-a-000000' },
      { id: 'b', org: ORG_B, parser: 'ecs', token: 'detect-token-b-000000' },
    ]));
    node = await startNode(finishNodeConfig(NodeConfigSchema.parse({
      node: { id: 'detect', tier: 'national' },
      registry: join(repoRoot, 'seeds', 'orgs.yaml'),
      dataDir: join(dir, 'data'),
      ingestTokens: join(dir, 'tokens.yaml'),
      detector: { rules: [rulesDir], reloadIntervalMs: 100 },
      sources: [{ type: 'http', listen: { host: '::1', port: 0 } }],
      log: { level: 'silent' },
    }), join(dir, 'node.yaml')));
    url = `http://[::1]:${node.sources[0].source.address!()!.port}/api/v1/ingest`;
  });
  after(() => node?.stop());

  async function send(token: string, lines: string[]): Promise<void> {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: lines.join('\n') });
    expect(res.status).to.equal(200);
  }

  it('stores a hit per matching event, with rule, level, tags, org and event id, scoped by org', async () => {
    await send('detect-token-a-000000', [s7('x', 'PLC Stop', 1), s7('x', 'Read Var', 2), s7('x', 'PLC Stop', 3)]);
    await send('detect-token-b-000000', [s7('x', 'PLC Stop', 4)]);
    await waitFor(async () => (await node.store.searchRuleHits({})).length === 3, 10_000, 'three hits');
    const hitsA = await node.store.searchRuleHits({ orgIds: [ORG_A] });
    expect(hitsA).to.have.length(2);
    const events = (await node.store.searchEvents({ orgIds: [ORG_A], text: 'Stop' })).events;
    expect(hitsA.map((h) => h.eventIds[0]).sort()).to.deep.equal(events.map((e) => e.event.id).sort());
    for (const hit of hitsA) {
      expect(hit).to.deep.include({ kind: 'detection', ruleId: '0f9a1a6e-2b5e-4c1e-9d6a-5b1f0c2e7a11', ruleTitle: 'PLC stop', level: 'high', orgId: ORG_A });
      expect(hit.tags).to.deep.equal(['attack.ics', 'attack.t0816']);
    }
    expect(await node.store.searchRuleHits({ orgIds: [ORG_B] })).to.have.length(1);
  });

  it('reloads a changed rule file without a restart', async () => {
    writeFileSync(join(rulesDir, 'read-var.yml'), rule('5c3f2d1e-7a6b-4c5d-8e9f-0a1b2c3d4e5f', 'S7 read', 'Read Var'));
    await waitFor(() => node.detector!.ruleCount.rules === 2, 10_000, 'the new rule to load');
    await send('detect-token-a-000000', [s7('x', 'Read Var', 5)]);
    await waitFor(async () => (await node.store.searchRuleHits({ ruleId: '5c3f2d1e-7a6b-4c5d-8e9f-0a1b2c3d4e5f' })).length === 1, 10_000, 'a hit of the new rule');
    expect(node.metrics.get('detector.rule_reloads')).to.be.at.least(1);
  });

  it('keeps the previous rules when a changed rule file is broken', async () => {
    const reloads = node.metrics.get('detector.rule_reloads');
    writeFileSync(join(rulesDir, 'read-var.yml'), 'title: broken\ndetection: [not, a, map]\n');
    // Let the reload check run several times over the broken file.
    await new Promise((r) => setTimeout(r, 500));
    expect(node.metrics.get('detector.rule_reloads')).to.equal(reloads);
    expect(node.detector!.ruleCount.rules).to.equal(2);
    await send('detect-token-a-000000', [s7('x', 'PLC Stop', 6)]);
    await waitFor(async () => (await node.store.searchRuleHits({ orgIds: [ORG_A], ruleId: '0f9a1a6e-2b5e-4c1e-9d6a-5b1f0c2e7a11' })).length === 3, 10_000, 'the old rule still hitting');
  });
});
