import { expect } from 'chai';
import { loadDefaultMapping } from '../../../../detector/sigma/mapping/index.js';
import type { DetectionRule } from '../../../../detector/sigma/model.js';
import { RuleCompileError, compileRule } from '../../../../detector/sigma/stream/index.js';
import { StaticPlaceholderSource } from '../../../../detector/sigma/placeholders.js';
import { ipv4Number } from '../../../../detector/sigma/stream/values.js';
import { Cidr } from '../../../../core/ip.js';
import { parseAll, predicate, rule, ruleYaml, sel } from './rules.js';

/** Which of `events` the predicate accepts, by index. */
function accepted(p: (e: unknown) => boolean, events: readonly unknown[]): number[] {
  return events.flatMap((e, i) => (p(e) ? [i] : []));
}

describe('compileRule', () => {
  describe('pattern values', () => {
    it('match the whole field value, case-insensitively', () => {
      const p = predicate(sel('ics.function: Write_Single_Register'));
      expect(accepted(p, [
        { ics: { function: 'WRITE_SINGLE_REGISTER' } },
        { ics: { function: 'write_single_register' } },
        { ics: { function: 'WRITE_SINGLE_REGISTERS' } },
        { ics: { function: 'x WRITE_SINGLE_REGISTER' } },
        { ics: {} },
        {},
      ])).to.deep.equal([0, 1]);
    });

    it('match case-sensitively with cased', () => {
      const p = predicate(sel('ics.function|cased: PLC Stop'));
      expect(accepted(p, [{ ics: { function: 'PLC Stop' } }, { ics: { function: 'plc stop' } }])).to.deep.equal([0]);
    });

    it('apply cased to wildcard patterns too', () => {
      const p = predicate(sel("ics.function|cased|startswith: 'PLC'"));
      expect(accepted(p, [{ ics: { function: 'PLC Stop' } }, { ics: { function: 'plc stop' } }])).to.deep.equal([0]);
    });

    it('treat * as any run and ? as one character', () => {
      const star = predicate(sel("url.path: '/api/*/devices/*'"));
      expect(accepted(star, [
        { url: { path: '/api/v1/devices/register' } },
        { url: { path: '/API/V2/DEVICES/' } },
        { url: { path: '/api/v1/users/x' } },
        { url: { path: 'x/api/v1/devices/register' } },
      ])).to.deep.equal([0, 1]);
      const one = predicate(sel("idres.prefix: '88.10?.5'"));
      expect(accepted(one, [
        { idres: { prefix: '88.101.5' } },
        { idres: { prefix: '88.10X.5' } },
        { idres: { prefix: '88.10.5' } },
        { idres: { prefix: '88.1011.5' } },
      ])).to.deep.equal([0, 1]);
    });

    it('lower-case each new field value, alternating events included', () => {
      const p = predicate(sel("message|contains: 'abc'"));
      const q = predicate(sel("message|cased|contains: 'ABC'"));
      const a = { message: 'xxABCxx' };
      const b = { message: 'xxabdxx' };
      expect([p(a), q(a), p(b), q(b), p(a), q(a)]).to.deep.equal([true, true, false, false, true, true]);
    });

    it('match wildcards across newlines', () => {
      const p = predicate(sel("message: 'a*b'"));
      expect(p({ message: 'a\nb' })).to.equal(true);
    });

    it('keep escaped wildcards literal', () => {
      const p = predicate(sel("message: 'price\\*2'"));
      expect(accepted(p, [{ message: 'price*2' }, { message: 'pricex2' }, { message: 'price*22' }])).to.deep.equal([0]);
    });

    it('handle several * segments in order', () => {
      const p = predicate(sel("message: 'a*b*c'"));
      expect(accepted(p, [{ message: 'abc' }, { message: 'axxbyyc' }, { message: 'acb' }, { message: 'abcx' }, { message: 'ab' }])).to.deep.equal([0, 1]);
      const overlap = predicate(sel("message: 'ab*ba'"));
      expect(accepted(overlap, [{ message: 'aba' }, { message: 'abba' }, { message: 'ab-ba' }])).to.deep.equal([1, 2]);
    });

    it('match a lone * on any present value, including the empty string', () => {
      const p = predicate(sel("user.name: '*'"));
      expect(accepted(p, [{ user: { name: 'x' } }, { user: { name: '' } }, { user: {} }, { user: { name: null } }])).to.deep.equal([0, 1]);
    });

    it('match an empty string only on an empty string', () => {
      const p = predicate(sel("user.name: ''"));
      expect(accepted(p, [{ user: { name: '' } }, { user: { name: 'x' } }, { user: {} }])).to.deep.equal([0]);
    });

    it('implement contains, startswith and endswith', () => {
      const c = predicate(sel("message|contains: 'Stop'"));
      const s = predicate(sel("message|startswith: 'Stop'"));
      const e = predicate(sel("message|endswith: 'Stop'"));
      const events = [{ message: 'stop now' }, { message: 'now STOP' }, { message: 'do stop it' }, { message: 'sto p' }];
      expect(accepted(c, events)).to.deep.equal([0, 1, 2]);
      expect(accepted(s, events)).to.deep.equal([0]);
      expect(accepted(e, events)).to.deep.equal([1]);
    });

    it('OR many contains values (one automaton pass) mixed with exact and wildcard values, cased or not, over text and numbers', () => {
      const p = predicate(sel("message|contains: ['union select', 'Sleep(', '@@version', 'or 1=1', '502']"));
      const mixed = predicate(sel("message: ['*alpha*', '*beta*', '*gamma*', '*delta*', 'exact one', 'pre*post']"));
      const cased = predicate(sel("message|cased|contains: ['AAA', 'bbb', 'Ccc', 'dDD']"));
      expect(accepted(p, [
        { message: 'id=1 UNION SELECT x' }, { message: 'select union' }, { message: 'SLEEP(10)' }, { message: 502 },
        { message: ['nothing', 'x @@VERSION'] }, { message: 'or 1 = 1' }, { message: 15020 }, {},
      ])).to.deep.equal([0, 2, 3, 4, 6]);
      expect(accepted(mixed, [
        { message: 'xALPHAx' }, { message: 'Exact One' }, { message: 'exact one more' }, { message: 'pre-x-post' }, { message: 'gamm' }, { message: 'delta' },
      ])).to.deep.equal([0, 1, 3, 5]);
      expect(accepted(cased, [{ message: 'xAAAx' }, { message: 'aaa' }, { message: 'BBB' }, { message: 'dDD' }])).to.deep.equal([0, 3]);
    });

    it('require every value with contains|all, in any order', () => {
      const p = predicate(sel("process.command_line|contains|all: ['-enc', 'hidden']"));
      expect(accepted(p, [
        { process: { command_line: 'ps -WindowStyle Hidden -Enc AAA' } },
        { process: { command_line: 'ps -enc AAA' } },
        { process: { command_line: 'hidden' } },
      ])).to.deep.equal([0]);
    });

    it('OR a list of values', () => {
      const p = predicate(sel("ics.function: ['PLC Stop', 'PLC Control', '*download*']"));
      expect(accepted(p, [
        { ics: { function: 'plc stop' } },
        { ics: { function: 'PLC Control' } },
        { ics: { function: 'Request download' } },
        { ics: { function: 'Read SZL' } },
      ])).to.deep.equal([0, 1, 2]);
    });
  });

  describe('arrays', () => {
    it('match when any element matches', () => {
      const p = predicate(sel('event.category: authentication'));
      expect(accepted(p, [
        { event: { category: ['api', 'authentication'] } },
        { event: { category: ['api'] } },
        { event: { category: [] } },
      ])).to.deep.equal([0]);
    });

    it('with all, need each value to match some element', () => {
      const p = predicate(sel("event.type|all: ['change', 'admin']"));
      expect(accepted(p, [
        { event: { type: ['admin', 'change'] } },
        { event: { type: ['change'] } },
        { event: { type: 'change' } },
      ])).to.deep.equal([0]);
    });

    it('match IP arrays with cidr element by element', () => {
      const p = predicate(sel("related.ip|cidr: '2001:db8:10::/48'"));
      expect(accepted(p, [{ related: { ip: ['10.0.0.1', '2001:db8:10::5'] } }, { related: { ip: ['10.0.0.1'] } }])).to.deep.equal([0]);
    });
  });

  describe('numbers and strings', () => {
    it('equal a number value to a numeric field and to a string holding that number', () => {
      const p = predicate(sel('destination.port: 502'));
      expect(accepted(p, [
        { destination: { port: 502 } },
        { destination: { port: '502' } },
        { destination: { port: '502.0' } },
        { destination: { port: 5020 } },
        { destination: { port: '5020' } },
        { destination: { port: '0x1F6' } },
        { destination: { port: '' } },
        { destination: { port: ' 502' } },
      ])).to.deep.equal([0, 1, 2]);
    });

    it('compare a string value with the text form of a numeric field', () => {
      const exact = predicate(sel("destination.port: '502'"));
      expect(accepted(exact, [{ destination: { port: 502 } }, { destination: { port: '502' } }, { destination: { port: 5020 } }])).to.deep.equal([0, 1]);
      const wild = predicate(sel("destination.port: '50*'"));
      expect(accepted(wild, [{ destination: { port: 502 } }, { destination: { port: 5020 } }, { destination: { port: 102 } }])).to.deep.equal([0, 1]);
      const decimal = predicate(sel("event.duration: '1.5'"));
      expect(decimal({ event: { duration: 1.5 } })).to.equal(true);
    });

    it('compare boolean fields with boolean values and with their text', () => {
      const b = predicate(sel('ics.is_write: true'));
      expect(accepted(b, [{ ics: { is_write: true } }, { ics: { is_write: false } }, { ics: { is_write: 'TRUE' } }, { ics: {} }])).to.deep.equal([0, 2]);
      const text = predicate(sel("ics.is_write: 'true'"));
      expect(accepted(text, [{ ics: { is_write: true } }, { ics: { is_write: false } }])).to.deep.equal([0]);
    });

    it('compare with gt, gte, lt and lte, numeric strings included', () => {
      const gt = predicate(sel('ics.quantity|gt: 100'));
      const lte = predicate(sel('ics.quantity|lte: 100'));
      const events = [{ ics: { quantity: 101 } }, { ics: { quantity: 100 } }, { ics: { quantity: '250' } }, { ics: { quantity: 'many' } }, { ics: {} }];
      expect(accepted(gt, events)).to.deep.equal([0, 2]);
      expect(accepted(lte, events)).to.deep.equal([1]);
      const range = predicate(sel('ics.unit_id|gte: 1', 'ics.unit_id|lt: 10'));
      expect(accepted(range, [{ ics: { unit_id: 1 } }, { ics: { unit_id: 9 } }, { ics: { unit_id: 10 } }, { ics: { unit_id: 0 } }])).to.deep.equal([0, 1]);
    });
  });

  describe('null and exists', () => {
    it('match null on absent, null and empty values', () => {
      const p = predicate(sel('user.name: null'));
      expect(accepted(p, [{}, { user: {} }, { user: { name: null } }, { user: { name: '' } }, { user: { name: 'x' } }])).to.deep.equal([0, 1, 2, 3]);
    });

    it('test presence with exists', () => {
      const yes = predicate(sel('user.name|exists: true'));
      const no = predicate(sel('user.name|exists: false'));
      const events = [{ user: { name: 'x' } }, { user: { name: '' } }, { user: { name: null } }, {}];
      expect(accepted(yes, events)).to.deep.equal([0, 1]);
      expect(accepted(no, events)).to.deep.equal([2, 3]);
    });

    it('negate null with not', () => {
      const p = predicate('  sel:\n    user.name: null\n  condition: not sel');
      expect(accepted(p, [{ user: { name: 'x' } }, {}])).to.deep.equal([0]);
    });
  });

  describe('neq', () => {
    it('matches when the field matches none of the values, an absent field included', () => {
      const p = predicate(sel("ics.function|neq: ['read', 'write']"));
      expect(accepted(p, [{ ics: { function: 'READ' } }, { ics: { function: 'write' } }, { ics: { function: 'stop' } }, {}])).to.deep.equal([2, 3]);
    });

    it('negates numbers as numbers', () => {
      const p = predicate(sel('destination.port|neq: 502'));
      expect(accepted(p, [{ destination: { port: 502 } }, { destination: { port: '502' } }, { destination: { port: 503 } }])).to.deep.equal([2]);
    });
  });

  describe('regular expressions', () => {
    it('search unanchored and case-sensitively', () => {
      const p = predicate(sel("url.path|re: 'dev[0-9]+'"));
      expect(accepted(p, [{ url: { path: '/x/dev42/y' } }, { url: { path: '/x/DEV42' } }, { url: { path: '/dev' } }])).to.deep.equal([0]);
    });

    it('apply the i, m and s flags', () => {
      const i = predicate(sel("url.path|re|i: 'dev[0-9]+'"));
      expect(i({ url: { path: '/DEV42' } })).to.equal(true);
      const m = predicate(sel("message|re|m: '^two$'"));
      expect(accepted(m, [{ message: 'one\ntwo\nthree' }, { message: 'one two' }])).to.deep.equal([0]);
      const s = predicate(sel("message|re|s: 'one.two'"));
      const noS = predicate(sel("message|re: 'one.two'"));
      expect([s({ message: 'one\ntwo' }), noS({ message: 'one\ntwo' })]).to.deep.equal([true, false]);
    });

    it('test the text form of numbers', () => {
      const p = predicate(sel("destination.port|re: '^50[0-9]$'"));
      expect(accepted(p, [{ destination: { port: 502 } }, { destination: { port: 5020 } }])).to.deep.equal([0]);
    });
  });

  describe('cidr', () => {
    it('matches IPv4 and IPv6 blocks, never a non-IP', () => {
      const p = predicate(sel("source.ip|cidr: ['10.1.0.0/16', '2001:db8:1::/48']"));
      expect(accepted(p, [
        { source: { ip: '10.1.2.3' } },
        { source: { ip: '10.2.0.1' } },
        { source: { ip: '2001:db8:1:2::20' } },
        { source: { ip: '2001:db8:2::1' } },
        { source: { ip: 'gw-01' } },
        { source: { ip: 167838211 } },
        { source: {} },
      ])).to.deep.equal([0, 2]);
    });

    it('matches IPv4-mapped IPv6 addresses against IPv4 blocks', () => {
      const p = predicate(sel("source.ip|cidr: '10.1.0.0/16'"));
      expect(p({ source: { ip: '::ffff:10.1.2.3' } })).to.equal(true);
    });

    it('negated with not, excludes the block', () => {
      const p = predicate('  sel:\n    source.ip|cidr: 10.0.0.0/8\n  condition: not sel');
      expect(accepted(p, [{ source: { ip: '10.9.9.9' } }, { source: { ip: '203.0.113.7' } }])).to.deep.equal([1]);
    });
  });

  describe('fieldref', () => {
    it('compares two fields of the event', () => {
      const p = predicate(sel('source.ip|fieldref: destination.ip'));
      expect(accepted(p, [
        { source: { ip: '10.0.0.1' }, destination: { ip: '10.0.0.1' } },
        { source: { ip: '10.0.0.1' }, destination: { ip: '10.0.0.2' } },
        { source: { ip: '10.0.0.1' } },
      ])).to.deep.equal([0]);
    });

    it('relates with startswith and negates with neq', () => {
      const starts = predicate(sel('idres.identifier|fieldref|startswith: idres.prefix'));
      expect(accepted(starts, [{ idres: { identifier: '88.101.5/P', prefix: '88.101.5' } }, { idres: { identifier: '88.102/P', prefix: '88.101.5' } }])).to.deep.equal([0]);
      const differs = predicate(sel('source.port|neq|fieldref: destination.port'));
      expect(accepted(differs, [{ source: { port: 502 }, destination: { port: 502 } }, { source: { port: 40000 }, destination: { port: 502 } }])).to.deep.equal([1]);
    });

    it('compares text case-insensitively and numbers as numbers', () => {
      const p = predicate(sel('user.name|fieldref: labels.target_user'));
      expect(p({ user: { name: 'Alice' }, labels: { target_user: 'alice' } })).to.equal(true);
      const n = predicate(sel('source.port|fieldref: labels.port'));
      expect(accepted(n, [{ source: { port: 502 }, labels: { port: '502' } }, { source: { port: 502 }, labels: { port: 502 } }])).to.deep.equal([0, 1]);
    });
  });

  describe('time parts', () => {
    it('extracts UTC minute, hour, day, week, month and year from @timestamp', () => {
      const at = { '@timestamp': '2026-11-25T14:07:01.123Z' };
      const cases: [string, boolean][] = [
        ["'@timestamp|minute': 7", true],
        ["'@timestamp|hour': 14", true],
        ["'@timestamp|hour': 22", false],
        ["'@timestamp|day': 25", true],
        ["'@timestamp|week': 48", true],
        ["'@timestamp|month': 11", true],
        ["'@timestamp|year': 2026", true],
        ["'@timestamp|hour|gte': 8", true],
        ["'@timestamp|hour|lt': 8", false],
      ];
      for (const [item, want] of cases) expect(predicate(sel(item))(at), item).to.equal(want);
    });

    it('reads offsets as the UTC instant', () => {
      const p = predicate(sel("'@timestamp|hour': 6"));
      expect(p({ '@timestamp': '2026-11-25T14:00:00+08:00' })).to.equal(true);
    });

    it('computes ISO weeks across year ends and leap days', () => {
      const week = (n: number) => predicate(sel(`'@timestamp|week': ${n}`));
      expect(week(53)({ '@timestamp': '2021-01-01T00:00:00Z' })).to.equal(true);
      expect(week(1)({ '@timestamp': '2024-12-30T00:00:00Z' })).to.equal(true);
      const day = predicate(sel("'@timestamp|day': 29"));
      expect(day({ '@timestamp': '2024-02-29T23:59:59Z' })).to.equal(true);
    });

    it('never matches a field that is not a date', () => {
      const p = predicate(sel("'@timestamp|hour|gte': 0"));
      expect(accepted(p, [{ '@timestamp': 'yesterday' }, {}])).to.deep.equal([]);
    });
  });

  describe('keyword items', () => {
    it('match anywhere in message or event.original, case-insensitively', () => {
      const p = predicate("  keywords:\n    - 'cpu stop'\n    - 'FIRMWARE'\n  condition: keywords");
      expect(accepted(p, [
        { message: 'request CPU STOP by 10.0.0.5' },
        { event: { original: '... firmware upload ...' } },
        { labels: { note: 'cpu stop' } },
        { message: 'nothing here' },
      ])).to.deep.equal([0, 1]);
    });

    it('keep their own wildcards', () => {
      const p = predicate("  keywords:\n    - 'evil*thing'\n  condition: keywords");
      expect(accepted(p, [{ message: 'an evil little thing!' }, { message: 'a thing evil' }])).to.deep.equal([0]);
    });

    it('search numbers as text', () => {
      const p = predicate('  keywords:\n    - 4624\n  condition: keywords');
      expect(accepted(p, [{ message: 'event 4624 logon' }, { message: 'event 4625' }])).to.deep.equal([0]);
    });
  });

  describe('conditions', () => {
    const events = [
      { ics: { function: 'a' }, source: { ip: '10.0.0.1' } },
      { ics: { function: 'b' }, source: { ip: '10.0.0.1' } },
      { ics: { function: 'a' }, source: { ip: '10.0.0.2' } },
      { ics: { function: 'c' } },
    ];
    const ids = '  sel_a:\n    ics.function: a\n  sel_b:\n    ics.function: b\n  filter_ip:\n    source.ip: 10.0.0.1\n';

    it('combine with and, or, not and parentheses', () => {
      expect(accepted(predicate(`${ids}  condition: sel_a and filter_ip`), events)).to.deep.equal([0]);
      expect(accepted(predicate(`${ids}  condition: sel_a or sel_b`), events)).to.deep.equal([0, 1, 2]);
      expect(accepted(predicate(`${ids}  condition: (sel_a or sel_b) and not filter_ip`), events)).to.deep.equal([2]);
      expect(accepted(predicate(`${ids}  condition: sel_a or sel_b and not filter_ip`), events)).to.deep.equal([0, 2]);
    });

    it('resolve 1 of, all of and them', () => {
      expect(accepted(predicate(`${ids}  condition: 1 of sel_*`), events)).to.deep.equal([0, 1, 2]);
      expect(accepted(predicate(`${ids}  condition: all of sel_*`), events)).to.deep.equal([]);
      expect(accepted(predicate(`${ids}  condition: 1 of them`), events)).to.deep.equal([0, 1, 2]);
      expect(accepted(predicate(`${ids}  condition: all of them`), events)).to.deep.equal([]);
      expect(accepted(predicate(`${ids}  condition: 1 of sel_* and not 1 of filter_*`), events)).to.deep.equal([2]);
    });

    it('OR the maps of a list and AND the items of a map', () => {
      const p = predicate('  sel:\n    - ics.function: a\n      source.ip: 10.0.0.2\n    - ics.function: c\n  condition: sel');
      expect(accepted(p, events)).to.deep.equal([2, 3]);
    });

    it('accept a list of conditions as their OR', () => {
      const p = predicate(`${ids}  condition:\n    - sel_b\n    - sel_a and not filter_ip`);
      expect(accepted(p, events)).to.deep.equal([1, 2]);
    });
  });

  describe('field mapping', () => {
    it('reads Sigma taxonomy names from their ECS fields for the logsource', () => {
      const p = predicate(sel('dst_port: 502', "src_ip|cidr: '203.0.113.0/24'"), '{ category: firewall }');
      expect(accepted(p, [
        { source: { ip: '203.0.113.7' }, destination: { port: 502 } },
        { source: { ip: '10.0.0.7' }, destination: { port: 502 } },
        { src_ip: '203.0.113.7', dst_port: 502 },
      ])).to.deep.equal([0]);
    });

    it('matches a name mapped to several fields on any of them', () => {
      const p = predicate(sel("cs-host: 'evil.example'"), '{ category: proxy }');
      expect(accepted(p, [{ url: { domain: 'EVIL.example' } }, { destination: { domain: 'evil.example' } }, { url: { domain: 'good.example' } }])).to.deep.equal([0, 1]);
    });

    it('passes unmapped and ECS names through', () => {
      const p = predicate(sel("source.ip: '10.0.0.1'", 'custom_field: x'), '{ category: firewall }');
      expect(p({ source: { ip: '10.0.0.1' }, custom_field: 'X' })).to.equal(true);
    });

    it('reads flattened keys as getField does', () => {
      const p = predicate(sel("zeek.id.orig_h: '10.0.0.1'"));
      expect(p({ zeek: { 'id.orig_h': '10.0.0.1' } })).to.equal(true);
    });
  });

  describe('placeholders', () => {
    const hosts = new StaticPlaceholderSource({ EngineeringHosts: { 'org-a': ['10.1.2.50', '2001:db8:1:2::50'], 'org-b': ['10.2.2.50'] } });

    it('resolve values for the event org only', () => {
      const p = predicate('  sel:\n    ics.is_write: true\n  allowed:\n    source.ip|expand: \'%EngineeringHosts%\'\n  condition: sel and not allowed', undefined, hosts);
      expect(accepted(p, [
        { org: { id: 'org-a' }, ics: { is_write: true }, source: { ip: '10.1.2.50' } },
        { org: { id: 'org-a' }, ics: { is_write: true }, source: { ip: '2001:db8:1:2::50' } },
        { org: { id: 'org-b' }, ics: { is_write: true }, source: { ip: '10.1.2.50' } },
        { org: { id: 'org-b' }, ics: { is_write: true }, source: { ip: '10.2.2.50' } },
        { ics: { is_write: true }, source: { ip: '10.1.2.50' } },
      ])).to.deep.equal([2, 4]);
    });

    it('resolve as CIDR blocks with expand|cidr', () => {
      const nets = new StaticPlaceholderSource({ OrgNetworks: { 'org-a': ['10.1.0.0/16', '2001:db8:1::/48'] } });
      const p = predicate("  sel:\n    source.ip|expand|cidr: '%OrgNetworks%'\n  condition: sel", undefined, nets);
      expect(accepted(p, [
        { org: { id: 'org-a' }, source: { ip: '10.1.9.9' } },
        { org: { id: 'org-a' }, source: { ip: '2001:db8:1:ff::1' } },
        { org: { id: 'org-b' }, source: { ip: '10.1.9.9' } },
      ])).to.deep.equal([0, 1]);
    });

    it('keep a bounded number of orgs compiled and stay correct past the bound', () => {
      const many = new StaticPlaceholderSource({ Plcs: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`o${i}`, [`10.${i}.1.10`]])) });
      const [r] = parseAll(ruleYaml("  sel:\n    destination.ip|expand: '%Plcs%'\n  condition: sel"), many).rules;
      const test = compileRule(r, { mapping: loadDefaultMapping(), placeholders: many, placeholderCacheOrgs: 2 }).test;
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 10; i++) {
          expect(test({ org: { id: `o${i}` }, destination: { ip: `10.${i}.1.10` } })).to.equal(true);
          expect(test({ org: { id: `o${i}` }, destination: { ip: `10.${(i + 1) % 10}.1.10` } })).to.equal(false);
        }
      }
    });
  });

  describe('errors', () => {
    const base = rule(sel('message: x'));
    const withValue = (values: DetectionRule['identifiers'] extends ReadonlyMap<string, infer I> ? I : never): DetectionRule => ({ ...base, identifiers: new Map([['sel', values]]) });

    it('reject a regular expression JavaScript cannot compile', () => {
      const bad = withValue({ name: 'sel', groups: [[{ field: 'message', modifiers: ['re'], values: [{ kind: 'regex', source: '(?<open', flags: { i: false, m: false, s: false } }], all: false, cased: false, negated: false }]] });
      expect(() => compileRule(bad, { mapping: loadDefaultMapping() })).to.throw(RuleCompileError, /regular expression/);
    });

    it('report an unknown placeholder as unsupported with the feature', () => {
      const bad = withValue({ name: 'sel', groups: [[{ field: 'source.ip', modifiers: ['expand'], values: [{ kind: 'placeholder', name: 'Servers', as: 'pattern' }], all: false, cased: false, negated: false }]] });
      try {
        compileRule(bad, { mapping: loadDefaultMapping() });
        expect.fail('compiled');
      } catch (err) {
        expect(err).to.be.instanceOf(RuleCompileError);
        expect((err as RuleCompileError).feature).to.equal('modifier expand with placeholder %Servers%');
      }
    });

    it('reject a condition naming no identifier', () => {
      const bad: DetectionRule = { ...base, condition: { op: 'ref', name: 'missing' } };
      expect(() => compileRule(bad, { mapping: loadDefaultMapping() })).to.throw(RuleCompileError, /missing/);
    });
  });
});

