import { expect } from 'chai';
import { AutoSyslogFramer, OctetCountingSplitter, type SyslogFrame } from '../../../collector/framing/octet-counting.js';

function texts(frames: SyslogFrame[]): string[] {
  return frames.map((f) => (f.type === 'message' ? f.text : f.type === 'oversized' ? `<oversized:${f.head}>` : `<error>`));
}

function frame(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

describe('OctetCountingSplitter', () => {
  describe('push', () => {
    it('splits counted messages, including newlines inside a message', () => {
      const s = new OctetCountingSplitter({ maxMessageBytes: 1000 });
      const input = frame('<34>1 - h a - - - one\nline two') + frame('<13>hello');
      expect(texts(s.push(Buffer.from(input)))).to.deep.equal(['<34>1 - h a - - - one\nline two', '<13>hello']);
    });

    it('counts bytes, not characters, and survives any chunking', () => {
      const input = Buffer.from(frame('<13>温度 ✓') + frame('<13>b'));
      const s = new OctetCountingSplitter({ maxMessageBytes: 1000 });
      const out: SyslogFrame[] = [];
      for (let i = 0; i < input.length; i++) out.push(...s.push(input.subarray(i, i + 1)));
      expect(texts(out)).to.deep.equal(['<13>温度 ✓', '<13>b']);
    });

    it('tolerates a newline between counted frames', () => {
      const s = new OctetCountingSplitter({ maxMessageBytes: 1000 });
      expect(texts(s.push(Buffer.from(`${frame('<13>a')}\n${frame('<13>b')}\r\n`)))).to.deep.equal(['<13>a', '<13>b']);
    });

    it('skips an oversized message exactly, reporting its head, and stays in sync', () => {
      const s = new OctetCountingSplitter({ maxMessageBytes: 10, headBytes: 6 });
      const big = `<13>${'x'.repeat(5000)}`;
      const input = Buffer.from(frame(big) + frame('<13>ok'));
      const out: SyslogFrame[] = [];
      for (let i = 0; i < input.length; i += 7) out.push(...s.push(input.subarray(i, i + 7)));
      expect(texts(out)).to.deep.equal(['<oversized:<13>xx>', '<13>ok']);
    });

    it('reports a broken length prefix as an error and frames nothing after it', () => {
      const s = new OctetCountingSplitter({ maxMessageBytes: 100 });
      const out = s.push(Buffer.from(`${frame('<13>a')}12x<13>b`));
      expect(texts(out)).to.deep.equal(['<13>a', '<error>']);
      expect(out[1]).to.have.property('reason').that.matches(/octet count/);
      expect(s.push(Buffer.from(frame('<13>c')))).to.deep.equal([]);
    });

    it('refuses a length with a leading zero or too many digits', () => {
      expect(texts(new OctetCountingSplitter({ maxMessageBytes: 100 }).push(Buffer.from('05 <13>a')))).to.deep.equal(['<error>']);
      expect(texts(new OctetCountingSplitter({ maxMessageBytes: 100 }).push(Buffer.from('1234567890 ')))).to.deep.equal(['<error>']);
    });
  });

  describe('flush', () => {
    it('reports a message cut short by the end of the stream', () => {
      const s = new OctetCountingSplitter({ maxMessageBytes: 100 });
      s.push(Buffer.from('20 <13>abc'));
      expect(texts(s.flush())).to.deep.equal(['<error>']);
    });
  });
});

describe('AutoSyslogFramer', () => {
  describe('push', () => {
    it('chooses octet counting when the first byte is a digit', () => {
      const f = new AutoSyslogFramer({ maxMessageBytes: 100 });
      expect(texts(f.push(Buffer.from(frame('<13>a\nb'))))).to.deep.equal(['<13>a\nb']);
      expect(f.mode).to.equal('octet-counting');
    });

    it('chooses newline framing when the first byte is "<"', () => {
      const f = new AutoSyslogFramer({ maxMessageBytes: 100 });
      expect(texts(f.push(Buffer.from('<13>a\r\n\n<13>b\n')))).to.deep.equal(['<13>a', '<13>b']);
      expect(f.mode).to.equal('newline');
    });

    it('waits for the first byte before choosing', () => {
      const f = new AutoSyslogFramer({ maxMessageBytes: 100 });
      expect(f.push(Buffer.alloc(0))).to.deep.equal([]);
      expect(f.mode).to.equal(undefined);
    });
  });

  describe('flush', () => {
    it('delivers an unterminated last newline-framed message when the stream ends', () => {
      const f = new AutoSyslogFramer({ maxMessageBytes: 100 });
      expect(texts(f.push(Buffer.from('<13>a\n<13>b')))).to.deep.equal(['<13>a']);
      expect(texts(f.flush())).to.deep.equal(['<13>b']);
    });
  });
});
