import { expect } from 'chai';
import { stableId, uuidv7 } from '../../core/ids.js';

describe('ids', () => {
  describe('uuidv7', () => {
    it('gives RFC 9562 version-7 ids, unique and increasing within one process', () => {
      const ids = Array.from({ length: 50_000 }, () => uuidv7());
      expect(new Set(ids).size).to.equal(ids.length);
      for (const id of ids) expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1], `${ids[i - 1]} < ${ids[i]}`).to.equal(true);
    });
    it('puts the time first, so ids sort by creation time', () => {
      // Ahead of every id minted so far (ids never go backwards in one process).
      const at = Date.now() + 86_400_000;
      expect(parseInt(uuidv7(at + 10_000).replace(/-/g, '').slice(0, 12), 16)).to.equal(at + 10_000);
    });
  });

  describe('stableId', () => {
    it('is the same for the same parts and differs for different ones', () => {
      expect(stableId('org-a', 'iptables', 42)).to.equal(stableId('org-a', 'iptables', 42));
      expect(stableId('org-a', 'iptables', 42)).to.not.equal(stableId('org-b', 'iptables', 42));
      // Parts are separated, so ("a", "bc") and ("ab", "c") differ.
      expect(stableId('a', 'bc')).to.not.equal(stableId('ab', 'c'));
    });
  });
});
