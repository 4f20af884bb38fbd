/**
 * The Sigma target: rule files made by mutating rules/, the specification's
 * examples and SigmaHQ, as text and as structure (hostile values and
 * regular expressions, random modifier chains, generated and deeply nested
 * conditions, correlation and filter sections), then parsed, compiled to the
 * stream matcher and matched against events built from the rule's own
 * values (long near-misses: what makes a matcher backtrack).
 *
 * Property: `parseRuleText` never throws and reports each problem with the
 * file, a severity and a message, never as an internal error; the matcher
 * compiles whatever loaded without throwing, reports what it cannot compile
 * the same way, and matches without throwing.
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { OrgRegistry } from '../../core/orgs.js';
import type { DetectionRule, SigmaProblem } from '../../detector/sigma/model.js';
import { modifiers } from '../../detector/sigma/parse/modifiers/index.js';
import { parseRuleText } from '../../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../../detector/sigma/placeholders.js';
import { StreamMatcher } from '../../detector/sigma/stream/index.js';
import { defaultRegistryPath } from '../../seeds/simulator/simulate.js';
import { Rng, mutate } from './mutator.js';
import { PropertyViolation } from './runner.js';
import type { FuzzTarget } from './runner.js';
import { sigmaSeeds } from './seeds.js';
import { ALL_TOKENS, interestingJsonValues } from './tokens.js';

export const FILE = 'fuzz.yml';
const MAX_INPUT = 60_000;

const MODIFIER_NAMES = [...modifiers.keys(), 'nosuch', '', 'RE', 'contains '];

/** Regular expressions: catastrophic ones (must be refused), odd syntax, and harmless ones. */
const REGEXES = [
  '(a+)+$', '(a|a)*b', '(.*a){25}', '(?:.*\\)){1,}.*"', '([a-z]+)*!', '(\\w+\\s?)+$', '(\\d+|\\d+\\.\\d+)*x', '(?=(a+)+b)', '(?<n>a+)\\k<n>+',
  '^(a?){30}a{30}$', 'a{1,99999}', '((a{1,3}){1,3})+', '(?i)(x|X)+y', '(?s)(.|\\n)*z', '\\1(a)', '[\\d-z]+', '[^]*', '[]', '(?:)', '\\', '(', '[',
  '(?x)a', '(?i', '\\u{1F600}', '\\cZ\\c', '(?<=a+)b', 'x{2,1}', '.*a.*a.*a.*a.*a.*a.*a.*a.*b', '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$',
];

/** Values: wildcard patterns that backtrack in a naive matcher, windash bombs, placeholders, CIDRs, edge scalars. */
const VALUES: readonly unknown[] = [
  '*a*a*a*a*a*a*a*a?b', '?'.repeat(300), '*'.repeat(500), 'a\\*b\\?c\\\\', '\\', '*\\', '%EngineeringHosts%', '%Nope%', '%%', '\\%x%',
  ' -a -b -c -d -e -f -g -h -i -j -k', ' /a /b /c', 'x'.repeat(3000), '', ' ', '\0', '\ud800', '中文', 'C:\\Windows\\*', '10.0.0.0/8',
  '2001:db8::/32', '::/0', '1.2.3.4/33', 'nope/8', '0.0.0.0/0', 12, -1, 1.5, 1e308, 2 ** 53 + 1, true, false, null, [], {}, [null, 'a'],
  ['a', ['b']], { a: 1 },
];

/** Condition words and forms, hostile ones included. */
const CONDITION_ATOMS = ['them', 'sel*', '*', '*a*a*a*a*a*a*a*b', 'not', 'and', 'or', 'of', '(', ')', '| count() > 5', 'near', '1', 'all', '0 of them', '-1 of them'];

const TOKENS = [...MODIFIER_NAMES.map((m) => `|${m}`), ...REGEXES, ...CONDITION_ATOMS, '---\n', '...\n', '&a ', '*a', '<<: *a', '!!binary ', '!!str ', '? ', '- ', ': ',
  '{', '}', '[', ']', '|\n', '>\n', '%YAML 1.2\n', '"', "'", '#', '\t', ...ALL_TOKENS];

