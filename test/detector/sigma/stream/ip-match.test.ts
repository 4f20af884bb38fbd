import { isIP } from 'node:net';
import { expect } from 'chai';
import { Cidr } from '../../../../core/ip.js';
import { cidrMembership, ipv4Number, parseIpv6 } from '../../../../detector/sigma/stream/ip-match.js';
import { Rng } from '../../../helpers/sigma-events.js';

/** `Cidr.contains` is the definition; the fast path must give the same answer for every text. */
function reference(blocks: readonly Cidr[], text: string): boolean {
  return blocks.some((b) => b.contains(text));
}

function tryCidr(text: string): Cidr | null {
  try {
    return Cidr.parse(text);
  } catch {
    return null;
  }
}

/** Blocks of every kind: IPv4, IPv6, mapped, compatible, zone ids, odd prefix texts, /0, hosts. */
const TRICKY_BLOCKS = [
  '10.0.0.0/8', '192.168.1.0/24', '192.168.1.77/32', '0.0.0.0/0', '255.255.255.255', '1.2.3.4/31', '172.16.0.0/12',
  '2001:db8::/32', '2001:db8:0:0:0:0:0:1/128', '::/0', '::1', 'fe80::/10', 'fe80::1%eth0/64', 'FE80::ABCD/16',
  '::ffff:0:0/96', '::ffff:10.0.0.0/104', '::ffff:192.168.1.1', '::10.0.0.1/120', '64:ff9b::/96', '2001:db8::7/127',
  ' 10.1.0.0/16', '10.2.0.0/016', '10.3.0.0/', '10.4.0.0/16.0', '1:2:3:4:5:6:7:8/65', '1::/1', '8000::/1',
];

const TRICKY_ADDRESSES = [
  '10.0.0.1', '10.255.255.255', '11.0.0.0', '9.255.255.255', '192.168.1.77', '192.168.1.78', '0.0.0.0', '255.255.255.255',
  '010.0.0.1', '10.0.0.01', '10.0.0', '10.0.0.0.1', '10..0.1', '256.0.0.1', '10.0.0.1 ', ' 10.0.0.1', '10.0.0.1/8', '1e1.0.0.1',
  '::', '::1', '::0', '0::', ':::', '1::', '1:', ':1', '::1:', '1::2::3', '2001:db8::1', '2001:DB8::1', '2001:0db8:0000::0001',
  '2001:db8:0:0:0:0:0:1', '2001:db8::', '2001:db9::', '2001:db8:1:2:3:4:5:6:7', '2001:db8:1:2:3:4:5', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7::8', '::1:2:3:4:5:6:7:8', '12345::', 'g::1', '::ffff:10.0.0.1', '::FFFF:10.0.0.1', '::ffff:a00:1', '::ffff:0a00:0001',
  '::ffff:192.168.1.77', '::ffff:192.168.1.1', '::ffff:010.0.0.1', '::ffff:10.0.0', '::ffff:10.0.0.1.2', '::10.0.0.1', '::10.0.0.200',
  '0:0:0:0:0:ffff:10.0.0.1', '1:2:3:4:5:6:10.0.0.1', '1:2:3:4:5:6:7:10.0.0.1', '::ffff:1.2.3.4:5', '10.0.0.1::',
  'fe80::1%eth0', 'fe80::1%1', 'fe80::1%', 'fe80::abcd%en0', '::ffff:10.0.0.1%eth0', '[::1]', '[10.0.0.1]', '',
  '1', '::ffff:ffff:ffff', '64:ff9b::10.0.0.1', '8000::', '7fff:ffff::', 'localhost', 'not an ip', '10.0.0.1%eth0',
];

function randomIpv4(rng: Rng): string {
  const octet = (): string => String(rng.pick([0, 1, 9, 10, 127, 168, 172, 192, 254, 255, rng.int(256)]));
  const parts = [octet(), octet(), octet(), octet()];
  return parts.join('.');
}

function randomIpv6(rng: Rng): string {
  const words = Array.from({ length: 8 }, () => (rng.chance(0.4) ? 0 : rng.pick([1, 0xffff, 0x2001, 0xdb8, 0xfe80, 0x8000, rng.int(0x10000)])));
  if (rng.chance(0.25)) {
    words.fill(0, 0, 5);
    words[5] = 0xffff;
  }
  let hex = words.map((w) => {
    const h = w.toString(16);
    const padded = rng.chance(0.2) ? h.padStart(4, '0') : h;
    return rng.chance(0.2) ? padded.toUpperCase() : padded;
  });
  // A dotted-quad tail instead of the last two words.
  if (rng.chance(0.3)) hex = [...hex.slice(0, 6), `${words[6] >> 8}.${words[6] & 255}.${words[7] >> 8}.${words[7] & 255}`];
  // Compress one run of zero groups (any run, not only the longest: all are valid).
  if (rng.chance(0.7)) {
    const start = rng.int(hex.length);
    let end = start;
    while (end < hex.length && /^0+$/.test(hex[end])) end++;
    if (end > start) return `${hex.slice(0, start).join(':')}::${hex.slice(end).join(':')}`;
  }
  return hex.join(':');
}

