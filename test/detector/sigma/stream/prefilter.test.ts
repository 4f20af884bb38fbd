import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import type { EcsEvent } from '../../../../core/event.js';
import { loadDefaultMapping } from '../../../../detector/sigma/mapping/index.js';
import type { DetectionRule } from '../../../../detector/sigma/model.js';
import { parseRuleText } from '../../../../detector/sigma/parse.js';
import { StreamMatcher } from '../../../../detector/sigma/stream/index.js';
import { BucketPrefilter, ruleNeed } from '../../../../detector/sigma/stream/prefilter.js';
import type { Need } from '../../../../detector/sigma/stream/prefilter.js';
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

describe('ruleNeed', () => {
  it('takes exact values as lower-cased equality atoms and wildcards as their longest literal', () => {
    expect(need(sel("user.name: ['Admin', 'ROOT']"))).to.deep.equal([
      { field: 'user.name', exact: true, text: 'admin' },
      { field: 'user.name', exact: true, text: 'root' },
    ]);
    expect(need(sel("url.original: '/api/*/Execute?cmd=*'"))).to.deep.equal([{ field: 'url.original', exact: false, text: '/execute' }]);
    expect(need(sel("url.original|contains: 'cmd.exe'"))).to.deep.equal([{ field: 'url.original', exact: false, text: 'cmd.exe' }]);
  });

  it('picks the most selective item of a map and one value of an all item', () => {
    expect(need(sel("url.original|contains: '/a'", "user.name: 'svc'"))).to.deep.equal([{ field: 'user.name', exact: true, text: 'svc' }]);
    expect(need(sel("url.original|contains|all: ['/a', 'shell.php']"))).to.deep.equal([{ field: 'url.original', exact: false, text: 'shell.php' }]);
  });

  it('unites the needs of or, of and list-of-maps, and knows none when one part has none', () => {
    const either = `  a:\n    user.name: 'x'\n  b:\n    url.original|contains: 'evil'\n  condition: 1 of them`;
    expect(need(either)).to.deep.equal([
      { field: 'user.name', exact: true, text: 'x' },
      { field: 'url.original', exact: false, text: 'evil' },
    ]);
    const withRegex = `  a:\n    user.name: 'x'\n  b:\n    url.original|re: 'e.il'\n  condition: a or b`;
    expect(need(withRegex)).to.equal(null);
  });

  it('knows no need for not, neq, numbers, regex, cidr, null and exists', () => {
    expect(need(`  a:\n    user.name: 'x'\n  condition: not a`)).to.equal(null);
    expect(need(sel("user.name|neq: 'x'"))).to.equal(null);
    expect(need(sel('destination.port: 502'))).to.equal(null);
    expect(need(sel("source.ip|cidr: '10.0.0.0/8'"))).to.equal(null);
    expect(need(sel('user.name: null'))).to.equal(null);
    expect(need(sel('user.name|exists: true'))).to.equal(null);
    expect(need(sel("user.name: '*'"))).to.equal(null);
  });

  it('searches keyword values as contained literals in every keyword field', () => {
    const r = rule(`  kw:\n    - 'Mimikatz'\n  condition: kw`);
    const fields = mapping.resolve(r.logsource).keywordFields;
    expect(ruleNeed(r, mapping.resolve(r.logsource))).to.deep.equal(fields.map((field) => ({ field, exact: false, text: 'mimikatz' })));
  });

  it('uses a literal that is not ASCII only where the value test itself compares lower-cased text', () => {
    expect(need(sel("user.name|contains: 'Straße'"))).to.deep.equal([{ field: 'user.name', exact: false, text: 'straße' }]);
    expect(need(sel("user.name|contains|cased: 'ΑΣ'"))).to.equal(null);
    // With `?` the test is a RegExp on the original text: only ASCII literals.
    expect(need(sel("user.name: 'Σ?'"))).to.equal(null);
    expect(need(sel("user.name: 'Σ?x'"))).to.deep.equal([{ field: 'user.name', exact: false, text: 'x' }]);
    // A cased exact value: equal texts lower-case alike.
    expect(need(sel("user.name|cased: 'ΑΣ'"))).to.deep.equal([{ field: 'user.name', exact: true, text: 'ας' }]);
  });
});

describe('BucketPrefilter', () => {
  describe('mark', () => {
    it('marks rules whose atom an element of the field satisfies, numbers and booleans by their text', () => {
      const pf = new BucketPrefilter([
        [{ field: 'user.name', exact: true, text: 'root' }],
        [{ field: 'url.original', exact: false, text: 'exec' }],
        [{ field: 'destination.port', exact: true, text: '502' }],
        [{ field: 'flag', exact: true, text: 'true' }],
        null,
      ]);
      const marked = (event: unknown): number[] => {
        const epoch = pf.mark(event);
        return [0, 1, 2, 3, 4].filter((i) => pf.always[i] === 1 || pf.marks[i] === epoch);
      };
      expect(marked({ user: { name: 'ROOT' }, url: { original: '/x/EXEC?a' } })).to.deep.equal([0, 1, 4]);
      expect(marked({ user: { name: ['guest', 'Root'] }, destination: { port: 502 }, flag: true })).to.deep.equal([0, 2, 3, 4]);
      expect(marked({ user: { name: 'rooted' }, 'destination.port': '502' })).to.deep.equal([2, 4]);
      expect(marked({})).to.deep.equal([4]);
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
