/**
 * One run per scheduled time across the processes of a node: when several
 * detector processes share a store (scaled out), each has the same jobs on
 * the same cron expressions, and without this each would run every job at
 * every time (posture computed and sent N times, scheduled searches run N
 * times over the store). The scheduler (./scheduler.ts) asks before each
 * scheduled run with a key of the job's name and the scheduled time; the
 * process that creates the claim document for that key runs it, the others
 * skip that time (they count it as run elsewhere).
 *
 * A claim is a create-only document write (expectVersion 0), which both
 * stores decide atomically. A process that claims a time and then dies
 * leaves that time not run; the next time is claimed afresh. Claims say who
 * ran what for CLAIMS_KEPT_DAYS, then retention deletes them (a node makes
 * a few thousand a day: one per job per scheduled time).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { stableId } from '../../core/ids.js';
import { Collections, DocumentConflictError, type DocumentStore } from '../../core/store/documents.js';

/** Asked before a scheduled run; `key` is `<job name>:<scheduled ISO time>`, the same in every process. */
export interface RunClaims {
  shouldRun(key: string): Promise<boolean>;
}

/** A claim document's body: who ran the time, for an operator reading the collection. */
export interface RunClaim {
  readonly key: string;
  readonly owner: string;
  readonly claimedAt: string;
}

/** How long claims are kept (by scheduled time): long enough to see who ran the last runs. */
export const CLAIMS_KEPT_DAYS = 2;

/** The shape of the time at the end of a key. */
const ISO_TIME = '2026-01-01T00:00:00.000Z';

export class StoreRunClaims implements RunClaims {
  /** This process, as claims name it. */
  readonly owner: string;

  /** `scope` keeps nodes that share a store apart (the node id). */
  constructor(private readonly store: DocumentStore, private readonly scope: string, owner?: string, private readonly now: () => Date = () => new Date()) {
    this.owner = owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  async shouldRun(key: string): Promise<boolean> {
    try {
      await this.store.putDocument<RunClaim>(Collections.jobRuns, {
        // Hashed: a node id and a scheduled search's rule id can together pass the store's id limit.
        id: stableId(this.scope, key),
        // The scheduled time sorts the claims (retention goes by it); the claim time if the key has none.
        sortKey: this.slotOf(key),
        index: { scope: this.scope },
        body: { key, owner: this.owner, claimedAt: this.now().toISOString() },
      }, { expectVersion: 0 });
      return true;
    } catch (error) {
      if (error instanceof DocumentConflictError) return false;
      throw error;
    }
  }

  private slotOf(key: string): string {
    const slot = key.slice(key.length - ISO_TIME.length);
    return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(slot) ? slot : this.now().toISOString();
  }
}
