import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConfigError } from '../../../core/config.js';
import { Categories, Criticalities, OrgSchema } from '../../../core/orgs.js';
import type { Asset, Org } from '../../../core/orgs.js';
import {
  defaultGradingPolicyPath, gradeHit, gradeRank, Grades, loadGradingPolicy, moreSerious,
} from '../../../detector/alerts/grading.js';
import type { Grade, GradeResult, GradingInput, GradingPolicy } from '../../../detector/alerts/grading.js';
import { SigmaLevels } from '../../../detector/sigma/model.js';
import { loadRules, ruleFiles } from '../../../detector/sigma/parse.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';

const shippedPath = join(repoRoot, 'rules', 'grading.policy.yml');
const shipped = loadGradingPolicy(shippedPath);

// Orgs modelled on seeds/orgs.yaml, built here so that editing the demo seeds cannot move these grades.
function org(id: string, category: Org['category'], grade: number, assets: { id: string; kind: Asset['kind']; criticality: Asset['criticality']; ips: string[] }[] = []): Org {
  return OrgSchema.parse({
    id, name: id, tier: 'enterprise', province: 'JS', industry: 'automotive', category, grade,
    assets: assets.map((a) => ({ ...a, name: a.id })),
  });
}

const jinling = org('js-jinling-motor', 'industrial', 3, [
  { id: 'plc-01', kind: 'plc', criticality: 'critical', ips: ['10.10.1.10', '2001:db8:10:1::10'] },
  { id: 'hmi-01', kind: 'hmi', criticality: 'high', ips: ['10.10.2.20', '2001:db8:10:2::20'] },
  { id: 'hmi-02', kind: 'hmi', criticality: 'medium', ips: ['10.10.2.21', '2001:db8:10:2::21'] },
]);
const suxin = org('js-suxin-micro', 'industrial', 2, [
  { id: 'plc-02', kind: 'plc', criticality: 'high', ips: ['10.12.1.11', '2001:db8:12:1::11'] },
]);
const smallCloud = org('zj-smallcloud', 'platform', 1);
const cloudforge = org('js-cloudforge', 'platform', 3);

function asset(o: Org, id: string): Asset {
  const found = o.assets.find((a) => a.id === id);
  if (!found) throw new Error(`no asset ${id} in ${o.id}`);
  return found;
}

// Rule hits as the detector stores them (ruleId, level, tags copied from the rules/ files named).
const s7PlcStop = { ruleId: '7b6aa464-adda-4903-a0e6-75c35c93f81e', level: 'critical', tags: ['attack.inhibit-response-function', 'attack.t0858', 'attack.t0816', 'attack.t0881'] };
const s7WriteVariable = { ruleId: 'cd024318-cbfc-4e1c-972d-b09c5c1ad38c', level: 'high', tags: ['attack.impair-process-control', 'attack.t0836', 'attack.t0855'] };
const modbusRestart = { ruleId: 'a3d787ce-8315-43a5-9545-b7b31abd3757', level: 'high', tags: ['attack.inhibit-response-function', 'attack.t0816', 'attack.t0814'] };
const modbusWrite = { ruleId: '7f47dbc6-f543-427c-b92c-30b846069bc0', level: 'high', tags: ['attack.impair-process-control', 'attack.t0836', 'attack.t0855', 'attack.t0831'] };
const loginNewCountry = { ruleId: '251947d3-6f5a-4e31-9b42-d25f0a4f2724', level: 'medium', tags: ['attack.initial-access', 'attack.t1078'] };
const deviceDeregistered = { ruleId: '26abebf6-0dac-4e40-8fb8-493135c34a8a', level: 'low', tags: ['attack.impact', 'attack.t1485', 'attack.t0826'] };
const icsPortScan = { ruleId: '46555b9a-2dcc-4ea5-94fa-b1bd70488904', level: 'high', tags: ['attack.discovery', 'attack.t0846', 'attack.reconnaissance', 'attack.t1595'] };

/** The `+N` of each scored reason, summed. */
function pointsInReasons(result: GradeResult): number {
  return result.reasons.reduce((sum, r) => sum + Number(/: \+(\d+)$/.exec(r)?.[1] ?? 0), 0);
}

/** A policy file: the shipped one as data, changed by `edit`, written to a temp dir. */
function writePolicy(edit: (policy: Record<string, any>) => void): string { // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form edits of parsed YAML, bad ones on purpose
  const policy = parseYaml(readFileSync(shippedPath, 'utf8')) as Record<string, unknown>;
  edit(policy);
  const file = join(tempDir('iisa-grading-'), 'grading.yml');
  writeFileSync(file, stringifyYaml(policy));
  return file;
}

