import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DetectionRule } from '../../../../detector/sigma/model.js';
import { StaticPlaceholderSource } from '../../../../detector/sigma/placeholders.js';
import { StreamMatcher } from '../../../../detector/sigma/stream/index.js';
import { repoRoot } from '../../../helpers/paths.js';
import { parseAll, rule, ruleYaml, sel } from './rules.js';

/** A rule of `logsource` that matches every event it is routed to. */
function catchAll(logsource: string, head = ''): DetectionRule {
  return rule(sel("'@timestamp|exists': true"), logsource, head);
}

function titles(matcher: StreamMatcher, event: unknown): string[] {
  const hits: string[] = [];
  matcher.match(event, (r) => hits.push(r.title));
  return hits;
}

const iptables = { '@timestamp': '2026-11-25T06:00:01.003Z', event: { dataset: 'iptables', module: 'iptables', action: 'drop', category: ['network'] }, source: { ip: '203.0.113.7' }, destination: { ip: '10.1.1.20', port: 502 } };
const modbus = { '@timestamp': '2026-11-25T06:00:01.003Z', event: { dataset: 'zeek.modbus_detailed', module: 'zeek', category: ['network'] }, ics: { protocol: 'modbus', is_write: true } };

/** Parsed events of every golden parser fixture. */
function fixtureEvents(): { format: string; event: Record<string, unknown> }[] {
  const dir = join(repoRoot, 'test', 'collector', 'parsers', 'fixtures');
  const out: { format: string; event: Record<string, unknown> }[] = [];
  for (const format of readdirSync(dir)) {
    for (const file of readdirSync(join(dir, format)).filter((f) => f.endsWith('.ecs.json'))) {
      const outcomes = JSON.parse(readFileSync(join(dir, format, file), 'utf8')) as { kind: string; event?: Record<string, unknown> }[];
      for (const o of outcomes) if (o.kind === 'event' && o.event) out.push({ format, event: o.event });
    }
  }
  return out;
}

