/**
 * Fuzz targets for collector/framing: newline framing, NDJSON/JSON bodies,
 * RFC 6587 octet counting (and the per-connection choice between it and
 * newlines), and syslog headers.
 *
 * Byte-stream inputs are strings read as Latin-1 (one character, one byte),
 * so the mutator reaches every byte value, invalid UTF-8 included. Each is
 * fed in random chunks and at once: framing must not depend on where TCP
 * happened to cut the stream.
 */
import { Buffer } from 'node:buffer';
import { LineSplitter } from '../../collector/framing/lines.js';
import type { LineSplitterFrame } from '../../collector/framing/lines.js';
import { BodyFormatError, splitBody } from '../../collector/framing/ndjson.js';
import { AutoSyslogFramer, OctetCountingSplitter } from '../../collector/framing/octet-counting.js';
import type { SyslogFramer, SyslogFrame } from '../../collector/framing/octet-counting.js';
import { parseSyslog } from '../../collector/framing/syslog.js';
import { Rng, mutate, mutateJson } from './mutator.js';
import { PropertyViolation } from './runner.js';
import type { FuzzTarget } from './runner.js';
import { allRecordSeeds } from './seeds.js';
import { ALL_TOKENS, SYSLOG } from './tokens.js';

/** Small limits, so that oversized records are common. */
const MAX_RECORD = 256;
const HEAD = 64;
const MAX_INPUT = 20_000;

