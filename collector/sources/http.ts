/**
 * HTTP ingest: senders POST batches of records with a bearer token.
 *
 *   POST /api/v1/ingest
 *   Authorization: Bearer <ingest token>
 *   Content-Type: application/x-ndjson        (or text/plain; application/json for an array)
 *   Content-Encoding: gzip                    (optional)
 *
 *   {"ts":"2026-11-25T06:00:00Z","src":"10.0.0.7",...}
 *   {"ts":"2026-11-25T06:00:01Z","src":"10.0.0.8",...}
 *
 * The token decides the org and parser of every record (never the body). The
 * response comes after the pipeline has made the batch durable:
 *
 *   200 { accepted, rejected: [] }                      all stored
 *   422 { accepted, rejected: [{ line, code, reason }], message }
 *                                                       the accepted ones are stored; do not resend them
 *   401 bad or missing token; 413 body over maxBodyBytes; 415 unsupported type/encoding;
 *   400 unreadable body or Idempotency-Key; 503 + Retry-After: not confirmed stored, resend later
 *
 * A 503 can be ambiguous: when Kafka went away mid-request, part of the batch
 * may be in Kafka although the request failed. A sender that resends with
 * the same `Idempotency-Key` header (and the same body) cannot store a record
 * twice: with the header, each record's id is made from the token, the key,
 * the body's hash and the record's line, so a resent record lands on the id
 * it already has. The body's hash is part of it so that a key reused for
 * another body never makes its records look like copies.
 *
 * A forwarding collector (collector/forward/) posts its sources' raw records
 * as `application/vnd.iisa.forward+ndjson`: one JSON object per line with the
 * record's text, an id (the event id is made from it and the token's org, so a
 * batch sent twice is stored once), its stream and receive time
 * (collector/forward/wire.ts). The token still decides org and parser.
 *
 * `GET /api/v1/health` answers `{ status: 'ok' }` without a token.
 *
 * With `listen.tls` the listener speaks HTTPS only (and demands a client
 * certificate when `listen.tls.caFile` is set); the token still decides the org.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import express from 'express';
import type { Express, Request, Response } from 'express';
import { z } from 'zod';
import { stableId } from '../../core/ids.js';
import { BodyFormatError, splitBody, type BodyFormat } from '../framing/ndjson.js';
import { FORWARD_MEDIA_TYPE, readForwardedLine } from '../forward/wire.js';
import { closeListener, createHttpListener, listenOn, serverAddress, TlsListenSchema, trackHandshakes } from './listen.js';
import { PendingWork } from './pending-work.js';
import { SourceMetric } from './telemetry.js';
import type { IngestRecord, Source, SourceContext, SourceUnit, TokenGrant } from './types.js';

const TYPE = 'http';
const DEAD_LETTER_RAW_BYTES = 1024;
/** After refusing a body, how much more of it is read and discarded before the connection is cut. */
const MAX_DRAIN_BYTES = 8 * 1024 * 1024;
/** An Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): visible ASCII, optionally as a quoted string. */
const IDEMPOTENCY_KEY = /^(?:"([\x21\x23-\x7e]{1,255})"|([\x21\x23-\x7e][\x21-\x7e]{0,254}))$/;

export const HttpConfigSchema = z.strictObject({
  /** Optional here so the schema accepts a config entry with or without its `type` key. */
  type: z.literal(TYPE).optional(),
  listen: TlsListenSchema,
  /** Largest request body, after decompression. Larger -> 413. */
  maxBodyBytes: z.number().int().positive().default(1024 * 1024),
  /** Largest single record; a larger one is rejected (`too-large`) and its neighbours still go. */
  maxLineBytes: z.number().int().positive().default(64 * 1024),
  /** Retry-After sent with 503 and 429. */
  retryAfterSeconds: z.number().int().positive().default(5),
  /**
   * Ingest requests handled at once; more -> 429 with Retry-After. With
   * maxBodyBytes this bounds the memory a burst can take (bodies, parsed
   * events), so back-pressure reaches the senders instead.
   */
  maxConcurrentRequests: z.number().int().positive().default(32),
});

export type HttpConfig = z.output<typeof HttpConfigSchema>;

/** Content types accepted, by media type (parameters aside). */
const BODY_FORMATS: Readonly<Record<string, BodyFormat>> = {
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'text/plain': 'ndjson',
  'application/json': 'json',
  [FORWARD_MEDIA_TYPE]: 'ndjson',
};

