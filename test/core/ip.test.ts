import { expect } from 'chai';
import { Cidr, canonicalIp, ipFamily } from '../../core/ip.js';

describe('ip', () => {
  describe('canonicalIp', () => {
    it('keeps IPv4 dotted quads and drops leading zeros', () => {
      expect(canonicalIp('10.1.1.20')).to.equal('10.1.1.20');
      expect(canonicalIp(' 192.0.2.1 ')).to.equal('192.0.2.1');
    });
    it('writes IPv6 in RFC 5952 form: lower case, longest zero run compressed', () => {
      expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).to.equal('2001:db8::1');
      expect(canonicalIp('2001:0db8:0000:0001:0000:0000:0000:0001')).to.equal('2001:db8:0:1::1');
      expect(canonicalIp('::1')).to.equal('::1');
      expect(canonicalIp('::')).to.equal('::');
      expect(canonicalIp('[2001:db8::7]')).to.equal('2001:db8::7');
    });
    it('does not compress a single zero word', () => {
      expect(canonicalIp('2001:db8:0:1:1:1:1:1')).to.equal('2001:db8:0:1:1:1:1:1');
    });
    it('keeps IPv4-mapped IPv6 in mixed notation', () => {
      expect(canonicalIp('::FFFF:192.0.2.5')).to.equal('::ffff:192.0.2.5');
    });
    it('returns null for text that is not an address', () => {
      for (const bad of ['999.1.1.1', 'gw-01', '', '2001:db8:::1', '1.2.3']) expect(canonicalIp(bad), bad).to.equal(null);
    });
  });

  describe('ipFamily', () => {
    it('tells IPv4 from IPv6', () => {
      expect(ipFamily('10.0.0.1')).to.equal(4);
      expect(ipFamily('2001:db8::1')).to.equal(6);
      expect(ipFamily('nope')).to.equal(0);
    });
  });

  describe('Cidr', () => {
    it('matches IPv4 blocks', () => {
      const block = Cidr.parse('10.1.0.0/16');
      expect(block.contains('10.1.200.3')).to.equal(true);
      expect(block.contains('10.2.0.1')).to.equal(false);
    });
    it('matches IPv6 blocks whatever the textual form', () => {
      const block = Cidr.parse('2001:db8:1::/48');
      expect(block.contains('2001:db8:1:ffff::9')).to.equal(true);
      expect(block.contains('2001:0DB8:0001:0000:0000:0000:0000:0001')).to.equal(true);
      expect(block.contains('2001:db8:2::1')).to.equal(false);
    });
    it('never matches across families, except IPv4-mapped IPv6 against IPv4 blocks', () => {
      expect(Cidr.parse('0.0.0.0/0').contains('2001:db8::1')).to.equal(false);
      expect(Cidr.parse('::/0').contains('10.0.0.1')).to.equal(false);
      expect(Cidr.parse('127.0.0.0/8').contains('::ffff:127.0.0.1')).to.equal(true);
    });
    it('treats a bare address as a single-host block', () => {
      expect(Cidr.parse('::1').contains('::1')).to.equal(true);
      expect(Cidr.parse('::1').contains('::2')).to.equal(false);
      expect(Cidr.parse('192.0.2.1').contains('192.0.2.1')).to.equal(true);
    });
    it('handles /0 and full-length prefixes', () => {
      expect(Cidr.parse('0.0.0.0/0').contains('203.0.113.9')).to.equal(true);
      expect(Cidr.parse('2001:db8::1/128').contains('2001:db8::1')).to.equal(true);
    });
    it('rejects bad blocks with a reason', () => {
      expect(() => Cidr.parse('10.0.0.0/33')).to.throw(/prefix length must be 0..32/);
      expect(() => Cidr.parse('2001:db8::/129')).to.throw(/0..128/);
      expect(() => Cidr.parse('gw/8')).to.throw(/not IPv4 or IPv6/);
    });
  });
});