export const registry = (() => {
  let cached: RegistryPlaceholderSource | undefined;
  let org: string | undefined;
  return () => {
    if (!cached) {
      const orgs = OrgRegistry.load(defaultRegistryPath());
      cached = new RegistryPlaceholderSource(orgs);
      org = orgs.all()[0]?.id;
    }
    return { placeholders: cached, org };
  };
})();

export type Doc = Record<string, unknown>;
export const isMap = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

function condition(rng: Rng, names: readonly string[], depth: number): string {
  if (rng.chance(0.03)) return `${'not '.repeat(1 + rng.int(3000))}${rng.pick(names)}`;
  if (rng.chance(0.03)) {
    const d = 1 + rng.int(3000);
    return `${'('.repeat(d)}${rng.pick(names)}${')'.repeat(d - (rng.chance(0.2) ? 1 : 0))}`;
  }
  if (depth > 3 || rng.chance(0.3)) {
    if (rng.chance(0.2)) return `${rng.pick(['1', 'all', '2', '0', 'x'])} of ${rng.pick([...names.map((n) => `${n.slice(0, 2)}*`), 'them', '*', 'none*'])}`;
    return rng.chance(0.9) ? rng.pick(names) : rng.pick(CONDITION_ATOMS);
  }
  switch (rng.int(4)) {
    case 0: return `not ${condition(rng, names, depth + 1)}`;
    case 1: return `(${condition(rng, names, depth + 1)})`;
    default: return `${condition(rng, names, depth + 1)} ${rng.pick(['and', 'or'])} ${condition(rng, names, depth + 1)}`;
  }
}

function value(rng: Rng): unknown {
  if (rng.chance(0.25)) return rng.pick(REGEXES);
  if (rng.chance(0.15)) return Array.from({ length: 1 + rng.small(20) }, () => rng.pick(VALUES));
  // Deep values stay inside JSON.stringify's stack (it prints the input); deeper nesting comes from text mutation.
  if (rng.chance(0.1)) return rng.pick(interestingJsonValues(1 + rng.int(rng.chance(0.1) ? 1500 : 5)));
  return rng.pick(VALUES);
}

function detectionOf(doc: Doc): Doc {
  if (!isMap(doc.detection)) doc.detection = { sel: { a: 1 }, condition: 'sel' };
  return doc.detection as Doc;
}

/** One structural change of a rule document. */
export function change(doc: Doc, rng: Rng): void {
  const detection = detectionOf(doc);
  const names = Object.keys(detection).filter((k) => k !== 'condition');
  switch (rng.int(9)) {
    case 0: {
      // A value: into an existing item or a new one.
      const id = names.length && rng.chance(0.8) ? rng.pick(names) : `sel${rng.int(5)}`;
      const map = isMap(detection[id]) ? detection[id] as Doc : (detection[id] = {}) as Doc;
      const keys = Object.keys(map);
      map[keys.length && rng.chance(0.6) ? rng.pick(keys) : rng.pick(['CommandLine', 'Image', 'source.ip', 'dst_ip', 'a', 'x|re'])] = value(rng);
      return;
    }
    case 1: {
      // Modifiers on a key.
      const id = names.length ? rng.pick(names) : 'sel';
      const map = isMap(detection[id]) ? detection[id] as Doc : (detection[id] = { a: 'x' }) as Doc;
      const keys = Object.keys(map);
      const key = keys.length ? rng.pick(keys) : 'a';
      const mods = Array.from({ length: 1 + rng.small(rng.chance(0.05) ? 40 : 4) }, () => rng.pick(MODIFIER_NAMES));
      const v = map[key];
      delete map[key];
      map[`${key.split('|')[0]}|${mods.join('|')}`] = rng.chance(0.7) ? v : value(rng);
      return;
    }
    case 2:
      detection.condition = rng.chance(0.2) ? Array.from({ length: 1 + rng.small(4) }, () => condition(rng, names.length ? names : ['sel'], 0)) : condition(rng, names.length ? names : ['sel'], 0);
      return;
    case 3:
      doc[rng.pick(['title', 'id', 'status', 'level', 'tags', 'date', 'modified', 'logsource', 'fields', 'related', 'falsepositives', 'name', 'taxonomy', 'x-custom'])] =
        rng.chance(0.5) ? value(rng) : rng.pick(interestingJsonValues(2));
      return;
    case 4:
      doc.correlation = {
        type: rng.pick(['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile', 'nope']),
        rules: rng.chance(0.8) ? [String(doc.name ?? doc.id ?? 'r1'), 'r2'] : value(rng),
        'group-by': rng.chance(0.7) ? ['source.ip', 'user.name'] : value(rng),
        timespan: rng.pick(['5m', '1h', '0s', '99999999999999999999d', '-5m', '5x', '', '1M', '1y']),
        condition: rng.chance(0.8) ? { [rng.pick(['gte', 'gt', 'lt', 'eq', 'neq', 'lte'])]: rng.pick([0, 1, 5, -1, 1e308, 'x']), ...(rng.chance(0.5) ? { field: 'user.name' } : {}) } : value(rng),
      };
      return;
    case 5:
      doc.filter = { rules: rng.chance(0.5) ? [String(doc.id ?? 'x')] : value(rng), selection: { [rng.pick(['Image', 'User', 'a|re'])]: value(rng) }, condition: rng.chance(0.8) ? 'selection' : condition(rng, ['selection'], 0) };
      return;
    case 6: {
      // Many identifiers at once.
      const n = 1 + rng.int(rng.chance(0.1) ? 2000 : 40);
      for (let i = 0; i < n; i++) detection[`sel_${i}`] = { [`f${i % 7}`]: rng.pick(VALUES) };
      detection.condition = rng.pick(['1 of sel_*', 'all of sel_*', 'all of them', `${Math.max(1, n - 1)} of sel*`]);
      return;
    }
    case 7: {
      // Deep structure where a map of values is expected.
      let nested: unknown = 'x';
      for (let i = 0, depth = 1 + rng.int(rng.chance(0.2) ? 1500 : 30); i < depth; i++) nested = rng.chance(0.5) ? [nested] : { k: nested };
      detection[names.length ? rng.pick(names) : 'sel'] = nested;
      return;
    }
    default:
      // A keyword list.
      detection[rng.pick(['keywords', 'sel', '_x'])] = Array.from({ length: 1 + rng.small(30) }, () => (rng.chance(0.7) ? rng.pick(VALUES) : value(rng)));
  }
}

