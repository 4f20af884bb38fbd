import { expect } from 'chai';
import { cefParser } from '../../../collector/parsers/cef.js';
import { expectError, expectValid, parseOne, parseRaw, parseRecord, RECEIVED_AT } from './parser-helpers.js';
import type { ParsedEvent } from './parser-helpers.js';

describe('cefParser', () => {
  describe('parse', () => {
    it('reads a Hirschmann EAGLE line after a BSD syslog header', () => {
      const e = parseOne(cefParser, cefParser.sample);
      expect(e['@timestamp']).to.equal('2026-11-25T14:00:01.000Z');
      expect(e.observer).to.deep.equal({ vendor: 'Hirschmann', product: 'EAGLE40', version: '4.3.01', hostname: 'eagle-01' });
      expect(e.rule).to.deep.equal({ id: 'fw-drop-502', name: 'Modbus write blocked' });
      expect(e.event).to.deep.include({ code: 'fw-drop-502', severity: 7, action: 'blocked', type: ['connection', 'denied'], category: ['network'], module: 'cef' });
      expect(e.source).to.deep.equal({ ip: '203.0.113.7', port: 40522 });
      expect(e.destination).to.deep.equal({ ip: '10.1.1.20', port: 502 });
      expect(e.network).to.deep.equal({ type: 'ipv4', transport: 'tcp' });
      expect(e.message).to.equal('Write to coil from untrusted zone');
      expect(e.labels).to.deep.equal({ ZonePair: 'untrusted->cell-3' });
    });

    it('unescapes the header (\\| and \\\\) and extension values (\\= \\\\ \\n \\r), keeping spaces in values', () => {
      const e = parseOne(cefParser, 'CEF:0|Tofino|Xenon\\|FW|4.2|dpi\\\\42|Modbus \\| DPI|High|msg=a\\=b c\\\\d\\nline2\\rx request=http://10.1.1.20/cgi?a\\=1 cs2Label=Enforcer Mode cs2=Operational  suser=op 1');
      expect(e.observer).to.deep.include({ vendor: 'Tofino', product: 'Xenon|FW' });
      expect(e.rule).to.deep.equal({ id: 'dpi\\42', name: 'Modbus | DPI' });
      expect(e.event.severity).to.equal(8);
      expect(e.message).to.equal('a=b c\\d\nline2\rx');
      expect(e.url).to.deep.equal({ original: 'http://10.1.1.20/cgi?a=1' });
      expect(e.labels).to.deep.equal({ 'Enforcer Mode': 'Operational' });
      expect(e.user).to.deep.equal({ name: 'op 1' });
    });

    it('reads IPv6 addresses from c6a2/c6a3, rt as MMM dd yyyy HH:mm:ss UTC, bytes and direction', () => {
      const e = parseOne(cefParser, 'CEF:0|Fortinet|FortiGate-60F|v7.2.8|0000000013|forward traffic|3|c6a2=2001:db8:0:0::5 c6a2Label=Source IPv6 c6a3=2001:db8:10::20 c6a3Label=Dest IPv6 spt=53211 dpt=4840 proto=6 app=OPCUA act=accept in=1200 out=3400 deviceDirection=0 rt=Nov 25 2026 06:00:01 UTC outcome=success cat=traffic:forward');
      expect(e['@timestamp']).to.equal('2026-11-25T06:00:01.000Z');
      expect(e.source).to.deep.equal({ ip: '2001:db8::5', port: 53211, bytes: 1200 });
      expect(e.destination).to.deep.equal({ ip: '2001:db8:10::20', port: 4840, bytes: 3400 });
      expect(e.network).to.deep.equal({ type: 'ipv6', transport: 'tcp', protocol: 'opcua', direction: 'inbound' });
      expect(e.event).to.deep.include({ action: 'accept', type: ['connection', 'allowed'], outcome: 'success', severity: 3 });
      expect(e.rule).to.deep.include({ category: 'traffic:forward' });
    });

    it('reads rt without a zone as local time, and a named severity', () => {
      const e = parseOne(cefParser, 'CEF:1|Hirschmann|EAGLE20|3.1|7|login failed|Medium|rt=Nov 25 2026 14:00:01.250 suser=admin src=10.9.0.4');
      expect(e['@timestamp']).to.equal(new Date(2026, 10, 25, 14, 0, 1, 250).toISOString());
      expect(e.event.severity).to.equal(6);
    });

    it('uses the syslog envelope of a syslog source when there is no rt', () => {
      const outcome = parseRecord(cefParser, {
        text: 'CEF:0|Tofino|Argon|1.0|100|heartbeat|0|',
        receivedAt: RECEIVED_AT,
        envelope: { rfc: '5424', timestamp: '2026-11-25T05:59:00.000Z', hostname: 'tofino-cmp' },
      });
      if (outcome.kind !== 'event') expect.fail(JSON.stringify(outcome));
      const e = outcome.event as ParsedEvent;
      expectValid(e);
      expect(e['@timestamp']).to.equal('2026-11-25T05:59:00.000Z');
      expect(e.host).to.deep.equal({ hostname: 'tofino-cmp' });
      expect(e.event.severity).to.equal(0);
      expect(e).to.not.have.property('labels');
    });

    it('keeps unmapped extension keys in labels', () => {
      const e = parseOne(cefParser, 'CEF:0|Vendor|P|1|x|y|5|externalId=778 dvchost=fw-7 cn1Label=Rule Hits cn1=12');
      expect(e.labels).to.deep.equal({ externalId: '778', 'Rule Hits': '12' });
      expect(e.observer).to.deep.include({ hostname: 'fw-7' });
    });
  });

  describe('parse (malformed)', () => {
    it('refuses a truncated header', () => {
      expect(expectError(parseRaw(cefParser, '<134>Nov 25 14:00:01 eagle-01 CEF:0|Hirschmann|EAGLE40'), 'malformed')).to.contain('2 of its 7');
    });

    it('refuses a non-numeric version', () => {
      expect(expectError(parseRaw(cefParser, 'CEF:x|a|b|c|d|e|5|src=10.0.0.1'), 'malformed')).to.contain('version');
    });

    it('refuses an impossible severity', () => {
      expect(expectError(parseRaw(cefParser, 'CEF:0|a|b|c|d|e|11|src=10.0.0.1'), 'bad-field')).to.contain('severity');
    });

    it('refuses a bad IP, a bad port and a bad rt', () => {
      expect(expectError(parseRaw(cefParser, 'CEF:0|a|b|c|d|e|5|src=10.0.0.256'), 'bad-field')).to.contain('src=10.0.0.256');
      expect(expectError(parseRaw(cefParser, 'CEF:0|a|b|c|d|e|5|c6a3=2001:db8::g'), 'bad-field')).to.contain('c6a3');
      expect(expectError(parseRaw(cefParser, 'CEF:0|a|b|c|d|e|5|dpt=65536'), 'bad-field')).to.contain('dpt=65536');
      expect(expectError(parseRaw(cefParser, 'CEF:0|a|b|c|d|e|5|rt=yesterday'), 'bad-timestamp')).to.contain('rt=yesterday');
      expect(expectError(parseRaw(cefParser, 'CEF:0|a|b|c|d|e|5|rt=Nov 25 2026 14:00:01 CST'), 'bad-timestamp')).to.contain('CST');
    });

    it('refuses an extension with no key=value pairs, and text before the first key', () => {
      expectError(parseRaw(cefParser, 'CEF:0|a|b|c|d|e|5|just some words'), 'malformed');
      expect(expectError(parseRaw(cefParser, 'CEF:0|a|b|c|d|e|5|oops src=10.0.0.1'), 'malformed')).to.contain('oops');
    });

    it('refuses text that is not CEF', () => {
      expectError(parseRaw(cefParser, 'Nov 25 14:00:01 fw-01 LEEF:1.0|x|y|1|z|'), 'unrecognised');
    });
  });
});
