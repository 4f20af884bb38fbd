import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { parseYamlDocuments } from '../../../../detector/sigma/parse/yaml.js';

describe('parseYamlDocuments', () => {
  it('refuses nesting beyond the limit before parsing, with the line', () => {
    const [doc] = parseYamlDocuments(`title: x\ndetection:\n${'- '.repeat(20_000)}x\n`);
    expect(doc.value).to.equal(null);
    expect(doc.errors).to.deep.equal([{ message: 'nested too deeply (more than 200 levels of lists and maps, line 3): refused before parsing', line: 3 }]);
  });

  // Found by fuzzing (test/hostile/fuzz.test.ts): the second of two such rules aborted the process inside V8
  // ("RegExpCompiler Allocation failed - process out of memory"); a single one threw RangeError out of parseRuleText.
  it('survives rule after rule of `- - - ...` thousands deep (in a child process: before the fix it aborted)', () => {
    const parseModule = new URL('../../../../detector/sigma/parse.js', import.meta.url).href;
    const script = `const { parseRuleText } = await import(${JSON.stringify(parseModule)});
      for (const n of [3000, 10000, 20000, 3000]) {
        const r = parseRuleText('- '.repeat(n) + 'x\\n', 'f.yml');
        if (r.problems.length !== 1 || !/nested too deeply/.test(r.problems[0].message)) throw new Error(JSON.stringify(r.problems));
      }
      console.log('ok');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).to.equal('');
    expect(child.status).to.equal(0);
    expect(child.stdout.trim()).to.equal('ok');
  });
});
