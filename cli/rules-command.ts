import type { Command } from 'commander';
import { checkRules, formatOutcome, formatSummary, summarize } from '../detector/sigma/check.js';

/**
 * `iisa rules check PATH...`: one line per rule file (`ok PATH`,
 * `error PATH: cause`, `unsupported PATH: feature`), then
 * `N files: A ok, B unsupported, C error`; exit status 1 when any file has
 * an error.
 */
export function registerRulesCommand(program: Command): void {
  const rules = program.command('rules').description('work with Sigma rules');
  rules
    .command('check')
    .description('check Sigma rule files: ok, error (with cause and line) or unsupported (with the feature)')
    .argument('<paths...>', 'rule files or directories (searched recursively for .yml/.yaml)')
    .action((paths: string[]) => {
      const outcomes = checkRules(paths);
      for (const o of outcomes) process.stdout.write(`${formatOutcome(o)}\n`);
      const summary = summarize(outcomes);
      process.stdout.write(`${formatSummary(summary)}\n`);
      if (summary.error > 0) process.exitCode = 1;
    });
}