/** Content encodings accepted, each with its decoder (identity = none). */
const DECODERS: Readonly<Record<string, (() => NodeJS.ReadWriteStream) | null>> = {
  identity: null,
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
};

/** A response the handler decided on; thrown and answered by the error handler. */
class HttpProblem extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export interface RejectedLine {
  readonly line: number;
  readonly code: string;
  readonly reason: string;
}

/**
 * The express app for HTTP ingest. `track` is given a promise per ingest
 * request that settles when its response is out, so the listener can wait
 * for them when it stops.
 */
export function createHttpIngestApp(config: HttpConfig, ctx: SourceContext, track: (work: Promise<void>) => void = () => {}): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/api/v1/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  let inProgress = 0;
  app.post('/api/v1/ingest', (req, res) => {
    if (inProgress >= config.maxConcurrentRequests) {
      ctx.metrics.increment(SourceMetric.requestsRefused, { source: TYPE, reason: 'busy' });
      // The body is not read: closing the connection is cheaper than draining it.
      throw new HttpProblem(429, 'busy', `${inProgress} ingest requests are in progress (maxConcurrentRequests); nothing was accepted, send it again later`, {
        'Retry-After': String(config.retryAfterSeconds), Connection: 'close',
      });
    }
    inProgress++;
    // In progress until the response is out (or the connection is gone), not merely until the handler returns.
    const done = new Promise<void>((resolve) => res.once('close', () => resolve()));
    void done.then(() => { inProgress--; });
    track(done);
    return ingest(req, res, config, ctx);
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not-found', message: 'no such endpoint; POST /api/v1/ingest or GET /api/v1/health' });
  });

  // Express recognises an error handler by its four parameters.
  app.use((err: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    if (res.headersSent) return;
    if (err instanceof HttpProblem) {
      res.set(err.headers).status(err.status).json({ error: err.code, message: err.message });
      return;
    }
    ctx.log.error('http ingest failed', { error: String(err) });
    res.status(500).json({ error: 'internal', message: 'internal error' });
  });
  return app;
}