describe('StreamMatcher', () => {
  describe('match', () => {
    it('reports each matching rule once with the event', () => {
      const r = rule(sel('dst_port: 502'), '{ category: firewall }');
      const matcher = new StreamMatcher({ rules: [r] });
      const seen: [DetectionRule, unknown][] = [];
      expect(matcher.match(iptables, (hit, event) => seen.push([hit, event]))).to.equal(1);
      expect(seen).to.deep.equal([[r, iptables]]);
      expect(matcher.match({ ...iptables, destination: { port: 80 } }, () => expect.fail('no hit expected'))).to.equal(0);
    });

    it('routes an event only to rules of its logsources', () => {
      const windows = Array.from({ length: 1000 }, () => catchAll('{ product: windows, category: process_creation }'));
      const firewall = [catchAll('{ category: firewall }'), catchAll('{ category: firewall }')];
      const ics = catchAll('{ product: ics, service: modbus }');
      const matcher = new StreamMatcher({ rules: [...windows, ...firewall, ics] });
      expect(titles(matcher, iptables)).to.deep.equal(firewall.map((r) => r.title));
      expect(matcher.stats().evaluations).to.equal(2);
      expect(titles(matcher, modbus)).to.deep.equal([ics.title]);
      expect(matcher.stats()).to.include({ events: 2, evaluations: 3, hits: 3, rules: 1003, active: 1003, logsources: 3 });
    });

    it('counts the rules routing reaches for an event without evaluating any', () => {
      const windows = Array.from({ length: 50 }, () => catchAll('{ product: windows, category: process_creation }'));
      const firewall = [catchAll('{ category: firewall }'), catchAll('{ category: firewall }'), rule(sel('dst_port: 80'), '{ category: firewall }')];
      const matcher = new StreamMatcher({ rules: [...windows, ...firewall, catchAll('{ product: ics, service: modbus }')] });
      expect(matcher.routedRules(iptables), 'before prefilters: the port-80 rule too').to.equal(3);
      expect(matcher.routedRules(modbus)).to.equal(1);
      expect(matcher.routedRules({ message: 'no logsource of ours' })).to.equal(0);
      expect(matcher.stats()).to.include({ events: 0, evaluations: 0, hits: 0 });
    });

    it('tests a rule once when the event reaches its logsource by several routes', () => {
      // iptables events are firewall events both by dataset and (here) by observer.type.
      const fw = catchAll('{ category: firewall }');
      const auth = catchAll('{ category: authentication }');
      const matcher = new StreamMatcher({ rules: [fw, auth] });
      const event = { ...iptables, observer: { type: 'firewall' }, event: { ...iptables.event, category: ['authentication', 'network', 'authentication'] } };
      expect(titles(matcher, event)).to.have.members([fw.title, auth.title]);
      expect(matcher.stats().evaluations).to.equal(2);
    });

    it('requires every clause when several mapping entries route a logsource', () => {
      // Linux process creation: the generic process_creation route AND the linux product route.
      const linuxProcess = catchAll('{ product: linux, category: process_creation }');
      const matcher = new StreamMatcher({ rules: [linuxProcess] });
      const start = { category: ['process'], type: ['start'] };
      expect(titles(matcher, { '@timestamp': 't', event: start, host: { os: { type: 'linux' } } })).to.deep.equal([linuxProcess.title]);
      expect(titles(matcher, { '@timestamp': 't', event: start, host: { os: { type: 'macos' } } })).to.deep.equal([]);
      expect(titles(matcher, { '@timestamp': 't', event: { category: ['process'], type: ['end'] }, host: { os: { type: 'linux' } } })).to.deep.equal([]);
      expect(matcher.stats().evaluations).to.equal(1);
    });

    it('routes every parser fixture to the logsources its format belongs to', () => {
      const logsources: Record<string, string> = {
        firewall: '{ category: firewall }',
        webserver: '{ category: webserver }',
        proxy: '{ category: proxy }',
        dns: '{ category: dns }',
        authentication: '{ category: authentication }',
        ics: '{ product: ics }',
        modbus: '{ product: ics, service: modbus }',
        s7comm: '{ product: ics, service: s7comm }',
        opcua: '{ product: ics, service: opcua }',
        dnp3: '{ product: ics, service: dnp3 }',
        idres: '{ product: idres }',
        'idres/handle': '{ product: idres, service: handle }',
        'idres/resolver': '{ product: idres, service: resolver }',
        'idres/dns': '{ product: idres, service: dns }',
        platform: '{ product: platform }',
        'platform/audit': '{ product: platform, service: audit }',
        'platform/access': '{ product: platform, service: access }',
        network: '{ category: network }',
      };
      const rules = Object.entries(logsources).map(([name, ls]) => rule(sel("'@timestamp|exists': true"), ls, `name: ${name.replace('/', '_')}\n`));
      const matcher = new StreamMatcher({ rules });
      const expected: Record<string, string[]> = {
        iptables: ['firewall', 'network'],
        cef: ['firewall', 'network'],
        'access-combined': ['webserver', 'proxy', 'platform', 'platform_access'],
        'bind-query': ['dns', 'idres', 'idres_dns', 'network'],
        'handle-access': ['idres', 'idres_handle', 'network'],
        'resolver-json': ['idres', 'idres_resolver', 'network'],
        'zeek-modbus': ['ics', 'modbus', 'network'],
        'zeek-s7comm': ['ics', 's7comm', 'network'],
        'zeek-dnp3': ['ics', 'dnp3', 'network'],
        'zeek-opcua': ['ics', 'opcua', 'network'],
      };
      const events = fixtureEvents();
      expect(events.length).to.be.greaterThan(20);
      for (const { format, event } of events) {
        const names: string[] = [];
        matcher.match(event, (r) => names.push(r.name ?? ''));
        const want = expected[format];
        if (want) expect(names, `${format}: ${JSON.stringify(event.event)}`).to.have.members(want);
        if (format === 'app-audit') expect(names).to.include.members(['platform', 'platform_audit']);
        if (format === 'opcua-audit') expect(names).to.include.members(['ics', 'opcua']);
        if (format === 'app-audit' || format === 'opcua-audit') {
          const category = (event.event as { category: string[] }).category;
          expect(names.includes('authentication'), JSON.stringify(category)).to.equal(category.includes('authentication'));
        }
      }
    });

    it('is not re-entrant', () => {
      const matcher = new StreamMatcher({ rules: [catchAll('{ category: firewall }')] });
      expect(() => matcher.match(iptables, () => matcher.match(iptables, () => undefined))).to.throw(/re-entrant/);
      // The failed nested call leaves the matcher usable.
      expect(matcher.match(iptables, () => undefined)).to.equal(1);
    });
  });

  describe('field cache', () => {
    // Routing, prefilters and rules read each field once per event; these pin down when that cache must not be used.
    const port = (n: number): DetectionRule => rule(sel(`dst_port: ${n}`), '{ category: firewall }');

    it('reads the event afresh after a hit callback changes it', () => {
      // Comparisons have no prefilter need (which is chosen before any rule runs): both rules run, the second on the changed value.
      const atLeast = (n: number): DetectionRule => rule(sel(`dst_port|gte: ${n}`), '{ category: firewall }');
      const [r502, r503] = [atLeast(502), atLeast(503)];
      const matcher = new StreamMatcher({ rules: [r502, r503] });
      const event = structuredClone(iptables);
      const hits: string[] = [];
      matcher.match(event, (r) => {
        hits.push(r.title);
        event.destination.port = 503;
      });
      expect(hits).to.deep.equal([r502.title, r503.title]);
    });

    it('keeps the values of its own event when a hit callback matches another event with another matcher', () => {
      const first = port(502);
      const second = rule(sel("src_ip|cidr: '203.0.113.0/24'", 'dst_port: 502'), '{ category: firewall }');
      const outer = new StreamMatcher({ rules: [first, second] });
      const inner = new StreamMatcher({ rules: [port(80)] });
      const other = { ...iptables, source: { ip: '2001:db8::1' }, destination: { ip: '10.1.1.21', port: 80 } };
      const hits: string[] = [];
      outer.match(iptables, (r) => {
        hits.push(r.title);
        expect(inner.match(other, () => undefined)).to.equal(1);
      });
      expect(hits).to.deep.equal([first.title, second.title]);
    });

    it('is not used when a compiled rule is tested outside a match', () => {
      const matcher = new StreamMatcher({ rules: [port(502)] });
      const event = structuredClone(iptables);
      expect(matcher.match(event, () => undefined)).to.equal(1);
      event.destination.port = 80;
      expect(matcher.compiled[0].test(event)).to.equal(false);
      event.destination.port = 502;
      expect(matcher.compiled[0].test(event)).to.equal(true);
    });
  });

  describe('constructor', () => {
    it('leaves out rules whose logsource has no route, and lists them', () => {
      const aws = catchAll('{ product: aws, service: cloudtrail }');
      const fw = catchAll('{ category: firewall }');
      const matcher = new StreamMatcher({ rules: [aws, fw] });
      expect(matcher.unroutedRules).to.deep.equal([aws]);
      expect(matcher.stats()).to.include({ rules: 2, active: 1, unrouted: 1 });
      expect(titles(matcher, { '@timestamp': 't', eventName: 'ConsoleLogin' })).to.deep.equal([]);
    });

    it('tests unrouted rules on every event when told to', () => {
      const aws = catchAll('{ product: aws, service: cloudtrail }');
      const matcher = new StreamMatcher({ rules: [aws], unrouted: 'every-event' });
      expect(titles(matcher, { '@timestamp': 't' })).to.deep.equal([aws.title]);
      expect(titles(matcher, iptables)).to.deep.equal([aws.title]);
    });

    it('collects rules that cannot compile as problems and runs the rest', () => {
      const hosts = new StaticPlaceholderSource({ EngineeringHosts: {} });
      const [needsHosts] = parseAll(ruleYaml("  sel:\n    source.ip|expand: '%EngineeringHosts%'\n  condition: sel"), hosts).rules;
      const fw = catchAll('{ category: firewall }');
      const matcher = new StreamMatcher({ rules: [needsHosts, fw] });
      expect(matcher.problems).to.have.length(1);
      expect(matcher.problems[0]).to.include({ severity: 'unsupported', rule: needsHosts.id, feature: 'modifier expand with placeholder %EngineeringHosts%' });
      expect(matcher.stats()).to.include({ failed: 1, active: 1 });
      expect(titles(matcher, iptables)).to.deep.equal([fw.title]);
    });
  });

  describe('filters', () => {
    const text = (ruleId: string, logsource = '{ category: firewall }', rules = `\n    - ${ruleId}`): string => `title: site tuning
logsource: ${logsource}
filter:
  rules:${rules}
  selection:
    src_ip|cidr: 10.0.0.0/8
  condition: selection
`;

    it('exclude the events the filter selects from the rules it names', () => {
      const named = catchAll('{ category: firewall }');
      const other = catchAll('{ category: firewall }');
      const { filters } = parseAll(text(named.id ?? ''));
      const matcher = new StreamMatcher({ rules: [named, other], filters });
      expect(titles(matcher, iptables)).to.deep.equal([named.title, other.title]);
      expect(titles(matcher, { ...iptables, source: { ip: '10.9.9.9' } })).to.deep.equal([other.title]);
    });

    it('name rules by name as well as by id', () => {
      const named = catchAll('{ category: firewall }', 'name: modbus_from_outside\n');
      const { filters } = parseAll(text('modbus_from_outside'));
      const matcher = new StreamMatcher({ rules: [named], filters });
      expect(titles(matcher, { ...iptables, source: { ip: '10.9.9.9' } })).to.deep.equal([]);
    });

    it('apply to every rule of the logsource when the filter names none', () => {
      const a = catchAll('{ category: firewall }');
      const b = catchAll('{ product: ics }');
      const { filters } = parseAll(text('', '{ category: firewall }', ' []'));
      const matcher = new StreamMatcher({ rules: [a, b], filters });
      const inside = { ...iptables, ics: { protocol: 'modbus' }, source: { ip: '10.9.9.9' } };
      expect(titles(matcher, inside)).to.deep.equal([b.title]);
    });

    it('never apply to a rule of another logsource, even when named', () => {
      const ics = catchAll('{ product: ics }');
      const { filters } = parseAll(text(ics.id ?? ''));
      const matcher = new StreamMatcher({ rules: [ics], filters });
      expect(titles(matcher, { ...modbus, source: { ip: '10.9.9.9' } })).to.deep.equal([ics.title]);
    });

    it('map the filter fields for the rule logsource', () => {
      // `src_ip` is a firewall taxonomy name: source.ip.
      const r = catchAll('{ category: firewall }');
      const { filters } = parseAll(text(r.id ?? ''));
      const matcher = new StreamMatcher({ rules: [r], filters });
      expect(titles(matcher, { ...iptables, src_ip: '10.9.9.9' })).to.deep.equal([r.title]);
      expect(titles(matcher, { ...iptables, source: { ip: '10.9.9.9' } })).to.deep.equal([]);
    });
  });

  describe('placeholders', () => {
    it("never let one org's allow-list whitelist another org's events", () => {
      const hosts = new StaticPlaceholderSource({ EngineeringHosts: { 'org-a': ['10.1.2.50', '2001:db8:1:2::50'], 'org-b': ['10.2.2.50'] } });
      const [r] = parseAll(ruleYaml("  write:\n    ics.is_write: true\n  engineering:\n    source.ip|expand: '%EngineeringHosts%'\n  condition: write and not engineering", '{ product: ics, service: modbus }'), hosts).rules;
      const matcher = new StreamMatcher({ rules: [r], placeholders: hosts });
      const from = (org: string, ip: string) => ({ ...modbus, org: { id: org }, source: { ip } });
      expect(titles(matcher, from('org-a', '10.1.2.50'))).to.deep.equal([]);
      expect(titles(matcher, from('org-a', '2001:db8:1:2::50'))).to.deep.equal([]);
      expect(titles(matcher, from('org-b', '10.1.2.50'))).to.deep.equal([r.title]);
      expect(titles(matcher, from('org-b', '10.2.2.50'))).to.deep.equal([]);
      expect(titles(matcher, from('org-a', '10.2.2.50'))).to.deep.equal([r.title]);
    });
  });

  describe('stats', () => {
    it('counts and resets', () => {
      const matcher = new StreamMatcher({ rules: [catchAll('{ category: firewall }')] });
      matcher.match(iptables, () => undefined);
      matcher.match(modbus, () => undefined);
      expect(matcher.stats()).to.include({ events: 2, evaluations: 1, hits: 1 });
      expect(matcher.stats().indexFields).to.include('event.dataset');
      matcher.resetStats();
      expect(matcher.stats()).to.include({ events: 0, evaluations: 0, hits: 0 });
    });
  });
});