/** A valid address, or one mangled: a character inserted, dropped or replaced, a zone id, brackets, spaces. */
function randomAddress(rng: Rng): string {
  const text = rng.chance(0.5) ? randomIpv4(rng) : randomIpv6(rng);
  const alphabet = '0123456789abcdefABCDEFgx:.%/ []-';
  switch (rng.int(8)) {
    case 0: {
      const at = rng.int(text.length + 1);
      return text.slice(0, at) + rng.pick([...alphabet]) + text.slice(at);
    }
    case 1: {
      const at = rng.int(text.length);
      return text.slice(0, at) + text.slice(at + 1);
    }
    case 2: {
      const at = rng.int(text.length);
      return text.slice(0, at) + rng.pick([...alphabet]) + text.slice(at + 1);
    }
    case 3: return `${text}%${rng.pick(['eth0', '1', 'en0', ''])}`;
    default: return text;
  }
}

function randomBlock(rng: Rng): Cidr | null {
  const v4 = rng.chance(0.5);
  const address = v4 ? randomIpv4(rng) : randomIpv6(rng);
  const bits = v4 || rng.chance(0.3) ? (v4 ? 32 : 128) : 128;
  const prefix = rng.chance(0.1) ? bits : rng.pick([0, 1, 8, 12, 16, 24, 31, 32, 48, 64, 96, 104, 120, 127, 128].filter((p) => p <= bits));
  return tryCidr(rng.chance(0.1) ? address : `${address}/${prefix}`);
}

describe('ip-match', () => {
  describe('cidrMembership', () => {
    it('answers as Cidr.contains for every tricky block and address', () => {
      const blocks = TRICKY_BLOCKS.map(tryCidr).filter((b): b is Cidr => b !== null);
      expect(blocks.length).to.equal(TRICKY_BLOCKS.length);
      let hits = 0;
      for (const block of blocks) {
        const member = cidrMembership([block]);
        for (const text of TRICKY_ADDRESSES) {
          const want = reference([block], text);
          expect(member(text), `${text} in ${block.text}`).to.equal(want);
          if (want) hits++;
        }
      }
      // The comparison means something only if both answers occur.
      expect(hits).to.be.greaterThan(20);
      const all = cidrMembership(blocks);
      for (const text of TRICKY_ADDRESSES) expect(all(text), `${text} in any`).to.equal(reference(blocks, text));
    });

    it('answers as Cidr.contains on random addresses (valid and mangled) against random block sets', () => {
      const rng = new Rng(20261125);
      let hits = 0;
      let misses = 0;
      for (let round = 0; round < 300; round++) {
        const blocks: Cidr[] = [];
        const n = 1 + rng.int(4);
        while (blocks.length < n) {
          const b = rng.chance(0.2) ? tryCidr(rng.pick(TRICKY_BLOCKS)) : randomBlock(rng);
          if (b) blocks.push(b);
        }
        const member = cidrMembership(blocks);
        for (let k = 0; k < 60; k++) {
          // Addresses near the blocks too: a block's own address with its last character changed.
          const text = rng.chance(0.3) ? randomAddress(rng) : rng.chance(0.5) ? blocks[0].text.split('/')[0] : randomAddress(rng);
          const want = reference(blocks, text);
          expect(member(text), `${JSON.stringify(text)} in ${blocks.map((b) => b.text).join(', ')}`).to.equal(want);
          if (want) hits++;
          else misses++;
        }
      }
      expect(hits).to.be.greaterThan(500);
      expect(misses).to.be.greaterThan(500);
    });
  });

  describe('ipv4Number', () => {
    it('parses exactly the dotted quads node:net accepts, to their value', () => {
      const rng = new Rng(7);
      const texts = [...TRICKY_ADDRESSES, ...Array.from({ length: 3000 }, () => (rng.chance(0.7) ? randomAddress(rng) : randomIpv4(rng)))];
      for (const text of texts) {
        const n = ipv4Number(text);
        if (isIP(text) !== 4) {
          expect(n, text).to.equal(-1);
          continue;
        }
        const want = text.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
        expect(n, text).to.equal(want);
      }
    });
  });

  describe('parseIpv6', () => {
    it('accepts only texts node:net takes for IPv6, with the words Cidr reads from them', () => {
      const rng = new Rng(11);
      const words = new Uint16Array(8);
      const texts = [...TRICKY_ADDRESSES, ...Array.from({ length: 3000 }, () => (rng.chance(0.5) ? randomAddress(rng) : randomIpv6(rng)))];
      let parsed = 0;
      for (const text of texts) {
        if (!parseIpv6(text, words)) continue;
        parsed++;
        expect(isIP(text), text).to.equal(6);
        // The words are the address: its /128 block holds the text, and flipping any bit leaves it.
        const hex = [...words].map((w) => w.toString(16)).join(':');
        expect(Cidr.parse(`${hex}/128`).contains(text), `${text} as ${hex}`).to.equal(true);
      }
      expect(parsed).to.be.greaterThan(1000);
    });
  });
});
