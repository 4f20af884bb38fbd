import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../../../core/config.js';
import { FieldMapping, defaultMappingPath, loadDefaultMapping } from '../../../../detector/sigma/mapping/index.js';

function shipped(): Record<string, unknown> {
  return parseYaml(readFileSync(defaultMappingPath(), 'utf8')) as Record<string, unknown>;
}

describe('FieldMapping', () => {
  describe('load', () => {
    it('loads and validates the shipped ecs.yaml', () => {
      const mapping = loadDefaultMapping();
      expect(mapping.file.keywordFields).to.deep.equal(['message', 'event.original']);
      expect(mapping.file.logsources.length).to.be.greaterThan(20);
    });
  });

  describe('fromData', () => {
    it('rejects unknown keys and malformed routes, naming each', () => {
      const data = shipped();
      const logsources = data.logsources as Record<string, unknown>[];
      logsources[0] = { ...logsources[0], routes: [] };
      logsources[1] = { ...logsources[1], route: [{}] };
      try {
        FieldMapping.fromData(data, 'ecs.yaml');
        expect.fail('accepted');
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        const problems = (err as ConfigError).problems.join('\n');
        expect(problems).to.match(/logsources\[0\]: unknown key "routes"/);
        expect(problems).to.match(/logsources\[1\]\.route\[0\]/);
      }
    });

    it('rejects an entry that matches no attribute', () => {
      expect(() => FieldMapping.fromData({ version: 1, keywordFields: ['message'], logsources: [{ match: {} }] })).to.throw(ConfigError, /at least one of product, category, service/);
    });
  });

  describe('resolve', () => {
    const mapping = loadDefaultMapping();

    it('routes firewall events by dataset or observer type and maps the taxonomy names', () => {
      const fw = mapping.resolve({ category: 'firewall' });
      expect(fw.route).to.deep.equal([[
        [{ field: 'event.dataset', values: ['iptables', 'cef'] }],
        [{ field: 'observer.type', values: ['firewall'] }],
      ]]);
      expect(fw.fieldsFor('src_ip')).to.deep.equal(['source.ip']);
      expect(fw.fieldsFor('dst_port')).to.deep.equal(['destination.port']);
      expect(fw.fieldsFor('source.ip')).to.deep.equal(['source.ip']);
      expect(fw.fieldsFor('SomethingElse')).to.deep.equal(['SomethingElse']);
    });

    it('maps webserver, proxy and dns names to ECS', () => {
      const web = mapping.resolve({ category: 'webserver' });
      expect(['c-ip', 'cs-method', 'cs-uri-query', 'sc-status', 'cs-user-agent'].map((n) => web.fieldsFor(n)))
        .to.deep.equal([['source.ip'], ['http.request.method'], ['url.query'], ['http.response.status_code'], ['user_agent.original']]);
      expect(mapping.resolve({ category: 'proxy' }).fieldsFor('cs-host')).to.deep.equal(['url.domain', 'destination.domain']);
      const dns = mapping.resolve({ category: 'dns' });
      expect(['query', 'answer', 'record_type'].map((n) => dns.fieldsFor(n))).to.deep.equal([['dns.question.name'], ['dns.answers.name'], ['dns.question.type']]);
    });

    it('lets the more specific entry win and prefixes unmapped Windows names', () => {
      const pc = mapping.resolve({ product: 'windows', category: 'process_creation' });
      expect(pc.fieldsFor('Image')).to.deep.equal(['process.executable']);
      expect(pc.fieldsFor('OriginalFileName')).to.deep.equal(['process.pe.original_file_name']);
      expect(pc.fieldsFor('IntegrityLevel')).to.deep.equal(['winlog.event_data.IntegrityLevel']);
      expect(pc.fieldsFor('process.name')).to.deep.equal(['process.name']);
      const il = mapping.resolve({ product: 'windows', category: 'image_load' });
      expect(il.fieldsFor('OriginalFileName')).to.deep.equal(['file.pe.original_file_name']);
      const linux = mapping.resolve({ product: 'linux', category: 'process_creation' });
      expect(linux.fieldsFor('CommandLine')).to.deep.equal(['process.command_line']);
      expect(linux.fieldsFor('IntegrityLevel')).to.deep.equal(['IntegrityLevel']);
    });

    it('ANDs the routes of every applying entry, the most specific first', () => {
      const route = mapping.resolve({ product: 'windows', category: 'process_creation' }).route;
      expect(route).to.deep.equal([
        [[{ field: 'event.category', values: ['process'] }, { field: 'event.type', values: ['start'] }]],
        [[{ field: 'host.os.type', values: ['windows'] }]],
      ]);
      const ics = mapping.resolve({ product: 'ics', service: 'modbus' }).route;
      expect(ics?.[0]).to.deep.equal([[{ field: 'ics.protocol', values: ['modbus'] }]]);
    });

    it('matches logsource values case-insensitively', () => {
      expect(mapping.resolve({ category: 'Firewall' }).fieldsFor('src_ip')).to.deep.equal(['source.ip']);
    });

    it('leaves a logsource none of our events belong to without a route', () => {
      expect(mapping.resolve({ product: 'aws', service: 'cloudtrail' }).route).to.equal(null);
      expect(mapping.resolve({}).route).to.equal(null);
    });

    it('returns the same resolution for the same logsource', () => {
      expect(mapping.resolve({ category: 'dns' })).to.equal(mapping.resolve({ category: 'DNS' }));
    });
  });
});
