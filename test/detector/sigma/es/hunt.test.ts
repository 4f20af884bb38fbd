import { Client } from '@elastic/elasticsearch';
import { expect } from 'chai';
import { uuidv7 } from '../../../../core/ids.js';
import { eventIndexMappings } from '../../../../core/store/elasticsearch/mapping.js';
import { huntEs } from '../../../../detector/sigma/es/hunt.js';
import { requireEngines } from '../../../helpers/engines.js';
import { makeEvent } from '../../../helpers/events.js';
import { parseOne, ruleText, testMapping, testPlaceholders } from '../sql/harness.js';

describe('huntEs (real Elasticsearch)', () => {
  let client: Client | undefined;
  const index = `iisa-sigma-hunt-${uuidv7()}`;
  const labels = new Map<string, string>();
  const events = {
    v4a: { '@timestamp': '2024-01-01T00:00:01.000Z', source: { ip: '10.1.2.3' }, org: { id: 'org-a' } },
    v4b: { '@timestamp': '2024-01-01T00:00:02.000Z', source: { ip: '10.200.0.1' }, org: { id: 'org-b' } },
    v6a: { '@timestamp': '2024-01-01T00:00:03.000Z', source: { ip: '2001:db8::7' }, org: { id: 'org-a' } },
    other: { '@timestamp': '2024-01-01T00:00:04.000Z', source: { ip: '192.0.2.1' }, org: { id: 'org-a' } },
  };

  before(async function () {
    const { elasticsearchUrl } = await requireEngines(this);
    client = new Client({ node: elasticsearchUrl });
    await client.indices.create({ index, settings: { number_of_replicas: 0 }, mappings: eventIndexMappings() });
    const docs = Object.entries(events).map(([label, overrides]) => {
      const event = makeEvent(overrides);
      labels.set(event.event.id ?? '', label);
      return event;
    });
    await client.bulk({ refresh: true, operations: docs.flatMap((e) => [{ index: { _index: index, _id: e.event.id } }, e]) });
  });
  after(async () => {
    if (client === undefined) return;
    await client.indices.delete({ index, ignore_unavailable: true });
    await client.close();
  });

  async function hunt(detection: string, orgIds?: string[]): Promise<string[]> {
    if (client === undefined) throw new Error('no client');
    const { rule } = parseOne(ruleText(detection));
    const { events: found } = await huntEs(
      client,
      { index, rule, from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-01-02T00:00:00Z'), orgIds },
      { mapping: testMapping, placeholders: testPlaceholders },
    );
    return found.map((e) => labels.get(e.event.id ?? '') ?? '?');
  }

  it('matches IPv4 and IPv6 CIDR blocks on the ip field, newest first', async () => {
    expect(await hunt(`sel:\n  SourceIp|cidr:\n    - '10.0.0.0/8'\n    - '2001:db8::/32'\ncondition: sel`)).to.deep.equal(['v6a', 'v4b', 'v4a']);
    expect(await hunt(`sel:\n  SourceIp|cidr: '10.1.0.0/16'\ncondition: sel`)).to.deep.equal(['v4a']);
  });

  it('scopes to org ids: undefined is every org, [] is nothing', async () => {
    const detection = `sel:\n  SourceIp|cidr: '10.0.0.0/8'\ncondition: sel`;
    expect(await hunt(detection, ['org-b'])).to.deep.equal(['v4b']);
    expect(await hunt(detection, [])).to.deep.equal([]);
    expect(await hunt(detection)).to.deep.equal(['v4b', 'v4a']);
  });

  it('an exact non-IP value on an ip field matches nothing instead of failing the search', async () => {
    expect(await hunt(`sel:\n  SourceIp: 'not-an-ip'\ncondition: sel`)).to.deep.equal([]);
    expect(await hunt(`sel:\n  SourceIp: '2001:DB8::7'\ncondition: sel`)).to.deep.equal(['v6a']);
  });

  it('expands placeholders per org (IPv4 and IPv6 blocks)', async () => {
    // EngNets: org-a 10.1.0.0/16 and fd00:1::/32, org-b 192.168.0.0/24.
    expect(await hunt(`sel:\n  SourceIp|expand|cidr: '%EngNets%'\ncondition: sel`)).to.deep.equal(['v4a']);
  });

  it('rejects an invalid options object', async () => {
    if (client === undefined) throw new Error('no client');
    const { rule } = parseOne(ruleText(`sel:\n  SourceIp: '1.2.3.4'\ncondition: sel`));
    const bad = { index: '', rule, from: new Date(), to: new Date() };
    let failed = false;
    await huntEs(client, bad, { mapping: testMapping }).catch(() => {
      failed = true;
    });
    expect(failed).to.equal(true);
  });
});
