import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ConfigError } from '../../core/config.js';
import { OrgRegistry } from '../../core/orgs.js';
import { tempDir } from '../helpers/paths.js';

const base = {
  provinces: [{ code: 'JS', name: 'Jiangsu' }, { code: 'GD', name: 'Guangdong' }],
  orgs: [
    { id: 'nat', name: 'National Center', tier: 'national' },
    { id: 'js-ind', name: 'JS industry regulator', tier: 'provincial', province: 'JS', oversees: ['industrial'] },
    { id: 'js-com', name: 'JS communications regulator', tier: 'provincial', province: 'JS', oversees: ['platform', 'idres'] },
    { id: 'js-auto', name: 'JS Auto', tier: 'enterprise', province: 'JS', industry: 'automotive', category: 'industrial', grade: 3,
      assets: [{ id: 'plc-1', name: 'PLC 1', kind: 'plc', criticality: 'critical', ips: ['10.1.1.20', '2001:DB8:1::20'] }] },
    { id: 'js-cloud', name: 'JS Cloud', tier: 'enterprise', province: 'JS', industry: 'electronics', category: 'platform', grade: 2 },
    { id: 'gd-res', name: 'GD Resolver', tier: 'enterprise', province: 'GD', industry: 'machinery', category: 'idres', grade: 1 },
  ],
};

function load(value: unknown): OrgRegistry {
  const file = join(tempDir(), 'orgs.yaml');
  writeFileSync(file, stringify(value));
  return OrgRegistry.load(file);
}

describe('OrgRegistry', () => {
  describe('visibleTo', () => {
    const registry = load(base);
    it('lets the national center see everything', () => {
      expect(registry.visibleTo('nat')).to.equal(undefined);
    });
    it('lets an enterprise see only itself', () => {
      expect(registry.visibleTo('js-auto')).to.deep.equal(['js-auto']);
    });
    it('scopes a provincial regulator by province and by the categories it oversees', () => {
      expect(registry.visibleTo('js-ind')).to.deep.equal(['js-ind', 'js-auto']);
      expect(registry.visibleTo('js-com')).to.deep.equal(['js-com', 'js-cloud']);
    });
    it('gives an unknown org nothing', () => {
      expect(registry.visibleTo('who')).to.deep.equal([]);
    });
  });

  describe('stamp', () => {
    it('gives the org fields events carry', () => {
      expect(load(base).stamp('js-auto')).to.deep.equal({
        id: 'js-auto', name: 'JS Auto', tier: 'enterprise', province: 'JS', industry: 'automotive', category: 'industrial', grade: 3,
      });
    });
  });

  describe('assetByIp', () => {
    it('finds assets by IPv4 and by IPv6 in any textual form', () => {
      const registry = load(base);
      expect(registry.assetByIp('js-auto', '10.1.1.20')?.id).to.equal('plc-1');
      expect(registry.assetByIp('js-auto', '2001:db8:1::20')?.id).to.equal('plc-1');
      expect(registry.assetByIp('js-cloud', '10.1.1.20')).to.equal(undefined);
    });
  });

  describe('load', () => {
    it('refuses an inconsistent registry, naming each problem', () => {
      const bad = structuredClone(base) as { orgs: Record<string, unknown>[] };
      bad.orgs[3] = { ...bad.orgs[3], grade: 4 };
      bad.orgs[4] = { ...bad.orgs[4], province: 'XX' };
      bad.orgs.push({ id: 'nat', name: 'dup', tier: 'national' });
      let error: ConfigError | undefined;
      try { load(bad); } catch (err) { error = err as ConfigError; }
      const text = error!.problems.join('\n');
      expect(text).to.match(/orgs\[3\]\.grade/);
      expect(text).to.match(/orgs\[4\]\.province: .*needs a province/);
      expect(text).to.match(/duplicate org id nat/);
      expect(text).to.match(/exactly one national org/);
    });
  });
});
