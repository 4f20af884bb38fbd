/**
 * Sigma YAML -> rule model (`model.ts`). Pure apart from `ruleFiles`,
 * `readRuleFiles` and `loadRules` reading files. Never throws for bad
 * rules: every problem is returned with file, document index, line, rule,
 * key path and cause, and the other rules still load (pySigma's
 * `collect_errors`).
 */
import { hostileYamlReason } from '../../core/config.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { CorrelationRule, DetectionRule, PlaceholderSource, RuleSet, SigmaFilter, SigmaProblem } from './model.js';
import { CollectionState } from './parse/collection.js';
import { parseSigmaDocument } from './parse/document.js';
import { RuleProblem, formatKeyPath } from './parse/problem.js';
import { parseYamlDocuments } from './parse/yaml.js';
import type { YamlDocument } from './parse/yaml.js';

export interface ParseOptions {
  /** Placeholders `expand` may use; a rule naming any other is unsupported. */
  readonly placeholders?: PlaceholderSource;
}

function ruleName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { title, id } = value as Record<string, unknown>;
  if (typeof title === 'string' && title !== '') return title;
  return typeof id === 'string' ? id : undefined;
}

/** Parse one file's text (one or more YAML documents). Never throws for bad rules: problems are in the result. */
export function parseRuleText(text: string, file: string, options: ParseOptions = {}): RuleSet {
  return parseRuleDocuments(parseYamlDocuments(text), file, options);
}

/**
 * The Sigma layer of `parseRuleText`: one file's documents, as read from
 * YAML (collection actions, rules, correlations, filters) to the rule set.
 * Never throws for bad rules: problems are in the result.
 */
export function parseRuleDocuments(docs: Iterable<YamlDocument>, file: string, options: ParseOptions = {}): RuleSet {
  const rules: DetectionRule[] = [];
  const correlations: CorrelationRule[] = [];
  const filters: SigmaFilter[] = [];
  const problems: SigmaProblem[] = [];
  const collection = new CollectionState();
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        problems.push({ location: { file, document: doc.index, line: e.line }, severity: 'error', message: `YAML: ${hostileYamlReason(e.message)}` });
      }
      continue;
    }
    if (doc.empty) continue;
    const toProblem = (p: RuleProblem, rule: string | undefined): SigmaProblem => ({
      location: { file, document: doc.index, line: doc.lineOf(p.path) },
      ...(rule !== undefined ? { rule } : {}),
      ...(p.path.length > 0 ? { key: formatKeyPath(p.path) } : {}),
      severity: p.severity,
      ...(p.feature !== undefined ? { feature: p.feature } : {}),
      message: p.message,
    });
    let value: unknown;
    try {
      value = collection.next(doc.value);
    } catch (err) {
      if (!(err instanceof RuleProblem)) throw err;
      problems.push(toProblem(err, ruleName(doc.value)));
      continue;
    }
    if (value === null) continue;
    const result = parseSigmaDocument(value, { file, document: doc.index, line: doc.line }, options);
    const name = ruleName(value);
    problems.push(...result.problems.map((p) => toProblem(p, name)));
    const d = result.document;
    if (d?.kind === 'detection') rules.push(d);
    else if (d?.kind === 'correlation') correlations.push(d);
    else if (d?.kind === 'filter') filters.push(d);
  }
  return { rules, correlations, filters, problems };
}

const RULE_EXTENSIONS = new Set(['.yml', '.yaml']);

/**
 * Files in a rule folder that are not rules: `<rule>.tests.yml` beside a
 * rule holds its proof events, `<name>.policy.yml` an iisa policy such as
 * the grading policy (rules/README.md).
 */
export function isRuleTestFile(name: string): boolean {
  return /\.(tests|policy)\.ya?ml$/i.test(name);
}

/** Every rule file under `path` (a file is taken as is; rule test files are skipped in folders), sorted for a stable order. */
export function ruleFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const full = join(path, e.name);
      if (e.isDirectory()) return ruleFiles(full);
      return e.isFile() && RULE_EXTENSIONS.has(extname(e.name).toLowerCase()) && !isRuleTestFile(e.name) ? [full] : [];
    });
}

/** A rule file's text, or why it could not be read (`file` is then the given path when its folder could not be listed). */
export type RuleFileText =
  | { readonly file: string; readonly text: string }
  | { readonly file: string; readonly unreadable: string };

/**
 * The rule files under the given files/directories (`ruleFiles`, in its
 * stable order), each read when it is reached. Never throws for a path or
 * file that cannot be read: it is yielded as `unreadable` ("cannot read: ...")
 * and the rest still follow.
 */
export function* readRuleFiles(paths: readonly string[]): Generator<RuleFileText> {
  for (const path of paths) {
    let files: string[];
    try {
      files = ruleFiles(path);
    } catch (err) {
      yield { file: path, unreadable: `cannot read: ${(err as Error).message}` };
      continue;
    }
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        yield { file, unreadable: `cannot read: ${(err as Error).message}` };
        continue;
      }
      yield { file, text };
    }
  }
}

/** Load every `.yml`/`.yaml` under the given files/directories (recursively), in a stable order. */
export function loadRules(paths: readonly string[], options: ParseOptions = {}): RuleSet {
  const out = { rules: [] as DetectionRule[], correlations: [] as CorrelationRule[], filters: [] as SigmaFilter[], problems: [] as SigmaProblem[] };
  for (const read of readRuleFiles(paths)) {
    if ('unreadable' in read) {
      out.problems.push({ location: { file: read.file, document: 0 }, severity: 'error', message: read.unreadable });
      continue;
    }
    const set = parseRuleText(read.text, read.file, options);
    out.rules.push(...set.rules);
    out.correlations.push(...set.correlations);
    out.filters.push(...set.filters);
    out.problems.push(...set.problems);
  }
  return out;
}
