/**
 * Hunting the simulator's labelled traffic with iisa's own rules finds every
 * attack scenario. Each enterprise hunts its own logs (as it would: its
 * files, its org, so its allow-lists apply); the test prints precision and
 * recall per scenario.
 *
 * Recall of a scenario: the share of its labelled lines that some hit points
 * at. Precision: of the lines flagged by the rules that fired on the
 * scenario, the share that are attack lines (of this or another scenario:
 * a rule for S7 program downloads rightly fires on both the firmware and the
 * PLC-stop scenarios); the rest are background traffic, false alarms.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OrgRegistry } from '../../core/orgs.js';
import { parsers } from '../../collector/parsers/index.js';
import { detectionEvents, ruleKey } from '../../detector/detector.js';
import { hunt } from '../../detector/hunt/hunt.js';
import { loadRules } from '../../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../../detector/sigma/placeholders.js';
import { generateTraffic, scenarioNames, streamPreamble } from '../../seeds/simulator/simulate.js';
import { repoRoot, tempDir } from '../helpers/paths.js';

const run = promisify(execFile);

interface OrgFiles { org: string; files: Map<string, string[]>; labels: Map<string, string> }

/** The simulator's traffic split per org into native files; labels by `file:line`. */
function writeTraffic(dir: string): Map<string, OrgFiles> {
  const byOrg = new Map<string, OrgFiles>();
  for (const rec of generateTraffic({ scenario: 'all', durationSeconds: 900, rate: 25, seed: 21 })) {
    let org = byOrg.get(rec.org);
    if (!org) { org = { org: rec.org, files: new Map(), labels: new Map() }; byOrg.set(rec.org, org); }
    const file = join(dir, rec.org, `${rec.parser}.log`);
    let lines = org.files.get(file);
    if (!lines) { lines = [...streamPreamble(rec.parser)]; org.files.set(file, lines); }
    lines.push(rec.line);
    if (rec.scenario) org.labels.set(`${file}:${lines.length}`, rec.scenario);
  }
  for (const { org, files } of byOrg.values()) {
    mkdirSync(join(dir, org), { recursive: true });
    for (const [file, lines] of files) writeFileSync(file, lines.join('\n') + '\n');
  }
  return byOrg;
}

describe('iisa hunt over the simulator\'s labelled traffic', function () {
  this.timeout(180_000);

  it('finds every attack scenario, and reports precision and recall per scenario', async () => {
    const dir = tempDir('iisa-hunt-sim-');
    const traffic = writeTraffic(dir);
    const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
    const placeholders = new RegistryPlaceholderSource(registry);
    const ruleSet = loadRules([join(repoRoot, 'rules')], { placeholders });
    expect(ruleSet.problems.filter((p) => p.severity === 'error')).to.deep.equal([]);

    const labelled = new Map<string, Set<string>>();     // scenario -> its lines
    const flaggedBy = new Map<string, Set<string>>();    // rule -> lines it flagged
    for (const { org, files, labels } of traffic.values()) {
      for (const [where, scenario] of labels) {
        let set = labelled.get(scenario);
        if (!set) labelled.set(scenario, set = new Set());
        set.add(where);
      }
      await hunt({ ruleSet, parsers, files: [...files.keys()], org: registry.stamp(org)!, placeholders }, (hit) => {
        const rule = ruleKey(hit.detection.rule);
        let set = flaggedBy.get(rule);
        if (!set) flaggedBy.set(rule, set = new Set());
        for (const event of detectionEvents(hit.detection)) {
          const at = hit.locate(event);
          if (at) set.add(`${at.file}:${at.line}`);
        }
      });
    }

    const attackLines = new Set([...labelled.values()].flatMap((set) => [...set]));
    const rows: string[] = [];
    const missed: string[] = [];
    for (const scenario of scenarioNames()) {
      const lines = labelled.get(scenario);
      expect(lines, `scenario ${scenario} wrote labelled lines`).to.not.equal(undefined);
      const rules = [...flaggedBy].filter(([, flagged]) => [...flagged].some((l) => lines!.has(l)));
      const flagged = new Set(rules.flatMap(([, f]) => [...f]));
      const found = [...lines!].filter((l) => flagged.has(l)).length;
      if (found === 0) missed.push(scenario);
      const recall = found / lines!.size;
      const precision = flagged.size ? [...flagged].filter((l) => attackLines.has(l)).length / flagged.size : 0;
      rows.push(`${scenario.padEnd(28)} lines ${String(lines!.size).padStart(4)}  recall ${recall.toFixed(2)}  precision ${precision.toFixed(2)}  rules ${rules.length}`);
    }
    process.stdout.write(`      precision and recall per scenario:\n${rows.map((r) => `        ${r}`).join('\n')}\n`);
    expect(missed, 'scenarios no rule found').to.deep.equal([]);
  });

  it('prints hits as JSON lines with rule, event and location through the CLI', async () => {
    const dir = tempDir('iisa-hunt-cli-');
    const traffic = writeTraffic(dir);
    // The org the PLC stop scenario hit.
    const target = [...traffic.values()].find((o) => [...o.labels.values()].includes('plc-stop'))!;
    const { stdout } = await run(process.execPath, [join(repoRoot, 'bin', 'iisa.js'), 'hunt', '--rules', join(repoRoot, 'rules'),
      '--org', target.org, '--format', 'json', '--quiet', ...target.files.keys()], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    const hits = stdout.trim().split('\n').map((l) => JSON.parse(l) as {
      rule: { id: string; title: string; level: string; tags: string[] };
      event?: { org: { id: string } }; location?: { file: string; line: number };
      correlation?: unknown; events?: { event: unknown; location: { file: string; line: number } }[];
    });
    const stop = hits.filter((h) => h.event && /stop/i.test(h.rule.title));
    expect(stop.length, 'a PLC stop hit').to.be.greaterThan(0);
    for (const h of stop) {
      expect(h.rule.id).to.match(/^[0-9a-f-]{36}$/);
      expect(h.rule.tags.some((t) => /^attack\.t0\d{3}$/.test(t))).to.equal(true);
      expect(h.event!.org.id).to.equal(target.org);
      expect(target.labels.get(`${h.location!.file}:${h.location!.line}`)).to.equal('plc-stop');
    }
    const correlations = hits.filter((h) => h.correlation);
    for (const h of correlations) expect(h.events!.length).to.be.greaterThan(0);
  });
});
