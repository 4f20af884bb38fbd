import { expect } from 'chai';
import { replaceSection } from '../../bench/report.js';

describe('replaceSection', () => {
  it('appends a section that is not there yet', () => {
    expect(replaceSection('# Benchmarks\n', 'A', 'figures')).to.equal('# Benchmarks\n\n## A\n\nfigures\n');
  });
  it('replaces only its own section and keeps the others', () => {
    const doc = '# B\n\n## A\n\nold a\n\n## C\n\nkeep c\n';
    expect(replaceSection(doc, 'A', 'new a')).to.equal('# B\n\n## A\n\nnew a\n\n## C\n\nkeep c\n');
    expect(replaceSection(doc, 'C', 'new c')).to.equal('# B\n\n## A\n\nold a\n\n## C\n\nnew c\n');
  });
});