const latin1 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/** Chunk sizes drawn from the input itself, so a replayed input is cut the same way. */
function chunks(bytes: Buffer): Buffer[] {
  let h = bytes.length;
  for (let i = 0; i < Math.min(16, bytes.length); i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  const rng = new Rng(h);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    // Single bytes now and then (a frame split anywhere), mostly runs the size of TCP segments' tails.
    const size = rng.chance(0.05) ? 1 : 1 + rng.small(1500);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

function sameFrames(what: string, whole: unknown[], pieces: unknown[]): void {
  const a = JSON.stringify(whole);
  const b = JSON.stringify(pieces);
  if (a !== b) throw new PropertyViolation(`${what}: frames differ when the stream arrives in chunks:\n  at once:   ${a.slice(0, 300)}\n  in chunks: ${b.slice(0, 300)}`);
}

function byteStreamTarget(name: string, property: string, seeds: () => string[], check: (bytes: Buffer) => void, tokens: readonly string[] = ALL_TOKENS): FuzzTarget {
  const byteTokens = tokens.map(latin1);
  return {
    name,
    property,
    seeds,
    generate: (rng, s) => mutate(rng.pick(s), rng, s, { maxLength: MAX_INPUT, alphabet: 'bytes', tokens: byteTokens }),
    check: (input) => check(Buffer.from(input, 'latin1')),
  };
}

/** Records joined into streams: `\n`, `\r\n`, blank lines. */
function lineStreams(): string[] {
  const records = allRecordSeeds();
  const rng = new Rng(17);
  return Array.from({ length: 80 }, () => Array.from({ length: 1 + rng.int(6) }, () => rng.pick(records)).join(rng.pick(['\n', '\r\n', '\n\n'])) + rng.pick(['', '\n']))
    .map(latin1);
}

function checkLines(bytes: Buffer): void {
  const options = { maxLineBytes: MAX_RECORD, headBytes: HEAD, startOffset: 7 };
  const atOnce = new LineSplitter(options);
  const whole = [...atOnce.push(bytes), ...atOnce.flush()];
  const splitter = new LineSplitter(options);
  const pieces: LineSplitterFrame[] = [];
  for (const chunk of chunks(bytes)) {
    pieces.push(...splitter.push(chunk));
    if (splitter.pendingBytes > MAX_RECORD + 1) throw new PropertyViolation(`holds ${splitter.pendingBytes} pending bytes, over the limit ${MAX_RECORD} + 1`);
  }
  pieces.push(...splitter.flush());
  sameFrames('lines', whole, pieces);
  let previous = 7;
  for (const f of whole) {
    if (f.start < previous) throw new PropertyViolation(`frame starts at ${f.start}, before the end of the previous one (${previous})`);
    if (f.type === 'line') {
      if (f.end <= f.start) throw new PropertyViolation(`line ${f.start}..${f.end} covers no bytes`);
      if (f.end - f.start > MAX_RECORD + 2) throw new PropertyViolation(`line of ${f.end - f.start} bytes is over the limit`);
      if (f.end > bytes.length + 7) throw new PropertyViolation(`line ends at ${f.end}, past the stream (${bytes.length + 7})`);
      previous = f.end;
    } else {
      if (Buffer.byteLength(f.head) > HEAD * 3) throw new PropertyViolation(`oversized head of ${Buffer.byteLength(f.head)} bytes`);
      previous = f.start;
    }
  }
}

/** Octet-counted streams (`LEN SP MSG`), some with newlines between frames, and newline syslog streams. */
function syslogStreams(): string[] {
  const records = allRecordSeeds();
  const rng = new Rng(23);
  const counted = Array.from({ length: 60 }, () => Array.from({ length: 1 + rng.int(5) }, () => {
    const msg = `${rng.pick(['<134>', '<4>1 2026-11-25T14:00:00Z gw01 app - - - ', '<13>Nov 25 14:00:00 gw01 kernel: ', ''])}${rng.pick(records)}`;
    return `${Buffer.byteLength(msg)} ${msg}${rng.pick(['', '', '\n'])}`;
  }).join(''));
  const newline = Array.from({ length: 20 }, () => Array.from({ length: 1 + rng.int(5) }, () => `<34>${rng.pick(records)}`).join('\n'));
  return [...counted, ...newline].map(latin1);
}

function framed(framer: () => SyslogFramer, bytes: Buffer, cut: boolean): SyslogFrame[] {
  const f = framer();
  const out: SyslogFrame[] = [];
  for (const chunk of cut ? chunks(bytes) : [bytes]) out.push(...f.push(chunk));
  out.push(...f.flush());
  return out;
}

function checkSyslogFraming(bytes: Buffer): void {
  const options = { maxMessageBytes: MAX_RECORD, headBytes: HEAD };
  for (const [what, framer] of [['octet counting', () => new OctetCountingSplitter(options)], ['auto', () => new AutoSyslogFramer(options)]] as const) {
    const whole = framed(framer, bytes, false);
    sameFrames(what, whole, framed(framer, bytes, true));
    let broken = false;
    for (const f of whole) {
      if (broken && f.type !== 'error') throw new PropertyViolation(`${what}: a ${f.type} frame after the stream broke`);
      if (f.type === 'error') broken = true;
      if (f.type === 'message' && f.text.length > MAX_RECORD) throw new PropertyViolation(`${what}: message of ${f.text.length} chars over the limit`);
    }
  }
}

/** HTTP bodies: NDJSON (records one a line) and JSON arrays of records and raw lines. */
function bodySeeds(): string[] {
  const records = allRecordSeeds();
  const rng = new Rng(29);
  const json = records.filter((r) => r.startsWith('{'));
  const ndjson = Array.from({ length: 40 }, () => Array.from({ length: 1 + rng.int(5) }, () => rng.pick(json.length ? json : records)).join('\n'));
  const arrays = Array.from({ length: 40 }, () => JSON.stringify(Array.from({ length: 1 + rng.int(5) }, () => {
    const r = rng.pick(records);
    if (!r.startsWith('{')) return r;
    try {
      return JSON.parse(r) as unknown;
    } catch {
      return r;
    }
  })));
  return [...ndjson, ...arrays];
}

function checkBody(input: string): void {
  const options = { maxRecordBytes: MAX_RECORD, headChars: HEAD };
  for (const format of ['ndjson', 'json'] as const) {
    let items;
    try {
      items = splitBody(input, format, options);
    } catch (err) {
      if (format === 'json' && err instanceof BodyFormatError) continue;
      throw err;
    }
    let line = 0;
    for (const item of items) {
      if (item.line <= line) throw new PropertyViolation(`${format}: item line ${item.line} after ${line}`);
      line = item.line;
      if (item.type === 'record' && Buffer.byteLength(item.text) > MAX_RECORD) throw new PropertyViolation(`${format}: record of ${Buffer.byteLength(item.text)} bytes over the limit`);
      if (item.type === 'oversized' && item.head.length > HEAD) throw new PropertyViolation(`${format}: oversized head of ${item.head.length} chars`);
    }
  }
}

const SYSLOG_RECEIVED = new Date('2026-01-01T00:00:30.000Z');

function checkSyslogHeader(input: string): void {
  const message = parseSyslog(input, SYSLOG_RECEIVED);
  if (message === null) return;
  const { envelope: e, body } = message;
  if (typeof body !== 'string' || !(input.endsWith(body) || input.endsWith(`\ufeff${body}`))) throw new PropertyViolation(`body ${JSON.stringify(body).slice(0, 80)} is not the end of the text`);
  if (e.priority !== undefined) {
    if (!Number.isInteger(e.priority) || e.priority < 0 || e.priority > 191) throw new PropertyViolation(`priority ${e.priority} outside 0..191`);
    if (e.facility !== e.priority >> 3 || e.severity !== (e.priority & 7)) throw new PropertyViolation(`facility/severity ${e.facility}/${e.severity} do not match priority ${e.priority}`);
  }
  if (e.timestamp !== undefined && Number.isNaN(Date.parse(e.timestamp))) throw new PropertyViolation(`timestamp ${e.timestamp} is not a date`);
  for (const [id, params] of Object.entries(e.structuredData ?? {})) {
    for (const [k, v] of Object.entries(params)) if (typeof v !== 'string') throw new PropertyViolation(`structured data ${id}.${k} is not a string`);
  }
}

export const framingTargets = (): FuzzTarget[] => [
  byteStreamTarget('framing:lines', 'collector/framing/lines: same frames whatever the chunking; offsets in order; lines and buffer within the limit', lineStreams, checkLines),
  byteStreamTarget('framing:octet-counting', 'collector/framing/octet-counting (and auto newline/octet choice): same frames whatever the chunking; nothing after a broken length', syslogStreams, checkSyslogFraming, [...SYSLOG, ...ALL_TOKENS]),
  {
    name: 'framing:ndjson',
    property: 'collector/framing/ndjson: NDJSON never throws, JSON only BodyFormatError; records within the limit, in order',
    seeds: bodySeeds,
    generate: (rng, s) => (rng.chance(0.5) ? mutateJson(rng.pick(s), rng, s, { maxLength: MAX_INPUT }) : mutate(rng.pick(s), rng, s, { maxLength: MAX_INPUT })),
    check: checkBody,
  },
  {
    name: 'framing:syslog',
    property: 'collector/framing/syslog parseSyslog: never throws; PRI 0..191 with matching facility/severity, a real timestamp, the body the end of the text',
    seeds: () => syslogStreams().map((s) => Buffer.from(s, 'latin1').toString('utf8')).flatMap((s) => s.split('\n')).map((s) => s.replace(/^\d+ /, '')),
    generate: (rng, s) => mutate(rng.pick(s), rng, s, { maxLength: MAX_INPUT, tokens: [...SYSLOG, ...SYSLOG, ...ALL_TOKENS] }),
    check: checkSyslogHeader,
  },
];
