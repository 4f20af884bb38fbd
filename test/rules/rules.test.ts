/**
 * The generic suite for iisa's own rules (rules/): every `<rule>.yml` carries
 * its proof in `<rule>.tests.yml` beside it, and this one suite runs them all,
 * so a new rule needs no new test code (STYLE.md "Every rule carries its own
 * proof").
 *
 * Tests file shape (validated below):
 *
 *   detection rule:   match: [event, ...]          each event must fire the rule
 *                     nomatch: [event, ...]        none may fire it
 *   correlation rule: match:   [{ description, sequence }, ...]   each sequence must trigger it
 *                     nomatch: [{ description, sequence }, ...]   none may trigger it
 *     sequence items: { event }                                one event
 *                     { repeat: n, everySeconds: s, event }    n copies, `s` apart from the
 *                                                              event's @timestamp; `{i}` in any
 *                                                              string becomes the copy's index
 *
 * Events are ECS as our parsers produce them (validated with EcsEventSchema,
 * which also canonicalises IPs) and carry `org.id` of a seeded org, so
 * placeholders (`%EngineeringHosts%`, ...) resolve from seeds/orgs.yaml.
 */
import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EcsEventSchema } from '../../core/event.js';
import { OrgRegistry } from '../../core/orgs.js';
import { CorrelationEngine } from '../../detector/sigma/correlation/index.js';
import type { CorrelationHit } from '../../detector/sigma/correlation/index.js';
import type { CorrelationRule, DetectionRule, PlaceholderSource, RuleSet } from '../../detector/sigma/model.js';
import { SigmaLevels, SigmaStatuses } from '../../detector/sigma/model.js';
import { loadRules, ruleFiles } from '../../detector/sigma/parse.js';
import { RegistryPlaceholderSource, StaticPlaceholderSource } from '../../detector/sigma/placeholders.js';
import { StreamMatcher } from '../../detector/sigma/stream/index.js';
import { repoRoot } from '../helpers/paths.js';

const rulesDir = join(repoRoot, 'rules');
const TESTS_SUFFIX = '.tests.yml';

/** Folders of rules/ and the logsources their rules may use (product/category/service). */
const Folders: Readonly<Record<string, (ls: DetectionRule['logsource']) => boolean>> = {
  ics: (ls) => ls.product === 'ics' && ls.category === undefined,
  network: (ls) => ls.category === 'firewall',
  platform: (ls) => ls.product === 'platform' && ['audit', 'access'].includes(ls.service ?? ''),
  idres: (ls) => ls.product === 'idres' && [undefined, 'handle', 'resolver', 'dns'].includes(ls.service),
  correlation: () => false,
};

const UuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** ATT&CK tags: a technique (Enterprise t1xxx or ICS t0xxx, optional sub-technique) or a tactic name. */
const AttackTag = /^attack\.(t\d{4}(\.\d{3})?|[a-z]+(-[a-z]+)*)$/;
const TechniqueTag = /^attack\.t\d{4}(\.\d{3})?$/;
const IsoDate = /^\d{4}-\d{2}-\d{2}$/;
const RuleName = /^[a-z0-9]+(_[a-z0-9]+)*$/;

const EventList = z.array(z.record(z.string(), z.unknown())).min(1);
const DetectionTests = z.strictObject({ match: EventList, nomatch: EventList });
const SequenceItem = z.union([
  z.strictObject({ event: z.record(z.string(), z.unknown()) }),
  z.strictObject({ repeat: z.number().int().min(1).max(1000), everySeconds: z.number().min(0), event: z.record(z.string(), z.unknown()) }),
]);
const Case = z.strictObject({ description: z.string().min(1), sequence: z.array(SequenceItem).min(1) });
const CorrelationTests = z.strictObject({ match: z.array(Case).min(1), nomatch: z.array(Case).min(1) });

/**
 * Placeholders the rules use: the registry's (EngineeringHosts, OrgNetworks,
 * ...) and HomeCountries, which the registry does not hold yet (every seeded
 * org operates in China).
 */
class MultiPlaceholderSource implements PlaceholderSource {
  constructor(private readonly sources: readonly PlaceholderSource[]) {}

  names(): readonly string[] {
    return [...new Set(this.sources.flatMap((s) => s.names()))];
  }

  values(name: string, orgId: string | undefined): readonly string[] {
    return this.sources.flatMap((s) => s.values(name, orgId));
  }
}

