import { expect } from 'chai';
import { ecsFieldTypes, esFieldType } from '../../../../core/store/elasticsearch/field-types.js';
import { eventIndexMappings } from '../../../../core/store/elasticsearch/mapping.js';

describe('Elasticsearch field types from the event schema', function () {
  it('types IP fields (single and array) as ip, for IPv4 and IPv6 alike', function () {
    expect(esFieldType('source.ip')).to.equal('ip');
    expect(esFieldType('destination.ip')).to.equal('ip');
    expect(esFieldType('host.ip')).to.equal('ip');
    expect(esFieldType('dns.resolved_ip')).to.equal('ip');
  });

  it('types ISO timestamps as date, integers as long, other numbers as double', function () {
    expect(esFieldType('@timestamp')).to.equal('date');
    expect(esFieldType('event.ingested')).to.equal('date');
    expect(esFieldType('source.port')).to.equal('long');
    expect(esFieldType('ics.function_code')).to.equal('long');
    expect(esFieldType('event.duration')).to.equal('double');
    expect(esFieldType('idres.latency_ms')).to.equal('double');
  });

  it('types strings, enums and string arrays as keyword', function () {
    expect(esFieldType('event.action')).to.equal('keyword');
    expect(esFieldType('event.outcome')).to.equal('keyword');
    expect(esFieldType('event.category')).to.equal('keyword');
    expect(esFieldType('ics.protocol')).to.equal('keyword');
    expect(esFieldType('message')).to.equal('keyword');
  });

  it('lists only leaves, never an object path', function () {
    expect(esFieldType('source')).to.equal(undefined);
    expect(esFieldType('event')).to.equal(undefined);
    for (const path of ecsFieldTypes().keys()) expect(path).not.to.match(/\.$|^\./);
  });
});

describe('Elasticsearch event index mapping', function () {
  it('nests every schema field under its object path with its type', function () {
    const mappings = eventIndexMappings();
    const props = mappings.properties as Record<string, { properties?: Record<string, { type?: string; fields?: unknown }>; type?: string; fields?: unknown }>;
    expect(props['@timestamp'].type).to.equal('date');
    expect(props.source.properties?.ip.type).to.equal('ip');
    expect(props.event.properties?.action.type).to.equal('keyword');
    expect(props.event.properties?.original.fields).to.deep.equal({ text: { type: 'text' } });
    expect(props.message.fields).to.deep.equal({ text: { type: 'text' } });
    expect(mappings.date_detection).to.equal(false);
  });
});
