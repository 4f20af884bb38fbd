/**
 * The Sigma parser on rule documents: the rule files of the Sigma target
 * after YAML, i.e. what the `yaml` package hands the Sigma layer (plain
 * maps, lists and scalars), changed by the same structural mutations and by
 * JSON-aware ones, then read by `parseRuleDocuments` (collection actions,
 * detection, condition grammar, modifiers, correlation, filters).
 *
 * Why a target of its own: the text target (./sigma-target.ts) spends nine
 * tenths of each input in the YAML library and in compiling and matching,
 * a few hundred inputs a second; this one reaches the Sigma parser's own
 * code a million times within the benchmark's budget. The YAML layer keeps
 * its own inputs in the text target.
 *
 * Input: a JSON array of documents (a file of one or more). Property: as
 * the text target's parse step: never throws, and every problem has the
 * file, a severity and a message, none an internal error.
 */
import { parseRuleDocuments } from '../../detector/sigma/parse.js';
import { parseYamlDocuments } from '../../detector/sigma/parse/yaml.js';
import type { YamlDocument } from '../../detector/sigma/parse/yaml.js';
import { mutateJson } from './mutator.js';
import type { Rng } from './mutator.js';
import type { FuzzTarget } from './runner.js';
import { sigmaSeeds } from './seeds.js';
import { FILE, change, checkProblems, isMap, registry, writableCopy } from './sigma-target.js';
import type { Doc } from './sigma-target.js';

const MAX_INPUT = 60_000;

/** The documents of each seed file, read once by the Sigma loader's own YAML reader. Never changed: `writableCopy` gives each input its own. */
const seedDocuments = new Map<string, readonly unknown[]>();

function documentsOf(seed: string): readonly unknown[] {
  let docs = seedDocuments.get(seed);
  if (docs === undefined) {
    // A document the YAML reader refuses has nothing to give here.
    docs = parseYamlDocuments(seed).filter((d) => d.errors.length === 0 && !d.empty && d.value !== null).map((d) => d.value);
    seedDocuments.set(seed, docs);
  }
  return docs;
}

/** A document as the YAML layer reports one without errors. */
function asDocument(value: unknown, index: number): YamlDocument {
  return { index, value, line: 1, errors: [], empty: value === null, lineOf: () => 1 };
}

export function sigmaDocumentsTarget(sigmahqSample = 300): FuzzTarget {
  return {
    name: 'sigma:documents',
    property: 'detector/sigma parseRuleDocuments on rule documents: never throws; every problem has file, severity and a message, none an internal error',
    seeds: () => sigmaSeeds(sigmahqSample),
    generate(rng: Rng, seeds: readonly string[]): string {
      const docs = documentsOf(rng.pick(seeds)).map(writableCopy);
      if (docs.length === 0 || rng.chance(0.1)) docs.push({ title: 'x', logsource: { product: 'windows' }, detection: { sel: { a: 1 }, condition: 'sel' } });
      // Most inputs change the rule itself; some change the collection (global/reset/repeat actions keep their place).
      const at = rng.int(docs.length);
      const doc: Doc = isMap(docs[at]) ? docs[at] as Doc : (docs[at] = { title: 'x' }) as Doc;
      for (let i = 0, n = 1 + rng.small(4); i < n; i++) change(doc, rng);
      if (rng.chance(0.05)) docs.push(rng.pick([null, 'x', 7, [], { action: rng.pick(['global', 'reset', 'repeat', 'nope']) }]));
      const text = JSON.stringify(docs);
      if (rng.chance(0.15)) return mutateJson(text, rng, [text], { maxLength: MAX_INPUT });
      // Changes that pile up long values make inputs of megabytes: cut to one document, still a change of the seed.
      return text.length > MAX_INPUT ? JSON.stringify([docs[at]]).slice(0, MAX_INPUT) : text;
    },
    check(input: string): void {
      let value: unknown;
      try {
        value = JSON.parse(input);
      } catch {
        // A cut input: the text as one scalar document (a file holding a plain string).
        value = input;
      }
      const docs = Array.isArray(value) ? value.map(asDocument) : [asDocument(value, 0)];
      const set = parseRuleDocuments(docs, FILE, { placeholders: registry().placeholders });
      checkProblems('parse', set.problems);
    },
  };
}
