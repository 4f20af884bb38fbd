/**
 * Syslog over TCP framing (RFC 6587): octet counting and non-transparent
 * (newline) framing, chosen per connection by its first byte.
 *
 *   octet counting:  "37 <34>1 2026-11-25T14:00:00Z gw01 ..."   (length, space, message)
 *   newline:         "<34>Nov 25 14:00:00 gw01 kernel: ...\n"
 *
 * A sender uses one framing for the whole connection, so the first byte
 * decides: a digit means octet counting (a syslog message itself starts with
 * `<`), anything else means newline framing.
 */
import { LineSplitter } from './lines.js';

export type SyslogFrame =
  | { readonly type: 'message'; readonly text: string }
  /** A message over the limit: reported once with its first bytes; its bytes are skipped. */
  | { readonly type: 'oversized'; readonly head: string }
  /** The stream cannot be framed any further (bad length prefix); the caller should close the connection. */
  | { readonly type: 'error'; readonly reason: string };

export interface SyslogFramer {
  push(chunk: Buffer): SyslogFrame[];
  /** The stream ended: frames for whatever can still be delivered. */
  flush(): SyslogFrame[];
}

export interface FramingOptions {
  /** Longest accepted message in bytes. */
  readonly maxMessageBytes: number;
  /** Leading bytes of an oversized message to report. Default 1024. */
  readonly headBytes?: number;
}

/** Nine digits can state any length this splitter would ever accept; more is garbage, not a length. */
const MAX_LENGTH_DIGITS = 9;
const SPACE = 0x20;
const LF = 0x0a;
const CR = 0x0d;

/** RFC 6587 section 3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`, repeated. */
export class OctetCountingSplitter implements SyslogFramer {
  private readonly maxMessageBytes: number;
  private readonly headBytes: number;
  private state: 'length' | 'body' | 'skip' | 'broken' = 'length';
  private digits = '';
  private remaining = 0;
  private parts: Buffer[] = [];
  private headWanted = 0;

  constructor(options: FramingOptions) {
    this.maxMessageBytes = options.maxMessageBytes;
    this.headBytes = options.headBytes ?? 1024;
  }

  push(chunk: Buffer): SyslogFrame[] {
    const frames: SyslogFrame[] = [];
    let i = 0;
    while (i < chunk.length && this.state !== 'broken') {
      if (this.state === 'length') {
        const byte = chunk[i++];
        if (byte >= 0x30 && byte <= 0x39) {
          if ((this.digits === '' && byte === 0x30) || this.digits.length >= MAX_LENGTH_DIGITS) {
            frames.push(this.fail(`octet count ${JSON.stringify(this.digits + String.fromCharCode(byte))}... is not a valid length`));
          } else {
            this.digits += String.fromCharCode(byte);
          }
        } else if (byte === SPACE && this.digits !== '') {
          this.startBody(Number(this.digits));
          this.digits = '';
        } else if ((byte === LF || byte === CR) && this.digits === '') {
          // Some senders end each counted frame with a newline as well; harmless between frames.
        } else {
          frames.push(this.fail(`expected an octet count, got byte 0x${byte.toString(16).padStart(2, '0')} after ${JSON.stringify(this.digits)}`));
        }
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - i);
      if (this.state === 'body') {
        this.parts.push(chunk.subarray(i, i + take));
      } else if (this.headWanted > 0) {
        const piece = chunk.subarray(i, i + Math.min(take, this.headWanted));
        this.parts.push(piece);
        this.headWanted -= piece.length;
        if (this.headWanted === 0) {
          frames.push({ type: 'oversized', head: Buffer.concat(this.parts).toString('utf8') });
          this.parts = [];
        }
      }
      i += take;
      this.remaining -= take;
      if (this.remaining === 0) {
        if (this.state === 'body') {
          frames.push({ type: 'message', text: Buffer.concat(this.parts).toString('utf8') });
          this.parts = [];
        }
        this.state = 'length';
      }
    }
    return frames;
  }

  flush(): SyslogFrame[] {
    // A counted frame cut short by the end of the stream is incomplete: the sender did not finish it.
    const cut = this.state === 'body' || this.state === 'skip';
    this.state = 'length';
    this.parts = [];
    this.digits = '';
    return cut ? [{ type: 'error', reason: `connection closed ${this.remaining} bytes before the end of a counted message` }] : [];
  }

  private startBody(length: number): void {
    this.remaining = length;
    // The length is known, so an oversized message is skipped exactly and framing stays in sync;
    // only its head is kept, to report it.
    this.state = length <= this.maxMessageBytes ? 'body' : 'skip';
    this.headWanted = this.state === 'skip' ? Math.min(this.headBytes, length) : 0;
  }

  private fail(reason: string): SyslogFrame {
    this.state = 'broken';
    return { type: 'error', reason };
  }
}

/** Newline (non-transparent) framing for syslog: empty lines are skipped. */
export class NewlineSyslogSplitter implements SyslogFramer {
  private readonly lines: LineSplitter;

  constructor(options: FramingOptions) {
    this.lines = new LineSplitter({ maxLineBytes: options.maxMessageBytes, headBytes: options.headBytes });
  }

  push(chunk: Buffer): SyslogFrame[] {
    return this.convert(this.lines.push(chunk));
  }

  /** At the end of a connection the last message may lack its newline; it is complete all the same. */
  flush(): SyslogFrame[] {
    return this.convert(this.lines.flush());
  }

  private convert(frames: ReturnType<LineSplitter['push']>): SyslogFrame[] {
    const out: SyslogFrame[] = [];
    for (const frame of frames) {
      if (frame.type === 'oversized') out.push({ type: 'oversized', head: frame.head });
      else if (frame.text.trim() !== '') out.push({ type: 'message', text: frame.text });
    }
    return out;
  }
}

/**
 * Per-connection framing that picks octet counting or newline framing from
 * the first byte of the stream. `mode` is undefined until a byte arrives.
 */
export class AutoSyslogFramer implements SyslogFramer {
  private inner: SyslogFramer | undefined;
  mode: 'octet-counting' | 'newline' | undefined;

  constructor(private readonly options: FramingOptions) {}

  push(chunk: Buffer): SyslogFrame[] {
    if (!this.inner) {
      if (chunk.length === 0) return [];
      const first = chunk[0];
      this.mode = first >= 0x31 && first <= 0x39 ? 'octet-counting' : 'newline';
      this.inner = this.mode === 'octet-counting' ? new OctetCountingSplitter(this.options) : new NewlineSyslogSplitter(this.options);
    }
    return this.inner.push(chunk);
  }

  flush(): SyslogFrame[] {
    return this.inner ? this.inner.flush() : [];
  }
}
