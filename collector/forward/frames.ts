/**
 * How the spool frames its records on disk:
 *
 *   [u32 LE payload length][u32 LE CRC-32 of the payload][payload bytes]
 *
 * A frame is valid only if its whole payload is there and its CRC matches,
 * so a write torn by a crash (a short header, a payload cut off, the zeros
 * some filesystems leave after a crash) is told apart from data. A length of
 * zero is never written (payloads are never empty), which is what makes a
 * zero-filled tail invalid rather than a run of empty frames.
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 8;

/** Header and payload of one record, ready to append. */
export function encodeFrame(payload: Buffer): Buffer {
  if (payload.length === 0) throw new RangeError('a spool frame cannot be empty');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

export type FrameParse =
  /** A whole, valid frame; `next` is where the one after it starts. */
  | { readonly kind: 'frame'; readonly payload: Buffer; readonly next: number }
  /** The buffer ends inside the frame: `need` bytes from `at` would hold it all. */
  | { readonly kind: 'partial'; readonly need: number }
  /** Not a frame: an impossible length or a CRC mismatch. */
  | { readonly kind: 'corrupt'; readonly reason: string };

/** Read the frame starting at `at` in `buf`. */
export function parseFrame(buf: Buffer, at: number, maxFrameBytes: number): FrameParse {
  if (buf.length - at < FRAME_HEADER_BYTES) return { kind: 'partial', need: FRAME_HEADER_BYTES };
  const length = buf.readUInt32LE(at);
  if (length === 0 || length > maxFrameBytes) {
    return { kind: 'corrupt', reason: `frame length ${length} is outside 1..${maxFrameBytes}` };
  }
  const end = at + FRAME_HEADER_BYTES + length;
  if (buf.length < end) return { kind: 'partial', need: FRAME_HEADER_BYTES + length };
  const payload = buf.subarray(at + FRAME_HEADER_BYTES, end);
  if (crc32(payload) !== buf.readUInt32LE(at + 4)) return { kind: 'corrupt', reason: 'CRC mismatch' };
  return { kind: 'frame', payload, next: end };
}
