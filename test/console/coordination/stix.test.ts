/**
 * Advisories as STIX 2.1 bundles: the export carries what STIX requires of
 * each object, the patterns MISP and OpenCTI read, and the same ids every
 * time; an export imports back to the same advisory; a hand-written bundle
 * in the style those tools produce yields exactly the values iisa can
 * detect, and every indicator it cannot use is named with the reason.
 */
import { expect } from 'chai';
import { AdvisorySchema, type Advisory } from '../../../core/federation/messages.js';
import { CoordinationError } from '../../../console/coordination/context.js';
import { advisoryRules } from '../../../console/coordination/indicators.js';
import { advisoryToStix, stixString, stixToAdvisoryInput, type StixIndicator, type StixReport } from '../../../console/coordination/stix.js';
import { parseRuleText } from '../../../detector/sigma/parse.js';

const SIGMA = `title: S7 PLC Stop From Advisory
id: 6f1c0d3e-8a57-4b8e-9b2a-3c4d5e6f7a8b
status: experimental
logsource:
    product: ics
    service: s7
detection:
    selection:
        ics.function: PLC_STOP
    condition: selection
level: high
`;

const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function advisory(overrides: Partial<Advisory> = {}): Advisory {
  return AdvisorySchema.parse({
    id: '0190f2a4-7c1e-7d2a-9b3c-4d5e6f708192',
    issuer: 'cn-national',
    issuerNode: 'national-1',
    title: 'Botnet scanning Modbus gateways',
    grade: 'II',
    text: 'Hosts below scan TCP/502 and push firmware; block and hunt.',
    targets: { industries: ['automotive'], categories: ['industrial'], grades: [2, 3], provinces: ['JS'], orgs: ['js-jinling-motor'] },
    indicators: {
      ips: ['198.51.100.7', '203.0.113.0/24', '2001:db8::7', '2001:db8:bad::/48'],
      identifiers: ['88.101.5/PUMP-0042', '88.101.5/*'],
      domains: ['update.evil.example'],
      hashes: [MD5, SHA256],
      sigma: [SIGMA],
    },
    // An offset on purpose: STIX timestamps must come out in UTC.
    issuedAt: '2026-03-01T18:30:00+08:00',
    ...overrides,
  });
}

