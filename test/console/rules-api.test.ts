/**
 * The rule page's API: the rules a node runs with hits per rule, scoped to
 * the caller, and a hunt box that runs a Sigma rule over the stored events
 * the caller may read.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { RunningNode } from '../../cli/node.js';
import { OrgRegistry } from '../../core/orgs.js';
import type { EcsEvent } from '../../core/event.js';
import { api, freePort, startFederationNode, type NodeSpec } from '../helpers/federation.js';
import { makeEvent } from '../helpers/events.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { EcsEventSchema } from '../../core/event.js';

const JINLING = 'js-jinling-motor';
const YANGTZE = 'js-yangtze-petro';

const HUNT = `
title: Modbus writes from 203.0.113.0/24
logsource: { product: ics, service: modbus }
detection:
  selection:
    source.ip|cidr: 203.0.113.0/24
    ics.function|contains: Write
  condition: selection
level: high
`;

function modbus(org: string, src: string, fn: string, n: number): EcsEvent {
  return EcsEventSchema.parse(makeEvent({
    '@timestamp': new Date(Date.now() - 60_000 + n).toISOString(),
    event: { id: `${org}-${n}`, dataset: 'zeek.modbus', module: 'zeek', category: ['network'], type: ['protocol'] },
    source: { ip: src }, destination: { ip: '10.10.1.10', port: 502 },
    ics: { protocol: 'modbus', function: fn },
    org: { id: org, tier: 'enterprise' },
  }));
}

describe('rules API', function () {
  this.timeout(60_000);
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
  let spec: NodeSpec;
  let node: RunningNode;

  before(async () => {
    spec = { id: 'rules', tier: 'national', orgs: registry.all().map((o) => o.id), host: '127.0.0.1', port: await freePort('127.0.0.1') };
    node = await startFederationNode(spec, tempDir('iisa-rules-api-'), registry);
    await node.store.appendEvents([
      modbus(JINLING, '203.0.113.9', 'Write Single Coil', 1),
      modbus(JINLING, '203.0.113.9', 'Read Holding Registers', 2),
      modbus(JINLING, '198.51.100.4', 'Write Single Coil', 3),
      modbus(YANGTZE, '203.0.113.10', 'Write Multiple Registers', 4),
    ]);
  });
  after(() => node?.stop());

  it('lists the rules the node runs, with their level, logsource, file and hits', async () => {
    const res = await api<{ rules: { id: string; title: string; kind: string; level?: string; file: string; hits: number }[] }>(spec, JINLING, 'GET', '/api/v1/rules');
    expect(res.status).to.equal(200);
    expect(res.body.rules.length).to.be.greaterThan(80);
    const plcStop = res.body.rules.find((r) => /PLC Stop/i.test(r.title));
    expect(plcStop).to.include({ kind: 'detection' });
    expect(plcStop!.file).to.match(/rules\//);
    expect(res.body.rules.some((r) => r.kind === 'correlation')).to.equal(true);
  });

  it('hunts with a Sigma rule over the caller\'s own events only', async () => {
    const res = await api<{ matched: number; events: EcsEvent[] }>(spec, JINLING, 'POST', '/api/v1/hunt', { rule: HUNT, from: '-1h' });
    expect(res.status).to.equal(200);
    expect(res.body.matched).to.equal(1);
    expect(res.body.events.map((e) => e.event.id)).to.deep.equal([`${JINLING}-1`]);
    const national = await api<{ matched: number }>(spec, 'ncisc', 'POST', '/api/v1/hunt', { rule: HUNT, from: '-1h' });
    expect(national.body.matched).to.equal(2);
  });

  it('refuses a hunt to a regulator, who sees aggregates only', async () => {
    expect((await api(spec, 'js-industry-regulator', 'POST', '/api/v1/hunt', { rule: HUNT })).status).to.equal(403);
  });

  it('answers a broken rule with 400 and the line and cause', async () => {
    const res = await api<{ message: string }>(spec, JINLING, 'POST', '/api/v1/hunt', { rule: HUNT.replace('contains', 'containz') });
    expect(res.status).to.equal(400);
    expect(res.body.message).to.match(/line \d+/).and.to.match(/containz/);
  });

  it('rejects an unauthenticated call', async () => {
    const res = await fetch(`http://127.0.0.1:${spec.port}/api/v1/rules`);
    expect(res.status).to.equal(401);
  });
});
