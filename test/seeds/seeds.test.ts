import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Cidr, ipFamily } from '../../core/ip.js';
import { Categories, Industries, OrgRegistry, type Org } from '../../core/orgs.js';
import { isParserName, ParserCategory, parsersFor } from '../../seeds/simulator/parsers.js';
import { repoRoot } from '../helpers/paths.js';

const orgsPath = join(repoRoot, 'seeds', 'orgs.yaml');
const tokensPath = join(repoRoot, 'seeds', 'tokens.yaml');

/** Addresses seeds may use: private plant ranges and the documentation ranges, nothing routable. */
const AllowedRanges = ['10.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'].map((c) => Cidr.parse(c));

const TokenFileSchema = z.array(z.strictObject({
  id: z.string().min(1),
  org: z.string().min(1),
  parser: z.string().min(1),
  token: z.string().min(16),
}));

describe('seeds', () => {
  const registry = OrgRegistry.load(orgsPath);
  const enterprises = registry.enterprises();
  const provinces = registry.file.provinces.map((p) => p.code);

  describe('orgs.yaml', () => {
    it('passes RegistrySchema with one national org', () => {
      expect(registry.all().filter((o) => o.tier === 'national')).to.have.length(1);
    });

    it('has at least four provinces, each with an industry and a communications regulator', () => {
      expect(provinces.length).to.be.at.least(4);
      for (const code of provinces) {
        const regulators = registry.all().filter((o) => o.tier === 'provincial' && o.province === code);
        const oversees = regulators.map((r) => [...(r.oversees ?? [])].sort().join(','));
        expect(oversees, code).to.have.members(['industrial', 'idres,platform']);
      }
    });

    it('scopes each regulator to its province and categories', () => {
      for (const code of provinces) {
        const comms = registry.all().find((o) => o.province === code && o.oversees?.includes('platform'));
        const visible = (registry.visibleTo(comms?.id ?? '') ?? []).map((id) => registry.get(id)).filter((o): o is Org => o?.tier === 'enterprise');
        expect(visible.length, code).to.be.greaterThan(0);
        expect(visible.every((o) => o.province === code && o.category !== 'industrial'), code).to.equal(true);
      }
    });

    it('has at least 24 enterprises, every category in every province', () => {
      expect(enterprises.length).to.be.at.least(24);
      for (const code of provinces) {
        const cats = new Set(enterprises.filter((e) => e.province === code).map((e) => e.category));
        expect([...cats], code).to.have.members([...Categories]);
      }
    });

    it('spreads enterprises over all six industries and grades 1..3 in every category', () => {
      expect(new Set(enterprises.map((e) => e.industry))).to.have.keys([...Industries]);
      expect(new Set(enterprises.filter((e) => e.category === 'industrial').map((e) => e.industry))).to.have.keys([...Industries]);
      for (const category of Categories) {
        expect(new Set(enterprises.filter((e) => e.category === category).map((e) => e.grade)), category).to.have.keys([1, 2, 3]);
      }
      for (const industry of Industries) {
        const cats = new Set(enterprises.filter((e) => e.industry === industry).map((e) => e.category));
        expect(cats.size, industry).to.be.at.least(2);
      }
    });

    it('gives every enterprise assets with the roles of its category', () => {
      const kinds = (o: Org) => new Set(o.assets.map((a) => a.kind));
      for (const e of enterprises) {
        expect(e.assets.length, e.id).to.be.greaterThan(0);
        expect(new Set(e.assets.map((a) => a.id)).size, `${e.id} asset ids unique`).to.equal(e.assets.length);
        if (e.category === 'industrial') {
          expect(kinds(e), e.id).to.include.keys('gateway', 'firewall', 'plc', 'hmi', 'scada', 'historian', 'engineering-workstation');
          for (const plc of e.assets.filter((a) => a.kind === 'plc')) {
            expect(plc.vendor && plc.model, `${e.id}/${plc.id}`).to.be.a('string');
            expect(plc.protocols.length, `${e.id}/${plc.id}`).to.be.greaterThan(0);
          }
        } else if (e.category === 'platform') {
          expect(kinds(e), e.id).to.include.keys('api-gateway', 'platform-service');
        } else {
          const nodes = e.assets.filter((a) => a.kind === 'resolver-node');
          expect(nodes.length, e.id).to.be.greaterThan(0);
          for (const n of nodes) {
            expect(n.idPrefix, `${e.id}/${n.id}`).to.match(/^88\.\d+\.\d+(\.\d+)?$/);
            expect(n.nodeLevel, `${e.id}/${n.id}`).to.be.oneOf(['secondary', 'enterprise']);
          }
        }
      }
    });

    it('gives every asset an IPv4 and an IPv6 address, only from private or documentation ranges', () => {
      for (const e of enterprises) {
        for (const a of e.assets) {
          const families = new Set(a.ips.map((ip) => ipFamily(ip)));
          expect([...families], `${e.id}/${a.id}`).to.have.members([4, 6]);
          for (const ip of a.ips) expect(AllowedRanges.some((c) => c.contains(ip)), `${e.id}/${a.id} ${ip}`).to.equal(true);
        }
      }
    });

    it('never gives two assets the same address', () => {
      const owners = new Map<string, string>();
      for (const e of enterprises) {
        for (const a of e.assets) {
          for (const ip of a.ips) {
            expect(owners.get(ip), `${ip} of ${e.id}/${a.id}`).to.equal(undefined);
            owners.set(ip, `${e.id}/${a.id}`);
          }
        }
      }
    });
  });

  describe('tokens.yaml', () => {
    const tokens = TokenFileSchema.parse(parseYaml(readFileSync(tokensPath, 'utf8')));

    it('marks itself demo-only', () => {
      expect(readFileSync(tokensPath, 'utf8').split('\n').slice(0, 3).join(' ')).to.match(/DEMO-ONLY/);
    });

    it('binds each token to an existing enterprise and a known parser of its category', () => {
      for (const t of tokens) {
        const org = registry.get(t.org);
        expect(org?.tier, t.id).to.equal('enterprise');
        expect(isParserName(t.parser), t.id).to.equal(true);
        if (isParserName(t.parser)) expect(ParserCategory[t.parser], t.id).to.equal(org?.category);
      }
    });

    it('has unique ids and unique token values', () => {
      expect(new Set(tokens.map((t) => t.id)).size).to.equal(tokens.length);
      expect(new Set(tokens.map((t) => t.token)).size).to.equal(tokens.length);
    });

    it('has exactly one token per (enterprise, format it sends)', () => {
      for (const e of enterprises) {
        const mine = tokens.filter((t) => t.org === e.id).map((t) => t.parser);
        expect(mine, e.id).to.have.members(parsersFor(e));
        expect(mine.length, e.id).to.equal(new Set(mine).size);
      }
    });
  });
});
