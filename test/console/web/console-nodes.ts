/**
 * Federation nodes with people on them: test/helpers/federation.ts's nodes
 * (own store, console on loopback, signed links) plus the demo accounts of
 * seeds/demo/accounts.yaml (`console.accounts`), so a browser can log in as
 * each tier's demo user with the documented demo passwords.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { finishNodeConfig, NodeConfigSchema } from '../../../cli/node-config.js';
import { startNode, type RunningNode } from '../../../cli/node.js';
import type { OrgRegistry } from '../../../core/orgs.js';
import { apiToken, linkSecret, type NodeSpec } from '../../helpers/federation.js';
import { repoRoot } from '../../helpers/paths.js';

/** The demo users the browser suite logs in as, with their documented passwords (seeds/demo/accounts.yaml). */
export const DemoUsers = {
  enterprise: { user: 'js-jinling-motor-analyst', password: 'demo-enterprise-password' },
  provincial: { user: 'js-industry-officer', password: 'demo-provincial-password' },
  national: { user: 'ncisc-officer', password: 'demo-national-password' },
} as const;

export async function startConsoleNode(spec: NodeSpec, dir: string, registry: OrgRegistry): Promise<RunningNode> {
  const tokens = join(dir, `${spec.id}-api-tokens.yaml`);
  writeFileSync(tokens, stringify(registry.all().map((o) => ({ id: `api-${o.id}`, org: o.id, token: apiToken(o.id) }))));
  const raw = NodeConfigSchema.parse({
    node: { id: spec.id, tier: spec.tier, orgs: [...spec.orgs] },
    registry: join(repoRoot, 'seeds', 'orgs.yaml'),
    dataDir: join(dir, spec.id),
    ...(spec.ingest ? { ingestTokens: join(repoRoot, 'seeds', 'tokens.yaml') } : {}),
    detector: { rules: [...(spec.rules ?? [join(repoRoot, 'rules')])], reloadIntervalMs: 200, quietBeforeClockMs: 500 },
    console: { listen: { host: spec.host, port: spec.port }, apiTokens: tokens, accounts: join(repoRoot, 'seeds', 'demo', 'accounts.yaml') },
    federation: {
      ...(spec.parent ? {
        parent: {
          url: spec.parent.url, linkId: spec.parent.linkId, tier: spec.parent.tier, secret: { value: linkSecret(spec.parent.linkId) },
          idleMs: 200, backoff: { initialMs: 100, maxMs: 1000 },
        },
      } : {}),
      children: (spec.children ?? []).map((c) => ({ linkId: c.linkId, orgs: [...c.orgs], secret: { value: linkSecret(c.linkId) } })),
    },
    sources: spec.ingest ? [{ type: 'http', listen: { host: spec.host, port: 0 } }] : [],
    log: { level: 'silent' },
  });
  return startNode(finishNodeConfig(raw, join(dir, `${spec.id}.yaml`)));
}
