/**
 * Documents: the part of the Store contract for records that change over
 * time (alerts and their audit trail, suppressions, advisories, tasks,
 * receipts, federation outboxes and feeds). Events and rule hits are
 * append-only and have their own methods; everything else a node keeps is a
 * document in a named collection, so each backend implements this once and
 * the services above it (detector/alerts, console/federation) are written
 * once for every backend.
 *
 * A document is a JSON body plus what queries need, given by the writer:
 *   - `orgId`: the org it belongs to (scoping, as for events);
 *   - `sortKey`: a string ordered as the writer wants (an ISO time, or a
 *     zero-padded sequence number); lists are ordered and ranged by it;
 *   - `index`: flat key -> value pairs queries can filter and group on
 *     (a string array matches when any element does).
 * Writes are compare-and-set on `version` (1 for a new document), so two
 * writers never lose each other's update silently.
 */
import type { Scope } from './store.js';

export type IndexValue = string | number | boolean | null | readonly string[];

export interface DocumentInput<T = unknown> {
  readonly id: string;
  readonly orgId?: string;
  readonly sortKey: string;
  readonly index?: Readonly<Record<string, IndexValue>>;
  readonly body: T;
}

export interface StoredDocument<T = unknown> extends DocumentInput<T> {
  readonly collection: string;
  /** 1 after the first write, +1 per update. */
  readonly version: number;
  /** ISO time of the last write (the store's clock). */
  readonly updatedAt: string;
}

export interface PutOptions {
  /**
   * The version the writer read: 0 = the document must not exist yet
   * (create), n = it must still be at version n (update). Absent: write
   * whatever is there (last writer wins), for documents with one writer.
   */
  readonly expectVersion?: number;
}

/** Thrown by `putDocument` when `expectVersion` does not hold; the caller re-reads and retries or gives up. */
export class DocumentConflictError extends Error {
  constructor(
    readonly collection: string,
    readonly id: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${collection}/${id}: expected version ${expected}, found ${actual === 0 ? 'no document' : `version ${actual}`}`);
    this.name = 'DocumentConflictError';
  }
}

export interface DocumentQuery extends Scope {
  readonly collection: string;
  /** Equality on index keys, all must hold; an array value means "any of these". */
  readonly where?: Readonly<Record<string, string | number | boolean | null | readonly (string | number)[]>>;
  /** Inclusive lower bound on sortKey. */
  readonly from?: string;
  /** Exclusive upper bound on sortKey. */
  readonly to?: string;
  /** By sortKey then id; default ascending. */
  readonly order?: 'asc' | 'desc';
  /** Default 100, capped at 10000. */
  readonly limit?: number;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
}

export interface DocumentPage<T = unknown> {
  readonly documents: StoredDocument<T>[];
  readonly nextCursor?: string;
}

export interface DocumentCountQuery extends Omit<DocumentQuery, 'order' | 'limit' | 'cursor'> {
  /** Index key to group by; an array value counts once under each element; a missing key counts under null. */
  readonly groupBy: string;
}

export interface DocumentCount {
  readonly key: string | number | boolean | null;
  readonly count: number;
}

/** The document methods every Store implements (see the Store contract in store.ts). */
export interface DocumentStore {
  /** Create or update one document durably; resolves with its new version. Reads see it once this resolves. */
  putDocument<T>(collection: string, doc: DocumentInput<T>, options?: PutOptions): Promise<number>;
  /** One document by id (regardless of scope: the caller checks `orgId`). */
  getDocument<T>(collection: string, id: string): Promise<StoredDocument<T> | undefined>;
  queryDocuments<T>(query: DocumentQuery): Promise<DocumentPage<T>>;
  /** Counts per value of one index key, largest first, ties by key; at most 1000 groups. */
  countDocuments(query: DocumentCountQuery): Promise<DocumentCount[]>;
  /**
   * Delete one document; with `expectVersion` only if it is still at that
   * version (else DocumentConflictError, e.g. an outbox item replaced while
   * it was being sent). Resolves with whether there was one to delete.
   */
  deleteDocument(collection: string, id: string, options?: PutOptions): Promise<boolean>;
  /** Delete the documents of a collection whose sortKey is below `before`; resolves with how many. */
  deleteDocumentsBefore(collection: string, before: string): Promise<number>;
  /**
   * Optional: run `work` with its writes committed together when it
   * resolves (durable then, not at each write), rolled back if it throws;
   * other writers wait meanwhile. A backend without it commits each write.
   */
  batchWrites?<T>(work: () => Promise<T>): Promise<T>;
}

/** `work` in one write batch where the store offers it, else as it is (each write its own commit). */
export function inWriteBatch<T>(store: DocumentStore, work: () => Promise<T>): Promise<T> {
  return store.batchWrites ? store.batchWrites(work) : work();
}

/** Collection names, in one place (a backend may keep each in its own table or index). */
export const Collections = {
  alerts: 'alerts',
  alertAudit: 'alert-audit',
  alertLinks: 'alert-links',
  suppressions: 'suppressions',
  advisories: 'advisories',
  tasks: 'tasks',
  receipts: 'receipts',
  posture: 'posture',
  outbox: 'outbox',
  feed: 'feed',
  linkState: 'link-state',
  nonces: 'nonces',
  securityLog: 'security-log',
  detections: 'detections',
  jobState: 'job-state',
  /** Claims of scheduled job runs: one process of a node runs each scheduled time (console/jobs/run-claims.ts). */
  jobRuns: 'job-runs',
  sources: 'sources',
  users: 'users',
  sessions: 'sessions',
  auditLog: 'audit-log',
} as const;
