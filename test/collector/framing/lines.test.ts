import { expect } from 'chai';
import { LineSplitter, type LineSplitterFrame } from '../../../collector/framing/lines.js';

function lines(frames: LineSplitterFrame[]): string[] {
  return frames.map((f) => (f.type === 'line' ? f.text : `<oversized:${f.head}>`));
}

describe('LineSplitter', () => {
  describe('push', () => {
    it('splits on \\n and \\r\\n and keeps an unterminated line pending', () => {
      const s = new LineSplitter({ maxLineBytes: 100 });
      expect(lines(s.push(Buffer.from('a\r\nb\nc')))).to.deep.equal(['a', 'b']);
      expect(s.pendingBytes).to.equal(1);
      expect(lines(s.push(Buffer.from('d\n')))).to.deep.equal(['cd']);
    });

    it('reports byte offsets covering each line and its ending', () => {
      const s = new LineSplitter({ maxLineBytes: 100, startOffset: 10 });
      const frames = s.push(Buffer.from('ab\r\nc\n'));
      expect(frames).to.deep.equal([
        { type: 'line', text: 'ab', start: 10, end: 14 },
        { type: 'line', text: 'c', start: 14, end: 16 },
      ]);
      expect(s.consumedOffset).to.equal(16);
    });

    it('joins a line split mid-line and mid-UTF-8 character across chunks', () => {
      const bytes = Buffer.from('温度过高 ✓\n');
      const s = new LineSplitter({ maxLineBytes: 100 });
      const out: LineSplitterFrame[] = [];
      for (let i = 0; i < bytes.length; i++) out.push(...s.push(bytes.subarray(i, i + 1)));
      expect(lines(out)).to.deep.equal(['温度过高 ✓']);
    });

    it('keeps a \\r\\n split between chunks as a line ending', () => {
      const s = new LineSplitter({ maxLineBytes: 3 });
      expect(lines([...s.push(Buffer.from('abc\r')), ...s.push(Buffer.from('\nx\n'))])).to.deep.equal(['abc', 'x']);
    });

    it('reports an over-long line once with its head, without buffering it, and resyncs after its newline', () => {
      const s = new LineSplitter({ maxLineBytes: 8, headBytes: 4 });
      const out: LineSplitterFrame[] = [];
      out.push(...s.push(Buffer.from('ok\n0123456789')));
      for (let i = 0; i < 100; i++) {
        out.push(...s.push(Buffer.from('x'.repeat(1000))));
        expect(s.pendingBytes).to.be.at.most(9);
      }
      out.push(...s.push(Buffer.from('tail\nnext\n')));
      expect(lines(out)).to.deep.equal(['ok', '<oversized:0123>', 'next']);
      expect(out[1]).to.include({ type: 'oversized', start: 3 });
      expect(s.consumedOffset).to.equal(3 + 10 + 100_000 + 5 + 5);
    });

    it('accepts a line of exactly maxLineBytes and refuses one byte more', () => {
      const s = new LineSplitter({ maxLineBytes: 4 });
      expect(lines(s.push(Buffer.from('abcd\r\nabcde\n')))).to.deep.equal(['abcd', '<oversized:abcde>']);
    });

    it('emits empty lines (the consumer decides what they mean)', () => {
      const s = new LineSplitter({ maxLineBytes: 4 });
      expect(lines(s.push(Buffer.from('\n\r\na\n')))).to.deep.equal(['', '', 'a']);
    });
  });

  describe('flush', () => {
    it('returns the unterminated last line and nothing after it', () => {
      const s = new LineSplitter({ maxLineBytes: 10 });
      s.push(Buffer.from('a\nlast'));
      expect(lines(s.flush())).to.deep.equal(['last']);
      expect(s.flush()).to.deep.equal([]);
      expect(s.consumedOffset).to.equal(6);
    });

    it('drops the rest of an oversized line being discarded', () => {
      const s = new LineSplitter({ maxLineBytes: 2 });
      expect(lines(s.push(Buffer.from('abcdef')))).to.deep.equal(['<oversized:abcdef>']);
      expect(s.flush()).to.deep.equal([]);
    });
  });
});
