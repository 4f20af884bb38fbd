/**
 * Hostile YAML where iisa reads YAML from people and peers (node config,
 * token and account files, Sigma rules, advisories carrying rules): an
 * alias bomb ("billion laughs") and nesting thousands of levels deep are
 * refused with an error naming the file (and line) and saying what is
 * wrong, instead of exhausting memory or crashing with a stack overflow.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfigFile } from '../../core/config.js';
import { parseRuleText } from '../../detector/sigma/parse.js';
import { tempDir } from '../helpers/paths.js';

/** Ten levels of nine aliases each: 9^10 (3.5 billion) strings if expanded. */
function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const name = String.fromCharCode(97 + i);
    const previous = String.fromCharCode(96 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

const deepFlow = `detection: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
const deepBlock = `${Array.from({ length: 5000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`;

describe('hostile YAML', () => {
  const dir = tempDir('iisa-hostile-yaml-');

  for (const [name, text, reason] of [
    ['an alias bomb', aliasBomb(), /billion laughs/],
    ['flow nesting 100,000 deep', deepFlow, /nested too deeply/],
    ['block nesting 5,000 deep', deepBlock, /nested too deeply/],
  ] as const) {
    it(`refuses ${name} in a config file, naming the file and the reason`, () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, text);
      let error: unknown;
      try {
        loadConfigFile(file, z.unknown());
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.include(file).and.match(reason);
    });

    it(`reports ${name} in a rule file as a problem with its line, not a crash`, () => {
      const parsed = parseRuleText(text, 'hostile.yml');
      expect(parsed.rules).to.deep.equal([]);
      expect(parsed.problems).to.have.length.greaterThan(0);
      expect(parsed.problems[0].location).to.include({ file: 'hostile.yml' });
      expect(parsed.problems[0].location.line).to.be.a('number');
      expect(parsed.problems[0].message).to.match(reason);
    });
  }
});