const indicatorsOf = (objects: readonly { type: string }[]) => objects.filter((o): o is StixIndicator => o.type === 'indicator');
const reportOf = (objects: readonly { type: string }[]) => objects.find((o): o is StixReport => o.type === 'report')!;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const STIX_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('stix', () => {
  describe('advisoryToStix', () => {
    it('gives every object the STIX 2.1 common properties, with RFC 4122 ids unique in the bundle', () => {
      const bundle = advisoryToStix(advisory(), 'National Center');
      expect(bundle.type).to.equal('bundle');
      expect(bundle.id).to.match(new RegExp(`^bundle--${UUID}$`));
      expect(bundle.objects.map((o) => o.type)).to.deep.equal(['identity', 'report', ...new Array<string>(10).fill('indicator')]);
      for (const object of bundle.objects) {
        expect(object.spec_version, object.id).to.equal('2.1');
        expect(object.id, object.type).to.match(new RegExp(`^${object.type}--${UUID}$`));
        expect(object.created, object.id).to.match(STIX_TIME);
        expect(object.modified, object.id).to.equal(object.created);
      }
      const uuids = [bundle.id, ...bundle.objects.map((o) => o.id)].map((id) => id.split('--')[1]);
      expect(new Set(uuids).size).to.equal(uuids.length);
    });

    it('writes the report with the advisory, its grade, targets and id, pointing at every indicator', () => {
      const a = advisory();
      const bundle = advisoryToStix(a, 'National Center');
      const identity = bundle.objects[0];
      const report = reportOf(bundle.objects);
      expect(identity).to.include({ type: 'identity', name: 'National Center', identity_class: 'organization' });
      expect(report).to.include({
        name: a.title, description: a.text, published: '2026-03-01T10:30:00.000Z', created: '2026-03-01T10:30:00.000Z',
        created_by_ref: identity.id, x_iisa_advisory_id: a.id, x_iisa_grade: 'II',
      });
      expect(report.report_types).to.deep.equal(['threat-report']);
      expect(report.x_iisa_targets).to.deep.equal(a.targets);
      expect(report.object_refs).to.deep.equal(indicatorsOf(bundle.objects).map((i) => i.id));
      expect(advisoryToStix(a).objects[0]).to.include({ name: 'cn-national' });
    });

    it('writes one indicator per value, with STIX patterns for values and the rule text for Sigma', () => {
      const indicators = indicatorsOf(advisoryToStix(advisory()).objects);
      expect(indicators.map((i) => [i.pattern_type, i.pattern])).to.deep.equal([
        ['stix', "[ipv4-addr:value = '198.51.100.7']"],
        ['stix', "[ipv4-addr:value = '203.0.113.0/24']"],
        ['stix', "[ipv6-addr:value = '2001:db8::7']"],
        ['stix', "[ipv6-addr:value = '2001:db8:bad::/48']"],
        ['stix', "[x-iisa-identifier:value = '88.101.5/PUMP-0042']"],
        ['stix', "[x-iisa-identifier:value = '88.101.5/*']"],
        ['stix', "[domain-name:value = 'update.evil.example']"],
        ['stix', `[file:hashes.MD5 = '${MD5}']`],
        ['stix', `[file:hashes.'SHA-256' = '${SHA256}']`],
        ['sigma', SIGMA],
      ]);
      expect(indicators.map((i) => i.name)).to.deep.equal([
        'IP address 198.51.100.7', 'IP range 203.0.113.0/24', 'IP address 2001:db8::7', 'IP range 2001:db8:bad::/48',
        'Industrial identifier 88.101.5/PUMP-0042', 'Industrial identifier prefix 88.101.5/*', 'Domain update.evil.example',
        `MD5 ${MD5}`, `SHA-256 ${SHA256}`, 'Sigma rule: S7 PLC Stop From Advisory',
      ]);
      for (const i of indicators) {
        expect(i.valid_from, i.id).to.equal('2026-03-01T10:30:00.000Z');
        expect(i.indicator_types, i.id).to.deep.equal(['malicious-activity']);
        expect(i.created_by_ref, i.id).to.equal(advisoryToStix(advisory()).objects[0].id);
      }
    });

    it('writes IPs in canonical form, SHA-1 and SHA-512 under their quoted STIX names', () => {
      const sha1 = 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709';
      const sha512 = 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';
      const bundle = advisoryToStix(advisory({ indicators: { ips: ['2001:DB8:0:0:0:0:0:1/128'], identifiers: [], domains: ['Mixed.Example.'], hashes: [sha1, sha512], sigma: [] } }));
      expect(indicatorsOf(bundle.objects).map((i) => i.pattern)).to.deep.equal([
        "[ipv6-addr:value = '2001:db8::1/128']",
        "[domain-name:value = 'mixed.example']",
        `[file:hashes.'SHA-1' = '${sha1.toLowerCase()}']`,
        `[file:hashes.'SHA-512' = '${sha512}']`,
      ]);
    });

    it('gives the same bundle every time, and other ids for another advisory', () => {
      const first = advisoryToStix(advisory(), 'National Center');
      const second = advisoryToStix(advisory(), 'National Center');
      expect(JSON.stringify(second)).to.equal(JSON.stringify(first));
      const other = advisoryToStix(advisory({ id: '0190f2a4-7c1e-7d2a-9b3c-000000000000' }), 'National Center');
      const ids = new Set(first.objects.map((o) => o.id));
      // The issuer's identity is shared (same author); nothing else is.
      expect(other.objects.filter((o) => ids.has(o.id)).map((o) => o.type)).to.deep.equal(['identity']);
      expect(other.id).to.not.equal(first.id);
    });

    it('refers the report to its issuer when the advisory has no indicators (object_refs must not be empty)', () => {
      const bundle = advisoryToStix(advisory({ indicators: { ips: [], identifiers: [], domains: [], hashes: [], sigma: [] } }));
      expect(reportOf(bundle.objects).object_refs).to.deep.equal([bundle.objects[0].id]);
    });

    it('escapes backslashes and quotes in pattern strings', () => {
      expect(stixString("it's")).to.equal("'it\\'s'");
      expect(stixString('a\\b')).to.equal("'a\\\\b'");
      const bundle = advisoryToStix(advisory({ indicators: { ips: [], identifiers: ["88.101.5/O'BRIEN\\X"], domains: [], hashes: [], sigma: [] } }));
      expect(indicatorsOf(bundle.objects)[0].pattern).to.equal("[x-iisa-identifier:value = '88.101.5/O\\'BRIEN\\\\X']");
    });
  });

  describe('stixToAdvisoryInput', () => {
    const NOW = new Date('2026-06-01T00:00:00Z');

    it('reads an exported advisory back to the same title, text, grade, targets and indicators', () => {
      const a = advisory();
      const { input, skipped } = stixToAdvisoryInput(advisoryToStix(a), {}, NOW);
      expect(skipped).to.deep.equal([]);
      expect(input).to.deep.equal({ title: a.title, text: a.text, grade: a.grade, targets: a.targets, indicators: a.indicators });
    });

    it('reads quotes and backslashes in values back as they were written', () => {
      const identifiers = ["88.101.5/O'BRIEN", '88.101.5/C:\\PLC\\', "88.101.5/\\'both\\'", "'"];
      const { input, skipped } = stixToAdvisoryInput(advisoryToStix(advisory({ indicators: { ips: [], identifiers, domains: [], hashes: [], sigma: [] } })), {}, NOW);
      expect(skipped).to.deep.equal([]);
      expect(input.indicators.identifiers).to.deep.equal(identifiers);
    });

    it('reads a MISP/OpenCTI-style bundle: the values iisa detects, each other indicator skipped with its reason', () => {
      const { input, skipped } = stixToAdvisoryInput(mispBundle(), { targets: { provinces: ['JS'] } }, NOW);
      expect(input.title).to.equal('OP MODBUS HARVEST: infrastructure and payloads');
      expect(input.text).to.equal('Campaign against automotive suppliers; see indicators.');
      expect(input.grade).to.equal('III');
      expect(input.targets).to.deep.equal({ industries: [], categories: [], grades: [], provinces: ['JS'], orgs: [] });
      expect(input.indicators).to.deep.equal({
        ips: ['198.51.100.7', '203.0.113.0/24', '2001:db8:bad::/48', '2001:db8::9'],
        identifiers: ['88.101.5/*'],
        domains: ['update.evil.example'],
        hashes: [MD5, 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
        sigma: [SIGMA],
      });
      const reasons = skipped.map((s) => `${s.id} :: ${s.reason}`);
      const expected: [string, RegExp][] = [
        ['indicator--4b2d4c7e-1d0c-4f3e-9a51-7b1c2d3e4f05', /^AND between comparisons asks for all of them on one object/],
        ['indicator--4b2d4c7e-1d0c-4f3e-9a51-7b1c2d3e4f06', /^qualifier WITHIN 300 SECONDS makes it a condition over time/],
        ['indicator--4b2d4c7e-1d0c-4f3e-9a51-7b1c2d3e4f07', /^expired: valid_until 2025-12-31T23:59:59\.000Z has passed$/],
        ['indicator--4b2d4c7e-1d0c-4f3e-9a51-7b1c2d3e4f08', /^ipv4-addr:value: "300\.1\.2\.3" is not an IPv4 address or CIDR range$/],
        ['indicator--4b2d4c7e-1d0c-4f3e-9a51-7b1c2d3e4f09', /^revoked$/],
        ['indicator--4b2d4c7e-1d0c-4f3e-9a51-7b1c2d3e4f0a', /^pattern_type "snort": iisa imports stix and sigma patterns only$/],
        ['indicator--4b2d4c7e-1d0c-4f3e-9a51-7b1c2d3e4f0b', /^url:value is not something iisa detects/],
        ['indicator--4b2d4c7e-1d0c-4f3e-9a51-7b1c2d3e4f0c', /^file:hashes\.'SHA-256': "abc123" is not a hex SHA-256 digest \(64 hex digits\)$/],
        ['ipv4-addr--0d6b2a41-9a3f-5f21-8c71-2e5e2c0f1a10', /^a bare observable, not an indicator/],
      ];
      expect(skipped.map((s) => s.id), reasons.join('\n')).to.deep.equal(expected.map(([id]) => id));
      skipped.forEach((s, i) => expect(s.reason, s.id).to.match(expected[i][1]));
      // What comes out is an advisory AdvisoryBook.issue accepts: its schema, and detections that load.
      const issued = AdvisorySchema.parse({ ...input, id: 'imported-1', issuer: 'cn-national', issuerNode: 'national-1', issuedAt: NOW.toISOString() });
      for (const rule of advisoryRules(issued)) {
        expect(parseRuleText(rule.text, rule.name).problems.filter((p) => p.severity === 'error'), rule.name).to.deep.equal([]);
      }
    });

    it('takes the grade from x_iisa_grade, else the caller, else III', () => {
      const withGrade = mispBundle();
      (withGrade.objects[2] as Record<string, unknown>).x_iisa_grade = 'I';
      expect(stixToAdvisoryInput(withGrade, { grade: 'IV' }, NOW).input.grade).to.equal('I');
      expect(stixToAdvisoryInput(mispBundle(), { grade: 'IV' }, NOW).input.grade).to.equal('IV');
      expect(stixToAdvisoryInput(mispBundle(), {}, NOW).input.grade).to.equal('III');
      const badGrade = mispBundle();
      (badGrade.objects[2] as Record<string, unknown>).x_iisa_grade = 'V';
      const result = stixToAdvisoryInput(badGrade, { grade: 'II' }, NOW);
      expect(result.input.grade).to.equal('II');
      expect(result.skipped.map((s) => s.reason)).to.include('x_iisa_grade "V" is not a grade I..IV; the default grade is used');
    });

    it('titles a bundle without a report by its first indicator, else generically', () => {
      const noReport = { type: 'bundle', id: 'bundle--5d0c3a6e-2f1b-4c8d-9e7f-0a1b2c3d4e5f', objects: [
        { type: 'indicator', spec_version: '2.1', id: 'indicator--1', created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z',
          name: 'C2 address', pattern: "[ipv4-addr:value = '192.0.2.1']", pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z' },
      ] };
      const named = stixToAdvisoryInput(noReport, {}, NOW).input;
      expect(named.title).to.equal('C2 address');
      expect(named.text).to.equal('Imported from STIX bundle bundle--5d0c3a6e-2f1b-4c8d-9e7f-0a1b2c3d4e5f.');
      const unnamed = { ...noReport, objects: [{ ...noReport.objects[0], name: undefined }] };
      expect(stixToAdvisoryInput(unnamed, {}, NOW).input.title).to.equal('Imported STIX bundle');
    });

    it('reads plain OR patterns and skips every other construction, never guessing', () => {
      const cases: [string, Partial<Record<'ips' | 'domains' | 'hashes' | 'identifiers', string[]>> | RegExp][] = [
        ["[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2']", { ips: ['192.0.2.1', '192.0.2.2'] }],
        ["([ipv4-addr:value = '192.0.2.1'] OR [ipv6-addr:value = '2001:DB8::1'])", { ips: ['192.0.2.1', '2001:db8::1'] }],
        ["[ipv4-addr:value ISSUBSET '10.0.0.0/8'] OR [ipv6-addr:value ISSUBSET 'fd00::/8']", { ips: ['10.0.0.0/8', 'fd00::/8'] }],
        ["[domain-name:value = 'and.or.example' OR (domain-name:value = 'followedby.example')]", { domains: ['and.or.example', 'followedby.example'] }],
        ["[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E'] OR [file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']", { hashes: [MD5, 'da39a3ee5e6b4b0d3255bfef95601890afd80709'] }],
        ["[x-iisa-identifier:value = '88.101.5/PUMP-0042']", { identifiers: ['88.101.5/PUMP-0042'] }],
        ["[ipv4-addr:value = '192.0.2.1'] AND [ipv4-addr:value = '192.0.2.2']", /^AND between observations/],
        ["[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.2']", /^FOLLOWEDBY asks for a sequence/],
        ["[ipv4-addr:value = '192.0.2.1'] REPEATS 5 TIMES", /^qualifier REPEATS 5 TIMES/],
        ["[ipv4-addr:value = '192.0.2.1'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'", /^qualifier START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'/],
        ["[ipv4-addr:value != '192.0.2.1']", /^operator != on ipv4-addr:value: only =/],
        ["[ipv4-addr:value NOT = '192.0.2.1']", /^operator NOT = on ipv4-addr:value: only =/],
        ["[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]", /^operator IN on ipv4-addr:value: only =/],
        ["[domain-name:value ISSUBSET 'evil.example']", /^operator ISSUBSET on domain-name:value: only =/],
        ["[domain-name:value LIKE '%.evil.example']", /^operator LIKE on domain-name:value: only =/],
        ["[ipv4-addr:value = '2001:db8::1']", /is not an IPv4 address or CIDR range$/],
        ["[ipv6-addr:value = '2001:db8::/129']", /is not an IPv6 address or CIDR range$/],
        ["[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']", /^file:hashes\.SSDEEP: iisa detects MD5, SHA-1, SHA-256 and SHA-512 hashes only$/],
        ["[domain-name:value = 'not a domain']", /is not a domain name$/],
        ["[ipv4-addr:value = h'c0000201']", /needs a plain string value$/],
        ["[ipv4-addr:value = '192.0.2.1'", /^pattern does not parse: expected "\]", found end of pattern$/],
        ["[ipv4-addr:value = 'unterminated]", /^pattern does not parse: unterminated string literal$/],
        ["[ipv4-addr:value = 'a\\x']", /^pattern does not parse: invalid escape/],
        ['ipv4-addr:value = 1', /^pattern does not parse: expected "\[" or "\("/],
      ];
      for (const [pattern, want] of cases) {
        const bundle = { type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects: [
          { type: 'indicator', id: 'indicator--00000000-0000-4000-8000-000000000001', pattern, pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z' },
        ] };
        const { input, skipped } = stixToAdvisoryInput(bundle, {}, NOW);
        if (want instanceof RegExp) {
          expect(skipped.map((s) => s.reason), pattern).to.have.length(1);
          expect(skipped[0].reason, pattern).to.match(want);
          expect(Object.values(input.indicators).flat(), pattern).to.deep.equal([]);
        } else {
          expect(skipped, pattern).to.deep.equal([]);
          expect(input.indicators, pattern).to.deep.equal({ ips: [], identifiers: [], domains: [], hashes: [], sigma: [], ...want });
        }
      }
    });

    it('refuses what is not a bundle, saying what is wrong', () => {
      const refusal = (value: unknown): CoordinationError => {
        try {
          stixToAdvisoryInput(value, {}, NOW);
        } catch (err) {
          expect(err).to.be.instanceOf(CoordinationError);
          return err as CoordinationError;
        }
        throw new Error('expected a refusal');
      };
      const report = refusal({ type: 'report', id: 'report--1', objects: [] });
      expect(report.code).to.equal('invalid');
      expect(report.message).to.match(/^not a STIX bundle: /).and.match(/→ at type/).and.include('"bundle"');
      expect(refusal({ type: 'bundle', id: 'bundle--1', objects: 'none' }).message).to.match(/→ at objects/);
      expect(refusal({ type: 'bundle', id: 'bundle--1', objects: [{ type: 'indicator' }] }).message).to.match(/→ at objects\[0\]\.id/);
      expect(refusal('[ipv4-addr:value = \'192.0.2.1\']').message).to.match(/expected object/);
    });
  });
});

/**
 * A bundle as MISP and OpenCTI export one: the author identity, a TLP
 * marking, a report listing the indicators (and an observable), tool
 * custom properties, indicators with OR patterns, one with AND, one with a
 * WITHIN qualifier, one expired, one revoked, one with a bad IP, one in
 * another pattern language, one on an object iisa does not detect, a
 * duplicate value and a Sigma rule.
 */
function mispBundle(): { type: string; id: string; objects: object[] } {
  const common = (id: string) => ({
    spec_version: '2.1', id, created: '2026-02-10T08:00:00.000Z', modified: '2026-02-11T09:30:00.000Z',
    created_by_ref: 'identity--7a1f3c2e-5b4d-4e6f-8a9b-0c1d2e3f4a5b',
    object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'],
  });
  const indicator = (n: string, pattern: string, extra: object = {}) => ({
    type: 'indicator', ...common(`indicator--4b2d4c7e-1d0c-4f3e-9a51-7b1c2d3e4f${n}`),
    name: `Indicator ${n}`, pattern, pattern_type: 'stix', pattern_version: '2.1', valid_from: '2026-02-10T08:00:00Z',
    indicator_types: ['malicious-activity'], labels: ['misp:type="ip-dst"'], x_opencti_score: 80, ...extra,
  });
  const indicators = [
    indicator('01', "[ipv4-addr:value = '198.51.100.7' OR ipv4-addr:value = '203.0.113.0/24' OR ipv4-addr:value = '198.51.100.7']"),
    indicator('02', "[domain-name:value = 'Update.Evil.Example'] OR [file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"),
    indicator('03', "[ipv6-addr:value ISSUBSET '2001:db8:bad::/48'] OR [ipv6-addr:value = '2001:0db8:0000::9'] OR [ipv4-addr:value = '198.51.100.7']"),
    indicator('04', "[x-iisa-identifier:value = '88.101.5/*'] OR [file:hashes.'SHA-1' = 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709']"),
    indicator('05', "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' AND file:name = 'loader.exe']"),
    indicator('06', "([ipv4-addr:value = '192.0.2.10'] OR [domain-name:value = 'c2.example']) WITHIN 300 SECONDS"),
    indicator('07', "[ipv4-addr:value = '192.0.2.77']", { valid_until: '2025-12-31T23:59:59.000Z' }),
    indicator('08', "[ipv4-addr:value = '300.1.2.3']"),
    indicator('09', "[domain-name:value = 'revoked.example']", { revoked: true }),
    indicator('0a', 'alert tcp any any -> any 502 (msg:"modbus write"; sid:1000001;)', { pattern_type: 'snort' }),
    indicator('0b', "[url:value = 'http://update.evil.example/fw.bin']"),
    indicator('0c', "[file:hashes.'SHA-256' = 'abc123']"),
    { ...indicator('0d', SIGMA, { pattern_type: 'sigma', name: 'S7 stop' }), pattern_version: undefined },
  ];
  return {
    type: 'bundle',
    id: 'bundle--3c8e5d2a-6f1b-4a7c-9d0e-1f2a3b4c5d6e',
    objects: [
      { type: 'identity', spec_version: '2.1', id: 'identity--7a1f3c2e-5b4d-4e6f-8a9b-0c1d2e3f4a5b', created: '2026-01-01T00:00:00.000Z',
        modified: '2026-01-01T00:00:00.000Z', name: 'CERT Example', identity_class: 'organization' },
      { type: 'marking-definition', spec_version: '2.1', id: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
        created: '2017-01-20T00:00:00.000Z', definition_type: 'tlp', name: 'TLP:AMBER', definition: { tlp: 'amber' } },
      { type: 'report', ...common('report--9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b'), name: 'OP MODBUS HARVEST: infrastructure and payloads',
        description: 'Campaign against automotive suppliers; see indicators.', published: '2026-02-11T09:30:00.000Z',
        report_types: ['threat-report'], x_misp_event_uuid: 'b7c1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
        object_refs: [...indicators.map((i) => i.id), 'ipv4-addr--0d6b2a41-9a3f-5f21-8c71-2e5e2c0f1a10'] },
      ...indicators,
      { type: 'ipv4-addr', spec_version: '2.1', id: 'ipv4-addr--0d6b2a41-9a3f-5f21-8c71-2e5e2c0f1a10', value: '192.0.2.200' },
      { type: 'relationship', ...common('relationship--2f3e4d5c-6b7a-4c8d-9e0f-1a2b3c4d5e6f'), relationship_type: 'indicates',
        source_ref: indicators[0].id, target_ref: 'malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b' },
    ],
  };
}
