/**
 * The web console's one dictionary: every label in both languages, with the
 * same placeholders on both sides (a placeholder missing in one language
 * would show a raw "{n}" to its readers).
 */
import { expect } from 'chai';
import { Dictionary, Languages, translate, type MessageKey } from '../../../console/web/src/dictionary.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('web console dictionary', () => {
  const keys = Object.keys(Dictionary) as MessageKey[];

  it('has a non-empty label in every language for every key', () => {
    const empty = keys.flatMap((k) => Languages.filter((l) => Dictionary[k][l].trim() === '').map((l) => `${k} (${l})`));
    expect(empty).to.deep.equal([]);
  });

  it('uses the same placeholders in Chinese and English', () => {
    const differing = keys.filter((k) => placeholders(Dictionary[k].zh).join() !== placeholders(Dictionary[k].en).join());
    expect(differing).to.deep.equal([]);
  });

  it('writes the Chinese labels in Chinese', () => {
    // A label copied over untranslated would have no CJK character.
    const untranslated = keys.filter((k) => !/[\u4e00-\u9fff]/.test(Dictionary[k].zh));
    expect(untranslated).to.deep.equal([]);
  });

  describe('translate', () => {
    it('fills placeholders and leaves unknown ones as written', () => {
      expect(translate('en', 'queue.summary', { open: 3, top: 1 })).to.equal('3 open, 1 of grade I or II');
      expect(translate('zh', 'queue.summary', { open: 3, top: 1 })).to.equal('未关闭 3 条，其中 I/II 级 1 条');
      expect(translate('en', 'queue.summary', { open: 3 })).to.equal('3 open, {top} of grade I or II');
    });
  });
});
