/**
 * Streaming newline framing: bytes in, complete lines out.
 *
 *   "a\r\nb\nc" -> line "a" (0..3), line "b" (3..5), "c" stays pending
 *
 * Lines end at `\n`; a `\r` before it is dropped. Chunks may split a line
 * anywhere, including inside a UTF-8 character: bytes are kept until the
 * newline and decoded whole (0x0A never occurs inside a multi-byte UTF-8
 * sequence). A line longer than `maxLineBytes` is reported once, as
 * `oversized` with its first bytes, and its remaining bytes are discarded as
 * they arrive, so an endless line never grows the buffer; framing resumes
 * after its newline.
 *
 * Offsets are byte positions in the stream (starting at `startOffset`), so a
 * file source can save "everything before this byte is handled".
 */

/** A complete line: `text` without its line ending; `start`..`end` covers the bytes including the ending. */
export interface LineFrame {
  readonly type: 'line';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** A line over the limit, reported when the limit is passed (its end is not known yet). */
export interface OversizedFrame {
  readonly type: 'oversized';
  /** The first `headBytes` of the line, decoded (a split last character becomes U+FFFD). */
  readonly head: string;
  readonly start: number;
}

export type LineSplitterFrame = LineFrame | OversizedFrame;

export interface LineSplitterOptions {
  /** Longest accepted line in bytes, without its line ending. */
  readonly maxLineBytes: number;
  /** How many leading bytes of an oversized line to report. Default 1024. */
  readonly headBytes?: number;
  /** Stream offset of the first byte pushed. Default 0. */
  readonly startOffset?: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Splits a byte stream into lines; one instance per stream. */
export class LineSplitter {
  private readonly maxLineBytes: number;
  private readonly headBytes: number;
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Offset of the first byte of the current (incomplete) line. */
  private lineStart: number;
  /** Offset of the next byte to be pushed. */
  private position: number;
  private discarding = false;

  constructor(options: LineSplitterOptions) {
    this.maxLineBytes = options.maxLineBytes;
    this.headBytes = options.headBytes ?? 1024;
    this.lineStart = options.startOffset ?? 0;
    this.position = this.lineStart;
  }

  /** Offset just past the last line ending seen: every byte before it has been framed (or discarded as oversized). */
  get consumedOffset(): number {
    return this.lineStart;
  }

  /** Bytes of the incomplete last line held in memory (never more than maxLineBytes + 1). */
  get pendingBytes(): number {
    return this.partBytes;
  }

  /** Feed a chunk; returns the frames it completes, in order. */
  push(chunk: Buffer): LineSplitterFrame[] {
    const frames: LineSplitterFrame[] = [];
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, from);
      const upto = nl === -1 ? chunk.length : nl;
      this.take(chunk.subarray(from, upto), frames);
      if (nl === -1) {
        this.position += chunk.length - from;
        break;
      }
      this.position += nl + 1 - from;
      this.finishLine(frames);
      from = nl + 1;
    }
    return frames;
  }

  /**
   * The incomplete last line as a frame, for streams whose end also ends the
   * last message (a closed TCP connection). Files must not call this: a
   * partial line there may still be completed by the writer.
   */
  flush(): LineSplitterFrame[] {
    if (this.discarding) {
      this.discarding = false;
      this.lineStart = this.position;
      return [];
    }
    if (this.partBytes === 0) return [];
    const frames: LineSplitterFrame[] = [];
    this.emitLine(frames, this.position);
    return frames;
  }

  private take(piece: Buffer, frames: LineSplitterFrame[]): void {
    if (this.discarding || piece.length === 0) return;
    this.parts.push(piece);
    this.partBytes += piece.length;
    // One byte of slack: a trailing \r may belong to a \r\n ending, not to the line.
    if (this.partBytes > this.maxLineBytes + 1) {
      const all = Buffer.concat(this.parts, this.partBytes);
      frames.push({ type: 'oversized', head: all.subarray(0, this.headBytes).toString('utf8'), start: this.lineStart });
      this.discarding = true;
      this.parts = [];
      this.partBytes = 0;
    }
  }

  private finishLine(frames: LineSplitterFrame[]): void {
    if (this.discarding) {
      this.discarding = false;
      this.lineStart = this.position;
      return;
    }
    this.emitLine(frames, this.position);
  }

  private emitLine(frames: LineSplitterFrame[], end: number): void {
    let line = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partBytes);
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    const start = this.lineStart;
    this.parts = [];
    this.partBytes = 0;
    this.lineStart = end;
    if (line.length > this.maxLineBytes) {
      // Only reachable through the one byte of \r slack: the line itself is too long.
      frames.push({ type: 'oversized', head: line.subarray(0, this.headBytes).toString('utf8'), start });
      return;
    }
    frames.push({ type: 'line', text: line.toString('utf8'), start, end });
  }
}
