import { expect } from 'chai';
import type { EcsEvent } from '../../../../core/event.js';
import { eventDocument, fallbackDocument, nextFallback, restoreEvent } from '../../../../core/store/elasticsearch/unindexed.js';

function event(extra: Record<string, unknown>): EcsEvent {
  return {
    '@timestamp': '2024-03-01T10:00:00.000Z',
    message: 'modbus write',
    event: { id: 'e-1', action: 'modbus-write', category: ['network'] },
    org: { id: 'org-a' },
    source: { ip: '2001:db8::7', port: 502 },
    destination: { ip: '192.0.2.10' },
    ...extra,
  } as EcsEvent;
}

/** A JSON round trip, as the document goes through Elasticsearch. */
function viaJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('Elasticsearch store: fields the mapping cannot take', function () {
  it('stores an ordinary event as it is', function () {
    const e = event({});
    expect(eventDocument(e)).to.equal(e);
    expect(restoreEvent(viaJson(e) as Record<string, unknown>)).to.deep.equal(e);
  });

  it('schema-only keeps schema fields of the right type and moves the rest, and a read puts them back', function () {
    const e = event({
      source: { ip: '2001:db8::7', port: 'not-a-number', geo: { city_name: 'Wuxi' }, extra: { deep: 1 } },
      destination: 'gateway-7',
      custom: { vendor: { code: 17 } },
      labels: { site: 'line-2' },
      'flat.key': 'x',
    });
    const doc = fallbackDocument(e, 'schema-only');
    expect(doc.source).to.deep.equal({ ip: '2001:db8::7', geo: { city_name: 'Wuxi' } });
    expect(doc).not.to.have.property('destination');
    expect(doc).not.to.have.property('custom');
    expect(doc).not.to.have.property('labels');
    expect(doc.event).to.deep.equal(e.event);
    expect(doc.iisa).to.deep.include({ fallback: 'schema-only' });
    const moved = (doc.iisa as { unindexed: { path: string[] }[] }).unindexed.map((m) => m.path.join('.')).sort();
    expect(moved).to.deep.equal(['custom', 'destination', 'flat.key', 'labels', 'source.extra', 'source.port']);
    expect(restoreEvent(viaJson(doc))).to.deep.equal(e);
  });

  it('schema-only moves array values with an element of the wrong type, including bad IPs', function () {
    const e = event({ host: { ip: ['10.0.0.1', 'not-an-ip'] }, related: { ip: ['fe80::1', '192.0.2.1'] }, tags: ['a', { b: 1 }] });
    const doc = fallbackDocument(e, 'schema-only');
    expect(doc.host).to.deep.equal({});
    expect(doc.related).to.deep.equal({ ip: ['fe80::1', '192.0.2.1'] });
    expect(doc).not.to.have.property('tags');
    expect(restoreEvent(viaJson(doc))).to.deep.equal(e);
  });

  it('minimal keeps only time, id and org', function () {
    const e = event({ weird: [[1], { a: null }] });
    const doc = fallbackDocument(e, 'minimal');
    expect(Object.keys(doc).sort()).to.deep.equal(['@timestamp', 'event', 'iisa', 'org']);
    expect(doc.event).to.deep.equal({ id: 'e-1' });
    expect(doc.org).to.deep.equal({ id: 'org-a' });
    expect(restoreEvent(viaJson(doc))).to.deep.equal(e);
  });

  it("reserves the top-level iisa object: a sender's own is moved and comes back", function () {
    const e = event({ iisa: { unindexed: [{ path: ['message'], value: 'forged' }], note: 'mine' } });
    const doc = eventDocument(e);
    expect(doc.iisa).to.deep.include({ fallback: 'reserved' });
    expect(restoreEvent(viaJson(doc))).to.deep.equal(e);
    expect(restoreEvent(viaJson(fallbackDocument(e, 'schema-only')))).to.deep.equal(e);
  });

  it('steps from the first form to schema-only, then minimal, then nothing', function () {
    expect(nextFallback(undefined)).to.equal('schema-only');
    expect(nextFallback('reserved')).to.equal('schema-only');
    expect(nextFallback('schema-only')).to.equal('minimal');
    expect(nextFallback('minimal')).to.equal(undefined);
  });
});
