/**
 * POSTing a forwarded batch to a remote node's HTTP ingest. One request at a
 * time per client, over a keep-alive agent; plain HTTP or HTTPS, with the
 * remote's CA and a client certificate for mutual TLS (node:https, since
 * fetch takes no client certificate).
 *
 * Any answer resolves (the sender reads its status); only no answer at all
 * rejects, with IngestTransportError.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { parseRetryAfter } from './backoff.js';
import { FORWARD_MEDIA_TYPE } from './wire.js';

const gzip = promisify(gzipCallback);
/** The ingest answer is small JSON; anything longer is cut (only its start is read, for the log). */
const MAX_ANSWER_BYTES = 1024 * 1024;

export interface IngestClientOptions {
  /** Base URL of the remote's http source. */
  readonly url: string;
  readonly timeoutMs: number;
  readonly gzip: boolean;
  /** PEM file paths, read once here. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
}

export interface IngestAnswer {
  readonly status: number;
  /** From Retry-After, when the remote sent one. */
  readonly retryAfterMs?: number;
  /** The answer parsed as JSON, or undefined. */
  readonly json: unknown;
  /** The start of the answer, for logs. */
  readonly text: string;
}

/** No answer: refused, reset, TLS failure, timeout. */
export class IngestTransportError extends Error {
  override readonly name = 'IngestTransportError';
  readonly retriable = true;
  constructor(message: string, readonly reason: 'network' | 'timeout', options?: ErrorOptions) {
    super(message, options);
  }
}

export class IngestClient {
  private readonly target: URL;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly request: typeof httpRequest;

  /** Throws naming the file when a TLS file cannot be read. */
  constructor(private readonly options: IngestClientOptions) {
    this.target = new URL(`${options.url.replace(/\/+$/, '')}/api/v1/ingest`);
    const https = this.target.protocol === 'https:';
    this.request = https ? httpsRequest : httpRequest;
    this.agent = https
      ? new HttpsAgent({
        keepAlive: true, maxSockets: 1, minVersion: 'TLSv1.2',
        ...(options.tls?.caFile ? { ca: readPem(options.tls.caFile) } : {}),
        ...(options.tls?.certFile ? { cert: readPem(options.tls.certFile) } : {}),
        ...(options.tls?.keyFile ? { key: readPem(options.tls.keyFile) } : {}),
      })
      : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  }

  /** Where batches go, for logs. */
  get url(): string {
    return this.target.href;
  }

  /** Send one NDJSON body with `token`; `signal` aborts it (stop). */
  async post(token: string, body: string, signal: AbortSignal): Promise<IngestAnswer> {
    const plain = Buffer.from(body, 'utf8');
    const bytes = this.options.gzip ? await gzip(plain) : plain;
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': FORWARD_MEDIA_TYPE,
      'content-length': String(bytes.length),
      accept: 'application/json',
      ...(this.options.gzip ? { 'content-encoding': 'gzip' } : {}),
    };
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    let res: IncomingMessage;
    let text: string;
    try {
      res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = this.request(this.target, { method: 'POST', headers, agent: this.agent, signal: both }, resolve);
        req.on('error', reject);
        req.end(bytes);
      });
      text = await readAnswer(res);
    } catch (err) {
      if (timeout.aborted) throw new IngestTransportError(`POST ${this.target.href}: no answer within ${this.options.timeoutMs} ms`, 'timeout', { cause: err });
      throw new IngestTransportError(`POST ${this.target.href}: ${(err as Error).message}`, 'network', { cause: err });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const retryAfter = res.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined);
    return { status: res.statusCode ?? 0, json, text: text.slice(0, 500), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }

  /** Drop pooled connections. Idempotent. */
  close(): void {
    this.agent.destroy();
  }
}

function readPem(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`forward.tls: cannot read ${file}: ${(err as Error).message}`);
  }
}

async function readAnswer(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
