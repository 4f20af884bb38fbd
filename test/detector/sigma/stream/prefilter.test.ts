import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import type { EcsEvent } from '../../../../core/event.js';
import { loadDefaultMapping } from '../../../../detector/sigma/mapping/index.js';
import type { DetectionRule } from '../../../../detector/sigma/model.js';
import { parseRuleText } from '../../../../detector/sigma/parse.js';
import { StreamMatcher } from '../../../../detector/sigma/stream/index.js';
import { BucketPrefilter, ruleNeed } from '../../../../detector/sigma/stream/prefilter.js';
import type { Atom, Need } from '../../../../detector/sigma/stream/prefilter.js';
import { corpusPath, repoRoot } from '../../../helpers/paths.js';
import { Rng, generateEvents, testPlaceholders } from '../../../helpers/sigma-events.js';
import { rule, sel } from './rules.js';

const mapping = loadDefaultMapping();

function need(detection: string, logsource = '{ product: ics }'): Need {
  const r = rule(detection, logsource);
  return ruleNeed(r, mapping.resolve(r.logsource));
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name) && !name.endsWith('.tests.yml')) out.push(path);
  }
  return out;
}

const eq = (field: string, text: string): Atom => ({ field, kind: 'equals', text });
const has = (field: string, text: string): Atom => ({ field, kind: 'contains', text });
const num = (field: string, value: number): Atom => ({ field, kind: 'number', value });
const present = (field: string): Atom => ({ field, kind: 'present' });

describe('ruleNeed', () => {
  it('takes exact values as lower-cased equality atoms and wildcards as their longest literal', () => {
    expect(need(sel("user.name: ['Admin', 'ROOT']"))).to.deep.equal([[eq('user.name', 'admin'), eq('user.name', 'root')]]);
    expect(need(sel("url.original: '/api/*/Execute?cmd=*'"))).to.deep.equal([[has('url.original', '/execute')]]);
    expect(need(sel("url.original|contains: 'cmd.exe'"))).to.deep.equal([[has('url.original', 'cmd.exe')]]);
  });

  it('takes numbers as numeric equality and exists: true as presence', () => {
    expect(need(sel('destination.port: [502, 102]'))).to.deep.equal([[num('destination.port', 502), num('destination.port', 102)]]);
    expect(need(sel('user.name|exists: true'))).to.deep.equal([[present('user.name')]]);
  });

  it('keeps a clause per item of a map and per value of an all item, most selective first', () => {
    expect(need(sel("url.original|contains: '/a'", "user.name: 'svc'"))).to.deep.equal([[eq('user.name', 'svc')], [has('url.original', '/a')]]);
    expect(need(sel("url.original|contains|all: ['/a', 'shell.php']"))).to.deep.equal([[has('url.original', 'shell.php')], [has('url.original', '/a')]]);
  });

  it('keeps the clauses of both sides of and, at most three, each once', () => {
    const both = `  a:\n    http.request.method: GET\n  b:\n    url.original|contains: ['union select', 'sleep(']\n  condition: a and b`;
    expect(need(both)).to.deep.equal([[eq('http.request.method', 'get')], [has('url.original', 'union select'), has('url.original', 'sleep(')]]);
    const many = sel("user.name: 'a'", "url.original|contains: 'bcd'", "user.domain: 'c'", "process.name: 'd'", 'destination.port: 1');
    const clauses = need(many)!;
    expect(clauses).to.have.length(3);
    expect(clauses.every((c) => c[0].kind === 'equals' || c[0].kind === 'number')).to.equal(true);
    expect(need(`  a:\n    user.name: 'x'\n  b:\n    user.name: 'x'\n  condition: a and b`)).to.deep.equal([[eq('user.name', 'x')]]);
  });

  it('unites the best clause of each side of or, of and list-of-maps, and knows none when one part has none', () => {
    const either = `  a:\n    user.name: 'x'\n    url.original|contains: 'zz'\n  b:\n    url.original|contains: 'evil'\n  condition: 1 of them`;
    expect(need(either)).to.deep.equal([[eq('user.name', 'x'), has('url.original', 'evil')]]);
    const withRegex = `  a:\n    user.name: 'x'\n  b:\n    url.original|re: 'e.il'\n  condition: a or b`;
    expect(need(withRegex)).to.equal(null);
  });

  it('knows no need for not, neq, regex, cidr, null and exists: false', () => {
    expect(need(`  a:\n    user.name: 'x'\n  condition: not a`)).to.equal(null);
    expect(need(sel("user.name|neq: 'x'"))).to.equal(null);
    expect(need(sel("source.ip|cidr: '10.0.0.0/8'"))).to.equal(null);
    expect(need(sel('user.name: null'))).to.equal(null);
    expect(need(sel('user.name|exists: false'))).to.equal(null);
    expect(need(sel("user.name: '*'"))).to.equal(null);
    // An unknown part of an AND leaves the known part.
    expect(need(sel("user.name|re: 'x+'", "process.name: 'y'"))).to.deep.equal([[eq('process.name', 'y')]]);
  });

  it('searches keyword values as contained literals in every keyword field', () => {
    const r = rule(`  kw:\n    - 'Mimikatz'\n  condition: kw`);
    const fields = mapping.resolve(r.logsource).keywordFields;
    expect(ruleNeed(r, mapping.resolve(r.logsource))).to.deep.equal([fields.map((field) => has(field, 'mimikatz'))]);
  });

  it('uses a literal that is not ASCII only where the value test itself compares lower-cased text', () => {
    expect(need(sel("user.name|contains: 'Straße'"))).to.deep.equal([[has('user.name', 'straße')]]);
    expect(need(sel("user.name|contains|cased: 'ΑΣ'"))).to.equal(null);
    // With `?` the test is a RegExp on the original text: only ASCII literals.
    expect(need(sel("user.name: 'Σ?'"))).to.equal(null);
    expect(need(sel("user.name: 'Σ?x'"))).to.deep.equal([[has('user.name', 'x')]]);
    // A cased exact value: equal texts lower-case alike.
    expect(need(sel("user.name|cased: 'ΑΣ'"))).to.deep.equal([[eq('user.name', 'ας')]]);
  });
});

