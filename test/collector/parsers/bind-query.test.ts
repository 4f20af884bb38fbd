import { expect } from 'chai';
import { bindQueryParser } from '../../../collector/parsers/bind-query.js';
import { RECEIVED_AT, expectError, expectEvent, parseLine } from './platform-helpers.js';

const parse = (text: string) => parseLine(bindQueryParser, text);
/** BIND writes its own time in the server's zone, read in the collector's: compare with a local-time Date. */
const localIso = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) => new Date(y, mo - 1, d, h, mi, s, ms).toISOString();

describe('bindQueryParser', () => {
  describe('parse', () => {
    it('maps a 9.16 query line with category, severity and client pointer', () => {
      const line = '25-Nov-2026 14:00:01.123 queries: info: client @0x7f8b2c0 203.0.113.5#53211 (pump-0042.88.101.5.idres.example): query: pump-0042.88.101.5.idres.example IN A +E(0)K (10.0.0.53)';
      const ev = expectEvent(parse(line));
      expect(ev['@timestamp']).to.equal(localIso(2026, 11, 25, 14, 0, 1, 123));
      expect(ev.source).to.deep.equal({ ip: '203.0.113.5', port: 53211 });
      expect(ev.destination).to.deep.equal({ ip: '10.0.0.53' });
      expect(ev.dns).to.deep.equal({
        type: 'query',
        question: { name: 'pump-0042.88.101.5.idres.example', type: 'A', class: 'IN' },
        header_flags: ['RD'],
      });
      expect(ev.network).to.deep.equal({ transport: 'udp', protocol: 'dns', type: 'ipv4' });
      expect(ev.event).to.include({ action: 'dns-query', module: 'bind', dataset: 'bind-query', original: line });
      expect(ev.event.category).to.deep.equal(['network']);
      expect(ev.event.type).to.deep.equal(['protocol']);
      expect(ev.tags).to.deep.equal(['dns-edns', 'dns-cookie']);
      expect(ev.labels).to.deep.equal({ dns_edns_version: '0' });
      expect(ev.idres).to.equal(undefined);
    });

    it('reads the older form without pointer, category or severity', () => {
      const ev = expectEvent(parse('25-Nov-2026 14:00:01.123 client 203.0.113.5#53211 (plc.plant.example): query: plc.plant.example IN AAAA + (10.0.0.53)'));
      expect(ev.dns?.question).to.deep.equal({ name: 'plc.plant.example', type: 'AAAA', class: 'IN' });
      expect(ev.dns?.header_flags).to.deep.equal(['RD']);
      expect(ev.tags).to.equal(undefined);
      expect(ev.labels).to.equal(undefined);
    });

    it('reads the 9.8 form without the (name) echo', () => {
      const ev = expectEvent(parse('25-Nov-2026 14:00:01.123 client 192.0.2.8#1053: query: example.com IN MX - (192.0.2.53)'));
      expect(ev.dns?.header_flags).to.deep.equal([]);
      expect(ev.dns?.question?.type).to.equal('MX');
    });

    it('reads IPv6 client and server, and every flag letter', () => {
      const ev = expectEvent(parse('25-Nov-2026 14:00:01.123 queries: info: client @0x7f8b2c0 2001:DB8::5#41234/key xfr-key (88.101.5.idres.example): view internal: query: 88.101.5.idres.example IN DNSKEY -SE(0)TDCV (2001:db8::53)'));
      expect(ev.source).to.deep.equal({ ip: '2001:db8::5', port: 41234 });
      expect(ev.destination).to.deep.equal({ ip: '2001:db8::53' });
      expect(ev.network).to.deep.equal({ transport: 'tcp', protocol: 'dns', type: 'ipv6' });
      expect(ev.dns?.header_flags).to.deep.equal(['DO', 'CD']);
      expect(ev.tags).to.deep.equal(['dns-signed', 'dns-edns', 'dns-server-cookie']);
      expect(ev.labels).to.deep.equal({ dns_edns_version: '0', dns_view: 'internal', dns_tsig_key: 'xfr-key' });
    });

    it('reads an EDNS client-subnet option and a trailing dot on the name', () => {
      const ev = expectEvent(parse('25-Nov-2026 14:00:01.123 client @0x7f 203.0.113.5#53211 (x.example.): query: x.example. IN TXT +E(0) [ECS 198.51.100.0/24/0] (10.0.0.53)'));
      expect(ev.dns?.question?.name).to.equal('x.example');
      expect(ev.labels?.dns_client_subnet).to.equal('198.51.100.0/24/0');
    });

    it('reads ISO-8601 times (print-time iso8601-utc and with offset)', () => {
      expect(expectEvent(parse('2026-11-25T06:00:01.123Z queries: info: client @0x7f 203.0.113.5#53211 (a.example): query: a.example IN A + (10.0.0.53)'))['@timestamp'])
        .to.equal('2026-11-25T06:00:01.123Z');
      expect(expectEvent(parse('2026-11-25T14:00:01.123+08:00 client 203.0.113.5#53211 (a.example): query: a.example IN A + (10.0.0.53)'))['@timestamp'])
        .to.equal('2026-11-25T06:00:01.123Z');
    });

    it('uses the syslog header time when BIND logs to syslog without its own time', () => {
      const ev = expectEvent(parse('<30>1 2026-11-25T14:00:01.5+08:00 ns1 named 812 - - client @0x7f8b2c0 203.0.113.5#53211 (a.example): query: a.example IN A +E(0) (10.0.0.53)'));
      expect(ev['@timestamp']).to.equal('2026-11-25T06:00:01.500Z');
      expect(ev.host).to.deep.equal({ hostname: 'ns1' });
      expect(ev.log?.syslog).to.include({ appname: 'named', procid: '812', priority: 30 });
    });

    it('reads a BSD syslog line from a file', () => {
      const ev = expectEvent(parse('Nov 25 14:00:01 ns1 named[812]: queries: info: client @0x7f8b2c0 203.0.113.5#53211 (a.example): query: a.example IN A + (10.0.0.53)'));
      expect(ev['@timestamp']).to.equal(localIso(2026, 11, 25, 14, 0, 1, 0));
      expect(ev.log?.syslog?.procid).to.equal('812');
    });

    it('uses the receive time when neither BIND nor syslog gave one', () => {
      const ev = expectEvent(parse('client 203.0.113.5#53211 (a.example): query: a.example IN A + (10.0.0.53)'));
      expect(ev['@timestamp']).to.equal(RECEIVED_AT.toISOString());
    });

    it('rejects an impossible date as bad-timestamp', () => {
      expectError(parse('31-Nov-2026 14:00:01.123 client 203.0.113.5#53211 (a.example): query: a.example IN A + (10.0.0.53)'), 'bad-timestamp', /31-Nov-2026/);
      expectError(parse('25-Nox-2026 14:00:01.123 client 203.0.113.5#53211 (a.example): query: a.example IN A + (10.0.0.53)'), 'bad-timestamp', /25-Nox-2026/);
    });

    it('rejects bad addresses, ports and flags as bad-field', () => {
      expectError(parse('25-Nov-2026 14:00:01.123 client 203.0.113.500#53211 (a.example): query: a.example IN A + (10.0.0.53)'), 'bad-field', /client address "203\.0\.113\.500"/);
      expectError(parse('25-Nov-2026 14:00:01.123 client 203.0.113.5#70000 (a.example): query: a.example IN A + (10.0.0.53)'), 'bad-field', /port 70000/);
      expectError(parse('25-Nov-2026 14:00:01.123 client 203.0.113.5#53 (a.example): query: a.example IN A + (ns1.example)'), 'bad-field', /server address \(ns1\.example\)/);
      expectError(parse('25-Nov-2026 14:00:01.123 client 203.0.113.5#53 (a.example): query: a.example IN A +Q (10.0.0.53)'), 'bad-field', /flags "\+Q"/);
    });

    it('reports a truncated query line as malformed', () => {
      expectError(parse('25-Nov-2026 14:00:01.123 queries: info: client @0x7f8b2c0 203.0.113.5#53211 (pump-0042.88.101.5.idres.example): query: pump-0042.88'), 'malformed', /cut short/);
    });

    it('reports other BIND messages and other formats as unrecognised', () => {
      expectError(parse('25-Nov-2026 14:00:01.123 client @0x7f8b2c0 203.0.113.5#53211 (a.example): transfer of \'a.example/IN\': AXFR started'), 'unrecognised', /not a query/);
      expectError(parse('25-Nov-2026 14:00:01.123 general: info: zone example.com/IN: loaded serial 2026112501'), 'unrecognised', /not a BIND query log line/);
      expectError(parse('203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 5'), 'unrecognised', /BIND/);
    });
  });
});
