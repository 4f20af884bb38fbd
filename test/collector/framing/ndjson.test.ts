import { expect } from 'chai';
import { BodyFormatError, splitBody } from '../../../collector/framing/ndjson.js';

describe('splitBody', () => {
  describe('ndjson', () => {
    it('gives one record per non-empty line with its line number', () => {
      expect(splitBody('{"a":1}\r\n\n{"a":2}\nraw text\n', 'ndjson', { maxRecordBytes: 100 })).to.deep.equal([
        { type: 'record', line: 1, text: '{"a":1}' },
        { type: 'record', line: 3, text: '{"a":2}' },
        { type: 'record', line: 4, text: 'raw text' },
      ]);
    });

    it('marks an over-long line oversized, measuring UTF-8 bytes, and keeps its neighbours', () => {
      const items = splitBody('ok\n温度温度\nfine', 'ndjson', { maxRecordBytes: 6, headChars: 2 });
      expect(items).to.deep.equal([
        { type: 'record', line: 1, text: 'ok' },
        { type: 'oversized', line: 2, bytes: 12, head: '温度' },
        { type: 'record', line: 3, text: 'fine' },
      ]);
    });
  });

  describe('json', () => {
    it('re-serialises objects and keeps strings as they are', () => {
      expect(splitBody('[ {"b": 2, "a": [1]}, "<13>raw line" ]', 'json', { maxRecordBytes: 100 })).to.deep.equal([
        { type: 'record', line: 1, text: '{"b":2,"a":[1]}' },
        { type: 'record', line: 2, text: '<13>raw line' },
      ]);
    });

    it('takes a lone object as one record', () => {
      expect(splitBody('{"a":1}', 'json', { maxRecordBytes: 100 })).to.deep.equal([{ type: 'record', line: 1, text: '{"a":1}' }]);
    });

    it('marks elements that are neither objects nor strings invalid, and oversized ones oversized', () => {
      const items = splitBody('[1, null, ["x"], "toolongtext"]', 'json', { maxRecordBytes: 5 });
      expect(items.map((i) => i.type)).to.deep.equal(['invalid', 'invalid', 'invalid', 'oversized']);
      expect(items[0]).to.have.property('reason').that.matches(/element 1 is a number/);
    });

    // Found by fuzzing (test/hostile/fuzz.test.ts): re-serialising this element threw RangeError out of splitBody.
    it('marks an element nested thousands of levels deep invalid, and keeps its neighbours', () => {
      const deep = `${'{"a":'.repeat(12_000)}1${'}'.repeat(12_000)}`;
      const items = splitBody(`[{"a":1}, ${deep}, "line"]`, 'json', { maxRecordBytes: 100 });
      expect(items.map((i) => i.type)).to.deep.equal(['record', 'invalid', 'record']);
      expect(items[1]).to.have.property('reason').that.matches(/element 2 is nested more than 32 levels deep/);
    });

    it('throws a clear error for a body that is not JSON, hinting at NDJSON when it looks like it', () => {
      expect(() => splitBody('{"a":1}\n{"a":2}', 'json', { maxRecordBytes: 100 })).to.throw(BodyFormatError, /application\/x-ndjson/);
      expect(() => splitBody('42', 'json', { maxRecordBytes: 100 })).to.throw(BodyFormatError, /array of objects or strings.*a number/);
    });
  });
});
