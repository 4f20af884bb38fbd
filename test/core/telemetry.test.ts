import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CounterMetrics, JsonLogger, MetricNames } from '../../core/telemetry.js';
import { CorrelationMetricNames } from '../../detector/sigma/correlation/index.js';
import { SourceMetric } from '../../collector/sources/telemetry.js';
import { repoRoot } from '../helpers/paths.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('telemetry', () => {
  describe('MetricNames', () => {
    it('documents every counter the code increments by literal name', () => {
      const used = new Set<string>();
      for (const dir of ['collector', 'core', 'detector', 'cli']) {
        for (const file of sourceFiles(join(repoRoot, dir))) {
          for (const m of readFileSync(file, 'utf8').matchAll(/increment\(\s*'([a-z_.]+)'/g)) used.add(m[1]);
        }
      }
      expect(used.size).to.be.greaterThan(3);
      expect([...used].filter((name) => !(name in MetricNames))).to.deep.equal([]);
    });
    it('documents the named catalogues of the sources and the correlation engine', () => {
      const named = [...Object.values(SourceMetric), ...Object.keys(CorrelationMetricNames)];
      expect(named.filter((name) => !(name in MetricNames))).to.deep.equal([]);
    });
  });

  describe('CounterMetrics', () => {
    it('counts per label set and totals over them', () => {
      const m = new CounterMetrics();
      m.increment('collector.records_dropped', { reason: 'schema' });
      m.increment('collector.records_dropped', { reason: 'schema' }, 2);
      m.increment('collector.records_dropped', { reason: 'too-large' });
      m.increment('collector.events_accepted', {}, 0);
      expect(m.get('collector.records_dropped', { reason: 'schema' })).to.equal(3);
      expect(m.total('collector.records_dropped')).to.equal(4);
      expect(m.snapshot()).to.deep.equal({
        'collector.records_dropped{reason="schema"}': 3,
        'collector.records_dropped{reason="too-large"}': 1,
      });
    });
  });

  describe('JsonLogger', () => {
    it('writes one JSON object per line with context, fields and the error under `error`, above its level only', () => {
      const lines: string[] = [];
      const log = new JsonLogger('info', { node: 'n1' }, (line) => lines.push(line)).child({ source: 'http' });
      log.debug('hidden');
      log.error('store failed', { batch: 3, error: new Error('disk full') });
      expect(lines).to.have.length(1);
      const entry = JSON.parse(lines[0]) as Record<string, unknown>;
      expect(entry).to.deep.include({ level: 'error', msg: 'store failed', node: 'n1', source: 'http', batch: 3 });
      expect(entry.error).to.deep.include({ message: 'disk full', type: 'Error' });
    });
  });
});
