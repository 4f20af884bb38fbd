/**
 * Builders for the forwarding tests: a receiving node's config (an http
 * source on a fixed port, so it can come back on the same one), numbered
 * ECS lines, and reading what the receiver stored, in the order it stored it.
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from './paths.js';

/** A port nothing listens on now (the kernel's pick), for a listener that must come back on the same one. */
export async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ReceiverToken {
  readonly id: string;
  readonly org: string;
  readonly parser: string;
  readonly token: string;
}

/** Write a receiving node's config (http source on host:port, SQLite under dir/receiver) and return its path. */
export function writeReceiverConfig(dir: string, host: string, port: number, tokens: readonly ReceiverToken[]): string {
  const tokensFile = join(dir, 'receiver-tokens.yaml');
  writeFileSync(tokensFile, stringify(tokens));
  const file = join(dir, 'receiver.yaml');
  writeFileSync(file, stringify({
    node: { id: 'receiver', tier: 'national' },
    registry: join(repoRoot, 'seeds', 'orgs.yaml'),
    dataDir: join(dir, 'receiver'),
    ingestTokens: tokensFile,
    sources: [{ type: 'http', listen: { host, port } }],
    log: { level: 'info' },
  }));
  return file;
}

/** The receiver's database file (see writeReceiverConfig). */
export function receiverDb(dir: string): string {
  return join(dir, 'receiver', 'iisa.db');
}

/** One ECS line numbered `seq` from `source`, as a device would log it. */
export function numberedLine(source: string, seq: number): string {
  return JSON.stringify({
    '@timestamp': new Date(Date.UTC(2026, 10, 25, 6, 0, 0) + seq).toISOString(),
    event: { category: ['network'], action: 'connection' },
    source: { ip: seq % 2 ? '2001:db8::7' : '203.0.113.7', port: 40000 + (seq % 1000) },
    labels: { src: source, seq: String(seq) },
  });
}

export interface StoredLine {
  readonly src: string;
  readonly seq: number;
}

/**
 * The numbered lines the receiver has stored, in the order it stored them
 * (rowid). Opened read-only beside the running node (SQLite WAL allows it);
 * empty while the database does not exist yet.
 */
export function storedLines(dbFile: string): StoredLine[] {
  let db: Database.Database;
  try {
    db = new Database(dbFile, { readonly: true, fileMustExist: true });
  } catch {
    return [];
  }
  try {
    db.pragma('busy_timeout = 5000');
    const rows = db.prepare(`SELECT json_extract(doc, '$.labels.src') AS src, json_extract(doc, '$.labels.seq') AS seq FROM events ORDER BY rid`).all() as { src: string | null; seq: string | null }[];
    return rows.filter((r) => r.src !== null && r.seq !== null).map((r) => ({ src: r.src as string, seq: Number(r.seq) }));
  } finally {
    db.close();
  }
}

/**
 * What is wrong with the stored lines of `src` if each of 0..count-1 must be
 * there exactly once and in order: the first few problems, or [] when none.
 */
export function deliveryProblems(lines: readonly StoredLine[], src: string, count: number): string[] {
  const seqs = lines.filter((l) => l.src === src).map((l) => l.seq);
  const problems: string[] = [];
  const seen = new Map<number, number>();
  for (const s of seqs) seen.set(s, (seen.get(s) ?? 0) + 1);
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  const twice = [...seen].filter(([, n]) => n > 1).map(([s]) => s);
  if (missing.length) problems.push(`${src}: ${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`);
  if (twice.length) problems.push(`${src}: ${twice.length} stored more than once, e.g. ${twice.slice(0, 5).join(', ')}`);
  const backwards = seqs.findIndex((s, i) => i > 0 && s < seqs[i - 1]);
  if (backwards > 0) problems.push(`${src}: out of order at position ${backwards}: ${seqs[backwards - 1]} then ${seqs[backwards]}`);
  return problems;
}
