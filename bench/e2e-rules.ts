/**
 * The rule set of bench/e2e: iisa's own rules, then SigmaHQ rule files
 * (../shared/corpora/sigmahq/rules, in file order, only those that load
 * without a problem) until the node streams `count` detection rules — the
 * same pool, in the same order, as bench/detect's 100-rule figure. The
 * chosen SigmaHQ files are copied into a folder of their own, so the node's
 * config names two folders and loads exactly these rules.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { OrgRegistry } from '../core/orgs.js';
import { parseRuleText, loadRules, readRuleFiles } from '../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../detector/sigma/placeholders.js';
import { withoutScheduledRules } from '../detector/sigma/scheduled.js';
import { repoRoot } from './console-node.js';

export interface BenchRules {
  /** Folders for the node's `detector.rules`. */
  readonly paths: readonly string[];
  /** Detection rules the node streams (scheduled ones aside), and correlation rules over them. */
  readonly detection: number;
  readonly correlations: number;
  readonly own: number;
  /** SigmaHQ files added, relative to the corpus's rules folder. */
  readonly sigmahqFiles: readonly string[];
  readonly sigmahqRules: number;
}

export const sigmahqRulesDir = (): string => join(repoRoot, '..', 'shared', 'corpora', 'sigmahq', 'rules');

/** Build the rule folders under `dir` for `count` streamed detection rules (fewer when the corpus is missing). */
export function benchRules(dir: string, count: number, registryPath: string): BenchRules {
  const placeholders = new RegistryPlaceholderSource(OrgRegistry.load(registryPath));
  const ownDir = join(repoRoot, 'rules');
  const own = withoutScheduledRules(loadRules([ownDir], { placeholders }));
  const corpus = sigmahqRulesDir();
  const picked: string[] = [];
  let added = 0;
  if (own.rules.length < count && existsSync(corpus)) {
    const target = join(dir, 'sigmahq');
    mkdirSync(target, { recursive: true });
    for (const read of readRuleFiles([corpus])) {
      if (added >= count - own.rules.length) break;
      if ('unreadable' in read) continue;
      const set = withoutScheduledRules(parseRuleText(read.text, read.file, { placeholders }));
      // Whole files only, and only those that load cleanly, so the node loads exactly what was counted.
      if (set.problems.length > 0 || set.correlations.length > 0 || set.rules.length === 0) continue;
      if (added + set.rules.length > count - own.rules.length) continue;
      const rel = relative(corpus, read.file);
      // Flat names (the path's parts joined) keep the corpus order and cannot collide.
      copyFileSync(read.file, join(target, `${String(picked.length).padStart(3, '0')}-${rel.split('/').slice(0, -1).join('_')}_${basename(rel)}`));
      picked.push(rel);
      added += set.rules.length;
    }
  }
  const paths = picked.length ? [ownDir, join(dir, 'sigmahq')] : [ownDir];
  const all = withoutScheduledRules(loadRules(paths, { placeholders }));
  if (all.problems.length) throw new Error(`the bench rules do not load cleanly: ${all.problems[0].message}`);
  return {
    paths, detection: all.rules.length, correlations: all.correlations.length, own: own.rules.length,
    sigmahqFiles: picked, sigmahqRules: added,
  };
}
