import { expect } from 'chai';
import { z } from 'zod';
import { sourceTable, sourceTypes, sourceUnit } from '../../../collector/sources/index.js';
import type { SourceUnit } from '../../../collector/sources/types.js';

describe('sources registry', () => {
  describe('sourceUnit', () => {
    it('finds every built-in source by its type, and nothing for an unknown one', () => {
      expect(sourceTypes()).to.have.members(['http', 'syslog-udp', 'syslog-tcp', 'file', 'mqtt']);
      for (const type of sourceTypes()) expect(sourceUnit(type)?.type).to.equal(type);
      expect(sourceUnit('kafka-nope')).to.equal(undefined);
    });

    it('accepts a config entry with or without its type key', () => {
      const unit = sourceUnit('file') as SourceUnit;
      expect(unit.configSchema.safeParse({ type: 'file', path: '/x', org: 'o', parser: 'p' }).success).to.equal(true);
      expect(unit.configSchema.safeParse({ path: '/x', org: 'o', parser: 'p' }).success).to.equal(true);
      expect(unit.configSchema.safeParse({ type: 'mqtt', path: '/x', org: 'o', parser: 'p' }).success).to.equal(false);
    });
  });

  describe('sourceTable', () => {
    it('refuses two units with one type', () => {
      const unit: SourceUnit = { type: 'dup', configSchema: z.strictObject({}), build: () => ({ start: async () => {}, stop: async () => {} }) };
      expect(() => sourceTable([unit, unit])).to.throw(/two source units claim type "dup"/);
    });
  });
});
