import { basename } from 'node:path';
import type { Command } from 'commander';
import { OrgRegistry } from '../core/orgs.js';
import { parsers } from '../collector/parsers/index.js';
import { detectionEvents, ruleKey } from '../detector/detector.js';
import { hunt, type HuntHit } from '../detector/hunt/hunt.js';
import { loadRules } from '../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../detector/sigma/placeholders.js';
import { defaultRegistryPath } from '../seeds/simulator/simulate.js';

interface HuntCliOptions {
  rules: string[];
  parser?: string;
  format: string;
  org?: string;
  registry?: string;
  quiet?: boolean;
}

/** One JSON object per hit: the rule, the event (or the events that made a correlation), where they are. */
export function hitToJson(hit: HuntHit): Record<string, unknown> {
  const { detection } = hit;
  const rule = detection.rule;
  const ruleInfo = { id: ruleKey(rule), title: rule.title, level: rule.level ?? null, tags: rule.tags, ...(detection.kind === 'correlation' ? { type: detection.rule.type } : {}) };
  if (detection.kind === 'detection') {
    return { rule: ruleInfo, event: detection.event, location: hit.locate(detection.event) ?? null };
  }
  const { groupKey, value, firstSeen, lastSeen } = detection.hit;
  return {
    rule: ruleInfo,
    correlation: { groupKey, value, firstSeen, lastSeen },
    events: detectionEvents(detection).map((event) => ({ event, location: hit.locate(event) ?? null })),
  };
}

function hitToRow(hit: HuntHit): string[] {
  const { detection } = hit;
  const events = detectionEvents(detection);
  const last = events[events.length - 1];
  const at = last ? hit.locate(last) : undefined;
  const time = detection.kind === 'detection' ? detection.event['@timestamp'] : detection.hit.lastSeen;
  const what = detection.kind === 'detection'
    ? (detection.event.message ?? detection.event.event.original ?? '')
    : `${detection.rule.type} ${JSON.stringify(detection.hit.groupKey)} = ${detection.hit.value} over ${events.length} events`;
  return [time, detection.rule.level ?? '-', detection.rule.title, at ? `${basename(at.file)}:${at.line}` : '-', what.replace(/\s+/g, ' ').slice(0, 100)];
}

/** `iisa hunt`: run Sigma rules over log files and print the hits. */
export function registerHuntCommand(program: Command): void {
  program
    .command('hunt')
    .description('run Sigma rules over log files (format detected per file) and print the hits')
    .requiredOption('--rules <path...>', 'rule files or directories')
    .option('--parser <name>', 'read every file with this parser (ecs: NDJSON events already in iisa\'s ECS form)')
    .option('--format <format>', 'table, or json (one hit per line)', 'table')
    .option('--org <id>', 'stamp this org on the events, so per-org placeholders (%EngineeringHosts%, ...) resolve')
    .option('--registry <file>', 'org registry for --org and placeholders (default: seeds/orgs.yaml)')
    .option('--quiet', 'do not report unreadable lines and rule problems on stderr')
    .argument('<files...>', 'log files')
    .action(async (files: string[], opts: HuntCliOptions) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new Error(`--format must be table or json, not "${opts.format}"`);
      const registry = OrgRegistry.load(opts.registry ?? defaultRegistryPath());
      const placeholders = new RegistryPlaceholderSource(registry);
      const ruleSet = loadRules(opts.rules, { placeholders });
      const errors = ruleSet.problems.filter((p) => p.severity === 'error');
      if (!opts.quiet) {
        for (const p of ruleSet.problems) process.stderr.write(`${p.severity} ${p.location.file}${p.location.line ? `:${p.location.line}` : ''}: ${p.message}\n`);
      }
      if (ruleSet.rules.length === 0 && ruleSet.correlations.length === 0) throw new Error(`no usable rules under ${opts.rules.join(', ')}${errors.length ? ` (${errors.length} with errors)` : ''}`);
      let org;
      if (opts.org) {
        org = registry.stamp(opts.org);
        if (!org) throw new Error(`--org ${opts.org} is not in the registry`);
      }
      let unreadable = 0;
      const out = process.stdout;
      if (opts.format === 'table') out.write(['time', 'level', 'rule', 'where', 'what'].join('\t') + '\n');
      const summary = await hunt({
        ruleSet, parsers, files, placeholders,
        ...(opts.parser ? { parser: opts.parser } : {}),
        ...(org ? { org } : {}),
        onProblem: (p) => {
          unreadable++;
          if (!opts.quiet && unreadable <= 20) process.stderr.write(`unreadable ${p.file}:${p.line}: ${p.code}: ${p.reason}\n`);
        },
      }, (hit) => {
        out.write(opts.format === 'json' ? JSON.stringify(hitToJson(hit)) + '\n' : hitToRow(hit).join('\t') + '\n');
      });
      if (!opts.quiet) {
        process.stderr.write(`${summary.events} events from ${summary.files.length} files (${summary.files.map((f) => `${basename(f.file)}: ${f.parser}`).join(', ')}), `
          + `${ruleSet.rules.length} rules, ${ruleSet.correlations.length} correlations: ${summary.hits} hits${unreadable ? `, ${unreadable} unreadable lines` : ''}\n`);
      }
    });
}
