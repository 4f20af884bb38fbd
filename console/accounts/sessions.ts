/**
 * Login sessions. The browser holds a random secret (32 bytes) in a cookie;
 * the store keeps only its SHA-256 as the document id, so a copy of the
 * store opens no session. A session ends at its absolute expiry, after
 * `idleMs` without a request, at logout, when its user is disabled or gets
 * a new password, or when an admin ends its user's sessions (./accounts-api.ts).
 * No key signs a session, so there is none to rotate: ending sessions is how
 * they are revoked.
 *
 * The CSRF token is derived from the secret (SHA-256 of a labelled copy):
 * a page that can read it was given it by this origin, it needs no storage,
 * and it reveals nothing about the secret it came from.
 *
 * Documents: id = hash, orgId = the user's org, sortKey = absolute expiry
 * (so `deleteDocumentsBefore(now)` sweeps the expired), index userId.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Collections, type DocumentStore } from '../../core/store/documents.js';
import type { UserRecord } from './users.js';

export interface SessionLimits {
  /** A session unused this long ends. */
  readonly idleMs: number;
  /** A session ends this long after login, used or not. */
  readonly absoluteMs: number;
}

export interface SessionRecord {
  readonly userId: string;
  readonly orgId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastSeen: string;
}

export interface OpenSession {
  /** The store id of the session (the secret's hash), for logs. */
  readonly id: string;
  readonly record: SessionRecord;
}

const SECRET = /^[A-Za-z0-9_-]{43}$/;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The CSRF token of the session whose secret is `secret`. */
export function csrfTokenOf(secret: string): string {
  return createHash('sha256').update(`iisa-csrf\0${secret}`, 'utf8').digest('base64url');
}

/** Whether `presented` is the CSRF token of `secret`, compared in constant time. */
export function csrfMatches(secret: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenOf(secret));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class SessionBook {
  // lastSeen is written at most this often per session: a request is not a write.
  private readonly touchEveryMs: number;
  private lastSweep = 0;
  private readonly allEndedListeners: ((userId: string) => void)[] = [];

  constructor(
    private readonly store: DocumentStore,
    readonly limits: SessionLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.touchEveryMs = Math.min(60_000, Math.max(1000, Math.floor(limits.idleMs / 10)));
  }

  /** Open a session for `user`; answers the secret for the cookie (shown once, never stored). */
  async create(user: UserRecord): Promise<{ secret: string; session: OpenSession }> {
    await this.sweep();
    const secret = randomBytes(32).toString('base64url');
    const id = sha256(secret);
    const now = this.now();
    const record: SessionRecord = {
      userId: user.id, orgId: user.org, createdAt: iso(now), expiresAt: iso(now + this.limits.absoluteMs), lastSeen: iso(now),
    };
    await this.store.putDocument(Collections.sessions, { id, orgId: user.org, sortKey: record.expiresAt, index: { userId: user.id }, body: record }, { expectVersion: 0 });
    return { secret, session: { id, record } };
  }

  /** The live session of `secret`, its idle clock restarted; an expired one is deleted and answers undefined. */
  async resolve(secret: string): Promise<OpenSession | undefined> {
    if (!SECRET.test(secret)) return undefined;
    const id = sha256(secret);
    const doc = await this.store.getDocument<SessionRecord>(Collections.sessions, id);
    if (!doc) return undefined;
    const now = this.now();
    const record = doc.body;
    if (!this.liveAt(record, now)) {
      await this.store.deleteDocument(Collections.sessions, id);
      return undefined;
    }
    if (now - Date.parse(record.lastSeen) < this.touchEveryMs) return { id, record };
    const touched = { ...record, lastSeen: iso(now) };
    // A concurrent request touched it first: theirs is as good as ours.
    await this.store.putDocument(Collections.sessions, { id, orgId: doc.orgId, sortKey: doc.sortKey, index: doc.index, body: touched }, { expectVersion: doc.version })
      .catch(() => undefined);
    return { id, record: touched };
  }

  /**
   * Whether the session with store id `id` is still live: there, and neither
   * idle nor past its absolute expiry. Unlike `resolve` this is not a use of
   * the session: its idle clock goes on (./live-session-watch.ts asks this of
   * open live views, which are not a person using the console).
   */
  async isLive(id: string): Promise<boolean> {
    const doc = await this.store.getDocument<SessionRecord>(Collections.sessions, id);
    if (!doc) return false;
    return this.liveAt(doc.body, this.now());
  }

  /** Neither idle nor past its absolute expiry at `now`; a record with an unreadable time is not live. */
  private liveAt(record: SessionRecord, now: number): boolean {
    return now < Date.parse(record.expiresAt) && now - Date.parse(record.lastSeen) < this.limits.idleMs;
  }

  /** When the session ends if unused from now on: the earlier of idle and absolute expiry. */
  endsAt(record: SessionRecord): string {
    return iso(Math.min(Date.parse(record.lastSeen) + this.limits.idleMs, Date.parse(record.expiresAt)));
  }

  /** End the session of `secret`; answers whether there was one. */
  async end(secret: string): Promise<boolean> {
    if (!SECRET.test(secret)) return false;
    return this.store.deleteDocument(Collections.sessions, sha256(secret));
  }

  /**
   * Hear of each user whose sessions `endAllOf` ended, e.g. to close the
   * live views they opened (a socket is authenticated when it opens).
   */
  onAllEnded(listener: (userId: string) => void): void {
    this.allEndedListeners.push(listener);
  }

  /** End every session of a user (disabled, given a new password, logged out by an admin); answers how many. */
  async endAllOf(userId: string): Promise<number> {
    let ended = 0;
    for (;;) {
      const page = await this.store.queryDocuments({ collection: Collections.sessions, where: { userId }, limit: 1000 });
      for (const doc of page.documents) if (await this.store.deleteDocument(Collections.sessions, doc.id)) ended++;
      if (page.documents.length < 1000) break;
    }
    for (const listener of this.allEndedListeners) listener(userId);
    return ended;
  }

  /** Delete sessions past their absolute expiry, at most once an hour (idle ones go when next presented, or then). */
  private async sweep(): Promise<void> {
    const now = this.now();
    if (now - this.lastSweep < 3_600_000) return;
    this.lastSweep = now;
    await this.store.deleteDocumentsBefore(Collections.sessions, iso(now));
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