describe('ipv4Number', () => {
  it('agrees with Cidr on every kind of value', () => {
    const blocks = ['10.0.0.0/8', '10.1.2.0/24', '0.0.0.0/0', '192.0.2.7', '192.0.2.7/32', '203.0.113.128/25', '2001:db8::/32', '::ffff:10.0.0.0/104'];
    const values = ['10.1.2.3', '10.255.255.255', '11.0.0.0', '0.0.0.0', '255.255.255.255', '192.0.2.7', '192.0.2.8', '203.0.113.127', '203.0.113.128',
      '203.0.113.255', '010.1.2.3', '10.1.2', '10.1.2.3.4', '10.1.2.256', '1..2.3', '::ffff:10.1.2.3', '2001:db8::1', 'gw-01', '', '10.1.2.3 '];
    for (let i = 0; i < 200; i++) values.push([0, 0, 0, 0].map(() => Math.floor(Math.random() * 256)).join('.'));
    for (const block of blocks) {
      const cidr = Cidr.parse(block);
      const p = predicate(sel(`source.ip|cidr: '${block}'`));
      for (const ip of values) expect(p({ source: { ip } }), `${ip} in ${block}`).to.equal(cidr.contains(ip));
    }
  });

  it('parses dotted quads only', () => {
    expect([ipv4Number('10.1.2.3'), ipv4Number('255.255.255.255'), ipv4Number('10.1.2'), ipv4Number('01.1.1.1'), ipv4Number('::1')])
      .to.deep.equal([0x0a010203, 0xffffffff, -1, -1, -1]);
  });
});
