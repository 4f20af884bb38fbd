/**
 * The audit log: one document per state-changing API request that
 * succeeded or was refused for want of a permission (who, from where, what
 * route, on what, with what outcome). Written by ./audit-middleware.ts
 * before the answer leaves, so a change the caller saw succeed is on
 * record.
 *
 * Documents: id UUIDv7, orgId = the caller's org, sortKey = time, index
 * `orgs` = the caller's org and the org the change concerns (a node admin
 * creating a user of an enterprise shows in that enterprise's log too),
 * `actor`, `outcome`.
 */
import { z } from 'zod';
import { uuidv7 } from '../../core/ids.js';
import { Collections, type DocumentStore } from '../../core/store/documents.js';

/** One entry as stored and as GET /api/v1/audit-log answers it. */
export const AuditEntrySchema = z.strictObject({
  id: z.string(),
  at: z.string().describe('ISO time of the answer'),
  actor: z.string().optional().describe('the user or API token that acted; absent when nobody was authenticated (a login names the user it opened)'),
  actorKind: z.enum(['user', 'token']).optional(),
  org: z.string().optional().describe('the actor\'s org'),
  targetOrg: z.string().optional().describe('the org the change concerns, when it differs from the actor\'s'),
  method: z.string(),
  route: z.string().describe('the route pattern, e.g. /api/v1/alerts/:id/status'),
  target: z.string().optional().describe('the id of what was changed (alert, advisory, task, user, suppression), when known'),
  status: z.number().int(),
  outcome: z.enum(['ok', 'refused']),
  reason: z.string().optional().describe('the refusal\'s message'),
  remote: z.string().optional().describe('the client address as the socket saw it (canonical IPv4 or IPv6)'),
});
export type AuditEntry = Readonly<z.output<typeof AuditEntrySchema>>;

export interface AuditQuery {
  /** Entries of these orgs (as actor's or target's); undefined: all. */
  readonly orgs?: readonly string[];
  readonly from?: Date;
  readonly to?: Date;
  readonly actor?: string;
  readonly outcome?: 'ok' | 'refused';
  readonly limit?: number;
  readonly cursor?: string;
}

export class AuditLog {
  constructor(private readonly store: DocumentStore, private readonly now: () => number = Date.now) {}

  async record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<AuditEntry> {
    const now = this.now();
    const full: AuditEntry = { id: uuidv7(now), at: new Date(now).toISOString(), ...entry };
    const orgs = [...new Set([full.org, full.targetOrg].filter((o): o is string => o !== undefined))];
    await this.store.putDocument(Collections.auditLog, {
      id: full.id, ...(full.org ? { orgId: full.org } : {}), sortKey: full.at,
      index: { orgs, actor: full.actor ?? null, outcome: full.outcome },
      body: full,
    }, { expectVersion: 0 });
    return full;
  }

  /** Newest first, a page at a time. */
  async list(query: AuditQuery): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
    const page = await this.store.queryDocuments<AuditEntry>({
      collection: Collections.auditLog,
      where: {
        ...(query.orgs ? { orgs: query.orgs } : {}),
        ...(query.actor ? { actor: query.actor } : {}),
        ...(query.outcome ? { outcome: query.outcome } : {}),
      },
      ...(query.from ? { from: query.from.toISOString() } : {}),
      ...(query.to ? { to: query.to.toISOString() } : {}),
      order: 'desc', limit: query.limit ?? 100, ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return { entries: page.documents.map((d) => d.body), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }
}
