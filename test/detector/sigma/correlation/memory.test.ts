import { expect } from 'chai';
import { measureStateMemory } from '../../../../detector/sigma/correlation/index.js';

describe('measureStateMemory', () => {
  it('builds the requested number of live groups and reports their memory', () => {
    for (const type of ['event_count', 'value_count', 'value_percentile', 'temporal_ordered'] as const) {
      const report = measureStateMemory({ groups: 2000, type, hitsPerGroup: 2 });
      expect(report.groups, type).to.equal(2000);
      expect(report.hits).to.equal(4000);
      expect(report.estimatedBytes).to.be.greaterThan(2000 * 100);
      expect(report.heapBytesPerGroup).to.equal(report.heapBytes / 2000);
    }
  });
});
