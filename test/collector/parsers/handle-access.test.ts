import { expect } from 'chai';
import { handleAccessParser } from '../../../collector/parsers/handle-access.js';
import { HANDLE_OPS, HANDLE_RESPONSES } from '../../../collector/parsers/handle-codes.js';
import { expectError, expectEvent, parseLine } from './platform-helpers.js';

const parse = (text: string) => parseLine(handleAccessParser, text);

describe('handleAccessParser', () => {
  describe('parse', () => {
    it('maps an anonymous TCP resolution (two spaces before the handle) to idres fields', () => {
      const line = '192.0.2.10 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 1 1 5ms  88.101.5/PUMP-0042';
      const ev = expectEvent(parse(line));
      expect(ev['@timestamp']).to.equal('2026-11-25T06:00:01.123Z');
      expect(ev.idres).to.deep.equal({
        identifier: '88.101.5/PUMP-0042', prefix: '88.101.5', suffix: 'PUMP-0042',
        op_code: 1, query_type: 'resolve', response_code: 'SUCCESS', latency_ms: 5, authenticated: false,
      });
      expect(ev.source).to.deep.equal({ ip: '192.0.2.10' });
      expect(ev.network).to.deep.equal({ type: 'ipv4', transport: 'tcp', protocol: 'handle' });
      expect(ev.event).to.include({ action: 'handle-resolve', outcome: 'success', module: 'handle', dataset: 'handle-access', duration: 5_000_000, original: line });
      expect(ev.event.category).to.deep.equal(['network']);
      expect(ev.event.type).to.deep.equal(['protocol']);
      expect(ev.labels).to.deep.equal({ handle_interface: 'TCP:HDL', handle_protocol_version: '2.10' });
    });

    it('reads an authenticated create from a bare IPv6 client, refused for permissions', () => {
      const ev = expectEvent(parse('2001:DB8::10 TCP:HDL(2.11) "2026-11-25 14:00:01.900Z" 100 401 12ms adm=300:0.NA/88.101.5 88.101.5/PUMP-0043'));
      expect(ev.source?.ip).to.equal('2001:db8::10');
      expect(ev.network?.type).to.equal('ipv6');
      expect(ev['@timestamp']).to.equal('2026-11-25T14:00:01.900Z');
      expect(ev.event).to.include({ action: 'handle-create', outcome: 'failure' });
      expect(ev.event.type).to.deep.equal(['protocol', 'denied']);
      expect(ev.idres).to.include({ response_code: 'INSUFFICIENT_PERMISSIONS', op_code: 100, authenticated: true });
      expect(ev.user).to.deep.equal({ id: '300:0.NA/88.101.5', name: '0.NA/88.101.5' });
      expect(ev.related?.user).to.deep.equal(['0.NA/88.101.5']);
    });

    it('reads a bracketed IPv6 client over UDP and a handle not found', () => {
      const ev = expectEvent(parse('[2001:db8:0:0::10] UDP:HDL(2.10) "2026-11-25 14:00:01.000+0800" 1 100 0ms  88.101.5/NO-SUCH'));
      expect(ev.source?.ip).to.equal('2001:db8::10');
      expect(ev.network?.transport).to.equal('udp');
      expect(ev.idres).to.include({ response_code: 'HANDLE_NOT_FOUND', latency_ms: 0 });
      expect(ev.event.outcome).to.equal('failure');
    });

    it('decodes the URL-escaped handle and splits at the first slash only', () => {
      const ev = expectEvent(parse('192.0.2.10 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 104 1 7ms adm=200:88.101.5/ADMIN 88.101.5/line%201/PUMP%2542'));
      expect(ev.idres).to.include({ identifier: '88.101.5/line 1/PUMP%42', prefix: '88.101.5', suffix: 'line 1/PUMP%42', query_type: 'modify-value' });
      expect(ev.event.action).to.equal('handle-modify-value');
    });

    it('reads requested indexes and types from quoted fields after the handle', () => {
      const ev = expectEvent(parse('192.0.2.10 TCP:HDL(2) "2026-11-25 14:00:01.123+0800" 1 1 5ms 88.101.5/PUMP-0042 "100,300" "HS_ADMIN,URL"'));
      expect(ev.idres?.types).to.deep.equal(['HS_ADMIN', 'URL']);
      expect(ev.labels).to.deep.equal({ handle_interface: 'TCP:HDL', handle_protocol_version: '2', handle_indexes: '100,300' });
    });

    it('reads the HTTP proxy interface: admins then referrer', () => {
      const ev = expectEvent(parse('203.0.113.40 HTTP:HDLProxy "2026-11-25 14:00:01.123+0800" 1 1 31ms 88.101.5/PUMP-0042 "200:0.NA/88.101.5" "https://portal.example/trace"'));
      expect(ev.network?.transport).to.equal('tcp');
      expect(ev.http?.request?.referrer).to.equal('https://portal.example/trace');
      expect(ev.labels?.handle_admins).to.equal('200:0.NA/88.101.5');
      expect(ev.idres?.authenticated).to.equal(undefined);
    });

    it('names every op and response code from the tables', () => {
      for (const [code, op] of Object.entries(HANDLE_OPS)) {
        const ev = expectEvent(parse(`192.0.2.10 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" ${code} 2 1ms  88.101/X`));
        expect(ev.idres?.query_type).to.equal(op.verb);
        expect(ev.event.action).to.equal(`handle-${op.verb}`);
      }
      for (const [code, rc] of Object.entries(HANDLE_RESPONSES)) {
        const ev = expectEvent(parse(`192.0.2.10 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 1 ${code} 1ms  88.101/X`));
        expect(ev.idres?.response_code).to.equal(rc.name);
        expect(ev.event.outcome).to.equal(rc.outcome);
      }
    });

    it('keeps unknown op and response codes as numbers', () => {
      const ev = expectEvent(parse('192.0.2.10 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 777 888 1ms  88.101/X'));
      expect(ev.event.action).to.equal('handle-op-777');
      expect(ev.idres).to.include({ op_code: 777, response_code: '888' });
      expect(ev.event.outcome).to.equal('unknown');
    });

    it('accepts a line without a client address or a handle (the server logs " /")', () => {
      const ev = expectEvent(parse(' TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 2 4 0ms  /'));
      expect(ev.source).to.equal(undefined);
      expect(ev.idres?.identifier).to.equal(undefined);
      expect(ev.idres?.response_code).to.equal('PROTOCOL_ERROR');
    });

    it('reads the handle server DNS interface as a dns-query event', () => {
      const ev = expectEvent(parse('2001:db8::77 UDP:DNS "2026-11-25 14:00:01.123+0800" 0 3 2ms pump-0042.88.101.5.hdl.example'));
      expect(ev.event.action).to.equal('dns-query');
      expect(ev.network).to.deep.equal({ type: 'ipv6', transport: 'udp', protocol: 'dns' });
      expect(ev.dns).to.deep.equal({ type: 'answer', question: { name: 'pump-0042.88.101.5.hdl.example' }, response_code: 'NXDOMAIN' });
      expect(ev.idres).to.equal(undefined);
    });

    it('takes off a syslog header', () => {
      const ev = expectEvent(parse('<14>Nov 25 14:00:01 hs01 handle: 192.0.2.10 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 1 1 5ms  88.101.5/PUMP-0042'));
      expect(ev.host).to.deep.equal({ hostname: 'hs01' });
      expect(ev.idres?.identifier).to.equal('88.101.5/PUMP-0042');
    });

    it('rejects a bad date as bad-timestamp', () => {
      expectError(parse('192.0.2.10 TCP:HDL(2.10) "2026-13-25 14:00:01.123+0800" 1 1 5ms  88.101/X'), 'bad-timestamp', /2026-13-25/);
      expectError(parse('192.0.2.10 TCP:HDL(2.10) "25/Nov/2026:14:00:01" 1 1 5ms  88.101/X'), 'bad-timestamp', /yyyy-MM-dd HH:mm:ss/);
    });

    it('rejects a bad client address or interface as bad-field', () => {
      expectError(parse('192.0.2.300 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 1 1 5ms  88.101/X'), 'bad-field', /client address "192\.0\.2\.300"/);
      expectError(parse('[2001:db8::g1] TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 1 1 5ms  88.101/X'), 'bad-field', /not an IPv4 or IPv6/);
      expectError(parse('192.0.2.10 SCTP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 1 1 5ms  88.101/X'), 'bad-field', /interface "SCTP"/);
    });

    it('reports a truncated line as malformed', () => {
      expectError(parse('192.0.2.10 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 1 1'), 'malformed', /cut short.*truncated/);
      expectError(parse('192.0.2.10 TCP:HDL(2.10) "2026-11-25 14:00:01.123+0800" 1 1 5ms 88.101/X "HS_AD'), 'malformed', /no closing quote/);
    });

    it('reports another format as unrecognised', () => {
      expectError(parse('"2026-11-25 14:00:01.123+0800" ERROR: cannot bind to port 2641'), 'unrecognised', /not a handle server access line/);
      expectError(parse(''), 'unrecognised', /handle server/);
    });
  });
});
