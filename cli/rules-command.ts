import type { Command } from 'commander';
import { OrgRegistry } from '../core/orgs.js';
import { checkRules, formatOutcome, formatSummary, summarize } from '../detector/sigma/check.js';
import { RegistryPlaceholderSource } from '../detector/sigma/placeholders.js';
import { defaultRegistryPath } from '../seeds/simulator/simulate.js';

/**
 * `iisa rules check PATH...`: one line per rule file (`ok PATH`,
 * `error PATH: cause`, `unsupported PATH: feature`), then
 * `N files: A ok, B unsupported, C error`; exit status 1 when any file has
 * an error. Placeholders are those a node resolves from its org registry
 * (%EngineeringHosts%, %HomeCountries%, ...): a rule using any other is
 * unsupported, as it would be in a node.
 */
export function registerRulesCommand(program: Command): void {
  const rules = program.command('rules').description('work with Sigma rules');
  rules
    .command('check')
    .description('check Sigma rule files: ok, error (with cause and line) or unsupported (with the feature)')
    .option('--registry <file>', 'org registry whose placeholders rules may use (default: seeds/orgs.yaml)')
    .argument('<paths...>', 'rule files or directories (searched recursively for .yml/.yaml)')
    .action((paths: string[], opts: { registry?: string }) => {
      const placeholders = new RegistryPlaceholderSource(OrgRegistry.load(opts.registry ?? defaultRegistryPath()));
      const outcomes = checkRules(paths, { placeholders });
      for (const o of outcomes) process.stdout.write(`${formatOutcome(o)}\n`);
      const summary = summarize(outcomes);
      process.stdout.write(`${formatSummary(summary)}\n`);
      if (summary.error > 0) process.exitCode = 1;
    });
}
