/**
 * Federation nodes with people on them: test/helpers/federation.ts's nodes
 * (own store, console on loopback, signed links) plus the demo accounts of
 * seeds/demo/accounts.yaml (`console.accounts`), so a browser can log in as
 * each tier's demo user with the documented demo passwords.
 */
import { join } from 'node:path';
import type { RunningNode } from '../../../cli/node.js';
import type { OrgRegistry } from '../../../core/orgs.js';
import { startFederationNode, type NodeSpec } from '../../helpers/federation.js';
import { repoRoot } from '../../helpers/paths.js';

/** The demo users the browser suite logs in as, with their documented passwords (seeds/demo/accounts.yaml). */
export const DemoUsers = {
  enterprise: { user: 'js-jinling-motor-analyst', password: 'demo-enterprise-password' },
  provincial: { user: 'js-industry-officer', password: 'demo-provincial-password' },
  national: { user: 'ncisc-officer', password: 'demo-national-password' },
} as const;

/** A federation node (test/helpers/federation.ts) with the demo accounts, and the link's default batch size. */
export function startConsoleNode(spec: NodeSpec, dir: string, registry: OrgRegistry): Promise<RunningNode> {
  return startFederationNode({ ...spec, accounts: join(repoRoot, 'seeds', 'demo', 'accounts.yaml'), batchSize: spec.batchSize ?? 100 }, dir, registry);
}
