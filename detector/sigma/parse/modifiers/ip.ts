/**
 * IP modifiers (spec "IP Modifiers"): `cidr`, IPv4 or IPv6 block (a bare address is a /32 or /128). Like
 * pySigma it needs an unmodified value; after `expand` it turns a lone
 * placeholder into a placeholder of CIDR blocks.
 */
import { Cidr, canonicalIp, ipFamily } from '../../../../core/ip.js';
import { RuleProblem } from '../problem.js';
import type { ModifierDefinition } from './types.js';

export const cidrModifier: ModifierDefinition = {
  name: 'cidr',
  accepts: ['string'],
  apply(value, ctx) {
    if (value.t !== 'string') throw new RuleProblem('modifier cidr needs a string');
    if (ctx.applied.length === 1 && ctx.applied[0] === 'expand' && value.parts.length === 1 && 'placeholder' in value.parts[0]) {
      return { t: 'cidr-placeholder', name: value.parts[0].placeholder };
    }
    if (ctx.applied.length > 0) throw new RuleProblem(`modifier cidr only applies to unmodified values (found after ${ctx.applied.join('|')})`);
    try {
      Cidr.parse(value.raw);
    } catch (err) {
      throw new RuleProblem(`modifier cidr: ${(err as Error).message}`);
    }
    const text = value.raw.trim();
    if (hasHostBits(text)) throw new RuleProblem(`modifier cidr: ${JSON.stringify(text)} has host bits set (write the network address, as pySigma requires)`);
    return { t: 'cidr', cidr: text };
  },
};

/** The address as a number and its width in bits. */
function addressValue(addr: string): { value: bigint; width: number } | null {
  const canonical = canonicalIp(addr);
  if (canonical === null) return null;
  if (ipFamily(canonical) === 4) return { value: canonical.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n), width: 32 };
  let text = canonical;
  const tail: string[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const o = text.slice(lastColon + 1).split('.').map(Number);
    tail.push(((o[0] << 8) | o[1]).toString(16), ((o[2] << 8) | o[3]).toString(16));
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head, rest] = text.split('::');
  const words = (part: string | undefined): string[] => (part === undefined || part === '' ? [] : part.split(':'));
  const left = words(head);
  const right = [...words(rest), ...tail];
  const fill = rest === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  const all = [...left, ...fill, ...right];
  return { value: all.reduce((acc, w) => (acc << 16n) | BigInt(parseInt(w, 16)), 0n), width: 128 };
}

/** pySigma (Python `ip_network`, strict) refuses blocks like `192.168.1.1/24`. */
function hasHostBits(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash === -1) return false;
  const addr = addressValue(text.slice(0, slash));
  if (!addr) return false;
  const prefix = Number(text.slice(slash + 1));
  const hostBits = BigInt(addr.width - prefix);
  return (addr.value & ((1n << hostBits) - 1n)) !== 0n;
}