/** The ConfigError loading `file` throws (fails the test when it loads). */
function refusal(file: string): ConfigError {
  try {
    loadGradingPolicy(file);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.file).to.equal(file);
    expect(e.message).to.contain(file);
    return e;
  }
  throw new Error(`${file} loaded, expected a refusal`);
}

describe('grading', () => {
  describe('the shipped policy', () => {
    it('is the default policy path and loads', () => {
      expect(defaultGradingPolicyPath()).to.equal(shippedPath);
      expect(shipped.thresholds).to.deep.equal({ I: 12, II: 10, III: 8 });
      expect(shipped.escalation).to.deep.equal({ IV: [], III: ['provincial'], II: ['provincial', 'national'], I: ['provincial', 'national'] });
    });

    it('lives in rules/ as a .policy.yml file, which no Sigma rule loader reads as a rule', () => {
      expect(shippedPath.startsWith(join(repoRoot, 'rules'))).to.equal(true);
      expect(ruleFiles(join(repoRoot, 'rules')).filter((f) => /grading/.test(f))).to.deep.equal([]);
      // What would happen in rules/: it is not a Sigma rule.
      expect(loadRules([shippedPath]).problems).to.not.deep.equal([]);
    });

    it('names in overrides only rules that exist in rules/', () => {
      const all = loadRules([join(repoRoot, 'rules')]);
      const ids = new Set([...all.rules, ...all.correlations].map((r) => r.id));
      const named = shipped.overrides.flatMap((o) => o.rules ?? []);
      expect(named).to.have.length.above(0);
      for (const id of named) expect(ids.has(id), id).to.equal(true);
    });

    // Score properties the file's comments promise, over every level x grade x category x asset.
    describe('by score alone (no overrides)', () => {
      const plain: GradingPolicy = { ...shipped, overrides: [] };
      const criticalities = [undefined, ...Criticalities];
      const gradesOf = (level: string): Set<Grade> => {
        const out = new Set<Grade>();
        for (const grade of [1, 2, 3]) {
          for (const category of Categories) {
            for (const criticality of criticalities) {
              const assets = criticality ? [{ ...asset(jinling, 'plc-01'), criticality }] : [];
              out.add(gradeHit(plain, { ruleId: 'r', level, tags: [], org: org('ent', category, grade), assets }).grade);
            }
          }
        }
        return out;
      };
      it('keeps informational hits with the enterprise', () => {
        expect([...gradesOf('informational')]).to.deep.equal(['IV']);
      });
      it('lets only critical hits reach I, and high hits II', () => {
        for (const level of SigmaLevels) {
          const most = [...gradesOf(level)].sort((a, b) => gradeRank(a) - gradeRank(b))[0];
          const expected = { informational: 'IV', low: 'III', medium: 'III', high: 'II', critical: 'I' }[level];
          expect(most, level).to.equal(expected);
        }
      });
      it('reports every critical hit to the province at least', () => {
        expect([...gradesOf('critical')]).to.not.include('IV');
      });
    });
  });

  describe('gradeHit', () => {
    it('grades I: a critical rule on a critical PLC of a grade-3 industrial enterprise', () => {
      const r = gradeHit(shipped, { ...s7PlcStop, org: jinling, assets: [asset(jinling, 'hmi-01'), asset(jinling, 'plc-01')] });
      expect(r.grade).to.equal('I');
      expect(r.score).to.equal(14);
      expect(r.reasons).to.deep.equal([
        'rule level critical: +7',
        'enterprise grade 3: +2',
        'enterprise category industrial: +2',
        'asset plc-01 (critical, the most critical of 2 involved): +3',
        'score 14 reaches I (>= 12)',
      ]);
      expect(r.escalateTo).to.deep.equal(['provincial', 'national']);
    });

    it('grades II: a high rule on a critical PLC of a grade-3 industrial enterprise', () => {
      const r = gradeHit(shipped, { ...s7WriteVariable, org: jinling, assets: [asset(jinling, 'plc-01')] });
      expect(r).to.deep.include({ grade: 'II', score: 11, escalateTo: ['provincial', 'national'] });
      expect(r.reasons.at(-1)).to.equal('score 11 reaches II (>= 10)');
    });

    it('grades III: a high rule on a high asset of a grade-2 industrial enterprise', () => {
      const r = gradeHit(shipped, { ...modbusRestart, org: suxin, assets: [asset(suxin, 'plc-02')] });
      expect(r).to.deep.include({ grade: 'III', score: 9, escalateTo: ['provincial'] });
      expect(r.reasons).to.include('asset plc-02 (high): +2');
      expect(r.reasons.at(-1)).to.equal('score 9 reaches III (>= 8)');
    });

    it('grades IV: a medium rule with no asset at a grade-1 platform enterprise', () => {
      const r = gradeHit(shipped, { ...loginNewCountry, org: smallCloud, assets: [] });
      expect(r).to.deep.include({ grade: 'IV', score: 3, escalateTo: [] });
      expect(r.reasons).to.deep.equal([
        'rule level medium: +2',
        'enterprise grade 1: +0',
        'enterprise category platform: +1',
        'no registered asset involved: +0',
        'score 3 is below III (>= 8): IV',
      ]);
    });

    it('gives reasons whose points add up to the score and name the grade', () => {
      const inputs: GradingInput[] = [
        { ...s7PlcStop, org: jinling, assets: [asset(jinling, 'plc-01')] },
        { ...modbusRestart, org: suxin, assets: [asset(suxin, 'plc-02')] },
        { ...modbusWrite, org: jinling, assets: [] },
        { ...icsPortScan, org: jinling, assets: [asset(jinling, 'hmi-02'), asset(jinling, 'plc-01')] },
        { ruleId: 'x', tags: [], org: cloudforge, assets: [] },
      ];
      for (const input of inputs) {
        const r = gradeHit(shipped, input);
        expect(pointsInReasons(r), input.ruleId).to.equal(r.score);
        expect(r.reasons.filter((s) => s.startsWith(`score ${r.score} `)), input.ruleId).to.have.length(1);
        const last = r.reasons.at(-1) ?? '';
        expect(last.includes(` ${r.grade}`), `${input.ruleId}: ${last}`).to.equal(true);
      }
    });

    it('counts the most critical asset, whatever the order', () => {
      const assets = [asset(jinling, 'hmi-02'), asset(jinling, 'plc-01'), asset(jinling, 'hmi-01')];
      const a = gradeHit(shipped, { ...s7WriteVariable, org: jinling, assets });
      const b = gradeHit(shipped, { ...s7WriteVariable, org: jinling, assets: [...assets].reverse() });
      expect(a.score).to.equal(b.score);
      expect(a.reasons).to.include('asset plc-01 (critical, the most critical of 3 involved): +3');
    });

    describe('unknown level', () => {
      const base = { ruleId: 'r', tags: [], org: suxin, assets: [asset(suxin, 'plc-02')] };
      it('scores a missing level as unknownLevel (medium) and says so', () => {
        const missing = gradeHit(shipped, base);
        expect(missing.score).to.equal(gradeHit(shipped, { ...base, level: 'medium' }).score);
        expect(missing.reasons[0]).to.equal('rule level missing, counted as medium (unknownLevel): +2');
      });
      it('scores a level that is not a Sigma level the same way, naming it', () => {
        const odd = gradeHit(shipped, { ...base, level: 'severe' });
        expect(odd.reasons[0]).to.equal('rule level "severe" is not a Sigma level, counted as medium (unknownLevel): +2');
      });
      it('follows a changed unknownLevel', () => {
        const policy = loadGradingPolicy(writePolicy((p) => { p.unknownLevel = 'critical'; }));
        const r = gradeHit(policy, base);
        expect(r.score).to.equal(7 + 1 + 2 + 2);
        expect(r.grade).to.equal('I');
        expect(r.reasons[0]).to.equal('rule level missing, counted as critical (unknownLevel): +7');
      });
    });

    describe('overrides', () => {
      it('raises an ICS impact technique at a grade-3 industrial enterprise to II', () => {
        const r = gradeHit(shipped, { ...modbusWrite, org: jinling, assets: [] });
        expect(r.score).to.equal(8);
        expect(r.grade).to.equal('II');
        expect(r.reasons).to.include('score 8 reaches III (>= 8)');
        expect(r.reasons.at(-1)).to.match(/^overrides\[0\] \(tag attack\.t0831\) raises III to II: tampering with the physical process/);
        expect(r.escalateTo).to.deep.equal(['provincial', 'national']);
      });

      it('matches tags whatever their case', () => {
        const r = gradeHit(shipped, { ...modbusWrite, tags: modbusWrite.tags.map((t) => t.toUpperCase()), org: jinling, assets: [] });
        expect(r.grade).to.equal('II');
      });

      it('does not raise outside its enterprise grades and categories', () => {
        const grade2 = gradeHit(shipped, { ...modbusWrite, org: suxin, assets: [] });
        expect(grade2.grade).to.equal('IV');
        expect(grade2.reasons.some((s) => s.startsWith('overrides'))).to.equal(false);
        const platform = gradeHit(shipped, { ...deviceDeregistered, org: cloudforge, assets: [] });
        expect(platform.grade).to.equal('IV');
        expect(platform.reasons.some((s) => s.startsWith('overrides'))).to.equal(false);
      });

      it('records a raise that changes nothing', () => {
        const r = gradeHit(shipped, { ...modbusWrite, org: jinling, assets: [asset(jinling, 'plc-01')] });
        expect(r.grade).to.equal('II');
        expect(r.reasons.at(-1)).to.match(/^overrides\[0\] \(tag attack\.t0831\) asks at least II, already II: /);
      });

      it('caps a scan at III even on a critical PLC of a grade-3 enterprise', () => {
        const r = gradeHit(shipped, { ...icsPortScan, org: jinling, assets: [asset(jinling, 'plc-01')] });
        expect(r.score).to.equal(11);
        expect(r.grade).to.equal('III');
        expect(r.reasons.at(-1)).to.equal(`overrides[1] (rule ${icsPortScan.ruleId}) caps II at III: a scan by itself is reconnaissance; the attack that may follow is graded on its own`);
        expect(r.escalateTo).to.deep.equal(['provincial']);
      });

      it('applies caps after raises, so a cap holds', () => {
        const policy = loadGradingPolicy(writePolicy((p) => {
          p.overrides = [
            { rules: [s7PlcStop.ruleId], maxGrade: 'III', reason: 'lab PLCs are stopped all day' },
            { tags: ['attack.t0881'], minGrade: 'I', reason: 'service stop is always grave' },
          ];
        }));
        const r = gradeHit(policy, { ...s7PlcStop, org: suxin, assets: [] });
        expect(r.score).to.equal(10);
        expect(r.grade).to.equal('III');
        expect(r.reasons.slice(-2)).to.deep.equal([
          'overrides[1] (tag attack.t0881) raises II to I: service stop is always grave',
          `overrides[0] (rule ${s7PlcStop.ruleId}) caps I at III: lab PLCs are stopped all day`,
        ]);
        expect(r.escalateTo).to.deep.equal(['provincial']);
      });
    });

    describe('escalation', () => {
      it('follows a changed policy per grade', () => {
        const policy = loadGradingPolicy(writePolicy((p) => {
          p.escalation = { IV: [], III: [], II: ['provincial'], I: ['national', 'provincial'] };
        }));
        expect(gradeHit(policy, { ...s7PlcStop, org: jinling, assets: [asset(jinling, 'plc-01')] }).escalateTo).to.deep.equal(['national', 'provincial']);
        expect(gradeHit(policy, { ...s7WriteVariable, org: jinling, assets: [asset(jinling, 'plc-01')] }).escalateTo).to.deep.equal(['provincial']);
        expect(gradeHit(policy, { ...modbusRestart, org: suxin, assets: [asset(suxin, 'plc-02')] }).escalateTo).to.deep.equal([]);
        expect(gradeHit(policy, { ...loginNewCountry, org: smallCloud, assets: [] }).escalateTo).to.deep.equal([]);
      });

      it('hands out a fresh list each time', () => {
        const input = { ...s7PlcStop, org: jinling, assets: [] };
        gradeHit(shipped, input).escalateTo.push('provincial');
        expect(gradeHit(shipped, input).escalateTo).to.deep.equal(['provincial', 'national']);
      });
    });
  });

  describe('gradeRank and moreSerious', () => {
    it('ranks I most serious', () => {
      expect(Grades.map(gradeRank)).to.deep.equal([1, 2, 3, 4]);
      expect(moreSerious('I', 'II')).to.equal(true);
      expect(moreSerious('IV', 'III')).to.equal(false);
      expect(moreSerious('II', 'II')).to.equal(false);
    });
  });

  describe('loadGradingPolicy', () => {
    it('refuses an unknown key, naming its path', () => {
      const e = refusal(writePolicy((p) => { p.points.level.severe = 5; }));
      expect(e.problems).to.deep.equal(['points.level: unknown key "severe"']);
    });

    it('refuses a wrong type, naming its path', () => {
      const e = refusal(writePolicy((p) => { p.thresholds.II = 'ten'; }));
      expect(e.problems).to.have.length(1);
      expect(e.problems[0]).to.match(/^thresholds\.II: .*expected number/);
    });

    it('refuses fractional and negative points', () => {
      const e = refusal(writePolicy((p) => { p.points.asset.high = 1.5; p.points.category.idres = -1; }));
      expect(e.problems).to.have.members(['points.category.idres: points are 0 or more', 'points.asset.high: points are whole numbers']);
    });

    it('refuses thresholds that do not strictly decrease from I to III', () => {
      const e = refusal(writePolicy((p) => { p.thresholds = { I: 12, II: 12, III: 13 }; }));
      expect(e.problems).to.deep.equal([
        'thresholds.II: thresholds must strictly decrease from I to III: II (12) must be below I (12)',
        'thresholds.III: thresholds must strictly decrease from I to III: III (13) must be below II (12)',
      ]);
    });

    it('refuses a grade missing from escalation', () => {
      const e = refusal(writePolicy((p) => { delete p.escalation.II; }));
      expect(e.problems).to.deep.equal(['escalation.II: missing: every grade needs an escalation entry ([] keeps it with the enterprise)']);
    });

    it('refuses an unknown tier', () => {
      const e = refusal(writePolicy((p) => { p.escalation.III = ['province']; p.escalation.II = ['provincial', 'national', 'ministry']; }));
      expect(e.problems).to.have.members([
        'escalation.III[0]: unknown tier: tiers are provincial and national (the enterprise always keeps its alerts)',
        'escalation.II[2]: unknown tier: tiers are provincial and national (the enterprise always keeps its alerts)',
      ]);
    });

    it('refuses a tier listed twice and a grade reaching fewer tiers than a less serious one', () => {
      const e = refusal(writePolicy((p) => { p.escalation.I = ['national', 'national']; }));
      expect(e.problems).to.have.members([
        'escalation.I: tier national is listed twice',
        'escalation.I: I is more serious than II, so it must go at least where II goes (missing: provincial)',
      ]);
    });

    it('refuses overrides that match nothing, change nothing or contradict themselves', () => {
      const e = refusal(writePolicy((p) => {
        p.overrides = [
          { minGrade: 'II', reason: 'no matcher' },
          { tags: ['attack.t0831'], reason: 'no grade' },
          { rules: ['r'], minGrade: 'II', maxGrade: 'III', reason: 'at least II, at most III' },
          { rules: ['r'], minGrade: 'V', reason: 'no such grade' },
        ];
      }));
      expect(e.problems).to.have.members([
        'overrides[0]: an override needs rules or tags to say which hits it applies to',
        'overrides[1]: an override needs minGrade or maxGrade',
        'overrides[2].minGrade: minGrade II is more serious than maxGrade III: no grade is at least II and at most III',
        'overrides[3].minGrade: a grade is I, II, III or IV',
      ]);
    });

    it('reports every problem of a file at once', () => {
      const e = refusal(writePolicy((p) => {
        p.extra = true;
        p.thresholds.III = 20;
        p.escalation.IV = ['moon'];
        delete p.points.level.low;
      }));
      expect(e.problems).to.have.length(4);
      expect(e.problems).to.include('(top level): unknown key "extra"');
      expect(e.problems.filter((s) => s.startsWith('thresholds.III: '))).to.have.length(1);
      expect(e.problems.filter((s) => s.startsWith('thresholds.II: '))).to.have.length(0);
      expect(e.problems.filter((s) => s.startsWith('escalation.IV[0]: unknown tier'))).to.have.length(1);
      expect(e.problems).to.include('points.level.low: missing: give the points (a whole number, 0 or more)');
    });

    it('refuses a YAML syntax error with its line, and an unreadable file', () => {
      const file = join(tempDir('iisa-grading-'), 'grading.yml');
      writeFileSync(file, 'points:\n  level: [low\n');
      expect(refusal(file).problems[0]).to.match(/^line \d+/);
      expect(refusal(join(tempDir('iisa-grading-'), 'absent.yml')).problems[0]).to.match(/^cannot read: /);
    });

    it('freezes the policy', () => {
      expect(Object.isFrozen(shipped.escalation.I)).to.equal(true);
    });
  });
});
