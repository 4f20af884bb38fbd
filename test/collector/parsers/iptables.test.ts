import { expect } from 'chai';
import { iptablesParser } from '../../../collector/parsers/iptables.js';
import { expectError, expectValid, parseOne, parseRaw, parseRecord, RECEIVED_AT } from './parser-helpers.js';
import type { ParsedEvent } from './parser-helpers.js';

const V4 = 'Nov 25 14:00:01 gw-01 kernel: [12345.678901] IPT-DROP IN=eth0 OUT= MAC=00:1b:21:3a:4f:10:00:0c:29:aa:bb:cc:08:00 SRC=203.0.113.7 DST=10.1.1.20 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=40522 DPT=502 WINDOW=29200 RES=0x00 SYN URGP=0';
const V6 = '<4>Nov 25 14:00:02 gw-01 kernel: [12346.000100] ip6-accept-opcua IN=eth1 OUT=eth2 MAC=00:1b:21:3a:4f:11:00:0c:29:aa:bb:cd:86:dd SRC=2001:0db8:0000::0007 DST=2001:db8:10::20 LEN=80 TC=0 HOPLIMIT=63 FLOWLBL=327680 PROTO=TCP SPT=53211 DPT=4840 WINDOW=64800 RES=0x00 SYN URGP=0';

describe('iptablesParser', () => {
  describe('parse', () => {
    it('reads an IPv4 drop with the BSD syslog header', () => {
      const e = parseOne(iptablesParser, V4);
      expect(e['@timestamp']).to.equal(new Date(2026, 10, 25, 14, 0, 1).toISOString());
      expect(e.event).to.deep.include({ kind: 'event', category: ['network'], type: ['connection', 'denied'], action: 'drop', module: 'iptables', dataset: 'iptables', original: V4 });
      expect(e.source).to.deep.equal({ ip: '203.0.113.7', port: 40522, mac: '00-0C-29-AA-BB-CC' });
      expect(e.destination).to.deep.equal({ ip: '10.1.1.20', port: 502, mac: '00-1B-21-3A-4F-10' });
      expect(e.network).to.deep.equal({ type: 'ipv4', transport: 'tcp', protocol: 'modbus', bytes: 60 });
      expect(e.observer).to.deep.equal({ type: 'firewall', hostname: 'gw-01', ingress: { interface: { name: 'eth0' } } });
      expect(e.host).to.deep.equal({ hostname: 'gw-01' });
      expect(e.rule).to.deep.equal({ name: 'IPT-DROP' });
      expect(e.tags).to.deep.equal(['DF', 'SYN']);
    });

    it('reads an IPv6 accept (TC/HOPLIMIT/FLOWLBL) and canonicalises the address', () => {
      const e = parseOne(iptablesParser, V6);
      expect(e.source).to.deep.include({ ip: '2001:db8::7', port: 53211 });
      expect(e.destination).to.deep.include({ ip: '2001:db8:10::20', port: 4840 });
      expect(e.network).to.deep.include({ type: 'ipv6', transport: 'tcp', protocol: 'opcua' });
      expect(e.event).to.deep.include({ action: 'accept', type: ['connection', 'allowed'] });
      expect(e.observer).to.deep.include({ ingress: { interface: { name: 'eth1' } }, egress: { interface: { name: 'eth2' } } });
    });

    it('maps ICMPv6 to ipv6-icmp and has no ports', () => {
      const e = parseOne(iptablesParser, 'IN=eth0 OUT= SRC=2001:db8::7 DST=2001:db8::1 LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=ICMPv6 TYPE=128 CODE=0 ID=4711 SEQ=1');
      expect(e.network).to.deep.include({ transport: 'ipv6-icmp', type: 'ipv6' });
      expect(e.source).to.deep.equal({ ip: '2001:db8::7' });
      expect(e.event).to.deep.include({ action: 'logged', type: ['connection'] });
      expect(e['@timestamp']).to.equal(RECEIVED_AT.toISOString());
    });

    it('uses the envelope of a syslog source for time and host', () => {
      const outcome = parseRecord(iptablesParser, {
        text: '[ 901.1] FW REJECT IN=eth0 OUT= SRC=198.51.100.4 DST=10.1.1.21 LEN=44 PROTO=UDP SPT=5353 DPT=20000 LEN=24',
        receivedAt: RECEIVED_AT,
        envelope: { rfc: '5424', timestamp: '2026-11-25T06:00:00.003Z', hostname: 'edge-fw' },
      });
      if (outcome.kind !== 'event') expect.fail(JSON.stringify(outcome));
      const e = outcome.event as ParsedEvent;
      expectValid(e);
      expect(e['@timestamp']).to.equal('2026-11-25T06:00:00.003Z');
      expect(e.host).to.deep.equal({ hostname: 'edge-fw' });
      expect(e.event).to.deep.include({ action: 'reject', type: ['connection', 'denied'] });
      expect(e.network).to.deep.include({ transport: 'udp', protocol: 'dnp3' });
      expect(e.rule).to.deep.equal({ name: 'FW REJECT' });
    });

    it('does not read the packet quoted in an ICMP error as the logged one', () => {
      const e = parseOne(iptablesParser, 'IPT-LOG IN=eth0 OUT= SRC=10.1.1.1 DST=203.0.113.7 LEN=88 PROTO=ICMP TYPE=3 CODE=3 [SRC=203.0.113.7 DST=10.1.1.1 LEN=60 PROTO=UDP SPT=40000 DPT=161 LEN=40 ] MTU=1500');
      expect(e.source).to.deep.equal({ ip: '10.1.1.1' });
      expect(e.network).to.deep.include({ transport: 'icmp' });
    });

    it('takes the port of a reply from an ICS server as the protocol', () => {
      const e = parseOne(iptablesParser, 'ACCEPT IN=eth1 OUT=eth0 SRC=10.1.1.20 DST=10.2.0.5 LEN=52 PROTO=TCP SPT=102 DPT=49152 ACK');
      expect(e.network).to.deep.include({ protocol: 's7comm' });
    });

    it('refuses a bad source IP, a bad port, a truncated line and unrelated text', () => {
      expect(expectError(parseRaw(iptablesParser, 'DROP IN=eth0 OUT= SRC=999.1.1.1 DST=10.1.1.20 PROTO=TCP SPT=1 DPT=502'), 'bad-field')).to.contain('SRC=999.1.1.1');
      expect(expectError(parseRaw(iptablesParser, 'DROP IN=eth0 OUT= SRC=10.1.1.1 DST=10.1.1.20 PROTO=TCP SPT=1 DPT=70000'), 'bad-field')).to.contain('DPT=70000');
      expect(expectError(parseRaw(iptablesParser, 'Nov 25 14:00:01 gw-01 kernel: IPT-DROP IN=eth0 OUT= MAC=00:1b:21:3a:4f:10:00:0c:29:aa:bb:cc:08:00 SRC=203.0.113.7'), 'malformed')).to.contain('DST=');
      expect(expectError(parseRaw(iptablesParser, 'Nov 25 14:00:01 gw-01 sshd[811]: Accepted publickey for ops'), 'unrecognised')).to.contain('IN=');
      expect(expectError(parseRaw(iptablesParser, 'DROP IN=eth0 OUT= SRC=10.1.1.1 DST=10.1.1.300 PROTO=TCP'), 'bad-field')).to.contain('DST=');
    });
  });
});