async function ingest(req: Request, res: Response, config: HttpConfig, ctx: SourceContext): Promise<void> {
  const receivedAt = new Date();
  const grant = authenticate(req, ctx);
  if (!grant) {
    ctx.metrics.increment(SourceMetric.authFailures, { source: TYPE });
    // Keep the start of what was sent: an unknown token is often a misconfigured sender worth finding.
    const head = await readBody(req, { maxBytes: config.maxBodyBytes, keepBytes: DEAD_LETTER_RAW_BYTES }).catch(() => undefined);
    await ctx.deadLetter({
      origin: TYPE, code: 'bad-token', reason: req.headers.authorization ? 'unknown ingest token' : 'no bearer token',
      raw: head ? head.kept.toString('utf8') : '', receivedAt,
    }).catch((err: unknown) => ctx.log.warn('could not dead-letter a refused request', { error: String(err) }));
    throw new HttpProblem(401, 'unauthorized', 'a valid ingest token is required: Authorization: Bearer <token>', {
      'WWW-Authenticate': 'Bearer',
      ...(head && !head.complete ? { Connection: 'close' } : {}),
    });
  }

  const format = bodyFormat(req);
  const forwarded = mediaTypeOf(req) === FORWARD_MEDIA_TYPE;
  const idempotencyKey = idempotencyKeyOf(req);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > config.maxBodyBytes) throw tooLarge(config);
  const body = await readBody(req, { maxBytes: config.maxBodyBytes, keepBytes: config.maxBodyBytes });
  if (!body.complete) throw tooLarge(config);

  let items;
  try {
    // A forwarded line wraps its record in JSON: maxLineBytes applies to the record's text (readForwardedLine).
    const maxRecordBytes = forwarded ? config.maxBodyBytes : config.maxLineBytes;
    items = splitBody(body.kept.toString('utf8'), format, { maxRecordBytes, headChars: DEAD_LETTER_RAW_BYTES });
  } catch (err) {
    if (err instanceof BodyFormatError) throw new HttpProblem(400, 'bad-body', err.message);
    throw err;
  }

  const records: IngestRecord[] = [];
  const lineOf: number[] = [];
  const rejected: RejectedLine[] = [];
  const letters: Promise<void>[] = [];
  const ended: string[] = [];
  const origin = TYPE;
  // Forwarded lines carry ids of their own; others get theirs from the Idempotency-Key, if sent.
  const bodyHash = idempotencyKey !== undefined && !forwarded ? createHash('sha256').update(body.kept).digest('hex') : undefined;
  const idOf = (line: number): { stableId?: string } =>
    bodyHash !== undefined ? { stableId: stableId('http-ingest', grant.orgId, grant.tokenId, idempotencyKey!, bodyHash, line) } : {};
  for (const item of items) {
    if (item.type === 'record' && forwarded) {
      const read = readForwardedLine(item.text, grant, { maxLineBytes: config.maxLineBytes, origin });
      if (read.kind === 'end') {
        ended.push(read.stream);
        continue;
      }
      ctx.metrics.increment(SourceMetric.recordsReceived, { source: TYPE });
      if (read.kind === 'record') {
        records.push(read.record);
        lineOf.push(item.line);
      } else if (read.kind === 'letter') {
        // Refused at the collector, or too long here: kept, like any record a source refuses.
        if (read.letter.code === 'too-large') ctx.metrics.increment(SourceMetric.recordsDropped, { source: TYPE, reason: 'too-large' });
        letters.push(ctx.deadLetter(read.letter));
      } else {
        ctx.metrics.increment(SourceMetric.recordsDropped, { source: TYPE, reason: read.code });
        rejected.push({ line: item.line, code: read.code, reason: read.reason });
        letters.push(ctx.deadLetter({
          origin, orgId: grant.orgId, parser: grant.parser, code: read.code, reason: read.reason, raw: item.text.slice(0, DEAD_LETTER_RAW_BYTES), receivedAt,
          ...(read.stableId !== undefined ? { stableId: read.stableId } : {}),
        }));
      }
      continue;
    }
    ctx.metrics.increment(SourceMetric.recordsReceived, { source: TYPE });
    if (item.type === 'record') {
      records.push({
        text: item.text, receivedAt, orgId: grant.orgId, parser: grant.parser, stream: `http:${grant.tokenId}`, origin, extra: { 'input.type': 'http' }, ...idOf(item.line),
      });
      lineOf.push(item.line);
      continue;
    }
    const [code, reason, raw] = item.type === 'oversized'
      ? ['too-large', `record is ${item.bytes} bytes; maxLineBytes is ${config.maxLineBytes}`, item.head]
      : ['bad-record', item.reason, ''];
    ctx.metrics.increment(SourceMetric.recordsDropped, { source: TYPE, reason: code });
    rejected.push({ line: item.line, code, reason });
    letters.push(ctx.deadLetter({ origin, orgId: grant.orgId, parser: grant.parser, code, reason, raw, receivedAt, ...idOf(item.line) }));
  }

  let accepted = 0;
  try {
    await Promise.all(letters);
    if (records.length > 0) {
      // A forwarding collector's own spool answers at once when full: the sender hears 503 and comes back.
      const result = await ctx.emit(records, { waitForRoom: false });
      accepted = result.accepted;
      for (const r of result.rejected) rejected.push({ line: lineOf[r.index], code: r.code, reason: r.reason });
    }
    for (const stream of ended) ctx.endStream(stream);
  } catch (err) {
    // A full forward spool is expected while the remote is away (retriable); anything else is a fault.
    const held = (err as { retriable?: unknown }).retriable === true;
    ctx.log[held ? 'warn' : 'error'](held ? 'http ingest held back' : 'http ingest batch could not be stored', { tokenId: grant.tokenId, records: records.length, error: String(err) });
    // A retriable refusal says why (spool full, store out of disk space); a fault's details stay in the log.
    throw new HttpProblem(503, 'unavailable', held ? (err as Error).message : 'the batch could not be confirmed stored; send it again later (with the same Idempotency-Key, nothing of it is stored twice)', {
      'Retry-After': String(config.retryAfterSeconds),
    });
  }

  if (rejected.length === 0) {
    res.status(200).json({ accepted, rejected: [] });
    return;
  }
  rejected.sort((a, b) => a.line - b.line);
  res.status(422).json({
    accepted,
    rejected,
    message: `${accepted} record(s) were stored and must not be sent again; ${rejected.length} were rejected (listed by line) and kept for review`,
  });
}

function idempotencyKeyOf(req: IncomingMessage): string | undefined {
  const value = req.headers['idempotency-key'];
  if (value === undefined) return undefined;
  const match = typeof value === 'string' ? IDEMPOTENCY_KEY.exec(value) : null;
  if (!match) throw new HttpProblem(400, 'bad-idempotency-key', 'Idempotency-Key must be 1 to 255 visible ASCII characters, optionally in double quotes');
  return match[1] ?? match[2];
}

