import { expect } from 'chai';
import type { ZeekLayout, ZeekRead } from '../../../../collector/parsers/zeek/reader.js';
import { readZeek, ZEEK_HEADER_KEY } from '../../../../collector/parsers/zeek/reader.js';

const LAYOUTS: readonly ZeekLayout[] = [
  { path: 'demo', fields: ['ts', 'uid', 'values', 'note'], vectors: ['values'], marker: 'values' },
];
const at = new Date('2026-11-25T06:00:05Z');

function read(lines: readonly string[]): ZeekRead[] {
  const ctx = { stream: new Map<string, unknown>() };
  return lines.map((text) => readZeek({ text, receivedAt: at }, ctx, LAYOUTS, 'demo-parser'));
}

function row(read: ZeekRead): Record<string, unknown> {
  if (read.kind !== 'row') expect.fail(`expected a row, got ${JSON.stringify(read)}`);
  return { path: read.row.path, timestamp: read.row.timestamp, ...read.row.fields };
}

describe('readZeek', () => {
  describe('TSV', () => {
    it('keeps the header in ctx.stream and reads rows with it: unset, empty, vectors', () => {
      const out = read([
        '#separator \\x09', '#set_separator\t|', '#empty_field\t(empty)', '#unset_field\t-', '#path\tdemo2',
        '#fields\tts\tuid\tlist\tnote', '#types\ttime\tstring\tvector[count]\tstring',
        '1732543201.25\tC1\t1|2|3\t-',
        '1732543201.5\tC2\t(empty)\t(empty)',
      ]);
      expect(out.slice(0, 7).every((o) => o.kind === 'skip')).to.equal(true);
      expect(row(out[7])).to.deep.equal({ path: 'demo2', timestamp: '2024-11-25T14:00:01.250Z', ts: '1732543201.25', uid: 'C1', list: ['1', '2', '3'] });
      expect(row(out[8])).to.deep.include({ list: [], note: '' });
    });

    it('honours a non-tab separator and a custom unset marker', () => {
      const out = read(['#separator ,', '#unset_field,NONE', '#fields,ts,uid,values,note', '1732543201,C1,NONE,hi']);
      expect(row(out[3])).to.deep.equal({ path: 'demo', timestamp: '2024-11-25T14:00:01.000Z', ts: '1732543201', uid: 'C1', note: 'hi' });
    });

    it('starts a new header at the next #separator line (log rotation on one stream)', () => {
      const ctx = { stream: new Map<string, unknown>() };
      const lines = ['#separator \\x09', '#fields\tts\tuid', '#separator \\x09', '1732543201\tC1\ta,b\tx'];
      const out = lines.map((text) => readZeek({ text, receivedAt: at }, ctx, LAYOUTS, 'demo-parser'));
      expect(ctx.stream.has(ZEEK_HEADER_KEY)).to.equal(true);
      // The second #separator dropped the two-column #fields: the row falls back to the default layout.
      expect(row(out[3])).to.deep.include({ values: ['a', 'b'], note: 'x' });
    });

    it('reads a headerless row with the default layout of its width', () => {
      expect(row(read(['1732543201\tC1\t7\t-'])[0])).to.deep.include({ path: 'demo', values: ['7'] });
    });

    it('answers no-header, naming the layouts, for a headerless row of another width', () => {
      const [out] = read(['1732543201\tC1\t7']);
      expect(out).to.deep.include({ kind: 'error', code: 'no-header' });
      expect((out as { reason: string }).reason).to.contain('demo 4');
    });
  });

  describe('JSON', () => {
    it('flattens nested ids, stringifies numbers, turns booleans into T/F, keeps arrays', () => {
      const [out] = read(['{"_path":"x","ts":1732543201.5,"uid":"C1","id":{"orig_h":"::1"},"values":[1,2],"matched":true,"gone":null}']);
      expect(row(out)).to.deep.equal({ path: 'x', timestamp: '2024-11-25T14:00:01.500Z', ts: '1732543201.5', uid: 'C1', 'id.orig_h': '::1', values: ['1', '2'], matched: 'T' });
    });

    it('names a record without _path by its marker field, and refuses one without', () => {
      expect(row(read(['{"ts":"1732543201.5","values":[]}'])[0])).to.deep.include({ path: 'demo' });
      expect(read(['{"ts":1732543201.5,"x":1}'])[0]).to.deep.include({ kind: 'error', code: 'unrecognised' });
    });

    it('refuses ISO times without an offset and a missing ts', () => {
      expect(read(['{"_path":"demo","ts":"2026-11-25T06:00:01"}'])[0]).to.deep.include({ kind: 'error', code: 'bad-timestamp' });
      expect(read(['{"_path":"demo"}'])[0]).to.deep.include({ kind: 'error', code: 'bad-timestamp', reason: 'record has no ts field' });
    });

    // Found by fuzzing (test/hostile/fuzz.test.ts): these threw RangeError instead of answering.
    it('refuses an epoch ts beyond the range of a date as a bad timestamp', () => {
      for (const ts of ['1e13', '1e300', '8640000000000.001']) {
        expect(read([`{"_path":"demo","ts":${ts}}`])[0], ts).to.deep.include({ kind: 'error', code: 'bad-timestamp' });
      }
      expect(row(read(['{"_path":"demo","ts":8640000000000}'])[0])).to.deep.include({ timestamp: '+275760-09-13T00:00:00.000Z' });
    });

    it('refuses JSON nested thousands of levels deep as malformed', () => {
      for (const [open, close] of [['{"a":', '}'], ['[', ']']]) {
        const text = `{"_path":"demo","ts":1732543201.5,"values":${open.repeat(12_000)}1${close.repeat(12_000)}}`;
        const out = read([text])[0];
        expect(out).to.deep.include({ kind: 'error', code: 'malformed' });
        expect(out.kind === 'error' && out.reason).to.match(/nested more than 32 levels/);
      }
    });
  });
});
