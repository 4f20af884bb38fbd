/**
 * Nodes of a federation in one test process: each with its own SQLite
 * store and console on loopback (IPv4 or IPv6), linked by per-link secrets.
 * A parent's port is fixed before it starts, so a test can stop and restart
 * it where its children expect it.
 */
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { finishNodeConfig, NodeConfigSchema } from '../../cli/node-config.js';
import { startNode, type RunningNode } from '../../cli/node.js';
import type { OrgRegistry } from '../../core/orgs.js';
import type { JsonLogger } from '../../core/telemetry.js';
import { repoRoot } from './paths.js';

/** A port free on `host` right now. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The bearer token of an org's API token in every node's token file. */
export function apiToken(org: string): string {
  return `api-${org}-test-token`;
}

/** A link secret that is the same on both ends of a link. */
export function linkSecret(linkId: string): string {
  return `link-secret-${linkId}-`.padEnd(48, 'x');
}

export interface NodeSpec {
  readonly id: string;
  readonly tier: 'enterprise' | 'provincial' | 'national';
  readonly orgs: readonly string[];
  readonly host: '127.0.0.1' | '::1';
  readonly port: number;
  readonly parent?: { readonly url: string; readonly linkId: string; readonly tier: 'provincial' | 'national' };
  readonly children?: readonly { readonly linkId: string; readonly orgs: readonly string[] }[];
  /** Rule folders; default iisa's rules/. */
  readonly rules?: readonly string[];
  /** Run an HTTP ingest source (enterprises) on an ephemeral port of `host`. */
  readonly ingest?: boolean;
  /** The console's user list (`console.accounts`), for tests that log people in. */
  readonly accounts?: string;
  /** Items per uplink request and downlink page (default 3, so paging through a backlog is exercised). */
  readonly batchSize?: number;
}

export function nodeUrl(spec: Pick<NodeSpec, 'host' | 'port'>): string {
  return `http://${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
}

/** Start (or restart: same dir, same data) a node from its spec. */
export async function startFederationNode(spec: NodeSpec, dir: string, registry: OrgRegistry, log?: JsonLogger): Promise<RunningNode> {
  const tokens = join(dir, `${spec.id}-api-tokens.yaml`);
  writeFileSync(tokens, stringify(registry.all().map((o) => ({ id: `api-${o.id}`, org: o.id, token: apiToken(o.id) }))));
  const raw = NodeConfigSchema.parse({
    node: { id: spec.id, tier: spec.tier, orgs: [...spec.orgs] },
    registry: join(repoRoot, 'seeds', 'orgs.yaml'),
    dataDir: join(dir, spec.id),
    ...(spec.ingest ? { ingestTokens: join(repoRoot, 'seeds', 'tokens.yaml') } : {}),
    detector: { rules: [...(spec.rules ?? [join(repoRoot, 'rules')])], reloadIntervalMs: 200, quietBeforeClockMs: 500 },
    console: { listen: { host: spec.host, port: spec.port }, apiTokens: tokens, ...(spec.accounts ? { accounts: spec.accounts } : {}) },
    federation: {
      ...(spec.parent ? {
        parent: {
          url: spec.parent.url, linkId: spec.parent.linkId, tier: spec.parent.tier, secret: { value: linkSecret(spec.parent.linkId) },
          idleMs: 200, backoff: { initialMs: 100, maxMs: 1000 }, batchSize: spec.batchSize ?? 3,
        },
      } : {}),
      children: (spec.children ?? []).map((c) => ({ linkId: c.linkId, orgs: [...c.orgs], secret: { value: linkSecret(c.linkId) } })),
    },
    sources: spec.ingest ? [{ type: 'http', listen: { host: spec.host, port: 0 } }] : [],
    log: { level: 'silent' },
  });
  return startNode(finishNodeConfig(raw, join(dir, `${spec.id}.yaml`)), log ? { log } : {});
}

/** GET/POST a node's console API as an org. */
export async function api<T = unknown>(spec: Pick<NodeSpec, 'host' | 'port'>, org: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${nodeUrl(spec)}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiToken(org)}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}