const placeholders = new MultiPlaceholderSource([
  new RegistryPlaceholderSource(OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'))),
  new StaticPlaceholderSource({ HomeCountries: { '*': ['CN'] } }),
]);

interface RuleFile {
  readonly file: string;
  /** Path relative to rules/, for test titles. */
  readonly rel: string;
  readonly folder: string;
  readonly testsFile: string;
}

const files: RuleFile[] = ruleFiles(rulesDir)
  .filter((f) => !f.endsWith(TESTS_SUFFIX))
  .map((file) => {
    const rel = relative(rulesDir, file);
    return { file, rel, folder: rel.split(/[\\/]/)[0], testsFile: file.replace(/\.yml$/, TESTS_SUFFIX) };
  });

/** Load one test file's YAML; undefined when it does not exist. */
function readTests(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return parseYaml(text) as unknown;
}

/** An ECS event from a tests file, validated and canonicalised as the pipeline would. */
function ecs(raw: unknown, where: string): Record<string, unknown> {
  const parsed = EcsEventSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${where}: not a valid ECS event: ${parsed.error.message}`);
  return parsed.data as Record<string, unknown>;
}

/** `{i}` in every string of `value` replaced by `i`. */
function substitute(value: unknown, i: number): unknown {
  if (typeof value === 'string') return value.split('{i}').join(String(i));
  if (Array.isArray(value)) return value.map((v) => substitute(v, i));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, i)]));
  }
  return value;
}

/** The events of a correlation test case, expanded and in time order. */
function expandSequence(c: z.infer<typeof Case>, where: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const item of c.sequence) {
    if (!('repeat' in item)) {
      out.push(ecs(item.event, where));
      continue;
    }
    const start = Date.parse(String(item.event['@timestamp']));
    for (let i = 0; i < item.repeat; i++) {
      const copy = substitute(item.event, i) as Record<string, unknown>;
      copy['@timestamp'] = new Date(start + Math.round(i * item.everySeconds * 1000)).toISOString();
      out.push(ecs(copy, `${where} (copy ${i})`));
    }
  }
  return out.sort((a, b) => Date.parse(String(a['@timestamp'])) - Date.parse(String(b['@timestamp'])));
}

/** Every rule in rules/, loaded once (tests files excluded: they are not Sigma documents). */
const all: RuleSet = loadRules(files.map((f) => f.file), { placeholders });

function ruleOf(file: string): DetectionRule | CorrelationRule | undefined {
  return all.rules.find((r) => r.location.file === file) ?? all.correlations.find((r) => r.location.file === file);
}

/** Names of the rules the stream matcher reports for one event. */
function hitsOf(matcher: StreamMatcher, event: unknown): DetectionRule[] {
  const hits: DetectionRule[] = [];
  matcher.match(event, (rule) => hits.push(rule));
  return hits;
}

/** Correlation hits of one sequence through a fresh engine. */
function runSequence(matcher: StreamMatcher, events: readonly Record<string, unknown>[]): CorrelationHit[] {
  const engine = new CorrelationEngine({ correlations: all.correlations, rules: all.rules });
  expect(engine.problems, 'correlation engine problems').to.deep.equal([]);
  const out: CorrelationHit[] = [];
  for (const event of events) {
    const ruleHits = hitsOf(matcher, event);
    for (const rule of ruleHits) out.push(...engine.onRuleHit(rule, event));
  }
  out.push(...engine.flush());
  return out;
}

describe('rules/', () => {
  it('holds at least 40 detection rules and some correlation rules', () => {
    expect(all.rules.length).to.be.at.least(40);
    expect(all.correlations.length).to.be.at.least(5);
  });

  it('parses every rule file without problems', () => {
    const problems = all.problems.map((p) => `${relative(rulesDir, p.location.file)}: ${p.severity}: ${p.key ?? ''} ${p.message}`);
    expect(problems).to.deep.equal([]);
  });

  describe('lint', () => {
    const docs = (): (DetectionRule | CorrelationRule)[] => [...all.rules, ...all.correlations];

    it('gives every file exactly one rule', () => {
      for (const f of files) {
        const n = all.rules.filter((r) => r.location.file === f.file).length + all.correlations.filter((r) => r.location.file === f.file).length;
        expect(n, f.rel).to.equal(1);
      }
    });

    it('has unique ids, names and titles', () => {
      for (const key of ['id', 'name', 'title'] as const) {
        const seen = new Map<string, string>();
        for (const r of docs()) {
          const value = r[key];
          expect(value, `${key} of ${r.location.file}`).to.be.a('string');
          const other = seen.get(String(value));
          expect(other, `${key} ${String(value)} of ${r.location.file} also in ${other}`).to.equal(undefined);
          seen.set(String(value), r.location.file);
        }
      }
    });

    it('names each file after its rule and puts it in the folder of its logsource', () => {
      for (const f of files) {
        const r = ruleOf(f.file);
        expect(r, f.rel).to.not.equal(undefined);
        if (!r) continue;
        expect(basename(f.file, '.yml'), f.rel).to.equal(r.name);
        expect(r.name, f.rel).to.match(RuleName);
        expect(Object.keys(Folders), f.rel).to.include(f.folder);
        if (r.kind === 'correlation') expect(f.folder, f.rel).to.equal('correlation');
        else expect(Folders[f.folder](r.logsource), `${f.rel}: logsource ${JSON.stringify(r.logsource)}`).to.equal(true);
      }
    });

    it('gives every rule a UUIDv4 id, status, description, author, date, level, false positives and ATT&CK tags', () => {
      for (const r of docs()) {
        const at = r.location.file;
        expect(r.id, at).to.match(UuidV4);
        expect(SigmaStatuses, at).to.include(r.status);
        expect(r.description, at).to.be.a('string').and.have.length.above(20);
        expect(r.author, at).to.equal('iisa');
        expect(r.date, at).to.match(IsoDate);
        expect(SigmaLevels, at).to.include(r.level);
        expect(r.falsepositives, at).to.have.length.above(0);
        expect(r.tags, at).to.have.length.above(0);
        for (const tag of r.tags) expect(tag, at).to.match(AttackTag);
        expect(r.tags.some((t) => TechniqueTag.test(t)), `${at}: needs a technique tag attack.t....`).to.equal(true);
        for (const ref of r.references) expect(ref, at).to.match(/^https:\/\//);
      }
    });

    it('gives every rule a tests file with at least one match and one nomatch', () => {
      for (const f of files) {
        const raw = readTests(f.testsFile);
        expect(raw, `${f.rel}: missing ${basename(f.testsFile)}`).to.not.equal(undefined);
        const schema = f.folder === 'correlation' ? CorrelationTests : DetectionTests;
        const parsed = schema.safeParse(raw);
        expect(parsed.success, `${f.rel}: ${parsed.success ? '' : parsed.error.message}`).to.equal(true);
      }
    });

    it('has no tests file without a rule', () => {
      const testFiles = ruleFiles(rulesDir).filter((f) => f.endsWith(TESTS_SUFFIX));
      for (const t of testFiles) expect(files.map((f) => f.testsFile), relative(rulesDir, t)).to.include(t);
    });

    it('only references rules that exist in rules/', () => {
      const known = new Set(docs().flatMap((r) => [r.id, r.name].filter((x): x is string => x !== undefined)));
      for (const c of all.correlations) for (const ref of c.rules) expect(known.has(ref), `${c.name} -> ${ref}`).to.equal(true);
    });
  });

  describe('detection rules', () => {
    const matcher = new StreamMatcher({ rules: all.rules, placeholders });

    it('compiles and routes every rule', () => {
      expect(matcher.problems.map((p) => `${p.rule}: ${p.message}`)).to.deep.equal([]);
      expect(matcher.unroutedRules.map((r) => r.name)).to.deep.equal([]);
    });

    for (const f of files.filter((x) => x.folder !== 'correlation')) {
      describe(f.rel, () => {
        const raw = readTests(f.testsFile);
        const tests = DetectionTests.safeParse(raw);
        if (!tests.success) return;
        tests.data.match.forEach((event, i) => {
          it(`fires on match[${i}]`, () => {
            const rule = ruleOf(f.file);
            const names = hitsOf(matcher, ecs(event, `${f.rel} match[${i}]`)).map((r) => r.name);
            expect(names).to.include(rule?.name);
          });
        });
        tests.data.nomatch.forEach((event, i) => {
          it(`does not fire on nomatch[${i}]`, () => {
            const rule = ruleOf(f.file);
            const names = hitsOf(matcher, ecs(event, `${f.rel} nomatch[${i}]`)).map((r) => r.name);
            expect(names).to.not.include(rule?.name);
          });
        });
      });
    }
  });

  describe('correlation rules', () => {
    const matcher = new StreamMatcher({ rules: all.rules, placeholders });

    it('load into the correlation engine without problems', () => {
      const engine = new CorrelationEngine({ correlations: all.correlations, rules: all.rules });
      expect(engine.problems.map((p) => `${p.rule}: ${p.message}`)).to.deep.equal([]);
    });

    for (const f of files.filter((x) => x.folder === 'correlation')) {
      describe(f.rel, () => {
        const tests = CorrelationTests.safeParse(readTests(f.testsFile));
        if (!tests.success) return;
        for (const [expectation, cases] of [['triggers', tests.data.match], ['does not trigger', tests.data.nomatch]] as const) {
          for (const c of cases) {
            it(`${expectation}: ${c.description}`, () => {
              const rule = ruleOf(f.file);
              const events = expandSequence(c, `${f.rel} "${c.description}"`);
              const own = runSequence(matcher, events).filter((h) => h.correlation.name === rule?.name);
              if (expectation === 'triggers') expect(own, 'hits of this correlation').to.have.length.above(0);
              else expect(own.map((h) => h.groupKey), 'hits of this correlation').to.deep.equal([]);
            });
          }
        }
      });
    }
  });
});
