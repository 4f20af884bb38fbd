import { expect } from 'chai';
import { parseSyslog } from '../../../collector/framing/syslog.js';

const received = new Date('2026-11-25T14:00:05Z');

describe('parseSyslog', () => {
  it('reads an RFC 5424 message with structured data', () => {
    const msg = parseSyslog('<165>1 2026-11-25T22:00:01.003+08:00 gw-01.plant.example iisa-gw 2211 ID47 [exampleSDID@32473 iut="3" eventSource="App\\"lication"][meta seq="1"] BOMmodbus write', received);
    expect(msg).to.not.equal(null);
    expect(msg!.envelope).to.deep.include({ rfc: '5424', priority: 165, facility: 20, severity: 5, hostname: 'gw-01.plant.example', appname: 'iisa-gw', procid: '2211', msgid: 'ID47' });
    expect(msg!.envelope.timestamp).to.equal('2026-11-25T14:00:01.003Z');
    expect(msg!.envelope.structuredData).to.deep.equal({ 'exampleSDID@32473': { iut: '3', eventSource: 'App"lication' }, meta: { seq: '1' } });
    expect(msg!.body).to.equal('BOMmodbus write');
  });

  it('reads RFC 5424 with nil values and no structured data', () => {
    const msg = parseSyslog('<34>1 - - - - - - hello', received);
    expect(msg!.envelope).to.deep.equal({ rfc: '5424', priority: 34, facility: 4, severity: 2 });
    expect(msg!.body).to.equal('hello');
  });

  it('reads RFC 3164 with PRI, host and tag with pid', () => {
    const msg = parseSyslog('<4>Nov 25 14:00:01 gw-01 kernel[0]: IPT-DROP IN=eth0', received);
    expect(msg!.envelope).to.deep.include({ rfc: '3164', priority: 4, hostname: 'gw-01', appname: 'kernel', procid: '0' });
    expect(msg!.body).to.equal('IPT-DROP IN=eth0');
  });

  it('reads an RFC 3164 line from a file (no PRI), single-digit day padded with a space', () => {
    const msg = parseSyslog('Nov  5 09:03:07 fw-02 CEF:0|Hirschmann|EAGLE40|4.3|1001|x|7|', received);
    expect(msg!.envelope).to.deep.include({ rfc: '3164', hostname: 'fw-02' });
    expect(new Date(msg!.envelope.timestamp!).getDate()).to.equal(5);
    // "CEF:0|..." has a colon but is not a tag: the body keeps it whole.
    expect(msg!.body).to.match(/^CEF:0\|Hirschmann/);
  });

  it('puts a December line read in January into the previous year', () => {
    const msg = parseSyslog('Dec 31 23:59:59 h app: x', new Date(2027, 0, 1, 0, 0, 10));
    expect(new Date(msg!.envelope.timestamp!).getFullYear()).to.equal(2026);
  });

  it('accepts an ISO timestamp in a BSD-style header (rsyslog high precision)', () => {
    const msg = parseSyslog('2026-11-25T14:00:01.123456+00:00 gw-01 kernel: IN=eth0', received);
    expect(msg!.envelope).to.deep.include({ rfc: '3164', hostname: 'gw-01', appname: 'kernel', timestamp: '2026-11-25T14:00:01.123Z' });
  });

  it('returns null for text with no syslog header', () => {
    expect(parseSyslog('203.0.113.9 - - [25/Nov/2026:14:00:01 +0800] "GET / HTTP/1.1" 200 1', received)).to.equal(null);
    expect(parseSyslog('{"ts":1}', received)).to.equal(null);
  });

  it('refuses an impossible PRI', () => {
    expect(parseSyslog('<999>Nov 25 14:00:01 h a: x', received)).to.equal(null);
  });
});