describe('BucketPrefilter', () => {
  describe('mark and admits', () => {
    const pf = new BucketPrefilter([
      [[eq('user.name', 'root')]],
      [[has('url.original', 'exec')]],
      [[num('destination.port', 502)]],
      [[eq('flag', 'true')]],
      null,
      [[present('process.name')]],
      // Both clauses must hold; the second is shared with rule 0.
      [[eq('http.request.method', 'get')], [eq('user.name', 'root')]],
    ]);
    const admitted = (event: unknown): number[] => {
      const epoch = pf.mark(event);
      return [0, 1, 2, 3, 4, 5, 6].filter((i) => pf.admits(i, epoch));
    };

    it('admits rules an element of the field satisfies, booleans by their text, and those without a need', () => {
      expect(admitted({ user: { name: 'ROOT' }, url: { original: '/x/EXEC?a' } })).to.deep.equal([0, 1, 4]);
      expect(admitted({ user: { name: ['guest', 'Root'] }, flag: true })).to.deep.equal([0, 3, 4]);
      expect(admitted({})).to.deep.equal([4]);
    });

    it('compares numbers as the number test does: 502, "502" and "0502" alike, not "502a"', () => {
      expect(admitted({ destination: { port: 502 } })).to.deep.equal([2, 4]);
      expect(admitted({ 'destination.port': '502' })).to.deep.equal([2, 4]);
      expect(admitted({ destination: { port: '0502' } })).to.deep.equal([2, 4]);
      expect(admitted({ destination: { port: '502a' } })).to.deep.equal([4]);
    });

    it('admits on presence whatever the value, but not on null', () => {
      expect(admitted({ process: { name: '' } })).to.deep.equal([4, 5]);
      expect(admitted({ process: { name: [] } })).to.deep.equal([4, 5]);
      expect(admitted({ process: { name: null } })).to.deep.equal([4]);
    });

    it('admits a rule of two clauses only when both hold', () => {
      expect(admitted({ http: { request: { method: 'GET' } } })).to.deep.equal([4]);
      expect(admitted({ http: { request: { method: 'GET' } }, user: { name: 'root' } })).to.deep.equal([0, 4, 6]);
    });
  });
});

describe('StreamMatcher prefilter', () => {
  it('never drops a hit: the same (rule, event) hits with and without it over rules/ and all of SigmaHQ', function () {
    this.timeout(180_000);
    const placeholders = testPlaceholders;
    const files = [...yamlFiles(join(repoRoot, 'rules')), ...yamlFiles(corpusPath('sigmahq', 'rules'))];
    const rules: DetectionRule[] = [];
    for (const file of files) rules.push(...parseRuleText(readFileSync(file, 'utf8'), relative(repoRoot, file), { placeholders }).rules);
    const options = { rules, mapping, placeholders, unrouted: 'every-event' } as const;
    const filtered = new StreamMatcher(options);
    const plain = new StreamMatcher({ ...options, prefilter: false });

    // Events built to match each rule and to just miss it (./sigma-events.ts), for every rule.
    const rng = new Rng(7_130);
    const events: EcsEvent[] = [];
    for (const c of filtered.compiled) events.push(...generateEvents(c.rule, c.logsource, { rng, orgs: ['org-a', 'org-b'], placeholders, maxEvents: 8 }));

    const hits = (matcher: StreamMatcher): string[] => {
      const out: string[] = [];
      events.forEach((event, i) => matcher.match(event, (r) => out.push(`${r.id ?? r.title} ${i}`)));
      return out;
    };
    const withPrefilter = hits(filtered);
    const without = hits(plain);
    expect(filtered.stats().skipped, 'the prefilter skips rules').to.be.greaterThan(filtered.stats().evaluations);
    expect(plain.stats().skipped).to.equal(0);
    expect(withPrefilter.length, 'the events make many rules fire').to.be.greaterThan(rules.length);
    expect(withPrefilter).to.deep.equal(without);
  });
});
