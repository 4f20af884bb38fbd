import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkRules, formatSummary, summarize } from '../../../detector/sigma/check.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';

const GOOD = 'title: Good\nlogsource: {product: windows}\ndetection:\n    sel:\n        a: 1\n    condition: sel\n';
const BAD = 'title: Bad\nlogsource: {product: windows}\ndetection:\n    sel:\n        Image|foo: 1\n    condition: sel\n';
const PLACEHOLDER = "title: Ph\nlogsource: {product: windows}\ndetection:\n    sel:\n        Host|expand: '%Servers%'\n    condition: sel\n";

function fixture(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'a_good.yml'), GOOD);
  writeFileSync(join(dir, 'b_bad.yml'), BAD);
  writeFileSync(join(dir, 'c_placeholder.yml'), PLACEHOLDER);
  return dir;
}

describe('sigma check', () => {
  describe('checkRules', () => {
    it('gives ok / error with cause and line / unsupported with feature per file', () => {
      const dir = fixture();
      const outcomes = checkRules([dir]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(['ok', 'error', 'unsupported']);
      const bad = outcomes[1];
      if (bad.status !== 'error') throw new Error('expected error');
      expect(bad.cause).to.equal('line 5, detection.sel.Image|foo: unknown modifier "foo" (rule "Bad", document 0)');
      const ph = outcomes[2];
      if (ph.status !== 'unsupported') throw new Error('expected unsupported');
      expect(ph.feature).to.equal('placeholder %Servers%');
      expect(formatSummary(summarize(outcomes))).to.equal('3 files: 1 ok, 1 unsupported, 1 error');
    });
  });

  describe('iisa rules check', () => {
    const main = fileURLToPath(new URL('../../../cli/main.js', import.meta.url));
    it('prints one line per file and the summary, exit 1 on errors', () => {
      const dir = fixture();
      let stdout = '';
      let status = 0;
      try {
        execFileSync(process.execPath, [main, 'rules', 'check', dir], { encoding: 'utf8' });
      } catch (err) {
        const e = err as { stdout: string; status: number };
        stdout = e.stdout;
        status = e.status;
      }
      expect(status).to.equal(1);
      const lines = stdout.trimEnd().split('\n');
      expect(lines).to.deep.equal([
        `ok ${join(dir, 'a_good.yml')}`,
        `error ${join(dir, 'b_bad.yml')}: line 5, detection.sel.Image|foo: unknown modifier "foo" (rule "Bad", document 0)`,
        `unsupported ${join(dir, 'c_placeholder.yml')}: placeholder %Servers%`,
        '3 files: 1 ok, 1 unsupported, 1 error',
      ]);
    });
    it('resolves the placeholders a node knows from its registry, so iisa\'s own rules are all ok', function () {
      this.timeout(30_000);
      const out = execFileSync(process.execPath, [main, 'rules', 'check', join(repoRoot, 'rules')], { encoding: 'utf8' });
      const summary = /^(\d+) files: (\d+) ok, 0 unsupported, 0 error$/.exec(out.trimEnd().split('\n').pop()!);
      expect(summary, out.slice(-500)).to.not.equal(null);
      expect(summary![1]).to.equal(summary![2]);
    });
    it('exits 0 when nothing is in error', () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'a.yml'), GOOD);
      const out = execFileSync(process.execPath, [main, 'rules', 'check', dir], { encoding: 'utf8' });
      expect(out.trimEnd().split('\n').pop()).to.equal('1 files: 1 ok, 0 unsupported, 0 error');
    });
  });
});
