/**
 * The `forward` section of a node config: a collector that sends the raw
 * records of its sources to a remote node's HTTP ingest instead of parsing
 * them into a store of its own, through a disk spool.
 *
 *   forward:
 *     url: https://[2001:db8::10]:8080          # the remote node's http source; records go to <url>/api/v1/ingest
 *     tokens:                                    # the remote's ingest tokens, one per org + parser the sources produce
 *       - { org: js-jinling-motor, parser: zeek-modbus, token: { env: IISA_FWD_MODBUS } }
 *       - { org: js-jinling-motor, parser: cef, token: { file: secrets/cef.token } }
 *     spool: { dir: spool, maxBytes: 1073741824, segmentBytes: 16777216 }
 *     batch: { maxRecords: 1000, maxBytes: 524288, maxDelayMs: 100, gzip: true }
 *     retry: { baseDelayMs: 500, maxDelayMs: 60000 }
 *     timeoutMs: 30000
 *     tls: { caFile: pki/remote-ca.pem, certFile: pki/collector.pem, keyFile: pki/collector.key }
 *
 * Paths are relative to the config file; `spool.dir` defaults to
 * `<dataDir>/forward-spool`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** A token never needs to be in the config itself: a file or an environment variable. */
export const TokenSourceSchema = z.union([
  z.strictObject({ file: z.string().min(1).describe('file holding the token (a trailing newline is ignored)') }),
  z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)').describe('environment variable holding the token') }),
  z.strictObject({ value: z.string().min(1).describe('the token itself') }),
]);
export type TokenSource = z.output<typeof TokenSourceSchema>;

const ForwardTokenSchema = z.strictObject({
  org: z.string().min(1),
  parser: z.string().min(1),
  token: TokenSourceSchema.describe("the remote node's ingest token for this org and parser"),
});

export const ForwardSectionSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ })
    .refine((u) => { const url = new URL(u); return !url.search && !url.hash && !url.username && !url.password; },
      'url must have no query, fragment or credentials (the token goes in forward.tokens)')
    .describe("base URL of the remote node's http source, e.g. https://[2001:db8::10]:8080; records are POSTed to <url>/api/v1/ingest"),
  tokens: z.array(ForwardTokenSchema).min(1).describe('one remote ingest token per org and parser the sources produce'),
  spool: z.strictObject({
    dir: z.string().min(1).optional().describe('where records wait for the remote; default <dataDir>/forward-spool'),
    maxBytes: z.number().int().min(64 * 1024).default(1024 * 1024 * 1024)
      .describe('bound on the spool on disk; when full, sources are held back (file tail and TCP pause, HTTP ingest answers 503, UDP drops and counts)'),
    segmentBytes: z.number().int().min(4096).default(16 * 1024 * 1024).describe('size of one spool file; delivered files are deleted whole'),
  }).prefault({}),
  batch: z.strictObject({
    maxRecords: z.number().int().min(1).max(100_000).default(1000),
    maxBytes: z.number().int().min(1024).default(512 * 1024)
      .describe('body bytes per request before compression; keep it below the remote maxBodyBytes (1 MiB by default)'),
    maxDelayMs: z.number().int().min(0).default(100).describe('after a quiet spell, how long to wait for more records before sending'),
    gzip: z.boolean().default(true),
  }).prefault({}),
  retry: z.strictObject({
    baseDelayMs: z.number().int().positive().default(500).describe('first pause after a failed request; doubled each time, with jitter'),
    maxDelayMs: z.number().int().positive().default(60_000)
      .describe('longest pause between attempts; also the pace of retries the remote refused outright (401: a wrong token)'),
  }).prefault({}).refine((r) => r.baseDelayMs <= r.maxDelayMs, { message: 'baseDelayMs must not exceed maxDelayMs' }),
  timeoutMs: z.number().int().positive().default(30_000).describe('one request, from connecting to the last byte of the answer'),
  tls: z.strictObject({
    caFile: z.string().optional().describe("CA of the remote's certificate; default: the system's"),
    certFile: z.string().optional().describe('client certificate, for a remote listener with tls.caFile (mutual TLS)'),
    keyFile: z.string().optional(),
  }).refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), { message: 'give certFile and keyFile together' }).optional(),
}).superRefine((f, ctx) => {
  if (f.tls && !f.url.startsWith('https:')) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls needs an https url' });
  if (f.spool.segmentBytes > f.spool.maxBytes / 2) {
    ctx.addIssue({ code: 'custom', path: ['spool', 'segmentBytes'], message: 'segmentBytes must be at most half of maxBytes (a full segment is freed only once delivered)' });
  }
  const seen = new Map<string, number>();
  f.tokens.forEach((t, i) => {
    const key = `${t.org}\u0000${t.parser}`;
    const prior = seen.get(key);
    if (prior !== undefined) ctx.addIssue({ code: 'custom', path: ['tokens', i], message: `a second token for org ${t.org} and parser ${t.parser} (also at [${prior}])` });
    else seen.set(key, i);
  });
});

export type ForwardSection = z.output<typeof ForwardSectionSchema>;

/** The section with every path made absolute (`at` resolves against the config file) and the spool dir set. */
export function resolveForwardPaths(f: ForwardSection, at: (p: string) => string, dataDir: string): ForwardSection {
  const file = (t: TokenSource): TokenSource => ('file' in t ? { file: at(t.file) } : t);
  return {
    ...f,
    tokens: f.tokens.map((t) => ({ ...t, token: file(t.token) })),
    spool: { ...f.spool, dir: f.spool.dir ? at(f.spool.dir) : join(dataDir, 'forward-spool') },
    ...(f.tls ? {
      tls: {
        ...(f.tls.caFile ? { caFile: at(f.tls.caFile) } : {}),
        ...(f.tls.certFile ? { certFile: at(f.tls.certFile) } : {}),
        ...(f.tls.keyFile ? { keyFile: at(f.tls.keyFile) } : {}),
      },
    } : {}),
  };
}

/** The token a source names; throws naming the source (never the token) when it cannot be read. */
export function readToken(source: TokenSource, env: NodeJS.ProcessEnv = process.env): string {
  if ('value' in source) return source.value;
  if ('env' in source) {
    const value = env[source.env];
    if (!value) throw new Error(`forward token: environment variable ${source.env} is not set`);
    return value;
  }
  let text: string;
  try {
    text = readFileSync(source.file, 'utf8');
  } catch (err) {
    throw new Error(`forward token from file ${source.file}: ${(err as Error).message}`);
  }
  const token = text.replace(/\r?\n$/, '');
  if (!token) throw new Error(`forward token from file ${source.file}: the file is empty`);
  return token;
}
