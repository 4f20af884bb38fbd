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
import { uuidv7 } from '../../core/ids.js';
import { Collections, type DocumentStore } from '../../core/store/documents.js';

export interface AuditEntry {
  readonly id: string;
  /** ISO time of the answer. */
  readonly at: string;
  /** The user or API token that acted; absent when nobody was authenticated (a login names the user it opened). */
  readonly actor?: string;
  readonly actorKind?: 'user' | 'token';
  /** The actor's org. */
  readonly org?: string;
  /** The org the change concerns, when it differs from the actor's. */
  readonly targetOrg?: string;
  readonly method: string;
  /** The route pattern, e.g. /api/v1/alerts/:id/status. */
  readonly route: string;
  /** The id of what was changed (alert, advisory, task, user, suppression), when known. */
  readonly target?: string;
  readonly status: number;
  readonly outcome: 'ok' | 'refused';
  /** The refusal's message. */
  readonly reason?: string;
  /** The client address as the socket saw it (canonical IPv4 or IPv6). */
  readonly remote?: string;
}

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
