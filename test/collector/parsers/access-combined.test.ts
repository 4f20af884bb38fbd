import { expect } from 'chai';
import { accessCombinedParser } from '../../../collector/parsers/access-combined.js';
import { expectError, expectEvent, parseLine } from './platform-helpers.js';

const parse = (text: string) => parseLine(accessCombinedParser, text);

describe('accessCombinedParser', () => {
  describe('parse', () => {
    it('maps a combined line with a user to ECS web access fields', () => {
      const line = '203.0.113.9 - alice [25/Nov/2026:14:00:01 +0800] "POST /api/v1/devices/register?batch=1 HTTP/1.1" 201 512 "-" "python-requests/2.31"';
      const ev = expectEvent(parse(line));
      expect(ev['@timestamp']).to.equal('2026-11-25T06:00:01.000Z');
      expect(ev.source).to.deep.equal({ ip: '203.0.113.9', address: '203.0.113.9' });
      expect(ev.user).to.deep.equal({ name: 'alice' });
      expect(ev.http).to.deep.equal({ version: '1.1', request: { method: 'POST' }, response: { status_code: 201, bytes: 512 } });
      expect(ev.url).to.deep.equal({ original: '/api/v1/devices/register?batch=1', path: '/api/v1/devices/register', query: 'batch=1' });
      expect(ev.user_agent).to.deep.equal({ original: 'python-requests/2.31' });
      expect(ev.event).to.include({ outcome: 'success', module: 'http', dataset: 'access-combined', original: line });
      expect(ev.event.category).to.deep.equal(['web']);
      expect(ev.event.type).to.deep.equal(['access']);
      expect(ev.related).to.deep.equal({ ip: ['203.0.113.9'], user: ['alice'] });
    });

    it('reads an IPv6 client, "-" size and a negative offset', () => {
      const ev = expectEvent(parse('2001:DB8:0::9 - - [25/Nov/2026:01:00:01 -0530] "GET /login HTTP/2.0" 404 - "https://portal.example/" "curl/8.5.0"'));
      expect(ev.source?.ip).to.equal('2001:db8::9');
      expect(ev['@timestamp']).to.equal('2026-11-25T06:30:01.000Z');
      expect(ev.user).to.equal(undefined);
      expect(ev.http?.response).to.deep.equal({ status_code: 404 });
      expect(ev.http?.request?.referrer).to.equal('https://portal.example/');
      expect(ev.event.outcome).to.equal('failure');
    });

    it('unescapes \\" inside the request, referrer and user agent', () => {
      const ev = expectEvent(parse(String.raw`192.0.2.4 - - [25/Nov/2026:14:00:01 +0800] "GET /search?q=\"pump\" HTTP/1.1" 200 10 "https://x.example/?q=\"a\"" "Mozilla/5.0 \"probe\" \\ end"`));
      expect(ev.url?.original).to.equal('/search?q="pump"');
      expect(ev.url?.query).to.equal('q="pump"');
      expect(ev.http?.request?.referrer).to.equal('https://x.example/?q="a"');
      expect(ev.user_agent?.original).to.equal('Mozilla/5.0 "probe" \\ end');
    });

    it('keeps a TLS handshake sent to an HTTP port as an event without method or URL', () => {
      const line = String.raw`198.51.100.7 - - [25/Nov/2026:14:00:01 +0800] "\x16\x03\x01\x00\xA5\x01\x00\x00\xA1\x03\x03" 400 157 "-" "-"`;
      const ev = expectEvent(parse(line));
      expect(ev.tags).to.deep.equal(['http-request-invalid']);
      expect(ev.http).to.deep.equal({ response: { status_code: 400, bytes: 157 } });
      expect(ev.url).to.equal(undefined);
      expect(ev.user_agent).to.equal(undefined);
      expect(ev.message).to.include(String.raw`\x16\x03\x01`);
      expect(ev.event.outcome).to.equal('failure');
      expect(ev.event.original).to.equal(line);
    });

    it('treats nginx\'s "-" request (connection closed before a request) as an invalid request', () => {
      const ev = expectEvent(parse('198.51.100.7 - - [25/Nov/2026:14:00:01 +0800] "-" 400 0 "-" "-"'));
      expect(ev.tags).to.deep.equal(['http-request-invalid']);
      expect(ev.http?.response?.bytes).to.equal(0);
    });

    it('reads the common log format, which has no referrer or user agent', () => {
      const ev = expectEvent(parse('10.1.2.3 - bob [25/Nov/2026:14:00:01 +0800] "DELETE /api/v1/devices/7 HTTP/1.0" 204 0'));
      expect(ev.http?.request?.method).to.equal('DELETE');
      expect(ev.user_agent).to.equal(undefined);
      expect(ev.http?.version).to.equal('1.0');
    });

    it('reads trailing request_time, upstream_response_time and $host leniently', () => {
      const ev = expectEvent(parse('203.0.113.9 - - [25/Nov/2026:14:00:01.250 +0800] "GET /api/v1/ping HTTP/1.1" 200 2 "-" "kube-probe/1.29" "198.51.100.1, 10.0.0.2" 0.012 0.010 api.plant.example'));
      expect(ev['@timestamp']).to.equal('2026-11-25T06:00:01.250Z');
      expect(ev.event.duration).to.equal(12_000_000);
      expect(ev.labels).to.deep.equal({ upstream_response_time: '0.010', forwarded_for: '198.51.100.1, 10.0.0.2' });
      expect(ev.url?.domain).to.equal('api.plant.example');
    });

    it('reads trailing key=value fields and ignores ones it does not know', () => {
      const ev = expectEvent(parse('203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 2 "-" "curl/8" rt=0.004 uct="0.000" urt="0.003" host=iiot.example cs=MISS'));
      expect(ev.event.duration).to.equal(4_000_000);
      expect(ev.labels).to.deep.equal({ upstream_response_time: '0.003' });
      expect(ev.url?.domain).to.equal('iiot.example');
    });

    it('takes scheme, host and port from an absolute-form (proxy) target', () => {
      const ev = expectEvent(parse('203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET http://10.0.0.5:8080/admin?x=1 HTTP/1.1" 404 0 "-" "-"'));
      expect(ev.url).to.deep.equal({ original: 'http://10.0.0.5:8080/admin?x=1', scheme: 'http', domain: '10.0.0.5', port: 8080, path: '/admin', query: 'x=1' });
    });

    it('keeps a client host name (Apache HostnameLookups) as source.domain', () => {
      const ev = expectEvent(parse('gw01.plant.example - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 2 "-" "-"'));
      expect(ev.source).to.deep.equal({ address: 'gw01.plant.example', domain: 'gw01.plant.example' });
      expect(ev.related).to.deep.equal({ hosts: ['gw01.plant.example'] });
    });

    it('takes off a syslog header (nginx access_log syslog:)', () => {
      const ev = expectEvent(parse('<190>Nov 25 14:00:01 web01 nginx: 203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 5 "-" "curl/8"'));
      expect(ev.source?.ip).to.equal('203.0.113.9');
      expect(ev.host).to.deep.equal({ hostname: 'web01' });
      expect(ev.log?.syslog?.appname).to.equal('nginx');
      expect(ev['@timestamp']).to.equal('2026-11-25T06:00:01.000Z');
    });

    it('reads the body as is when a syslog source already took the header off', () => {
      const ev = expectEvent(parseLine(accessCombinedParser, '203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 5 "-" "curl/8"', { rfc: '3164', hostname: 'web02', appname: 'nginx' }));
      expect(ev.host).to.deep.equal({ hostname: 'web02' });
    });

    it('rejects an impossible date as bad-timestamp', () => {
      expectError(parse('203.0.113.9 - - [31/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 5 "-" "-"'), 'bad-timestamp', /31\/Nov\/2026.*dd\/Mon\/yyyy/);
      expectError(parse('203.0.113.9 - - [25/Nov/2026 14:00:01] "GET / HTTP/1.1" 200 5 "-" "-"'), 'bad-timestamp', /25\/Nov\/2026 14:00:01/);
    });

    it('rejects a broken client address as bad-field', () => {
      expectError(parse('999.1.1.1 - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 5 "-" "-"'), 'bad-field', /client address "999\.1\.1\.1"/);
      expectError(parse('2001:db8::zz - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 5 "-" "-"'), 'bad-field', /2001:db8::zz/);
    });

    it('rejects a status or size that is not a number as bad-field', () => {
      expectError(parse('203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 2x1 5 "-" "-"'), 'bad-field', /status "2x1"/);
      expectError(parse('203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 5k "-" "-"'), 'bad-field', /response size "5k"/);
    });

    it('reports a line cut inside a quoted field as malformed', () => {
      expectError(parse('203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 5 "-" "python-requ'), 'malformed', /no closing quote.*truncated/);
      expectError(parse('203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET /api/v1/dev'), 'malformed', /cut short/);
    });

    it('reports text in another format as unrecognised', () => {
      expectError(parse('{"ts":"2026-11-25T14:00:01Z","action":"login"}'), 'unrecognised', /not an access log line/);
      expectError(parse('2026/11/25 14:00:01 [error] 812#812: *1 open() "/x" failed'), 'unrecognised', /expected <client>/);
    });
  });
});
