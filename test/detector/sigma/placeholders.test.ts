import { expect } from 'chai';
import { join } from 'node:path';
import { OrgRegistry, RegistrySchema } from '../../../core/orgs.js';
import { RegistryPlaceholderSource, StaticPlaceholderSource } from '../../../detector/sigma/placeholders.js';
import { repoRoot } from '../../helpers/paths.js';

describe('RegistryPlaceholderSource', () => {
  const registry = new OrgRegistry(RegistrySchema.parse({
    provinces: [{ code: 'JS', name: 'Jiangsu' }],
    orgs: [
      { id: 'ncisc', name: 'N', tier: 'national', assets: [] },
      {
        id: 'plant-a', name: 'A', tier: 'enterprise', province: 'JS', industry: 'automotive', category: 'industrial', grade: 2,
        assets: [
          { id: 'ews-1', name: 'EWS', kind: 'engineering-workstation', criticality: 'high', ips: ['10.1.2.50', '2001:db8:1:2::50'], protocols: [] },
          { id: 'hmi-1', name: 'HMI', kind: 'hmi', criticality: 'high', ips: ['10.1.2.20'], protocols: [] },
          { id: 'plc-1', name: 'PLC', kind: 'plc', criticality: 'critical', ips: ['10.1.1.10'], protocols: ['modbus'] },
          { id: 'gw-1', name: 'GW', kind: 'gateway', criticality: 'high', ips: ['10.1.0.1'], protocols: [] },
        ],
      },
      {
        id: 'plant-b', name: 'B', tier: 'enterprise', province: 'JS', industry: 'machinery', category: 'industrial', grade: 1, countries: ['CN', 'DE'],
        assets: [{ id: 'scada-1', name: 'SCADA', kind: 'scada', criticality: 'high', ips: ['10.2.2.30'], protocols: [] }],
      },
    ],
  }));
  const source = new RegistryPlaceholderSource(registry);

  describe('values', () => {
    it("lists the event org's own assets of the placeholder's kinds", () => {
      expect(source.values('EngineeringHosts', 'plant-a')).to.have.members(['10.1.2.50', '2001:db8:1:2::50', '10.1.2.20']);
      expect(source.values('EngineeringHosts', 'plant-b')).to.deep.equal(['10.2.2.30']);
      expect(source.values('Plcs', 'plant-a')).to.deep.equal(['10.1.1.10']);
      expect(source.values('Gateways', 'plant-a')).to.deep.equal(['10.1.0.1']);
      expect(source.values('OrgNetworks', 'plant-a')).to.have.length(5);
    });

    it('lists the org\'s home countries, CN unless the registry says otherwise', () => {
      expect(source.values('HomeCountries', 'plant-a')).to.deep.equal(['CN']);
      expect(source.values('HomeCountries', 'plant-b')).to.deep.equal(['CN', 'DE']);
      expect(source.names()).to.include('HomeCountries');
    });

    it('gives nothing for an unknown org, an event without org, or an unknown name', () => {
      expect(source.values('EngineeringHosts', 'nobody')).to.deep.equal([]);
      expect(source.values('EngineeringHosts', undefined)).to.deep.equal([]);
      expect(source.values('Servers', 'plant-a')).to.deep.equal([]);
    });

    it('covers the seeded registry in both address families', () => {
      const seeded = new RegistryPlaceholderSource(OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml')));
      const industrial = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml')).enterprises().find((o) => o.category === 'industrial');
      const hosts = seeded.values('EngineeringHosts', industrial?.id);
      expect(hosts.some((ip) => ip.includes(':'))).to.equal(true);
      expect(hosts.some((ip) => ip.includes('.') && !ip.includes(':'))).to.equal(true);
    });
  });

  describe('names', () => {
    it('names every placeholder it resolves', () => {
      expect(source.names()).to.include.members(['EngineeringHosts', 'Plcs', 'Gateways', 'ResolverNodes', 'PlatformServices', 'OrgNetworks']);
    });
  });
});

describe('StaticPlaceholderSource', () => {
  describe('values', () => {
    it('adds values for every org to the org values', () => {
      const s = new StaticPlaceholderSource({ Admins: { '*': ['root'], a: ['alice'] } });
      expect(s.values('Admins', 'a')).to.deep.equal(['root', 'alice']);
      expect(s.values('Admins', 'b')).to.deep.equal(['root']);
      expect(s.values('Admins', undefined)).to.deep.equal(['root']);
    });
  });
});
