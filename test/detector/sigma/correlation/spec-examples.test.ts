/**
 * The Sigma specification's own correlation examples, parsed from the
 * corpus (the example files under tests/schema/correlation and the YAML
 * blocks of the correlation specification) and run through the engine.
 * Events use the rules' field names as written (no field mapping).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { CorrelationEngine, type CorrelationHit, type ReferencedRule } from '../../../../detector/sigma/correlation/index.js';
import type { CorrelationRule, DetectionRule } from '../../../../detector/sigma/model.js';
import { parseRuleText } from '../../../../detector/sigma/parse.js';
import { corpusPath } from '../../../helpers/paths.js';
import { MINUTE, SECOND, T0, detection } from './build.js';

function exampleFile(name: string): CorrelationRule {
  const file = corpusPath('sigma-specification', 'tests', 'schema', 'correlation', name);
  const set = parseRuleText(readFileSync(file, 'utf8'), file);
  expect(set.problems).to.deep.equal([]);
  expect(set.correlations).to.have.length(1);
  return set.correlations[0]!;
}

/** The ```yml blocks of the correlation specification, in order. */
function specBlocks(): string[] {
  const text = readFileSync(corpusPath('sigma-specification', 'specification', 'sigma-correlation-rules-specification.md'), 'utf8');
  return [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

const at = (offsetMs: number, fields: Record<string, unknown>): Record<string, unknown> => ({ '@timestamp': new Date(T0 + offsetMs).toISOString(), ...fields });

function run(correlation: CorrelationRule, rules: readonly DetectionRule[], hits: readonly (readonly [ReferencedRule, unknown])[]): CorrelationHit[] {
  const engine = new CorrelationEngine({ correlations: [correlation], rules, latenessMs: 0 });
  expect(engine.problems).to.deep.equal([]);
  const out: CorrelationHit[] = [];
  for (const [rule, event] of hits) out.push(...engine.onRuleHit(rule, event));
  return [...out, ...engine.flush()];
}

describe('CorrelationEngine (specification examples)', () => {
  describe('tests/schema/correlation', () => {
    const failures = detection('failed_login_base', '5638f7c0-ac70-491d-8465-2a65075e0d86');

    it('event_count.yml: 100 failed logins on one host within an hour', () => {
      const rule = exampleFile('event_count.yml');
      const hundred = Array.from({ length: 100 }, (_, i) => [failures, at(i * 30 * SECOND, { ComputerName: 'ws1' })] as const);
      expect(run(rule, [failures], hundred).map((h) => [h.groupKey.ComputerName, h.value])).to.deep.equal([['ws1', 100]]);
      // 99 in the hour, the 100th 61 minutes after the first: no hit.
      const spread = [...hundred.slice(0, 99), [failures, at(61 * MINUTE, { ComputerName: 'ws1' })] as const];
      expect(run(rule, [failures], spread)).to.deep.equal([]);
    });

    it('event_count_ecs.yml: grouped by an ECS field', () => {
      const rule = exampleFile('event_count_ecs.yml');
      const query = (i: number, name: string): readonly [ReferencedRule, unknown] => [failures, at(i, { dns: { question: { name } } })];
      const hits = run(rule, [failures], [
        ...Array.from({ length: 99 }, (_, i) => [query(2 * i, 'a.example'), query(2 * i + 1, 'b.example')]).flat(),
        query(199, 'b.example'),
      ]);
      expect(hits.map((h) => h.groupKey['dns.question.name'])).to.deep.equal(['b.example']);
    });

    it('value_count.yml: 100 distinct users per source and destination in a day', () => {
      const rule = exampleFile('value_count.yml');
      const login = (i: number, user: string, host = 'dc1'): readonly [ReferencedRule, unknown] =>
        [failures, at(i * MINUTE, { ComputerName: host, WorkstationName: 'ws7', User: user })];
      const hits = run(rule, [failures], [
        ...Array.from({ length: 99 }, (_, i) => login(i, `user${i}`)),
        login(100, 'user0'),
        login(101, 'user100', 'dc2'),
      ]);
      expect(hits).to.deep.equal([]);
      const hundred = run(rule, [failures], Array.from({ length: 100 }, (_, i) => login(i, `user${i}`)));
      expect(hundred.map((h) => [h.groupKey, h.value])).to.deep.equal([[{ ComputerName: 'dc1', WorkstationName: 'ws7' }, 100]]);
    });

    it('temporal.yml: three recon commands in any order within 5 minutes', () => {
      const rule = exampleFile('temporal.yml');
      const recon = ['recon_cmd_a', 'recon_cmd_b', 'recon_cmd_c'].map((name) => detection(name));
      const cmd = (i: number, offset: number, user = 'op'): readonly [ReferencedRule, unknown] => [recon[i]!, at(offset, { ComputerName: 'hmi1', User: user })];
      expect(run(rule, recon, [cmd(2, 0), cmd(0, MINUTE), cmd(1, 2 * MINUTE)])).to.have.length(1);
      expect(run(rule, recon, [cmd(2, 0), cmd(0, MINUTE), cmd(1, 2 * MINUTE, 'other')])).to.deep.equal([]);
      expect(run(rule, recon, [cmd(2, 0), cmd(0, MINUTE), cmd(1, 6 * MINUTE)])).to.deep.equal([]);
    });

    it('temporal_ordered.yml: the same commands, only in the listed order', () => {
      const rule = exampleFile('temporal_ordered.yml');
      const recon = ['recon_cmd_a', 'recon_cmd_b', 'recon_cmd_c'].map((name) => detection(name));
      const cmd = (i: number, offset: number): readonly [ReferencedRule, unknown] => [recon[i]!, at(offset, { ComputerName: 'hmi1', User: 'op' })];
      expect(run(rule, recon, [cmd(0, 0), cmd(1, MINUTE), cmd(2, 2 * MINUTE)])).to.have.length(1);
      expect(run(rule, recon, [cmd(2, 0), cmd(0, MINUTE), cmd(1, 2 * MINUTE)])).to.deep.equal([]);
    });

    it('value_sum.yml: more than 1 MB sent by one user from one address in an hour', () => {
      const rule = exampleFile('value_sum.yml');
      const access = detection('website_access');
      const sent = (offset: number, bytes: number): readonly [ReferencedRule, unknown] => [access, at(offset, { SourceIP: '2001:db8::10', User: 'bob', bytes_sent: bytes })];
      expect(run(rule, [access], [sent(0, 600_000), sent(30 * MINUTE, 400_001)]).map((h) => h.value)).to.deep.equal([1_000_001]);
      expect(run(rule, [access], [sent(0, 600_000), sent(30 * MINUTE, 400_000)])).to.deep.equal([]);
    });

    it('value_avg.yml: average BytesOut above 500 over 24 hours', () => {
      const rule = exampleFile('value_avg.yml');
      const base = detection('rule_a', 'rule_a_id');
      const out = (offset: number, bytes: number): readonly [ReferencedRule, unknown] => [base, at(offset, { SourceIP: '10.0.0.1', User: 'bob', BytesOut: bytes })];
      expect(run(rule, [base], [out(0, 200), out(MINUTE, 900)]).map((h) => h.value)).to.deep.equal([550]);
      expect(run(rule, [base], [out(0, 200), out(MINUTE, 700)])).to.deep.equal([]);
    });

    it('value_percentile.yml: the median of the field at most 1 (numeric values)', () => {
      const rule = exampleFile('value_percentile.yml');
      const base = detection('process_creation');
      const proc = (offset: number, image: unknown): readonly [ReferencedRule, unknown] => [base, at(offset, { ComputerName: 'ws1', Image: image })];
      expect(run(rule, [base], [proc(0, 0), proc(1, 1), proc(2, 5)]).map((h) => h.value)).to.deep.equal([1]);
      expect(run(rule, [base], [proc(0, 1), proc(1, 2), proc(2, 5)])).to.deep.equal([]);
      // The example's Image is a path in real events: no numbers, no percentile, no hit.
      expect(run(rule, [base], [proc(0, 'C:\\Windows\\a.exe')])).to.deep.equal([]);
    });
  });

  describe('specification text', () => {
    it('Failed Logins Followed by Successful Login (chained, by name)', () => {
      const block = specBlocks().find((b) => b.includes('Correlation - Multiple Failed Logins Followed by Successful Login'));
      const set = parseRuleText(block!, 'spec-example.yml');
      expect(set.problems).to.deep.equal([]);
      const engine = new CorrelationEngine({ correlations: set.correlations, rules: set.rules, latenessMs: 0 });
      expect(engine.problems).to.deep.equal([]);
      const [failed, success] = [set.rules.find((r) => r.name === 'failed_login')!, set.rules.find((r) => r.name === 'successful_login')!];
      expect(engine.generates(failed)).to.equal(false);
      expect(engine.generates(success)).to.equal(false);

      const hits: CorrelationHit[] = [];
      for (let i = 0; i < 10; i++) hits.push(...engine.onRuleHit(failed, at(i * 30 * SECOND, { EventID: 4625, User: 'admin' })));
      hits.push(...engine.onRuleHit(success, at(6 * MINUTE, { EventID: 4624, User: 'admin' })));
      hits.push(...engine.onRuleHit(success, at(6 * MINUTE, { EventID: 4624, User: 'guest' })));
      expect(hits.map((h) => [h.correlation.title, h.groupKey.User, h.standalone])).to.deep.equal([
        ['Multiple failed logons', 'admin', false],
        ['Correlation - Multiple Failed Logins Followed by Successful Login', 'admin', true],
      ]);
      expect(hits[1]!.correlation.level).to.equal('high');

      // Nine failures are not enough.
      const fresh = new CorrelationEngine({ correlations: set.correlations, rules: set.rules, latenessMs: 0 });
      const few: CorrelationHit[] = [];
      for (let i = 0; i < 9; i++) few.push(...fresh.onRuleHit(failed, at(i * 30 * SECOND, { EventID: 4625, User: 'admin' })));
      few.push(...fresh.onRuleHit(success, at(6 * MINUTE, { EventID: 4624, User: 'admin' })));
      expect(few).to.deep.equal([]);
    });

    it('Field Name Aliases Example (the correlation block)', () => {
      const block = specBlocks().find((b) => b.includes('internal_ip:') && b.includes('correlation:'));
      // The example's title and id are placeholders ("—"), which is not a valid id.
      const set = parseRuleText(block!.replace(/^id: —\n/m, ''), 'spec-aliases.yml');
      expect(set.problems).to.deep.equal([]);
      const internalError = detection('internal_error');
      const newConnection = detection('new_network_connection');
      const engine = new CorrelationEngine({ correlations: set.correlations, rules: [internalError, newConnection], latenessMs: 0 });
      const flow = (offset: number, src: string, dst: string): Record<string, unknown> => at(offset, { source: { ip: src }, destination: { ip: dst } });
      const hits = [
        ...engine.onRuleHit(internalError, flow(0, '198.51.100.20', '10.0.0.5')),
        ...engine.onRuleHit(newConnection, flow(4 * SECOND, '10.0.0.5', '198.51.100.21')),
        ...engine.onRuleHit(newConnection, flow(5 * SECOND, '10.0.0.5', '198.51.100.20')),
      ];
      expect(hits.map((h) => h.groupKey)).to.deep.equal([{ internal_ip: '10.0.0.5', remote_ip: '198.51.100.20' }]);
    });
  });
});
