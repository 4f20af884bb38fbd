/**
 * The spool's files: segments named by a zero-padded sequence number
 * (`00000000000000000007.seg`, so names sort as numbers do), and reading the
 * frames of a byte range of one segment in large chunks.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFrame } from './frames.js';

const SEGMENT_NAME = /^(\d{20})\.seg$/;
/** Bytes read from a segment at a time (a frame larger than this is read whole). */
const READ_CHUNK_BYTES = 1024 * 1024;

export function segmentName(seq: number): string {
  return `${String(seq).padStart(20, '0')}.seg`;
}

/** Sequence numbers of the segments in `dir`, ascending. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names.flatMap((name) => {
    const match = SEGMENT_NAME.exec(name);
    return match ? [Number(match[1])] : [];
  }).sort((a, b) => a - b);
}

/**
 * Make a directory entry (a new segment, a renamed cursor) survive a crash:
 * fsync of the file alone does not cover its name.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface RangeRead {
  /** Payloads of the valid frames read (empty when `collect` is false). */
  readonly payloads: Buffer[];
  readonly bytes: number;
  /** Where reading stopped: after the last frame taken. */
  readonly end: number;
  /** Set when a frame at `end` is not valid (or is cut off by `to`). */
  readonly corrupt?: string;
}

export interface RangeLimits {
  readonly maxRecords: number;
  /** Payload bytes; the first frame is taken even when larger. */
  readonly maxBytes: number;
  readonly maxFrameBytes: number;
  /** False: only validate and count (the start-up scan of a segment). */
  readonly collect?: boolean;
}

/** Read frames from `from` up to (not past) `to`. */
export async function readFrames(handle: FileHandle, from: number, to: number, limits: RangeLimits): Promise<RangeRead> {
  const collect = limits.collect ?? true;
  const payloads: Buffer[] = [];
  let records = 0;
  let bytes = 0;
  let pos = from;
  let buf = Buffer.alloc(0);
  let bufStart = from;
  while (pos < to && records < limits.maxRecords) {
    const parsed = parseFrame(buf, pos - bufStart, limits.maxFrameBytes);
    if (parsed.kind === 'frame') {
      if (records > 0 && bytes + parsed.payload.length > limits.maxBytes) break;
      if (collect) payloads.push(Buffer.from(parsed.payload));
      records++;
      bytes += parsed.payload.length;
      pos = bufStart + parsed.next;
      continue;
    }
    if (parsed.kind === 'corrupt') return { payloads, bytes, end: pos, corrupt: parsed.reason };
    const bufEnd = bufStart + buf.length;
    if (bufEnd >= to || pos + parsed.need > to) return { payloads, bytes, end: pos, corrupt: 'the last frame is cut off (a write torn by a crash)' };
    // Keep the unread rest of the buffer and read on.
    const want = Math.min(to - bufEnd, Math.max(READ_CHUNK_BYTES, pos + parsed.need - bufEnd));
    const chunk = Buffer.allocUnsafe(want);
    let filled = 0;
    while (filled < want) {
      const { bytesRead } = await handle.read(chunk, filled, want - filled, bufEnd + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled === 0) return { payloads, bytes, end: pos, corrupt: 'the segment ends before its recorded size' };
    buf = Buffer.concat([buf.subarray(pos - bufStart), chunk.subarray(0, filled)]);
    bufStart = pos;
  }
  return { payloads, bytes, end: pos };
}

export function segmentPath(dir: string, seq: number): string {
  return join(dir, segmentName(seq));
}
