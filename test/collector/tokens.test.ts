import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../core/config.js';
import { IngestTokens } from '../../collector/tokens.js';
import { tempDir } from '../helpers/paths.js';

const SECRET = 'gw01-secret-4f1c9a';

describe('IngestTokens', () => {
  describe('verify', () => {
    it('grants a token given in clear or as its SHA-256', () => {
      const tokens = new IngestTokens([
        { id: 'gw-01', org: 'ent-a', parser: 'iptables', token: SECRET },
        { id: 'gw-02', org: 'ent-b', parser: 'cef', sha256: createHash('sha256').update('other-secret').digest('hex') },
      ]);
      expect(tokens.verify(SECRET)).to.deep.equal({ tokenId: 'gw-01', orgId: 'ent-a', parser: 'iptables' });
      expect(tokens.verify('other-secret')).to.deep.equal({ tokenId: 'gw-02', orgId: 'ent-b', parser: 'cef' });
    });

    it('refuses unknown, empty and near-miss tokens', () => {
      const tokens = new IngestTokens([{ id: 'gw-01', org: 'ent-a', parser: 'iptables', token: SECRET }]);
      expect(tokens.verify('')).to.equal(undefined);
      expect(tokens.verify(`${SECRET}x`)).to.equal(undefined);
      expect(tokens.verify(SECRET.toUpperCase())).to.equal(undefined);
    });

    it('keeps no clear-text secret in memory', () => {
      const tokens = new IngestTokens([{ id: 'gw-01', org: 'ent-a', parser: 'iptables', token: SECRET }]);
      expect(JSON.stringify([...Object.values(tokens)].map((v) => (v instanceof Map ? [...v.entries()] : v)))).not.to.include(SECRET);
    });
  });

  describe('constructor', () => {
    it('requires exactly one of token and sha256, and rejects unknown keys and duplicate ids', () => {
      expect(() => new IngestTokens([{ id: 'a', org: 'o', parser: 'p' }])).to.throw(/exactly one/);
      expect(() => new IngestTokens([{ id: 'a', org: 'o', parser: 'p', token: SECRET, sha256: 'a'.repeat(64) }])).to.throw(/exactly one/);
      expect(() => new IngestTokens([{ id: 'a', org: 'o', parser: 'p', token: SECRET, orgId: 'x' }])).to.throw(/orgId/);
      expect(() => new IngestTokens([
        { id: 'a', org: 'o', parser: 'p', token: SECRET },
        { id: 'a', org: 'o', parser: 'p', token: 'another-one' },
      ])).to.throw(/duplicate token id/);
    });

    it('refuses two entries with the same secret', () => {
      expect(() => new IngestTokens([
        { id: 'a', org: 'o', parser: 'p', token: SECRET },
        { id: 'b', org: 'o', parser: 'p', sha256: createHash('sha256').update(SECRET).digest('hex') },
      ])).to.throw(/same secret/);
    });
  });

  describe('load', () => {
    it('reads a YAML list and lists its grants', () => {
      const file = join(tempDir(), 'tokens.yaml');
      writeFileSync(file, `- { id: gw-01, org: ent-a, parser: iptables, token: ${SECRET} }\n`);
      const tokens = IngestTokens.load(file);
      expect(tokens.grants()).to.deep.equal([{ tokenId: 'gw-01', orgId: 'ent-a', parser: 'iptables' }]);
    });

    it('names the file and the key of a problem', () => {
      const file = join(tempDir(), 'tokens.yaml');
      writeFileSync(file, '- { id: gw-01, org: ent-a, parser: iptables, sha256: nothex }\n');
      expect(() => IngestTokens.load(file)).to.throw(ConfigError, /\[0\]\.sha256/);
    });
  });
});
