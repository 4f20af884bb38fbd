import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfigFile } from '../../core/config.js';
import { tempDir } from '../helpers/paths.js';

const Schema = z.strictObject({
  node: z.strictObject({ id: z.string(), tier: z.enum(['enterprise', 'provincial', 'national']) }),
  sources: z.array(z.strictObject({ type: z.string(), port: z.number().int().max(65535) })).default([]),
});

function write(name: string, text: string): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

describe('config', () => {
  describe('loadConfigFile', () => {
    it('loads YAML and JSON alike and freezes the result', () => {
      const yaml = loadConfigFile(write('a.yaml', 'node:\n  id: n1\n  tier: national\n'), Schema);
      const json = loadConfigFile(write('a.json', '{"node":{"id":"n1","tier":"national"}}'), Schema);
      expect(yaml).to.deep.equal(json);
      expect(yaml.sources).to.deep.equal([]);
      expect(Object.isFrozen(yaml.node)).to.equal(true);
    });

    it('reports every problem at once, each naming the key path', () => {
      const file = write('bad.yaml', [
        'node:', '  id: n1', '  tier: county', '  colour: blue',
        'sources:', '  - { type: http, port: 70000 }', '  - { type: syslog, port: "514" }',
      ].join('\n'));
      let error: ConfigError | undefined;
      try { loadConfigFile(file, Schema); } catch (err) { error = err as ConfigError; }
      expect(error).to.be.instanceOf(ConfigError);
      expect(error!.file).to.equal(file);
      const text = error!.problems.join('\n');
      expect(text).to.match(/node\.tier: /);
      expect(text).to.match(/node: unknown key "colour"/);
      expect(text).to.match(/sources\[0\]\.port: /);
      expect(text).to.match(/sources\[1\]\.port: /);
      expect(error!.problems).to.have.length(4);
      expect(error!.message).to.contain(file);
    });

    it('reports a YAML syntax error with its line', () => {
      const file = write('syntax.yaml', 'node:\n  id: [unclosed\n  tier: national\n');
      expect(() => loadConfigFile(file, Schema)).to.throw(ConfigError, /line \d+/);
    });

    it('reports a missing file as a config error naming it', () => {
      expect(() => loadConfigFile('/nonexistent/iisa.yaml', Schema)).to.throw(ConfigError, /\/nonexistent\/iisa\.yaml[\s\S]*cannot read/);
    });
  });
});