/**
 * A copy of a seed document that `change` may write to: the document, its
 * detection and each map in the detection are copied (what `change` sets,
 * deletes or replaces keys of); deeper values are shared, as `change` only
 * ever replaces them. A deep copy per input (structuredClone, or printing
 * and reading JSON) was a third of the documents target's time.
 */
export function writableCopy(doc: unknown): unknown {
  if (!isMap(doc)) return doc;
  const copy: Doc = { ...doc };
  if (isMap(doc.detection)) copy.detection = Object.fromEntries(Object.entries(doc.detection).map(([k, v]) => [k, isMap(v) ? { ...v } : v]));
  return copy;
}

const parsedSeeds = new Map<string, unknown>();

function structural(seed: string, rng: Rng): string {
  let parsed = parsedSeeds.get(seed);
  if (parsed === undefined) {
    try {
      parsed = parseYaml(seed, { logLevel: 'silent' }) ?? {};
    } catch {
      parsed = {};
    }
    parsedSeeds.set(seed, parsed);
  }
  const doc: Doc = isMap(parsed) ? writableCopy(parsed) as Doc : { title: 'x', logsource: { product: 'windows' } };
  for (let i = 0, n = 1 + rng.small(4); i < n; i++) change(doc, rng);
  // JSON is YAML too, and far quicker to print; block style sometimes, to reach the block parser.
  let text: string;
  try {
    text = rng.chance(0.2) ? stringifyYaml(doc, { lineWidth: 0, logLevel: 'silent' }) : JSON.stringify(doc);
  } catch {
    text = JSON.stringify(doc);
  }
  if (rng.chance(0.1)) text = `${text}\n---\n${JSON.stringify({ ...doc, title: 'second', correlation: undefined })}`;
  // Changes that pile up long values make inputs of megabytes; long inputs come from text mutation, within the limit.
  return text.length > MAX_INPUT ? mutate(seed, rng, [seed], { maxLength: MAX_INPUT, tokens: TOKENS }) : text;
}