function authenticate(req: IncomingMessage, ctx: SourceContext): TokenGrant | undefined {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match ? ctx.tokens.verify(match[1]) : undefined;
}

function mediaTypeOf(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function bodyFormat(req: IncomingMessage): BodyFormat {
  const [mediaType, ...params] = (req.headers['content-type'] ?? '').split(';').map((p) => p.trim().toLowerCase());
  const format = BODY_FORMATS[mediaType];
  if (!format) {
    throw new HttpProblem(415, 'unsupported-media-type', `Content-Type must be one of ${Object.keys(BODY_FORMATS).join(', ')}; got ${JSON.stringify(mediaType)}`);
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpProblem(415, 'unsupported-charset', `only UTF-8 bodies are accepted; got charset ${charset}`);
  }
  return format;
}

function tooLarge(config: HttpConfig): HttpProblem {
  return new HttpProblem(413, 'too-large', `body larger than maxBodyBytes (${config.maxBodyBytes}); send smaller batches`, { Connection: 'close' });
}

/**
 * Read a request body, decompressing it, keeping at most `keepBytes`. Reading
 * stops as soon as more than `maxBytes` (compressed or not) arrive:
 * `complete` is then false and the rest is never buffered.
 */
async function readBody(req: IncomingMessage, limits: { maxBytes: number; keepBytes: number }): Promise<{ kept: Buffer; complete: boolean }> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!(encoding in DECODERS)) {
    throw new HttpProblem(415, 'unsupported-encoding', `Content-Encoding must be one of ${Object.keys(DECODERS).join(', ')}; got ${JSON.stringify(encoding)}`);
  }
  const decoder = DECODERS[encoding]?.() ?? null;
  let rawBytes = 0;
  let overLimit = false;
  const onRaw = (chunk: Buffer): void => {
    rawBytes += chunk.length;
    if (rawBytes > limits.maxBytes && !overLimit) {
      overLimit = true;
      req.unpipe();
      decoder?.end();
    }
  };
  req.on('data', onRaw);
  const stream: Readable = decoder ? (req.pipe(decoder) as unknown as Readable) : req;
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limits.maxBytes || overLimit) {
        overLimit = true;
        break;
      }
      if (keptBytes < limits.keepBytes) {
        const piece = chunk.subarray(0, limits.keepBytes - keptBytes);
        kept.push(piece);
        keptBytes += piece.length;
      }
    }
  } catch (err) {
    if (overLimit) return { kept: Buffer.concat(kept), complete: false };
    throw new HttpProblem(400, 'bad-encoding', `body could not be decoded as ${encoding}: ${(err as Error).message}`);
  } finally {
    req.off('data', onRaw);
  }
  if (overLimit) {
    req.unpipe();
    // Drop the rest without keeping it, so a client still sending can read the 413; up to a point.
    let drained = 0;
    req.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > MAX_DRAIN_BYTES) req.destroy();
    });
    req.resume();
  }
  return { kept: Buffer.concat(kept), complete: !overLimit };
}

/** The HTTP ingest listener. */
export class HttpSource implements Source {
  private server: Server | undefined;
  private handshakes: ReturnType<typeof trackHandshakes> | undefined;
  private readonly inFlight = new PendingWork();
  private stopped: Promise<void> | undefined;

  constructor(private readonly config: HttpConfig, private readonly ctx: SourceContext) {}

  readonly address = (): { host: string; port: number } | undefined => serverAddress(this.server);

  async start(): Promise<void> {
    if (this.server) throw new Error('http source already started');
    const app = createHttpIngestApp(this.config, this.ctx, (work) => this.inFlight.add(work));
    const server = createHttpListener(app, this.config.listen);
    this.server = server;
    if (this.config.listen.tls) this.handshakes = trackHandshakes(server);
    await listenOn(server, this.config.listen);
    this.ctx.log.info('http ingest listening', { ...this.address(), ...(this.config.listen.tls ? { tls: true } : {}) });
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = closeListener(server);
    server.closeIdleConnections();
    await this.inFlight.settled();
    // Responses are out; keep-alive connections that went idle since are closed now.
    server.closeIdleConnections();
    await new Promise((resolve) => setImmediate(resolve));
    server.closeAllConnections();
    this.handshakes?.destroyAll();
    await closed;
  }
}

export const httpSource: SourceUnit<typeof HttpConfigSchema> = {
  type: TYPE,
  configSchema: HttpConfigSchema,
  build: (config, ctx) => new HttpSource(config, ctx),
};
