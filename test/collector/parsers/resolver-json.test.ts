import { expect } from 'chai';
import { resolverJsonParser } from '../../../collector/parsers/resolver-json.js';
import { expectError, expectEvent, parseLine } from './platform-helpers.js';

const parse = (text: string) => parseLine(resolverJsonParser, text);
const BASE = {
  time: '2026-11-25T14:00:01.123Z', node: 'sn-auto-js', node_level: 'secondary', client: '2001:db8:1::20',
  identifier: '88.101.5/PUMP-0042', query_type: 'resolve', status: 'SUCCESS',
};
const query = (fields: Record<string, unknown>) => parse(JSON.stringify({ ...BASE, ...fields }));

describe('resolverJsonParser', () => {
  describe('parse', () => {
    it('maps a cached resolution to idres, source and observer fields', () => {
      const line = '{"time":"2026-11-25T14:00:01.123Z","node":"sn-auto-js","node_level":"secondary","client":"2001:db8:1::20","client_port":5353,"identifier":"88.101.5/PUMP-0042","query_type":"resolve","types":["URL","HS_PUBKEY"],"status":"SUCCESS","latency_ms":3.2,"cache":"hit","upstream":"88.101","authenticated":false,"bytes":512}';
      const ev = expectEvent(parse(line));
      expect(ev['@timestamp']).to.equal('2026-11-25T14:00:01.123Z');
      expect(ev.idres).to.deep.equal({
        identifier: '88.101.5/PUMP-0042', prefix: '88.101.5', suffix: 'PUMP-0042', node: 'sn-auto-js', node_level: 'secondary',
        query_type: 'resolve', types: ['URL', 'HS_PUBKEY'], response_code: 'SUCCESS', latency_ms: 3.2, authenticated: false,
      });
      expect(ev.source).to.deep.equal({ ip: '2001:db8:1::20', port: 5353 });
      expect(ev.destination).to.deep.equal({ bytes: 512 });
      expect(ev.observer).to.deep.equal({ name: 'sn-auto-js', type: 'resolver' });
      expect(ev.network).to.deep.equal({ protocol: 'handle', type: 'ipv6' });
      expect(ev.event).to.include({ action: 'idres-resolve', outcome: 'success', module: 'idres', dataset: 'resolver-json', duration: 3_200_000, original: line });
      expect(ev.event.category).to.deep.equal(['network']);
      expect(ev.event.type).to.deep.equal(['protocol']);
      expect(ev.labels).to.deep.equal({ cache: 'hit', upstream: '88.101' });
    });

    it('reads an IPv4 client, node address and transport', () => {
      const ev = expectEvent(query({ client: '198.51.100.20', node_ip: '2001:DB8::53', transport: 'udp', time: '2026-11-25T14:00:01+08:00' }));
      expect(ev.source).to.deep.equal({ ip: '198.51.100.20' });
      expect(ev.destination).to.deep.equal({ ip: '2001:db8::53' });
      expect(ev.observer?.ip).to.deep.equal(['2001:db8::53']);
      expect(ev.network).to.deep.equal({ transport: 'udp', protocol: 'handle', type: 'ipv4' });
      expect(ev.related?.ip).to.deep.equal(['198.51.100.20', '2001:db8::53']);
      expect(ev['@timestamp']).to.equal('2026-11-25T06:00:01.000Z');
    });

    it('reads status by name in any case, with RC_, or by number', () => {
      expect(expectEvent(query({ status: 'handle_not_found' })).idres?.response_code).to.equal('HANDLE_NOT_FOUND');
      expect(expectEvent(query({ status: 'RC_PREFIX_REFERRAL' })).event.outcome).to.equal('success');
      const denied = expectEvent(query({ status: 402, query_type: 'Delete' }));
      expect(denied.idres).to.include({ response_code: 'AUTHENTICATION_NEEDED', query_type: 'delete' });
      expect(denied.event).to.include({ outcome: 'failure', action: 'idres-delete' });
      expect(denied.event.type).to.deep.equal(['protocol', 'denied']);
      expect(expectEvent(query({ status: '100' })).idres?.response_code).to.equal('HANDLE_NOT_FOUND');
    });

    it('keeps a status the Handle protocol does not define, with an unknown outcome', () => {
      const ev = expectEvent(query({ status: 'rate_limited' }));
      expect(ev.idres?.response_code).to.equal('RATE_LIMITED');
      expect(ev.event.outcome).to.equal('unknown');
    });

    it('treats an identifier without a slash as a prefix', () => {
      const ev = expectEvent(query({ identifier: '88.101.5', query_type: 'home-prefix' }));
      expect(ev.idres).to.include({ identifier: '88.101.5', prefix: '88.101.5' });
      expect(ev.idres?.suffix).to.equal(undefined);
    });

    it('reads a record behind a syslog header', () => {
      const ev = expectEvent(parse(`<134>Nov 25 14:00:01 sn01 resolver: ${JSON.stringify(BASE)}`));
      expect(ev.host).to.deep.equal({ hostname: 'sn01' });
      expect(ev.idres?.identifier).to.equal('88.101.5/PUMP-0042');
    });

    it('rejects bad and truncated JSON as malformed', () => {
      expectError(parse('{"time":"2026-11-25T14:00:01.123Z","node":"sn-auto-js","client":"2001:db8:1::20","identif'), 'malformed', /not JSON/);
      expectError(parse('{"time":"2026-11-25T14:00:01.123Z"} {"time":"2026-11-25T14:00:02.123Z"}'), 'malformed', /two records run together/);
      expectError(parse('"SUCCESS"'), 'unrecognised', /JSON objects/);
      expectError(parse('42'), 'unrecognised', /JSON objects/);
    });

    it('rejects missing required fields as malformed', () => {
      const { identifier: _drop, ...noIdentifier } = BASE;
      expectError(parse(JSON.stringify(noIdentifier)), 'malformed', /required field "identifier" is missing/);
    });

    it('rejects bad times as bad-timestamp', () => {
      expectError(query({ time: '2026-11-25 14:00:01' }), 'bad-timestamp', /field "time".*with an offset/);
      expectError(query({ time: '2026-11-25T24:00:01Z' }), 'bad-timestamp', /24:00:01/);
      expectError(query({ time: null }), 'bad-timestamp', /field "time"/);
    });

    it('rejects bad addresses and impossible values as bad-field', () => {
      expectError(query({ client: '2001:db8::1::2' }), 'bad-field', /field "client": not an IPv4 or IPv6 address/);
      expectError(query({ client: 'resolver.example' }), 'bad-field', /field "client"/);
      expectError(query({ client_port: 65536 }), 'bad-field', /field "client_port"/);
      expectError(query({ latency_ms: -1 }), 'bad-field', /field "latency_ms"/);
      expectError(query({ node_level: 'national' }), 'bad-field', /field "node_level".*"national"/);
      expectError(query({ types: 'URL' }), 'bad-field', /field "types"/);
      expectError(query({ query_type: 'resolve all' }), 'bad-field', /a query type is one word/);
    });
  });
});
