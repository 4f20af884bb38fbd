import { expect } from 'chai';
import { parseRuleText } from '../../../../detector/sigma/parse.js';
import { parseTimespan } from '../../../../detector/sigma/parse/correlation.js';

const corr = (body: string, extra = '') => parseRuleText(`title: Corr\nid: 0e95725d-7320-415d-80f7-004da920fc11\n${extra}correlation:\n${body}`, 'c.yml');

describe('sigma correlation', () => {
  describe('parseTimespan', () => {
    it('converts units to milliseconds', () => {
      expect(parseTimespan('30s')).to.equal(30_000);
      expect(parseTimespan('90m')).to.equal(5_400_000);
      expect(parseTimespan('1h')).to.equal(3_600_000);
      expect(parseTimespan('2d')).to.equal(172_800_000);
      expect(parseTimespan('1w')).to.equal(604_800_000);
    });
    it('refuses bad timespans', () => {
      for (const t of ['1x', 'm', '0s', '1.5h', '10']) expect(() => parseTimespan(t), t).to.throw(/timespan/);
    });
  });

  describe('parseCorrelation', () => {
    it('parses an event_count rule', () => {
      const set = corr('    type: event_count\n    rules:\n        - failed_logon\n    group-by:\n        - User\n    timespan: 5m\n    condition:\n        gte: 10\n', 'level: high\n');
      expect(set.problems).to.deep.equal([]);
      expect(set.correlations[0]).to.deep.include({
        kind: 'correlation', type: 'event_count', rules: ['failed_logon'], groupBy: ['User'], timespanMs: 300_000, condition: { gte: 10 }, generate: false, level: 'high',
      });
    });
    it('parses ranges, fields, aliases and generate', () => {
      const set = corr(
        '    type: value_count\n    rules: [a, b]\n    aliases:\n        ip:\n            a: SourceIp\n            b: DestinationIp\n    group-by: [ip]\n    timespan: 1h\n    condition:\n        field: User\n        gt: 5\n        lte: 10\n',
        'generate: true\n',
      );
      expect(set.problems).to.deep.equal([]);
      expect(set.correlations[0]).to.deep.include({
        aliases: { ip: { a: 'SourceIp', b: 'DestinationIp' } }, condition: { gt: 5, lte: 10, field: 'User' }, generate: true,
      });
    });
    it('defaults a temporal condition to all referenced rules', () => {
      const set = corr('    type: temporal_ordered\n    rules: [a, b, c]\n    group-by: [host]\n    timespan: 10m\n');
      expect(set.correlations[0].condition).to.deep.equal({ gte: 3 });
    });
    it('parses value_percentile with a percentile', () => {
      const set = corr('    type: value_percentile\n    rules: [p]\n    group-by: [ComputerName]\n    timespan: 24h\n    condition:\n        field: Image\n        percentile: 95\n        lte: 1\n');
      expect(set.problems).to.deep.equal([]);
      expect(set.correlations[0].condition).to.deep.equal({ lte: 1, field: 'Image', percentile: 95 });
    });
    it('needs condition.field for value types', () => {
      for (const type of ['value_count', 'value_sum', 'value_avg', 'value_percentile']) {
        const set = corr(`    type: ${type}\n    rules: [a]\n    group-by: [u]\n    timespan: 1h\n    condition:\n        gt: 1\n`);
        expect(set.correlations, type).to.have.length(0);
        expect(set.problems[0]).to.deep.include({ severity: 'error', key: 'correlation.condition.field' });
      }
    });
    it('refuses a missing condition for event_count, unknown types and keys', () => {
      expect(corr('    type: event_count\n    rules: [a]\n    timespan: 1h\n').problems[0].message).to.match(/missing required attribute condition/);
      expect(corr('    type: event_sum\n    rules: [a]\n    timespan: 1h\n').problems[0].key).to.equal('correlation.type');
      expect(corr('    type: event_count\n    rules: [a]\n    timespan: 1h\n    condition: {gt: 1}\n    bogus: 1\n').problems[0].key).to.equal('correlation');
    });
    it('reports a bad timespan at its line', () => {
      const [p] = corr('    type: event_count\n    rules: [a]\n    timespan: soon\n    condition: {gt: 1}\n').problems;
      expect(p).to.deep.include({ key: 'correlation.timespan' });
      expect(p.location.line).to.equal(6);
    });
    it('reports aliases naming rules outside the correlation', () => {
      const [p] = corr('    type: temporal\n    rules: [a]\n    aliases:\n        ip:\n            z: x\n    timespan: 1h\n').problems;
      expect(p.message).to.match(/alias ip maps rule z/);
    });
  });
});
