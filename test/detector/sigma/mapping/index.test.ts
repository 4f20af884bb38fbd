import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../../../core/config.js';
import { FieldMapping, defaultMappingPath, loadDefaultMapping } from '../../../../detector/sigma/mapping/index.js';
import { StreamMatcher } from '../../../../detector/sigma/stream/index.js';
import { rule, sel } from '../stream/rules.js';

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

    it('ANDs the routes of the applying entries, the most specific first', () => {
      const route = mapping.resolve({ product: 'linux', category: 'process_creation' }).route;
      expect(route).to.deep.equal([
        [[{ field: 'event.category', values: ['process'] }, { field: 'event.type', values: ['start'] }]],
        [[{ field: 'host.os.type', values: ['linux'] }]],
      ]);
    });

    it('lets a more specific entry replace the routes it refines, as pySigma\'s sysmon pipeline does', () => {
      expect(mapping.resolve({ product: 'windows', category: 'process_creation' }).route).to.deep.equal([[
        [{ field: 'event.code', values: ['1'] }, { field: 'winlog.channel', values: ['Microsoft-Windows-Sysmon/Operational'] }],
        [{ field: 'event.code', values: ['4688'] }, { field: 'winlog.channel', values: ['Security'] }],
      ]]);
      // Winlogbeat files Sysmon 7 under event.category process, not library: the generic image_load route must not apply.
      expect(mapping.resolve({ product: 'windows', category: 'image_load' }).route).to.deep.equal([[
        [{ field: 'event.code', values: ['7'] }, { field: 'winlog.channel', values: ['Microsoft-Windows-Sysmon/Operational'] }],
      ]]);
      expect(mapping.resolve({ product: 'ics', service: 'modbus' }).route).to.deep.equal([[[{ field: 'ics.protocol', values: ['modbus'] }]]]);
      expect(mapping.resolve({ product: 'windows', service: 'windefend' }).route).to.deep.equal([[[{ field: 'winlog.channel', values: ['Microsoft-Windows-Windows Defender/Operational'] }]]]);
    });

    it('routes each Sysmon category by its event IDs', () => {
      const codes = (category: string): readonly string[] | undefined => {
        const route = mapping.resolve({ product: 'windows', category }).route;
        expect(route?.[0]?.[0]?.[1]).to.deep.equal({ field: 'winlog.channel', values: ['Microsoft-Windows-Sysmon/Operational'] }, category);
        return route?.[0]?.[0]?.[0]?.values;
      };
      const expected: Record<string, string[]> = {
        file_change: ['2'], network_connection: ['3'], sysmon_status: ['4', '16'], process_termination: ['5'], driver_load: ['6'],
        create_remote_thread: ['8'], raw_access_thread: ['9'], process_access: ['10'], file_event: ['11'],
        registry_add: ['12'], registry_delete: ['12'], registry_set: ['13'], registry_rename: ['14'], registry_event: ['12', '13', '14'],
        create_stream_hash: ['15'], pipe_created: ['17', '18'], wmi_event: ['19', '20', '21'], dns_query: ['22'], file_delete: ['23', '26'],
        clipboard_capture: ['24'], process_tampering: ['25'], file_delete_detected: ['26'], file_block_executable: ['27'],
        file_block_shredding: ['28'], file_executable_detected: ['29'], sysmon_error: ['255'],
      };
      expect(Object.fromEntries(Object.keys(expected).map((c) => [c, codes(c)]))).to.deep.equal(expected);
    });

    it('leaves a rule unrouted when a category or service it states has no route, instead of using its product\'s', () => {
      expect(mapping.resolve({ product: 'windows' }).route).to.deep.equal([[[{ field: 'host.os.type', values: ['windows'] }]]]);
      expect(mapping.resolve({ product: 'windows', category: 'no_such_category' }).route).to.equal(null);
      expect(mapping.resolve({ product: 'windows', category: 'file_access' }).route).to.equal(null);
      expect(mapping.resolve({ product: 'linux', service: 'vsftpd' }).route).to.equal(null);
      expect(mapping.resolve({ product: 'zeek', service: 'ntlm' }).route).to.equal(null);
      expect(mapping.resolve({ category: 'network', service: 'smtp' }).route).to.equal(null);
      // Entries without a route still map field names of an unrouted logsource.
      expect(mapping.resolve({ product: 'windows', category: 'file_access' }).fieldsFor('Image')).to.deep.equal(['process.executable']);
    });

    it('applies the rule to entries with a route only: a field-only entry covers nothing', () => {
      const data = {
        version: 1, keywordFields: ['message'],
        logsources: [
          { match: { product: 'p' }, route: [{ 'host.os.type': 'p' }] },
          { match: { product: 'p', category: 'c' }, fields: { A: 'a.b' } },
        ],
      };
      const resolved = FieldMapping.fromData(data).resolve({ product: 'p', category: 'c' });
      expect(resolved.route).to.equal(null);
      expect(resolved.fieldsFor('A')).to.deep.equal(['a.b']);
      expect(FieldMapping.fromData(data).resolve({ product: 'p' }).route).to.deep.equal([[[{ field: 'host.os.type', values: ['p'] }]]]);
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

  describe('rules routed through the mapping (stream matcher)', () => {
    /** A Winlogbeat-shaped Windows event: channel, event ID as text, ECS categorisation as its sysmon module sets it. */
    function winlog(channel: string, code: string, category: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
      return {
        '@timestamp': '2026-11-25T06:00:01.003Z',
        host: { name: 'ws-01', os: { type: 'windows' } },
        event: { code, category: [category], type: [type], module: channel === 'Security' ? 'security' : 'sysmon' },
        winlog: { channel, event_id: code },
        ...extra,
      };
    }
    const processCreation = winlog('Microsoft-Windows-Sysmon/Operational', '1', 'process', 'start', { process: { executable: 'C:\\Windows\\System32\\cmd.exe' }, file: { path: 'C:\\Windows\\System32\\drivers\\evil.sys' } });
    const driverLoad = winlog('Microsoft-Windows-Sysmon/Operational', '6', 'driver', 'start', { file: { path: 'C:\\Windows\\System32\\drivers\\evil.sys' } });
    const security4688 = winlog('Security', '4688', 'process', 'start', { process: { executable: 'C:\\Windows\\System32\\cmd.exe' } });

    function hits(matcher: StreamMatcher, event: unknown): string[] {
      const out: string[] = [];
      matcher.match(event, (r) => out.push(r.title));
      return out;
    }

    it('runs a driver_load rule on Sysmon event 6 only, not on every Windows event', () => {
      const driver = rule(sel("ImageLoaded|endswith: '\\evil.sys'"), '{ product: windows, category: driver_load }');
      const matcher = new StreamMatcher({ rules: [driver] });
      expect(hits(matcher, driverLoad)).to.deep.equal([driver.title]);
      // Before, the product route alone sent it this process-creation event, whose file.path matches too.
      expect(hits(matcher, processCreation)).to.deep.equal([]);
      expect(hits(matcher, { ...driverLoad, winlog: { channel: 'System', event_id: '6' } })).to.deep.equal([]);
    });

    it('runs a Windows process_creation rule on Sysmon event 1 and Security event 4688', () => {
      const cmd = rule(sel("Image|endswith: '\\cmd.exe'"), '{ product: windows, category: process_creation }');
      const matcher = new StreamMatcher({ rules: [cmd] });
      expect(hits(matcher, processCreation)).to.deep.equal([cmd.title]);
      expect(hits(matcher, security4688)).to.deep.equal([cmd.title]);
      expect(hits(matcher, { ...processCreation, event: { code: 1, category: ['process'], type: ['start'] } })).to.deep.equal([cmd.title]);
      expect(hits(matcher, winlog('Security', '4624', 'authentication', 'start', { process: { executable: 'C:\\Windows\\System32\\cmd.exe' } }))).to.deep.equal([]);
    });

    it('leaves a Windows rule of an unknown category unrouted and lists it', () => {
      // host.name has a dot, so the Windows unmappedPrefix leaves it alone: both rules match any event of ours.
      const unknown = rule(sel('host.name|exists: true'), '{ product: windows, category: no_such_category }');
      const windows = rule(sel('host.name|exists: true'), '{ product: windows }');
      const matcher = new StreamMatcher({ rules: [unknown, windows] });
      expect(matcher.unroutedRules).to.deep.equal([unknown]);
      expect(matcher.stats()).to.include({ rules: 2, active: 1, unrouted: 1 });
      expect(hits(matcher, processCreation)).to.deep.equal([windows.title]);
    });

    it('runs a Linux auditd rule on auditd events only', () => {
      const auditd = rule(sel("'@timestamp|exists': true"), '{ product: linux, service: auditd }');
      const matcher = new StreamMatcher({ rules: [auditd] });
      const linux = { '@timestamp': '2026-11-25T06:00:01.003Z', host: { os: { type: 'linux' } }, event: { category: ['process'], type: ['start'] }, process: { executable: '/usr/bin/id' } };
      expect(hits(matcher, { ...linux, event: { ...linux.event, module: 'auditd' } })).to.deep.equal([auditd.title]);
      expect(hits(matcher, { ...linux, event: { ...linux.event, module: 'auditd', dataset: 'auditd.log' } })).to.deep.equal([auditd.title]);
      expect(hits(matcher, { ...linux, event: { ...linux.event, dataset: 'auditd.log' } })).to.deep.equal([auditd.title]);
      expect(hits(matcher, linux)).to.deep.equal([]);
      expect(hits(matcher, { ...linux, event: { ...linux.event, module: 'system', dataset: 'system.syslog' } })).to.deep.equal([]);
    });
  });
});