/** What one rule's values are made of: the pieces a near-miss event repeats. */
function pieces(rule: DetectionRule): string[] {
  const out: string[] = [];
  for (const id of rule.identifiers.values()) {
    for (const group of id.groups) {
      for (const item of group) {
        for (const v of item.values) {
          if (v.kind === 'pattern') for (const p of v.pattern.parts) out.push('text' in p ? p.text : 'x');
          else if (v.kind === 'regex') out.push(...v.source.replace(/[\\()[\]{}*+?|^$]/g, '').split('').filter(Boolean));
          else if (v.kind === 'number' || v.kind === 'compare' || v.kind === 'timepart') out.push(String(v.value));
          else if (v.kind === 'cidr') out.push(v.cidr.split('/')[0]);
        }
      }
    }
  }
  return out.length ? out : ['a'];
}

function hostileText(rng: Rng, from: readonly string[], length: number): string {
  let text = '';
  const piece = rng.pick(from);
  while (text.length < length) text += rng.chance(0.8) ? piece : rng.pick(from);
  return `${text.slice(0, length)}${rng.pick(['!', '\0', '', '\n', ')'])}`;
}

/** Events that hit every field a rule reads, with long near-miss values. */
function hostileEvents(matcher: StreamMatcher, rng: Rng, org: string | undefined): Record<string, unknown>[] {
  const event: Record<string, unknown> = { '@timestamp': '2026-11-25T14:00:00.000Z', ...(org ? { org: { id: org } } : {}) };
  for (const compiled of matcher.compiled) {
    const from = pieces(compiled.rule);
    const length = rng.chance(0.1) ? 20_000 : 1 + rng.int(2000);
    for (const id of compiled.rule.identifiers.values()) {
      for (const group of id.groups) {
        for (const item of group) {
          const paths = item.field === null ? compiled.logsource.keywordFields : compiled.logsource.fieldsFor(item.field);
          for (const path of paths) event[path] = hostileText(rng, from, length);
        }
      }
    }
  }
  const arrays = Object.fromEntries(Object.entries(event).map(([k, v]) => [k, k === '@timestamp' || k === 'org' ? v : [v, 7, null]]));
  return [event, arrays];
}

export function checkProblems(where: string, problems: readonly SigmaProblem[]): void {
  for (const p of problems) {
    if (p.location?.file !== FILE) throw new PropertyViolation(`${where}: problem without its file: ${JSON.stringify(p).slice(0, 200)}`);
    if (p.severity !== 'error' && p.severity !== 'unsupported') throw new PropertyViolation(`${where}: severity ${JSON.stringify(p.severity)}`);
    if (typeof p.message !== 'string' || p.message === '') throw new PropertyViolation(`${where}: problem without a message`);
    // Messages quote the rule's text, so only a message that is itself an exception's counts.
    if (/^(?:YAML: )?(?:internal (?:parser )?error|Maximum call stack|Invalid string length|\w*Error\b|\S+ is not a function|Cannot read properties)/.test(p.message)) {
      throw new PropertyViolation(`${where}: a crash reported as a rule problem: ${p.message.slice(0, 200)}`);
    }
  }
}

export function sigmaTarget(sigmahqSample = 300): FuzzTarget {
  return {
    name: 'sigma:parse+compile+match',
    supplementary: true,
    property: 'detector/sigma parseRuleText, StreamMatcher and match: never throw; every problem has file, severity and a message, none an internal error',
    seeds: () => sigmaSeeds(sigmahqSample),
    generate(rng: Rng, seeds: readonly string[]): string {
      const seed = rng.pick(seeds);
      if (rng.chance(0.6)) return structural(seed, rng);
      return mutate(seed, rng, seeds, { maxLength: MAX_INPUT, tokens: TOKENS });
    },
    check(input: string): void {
      const { placeholders, org } = registry();
      const set = parseRuleText(input, FILE, { placeholders });
      checkProblems('parse', set.problems);
      if (set.rules.length === 0) return;
      const matcher = new StreamMatcher({ rules: set.rules, filters: set.filters, placeholders, unrouted: 'every-event' });
      checkProblems('compile', matcher.problems);
      // Near-miss values drawn from the input itself, so a replay builds the same events.
      let h = input.length;
      for (let i = 0; i < input.length; i += 97) h = Math.imul(h ^ input.charCodeAt(i), 0x01000193) >>> 0;
      for (const event of hostileEvents(matcher, new Rng(h), org)) matcher.match(event, () => undefined);
    },
  };
}
