/**
 * The alert book: rule hits in, graded and deduplicated alerts out, and
 * every change people make to them, with an append-only audit trail. It
 * keeps nothing in memory: alerts, links from hits to alerts, suppressions
 * and audit entries are documents in the Store (core/store/documents.ts), so
 * it works the same on SQLite and Elasticsearch and any number of detector
 * processes can share it (hits are partitioned by org, and every write is
 * compare-and-set, so two writers never lose an update).
 *
 * Exactly once in effect: a hit delivered again (after a crash, a takeover)
 * finds its link document and changes nothing; a crash between counting a
 * hit on the alert and writing the link is caught by the alert's recent hit
 * ids.
 */
import {
  AlertSchema, AlertTransitions, ClosedStatuses, alertIndex, techniquesOf,
  type Alert, type AlertStatus, type AuditEntry, type Suppression,
} from '../../core/alert.js';
import { canonicalJson, stableId, uuidv7 } from '../../core/ids.js';
import type { Asset, OrgRegistry } from '../../core/orgs.js';
import { Collections, DocumentConflictError, inWriteBatch, type DocumentStore, type StoredDocument } from '../../core/store/documents.js';
import { conflictPause } from '../../core/store/document-update.js';
import type { RuleHit } from '../../core/store/store.js';
import { gradeHit, moreSerious, type GradingPolicy } from './grading.js';

/** Recent hit ids kept on an alert: far more than a redelivered batch can span. */
const RECENT_HITS = 100;
/** Event ids kept on an alert for the analyst's first look; the rest are found by rule and time. */
const RECENT_EVENTS = 50;
/** Compare-and-set retries before giving up (another writer on the same alert each time). */
const MAX_RETRIES = 16;

export interface AlertBookOptions {
  readonly store: DocumentStore;
  readonly registry: OrgRegistry;
  /** The grading policy in force (a function, so a reloaded policy applies to the next hit). */
  readonly policy: () => GradingPolicy;
  /** This node's id, recorded as the origin of the alerts it raises. */
  readonly nodeId: string;
  /** Hits of one rule, org and group key less than this apart count on one alert. */
  readonly dedupWindowMs: number;
  readonly now?: () => Date;
}

/** What recording a hit did. */
export type HitOutcome =
  | { readonly kind: 'created' | 'updated'; readonly alert: Alert }
  /** Seen before; `alertId` is the alert it counted on (absent when it was suppressed). */
  | { readonly kind: 'duplicate'; readonly alertId?: string }
  | { readonly kind: 'suppressed'; readonly suppression: Suppression }
  | { readonly kind: 'unknown-org' };

/** A change refused because of the alert's state or the caller's input (the API answers 4xx). */
export class AlertChangeError extends Error {
  constructor(message: string, readonly code: 'not-found' | 'transition' | 'invalid' | 'conflict') {
    super(message);
    this.name = 'AlertChangeError';
  }
}

export class AlertBook {
  private readonly now: () => Date;

  constructor(private readonly options: AlertBookOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Run `work` with the writes it makes through this book's store committed together (see DocumentStore.batchWrites). */
  inWriteBatch<T>(work: () => Promise<T>): Promise<T> {
    return inWriteBatch(this.options.store, work);
  }

  /** Grade, deduplicate and store one hit. */
  async recordHit(hit: RuleHit): Promise<HitOutcome> {
    const { store } = this.options;
    const linked = await store.getDocument<{ alertId?: string }>(Collections.alertLinks, hit.id);
    if (linked) return { kind: 'duplicate', ...(linked.body.alertId ? { alertId: linked.body.alertId } : {}) };
    const org = this.options.registry.get(hit.orgId);
    if (!org) return { kind: 'unknown-org' };
    const groupKey = hit.groupKey ?? {};
    const suppression = await this.activeSuppression(hit, groupKey);
    if (suppression) {
      await this.countSuppressed(suppression);
      await store.putDocument(Collections.alertLinks, { id: hit.id, orgId: hit.orgId, sortKey: hit.time, body: { suppressedBy: suppression.id } });
      return { kind: 'suppressed', suppression };
    }
    const assets = (hit.assets ?? []).map((id) => org.assets.find((a) => a.id === id)).filter((a): a is Asset => a !== undefined);
    const graded = gradeHit(this.options.policy(), { ruleId: hit.ruleId, ...(hit.level ? { level: hit.level } : {}), tags: hit.tags, org, assets });
    const dedupKey = stableId('dedup', hit.ruleId, hit.orgId, canonicalJson(groupKey));

    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const { open, generation } = await this.latestAlert(dedupKey, hit.time);
      const at = this.now().toISOString();
      let alert: Alert;
      let expect: number;
      if (open) {
        const current = open.body;
        if (current.hitIds.includes(hit.id)) {
          // Counted before a crash that lost the link: only the link is missing.
          await this.link(hit, current.id);
          return { kind: 'duplicate', alertId: current.id };
        }
        const raise = moreSerious(graded.grade, current.grade);
        alert = {
          ...current,
          count: current.count + 1,
          firstSeen: hit.time < current.firstSeen ? hit.time : current.firstSeen,
          lastSeen: hit.time > current.lastSeen ? hit.time : current.lastSeen,
          hitIds: [...current.hitIds, hit.id].slice(-RECENT_HITS),
          eventIds: [...current.eventIds, ...hit.eventIds.filter((id) => !current.eventIds.includes(id))].slice(-RECENT_EVENTS),
          assets: [...new Set([...current.assets, ...(hit.assets ?? [])])].sort(),
          ...(raise ? { grade: graded.grade, score: graded.score, gradeReasons: graded.reasons, escalateTo: graded.escalateTo } : {}),
          updatedAt: at,
          revision: current.revision + 1,
        };
        expect = open.version;
      } else {
        alert = {
          // Named by its key and generation: two writers opening the same alert race on one id, and one create wins.
          id: stableId('alert', dedupKey, generation),
          orgId: hit.orgId,
          originNode: this.options.nodeId,
          ruleId: hit.ruleId,
          ruleTitle: hit.ruleTitle,
          ...(hit.level ? { level: hit.level } : {}),
          kind: hit.kind,
          tags: [...hit.tags],
          techniques: techniquesOf(hit.tags),
          groupKey: { ...groupKey },
          dedupKey,
          generation,
          grade: graded.grade,
          score: graded.score,
          gradeReasons: graded.reasons,
          escalateTo: graded.escalateTo,
          assets: [...(hit.assets ?? [])],
          status: 'new',
          count: 1,
          firstSeen: hit.time,
          lastSeen: hit.time,
          hitIds: [hit.id],
          eventIds: hit.eventIds.slice(-RECENT_EVENTS),
          createdAt: at,
          updatedAt: at,
          revision: 1,
        };
        expect = 0;
      }
      try {
        await this.putAlert(alert, expect);
      } catch (err) {
        // Another writer changed it: pause a little, read again.
        if (err instanceof DocumentConflictError) {
          await conflictPause(attempt);
          continue;
        }
        throw err;
      }
      if (!open) await this.audit({ alertId: alert.id, orgId: alert.orgId, actor: 'system', action: 'created', to: alert.grade, comment: graded.reasons.join('; ') });
      await this.link(hit, alert.id);
      return { kind: open ? 'updated' : 'created', alert };
    }
    throw new Error(`alert for hit ${hit.id}: gave up after ${MAX_RETRIES} conflicting writes`);
  }

  /**
   * The alert whoever watches changes (the parent link) should be offered
   * after `recordHit`: the created or updated one, and for a duplicate the
   * alert it counted on — the first delivery may have died before offering
   * it, and offering it again is harmless (receivers keep the newest revision).
   */
  async alertToOffer(outcome: HitOutcome): Promise<Alert | undefined> {
    if (outcome.kind === 'created' || outcome.kind === 'updated') return outcome.alert;
    if (outcome.kind === 'duplicate' && outcome.alertId) return (await this.get(outcome.alertId))?.body;
    return undefined;
  }

  /** One alert, if the caller's scope (org ids, undefined = all) covers it. */
  async get(id: string, orgIds?: readonly string[]): Promise<StoredDocument<Alert> | undefined> {
    const doc = await this.options.store.getDocument<Alert>(Collections.alerts, id);
    if (!doc || (orgIds && !orgIds.includes(doc.body.orgId))) return undefined;
    return doc;
  }

  /** Move an alert along its lifecycle (AlertTransitions); a comment may say why. */
  async changeStatus(id: string, to: AlertStatus, actor: string, orgIds?: readonly string[], comment?: string): Promise<Alert> {
    return this.change(id, orgIds, actor, (alert) => {
      if (alert.status === to) throw new AlertChangeError(`alert ${id} is already ${to}`, 'transition');
      if (!AlertTransitions[alert.status].includes(to)) {
        throw new AlertChangeError(`alert ${id} is ${alert.status}; from there it can become ${AlertTransitions[alert.status].join(', ')}, not ${to}`, 'transition');
      }
      return { next: { ...alert, status: to }, entry: { action: 'status', from: alert.status, to, ...(comment ? { comment } : {}) } };
    });
  }

  /** Assign to a person (empty string: unassign). */
  async assign(id: string, assignee: string, actor: string, orgIds?: readonly string[]): Promise<Alert> {
    return this.change(id, orgIds, actor, (alert) => {
      const { assignee: previous, ...rest } = alert;
      const next: Alert = assignee ? { ...rest, assignee } : rest;
      return { next, entry: { action: 'assign', ...(previous ? { from: previous } : {}), ...(assignee ? { to: assignee } : {}) } };
    });
  }

  /** A comment goes to the audit trail only; the alert's revision moves so watchers see there is news. */
  async comment(id: string, text: string, actor: string, orgIds?: readonly string[]): Promise<Alert> {
    if (!text.trim()) throw new AlertChangeError('a comment needs text', 'invalid');
    return this.change(id, orgIds, actor, (alert) => ({ next: alert, entry: { action: 'comment', comment: text } }));
  }

  /** The audit trail of an alert, oldest first. */
  async auditTrail(alertId: string, orgIds?: readonly string[]): Promise<AuditEntry[]> {
    const page = await this.options.store.queryDocuments<AuditEntry>({
      collection: Collections.alertAudit, where: { alertId }, order: 'asc', limit: 10_000, ...(orgIds ? { orgIds } : {}),
    });
    return page.documents.map((d) => d.body);
  }

  /** Create a suppression (see core/alert.ts). */
  async suppress(input: { orgId: string; ruleId?: string; match: Record<string, string | number>; reason: string; expiresAt: string }, actor: string): Promise<Suppression> {
    const at = this.now().toISOString();
    // Kept in UTC: expiry is compared as text with the clock's ISO time (and sorts as the store's key), which an offset (+08:00) would defeat.
    const expires = new Date(input.expiresAt);
    if (Number.isNaN(expires.getTime())) throw new AlertChangeError(`expiresAt ${input.expiresAt} is not a time`, 'invalid');
    const expiresAt = expires.toISOString();
    if (expiresAt <= at) throw new AlertChangeError(`a suppression must expire in the future (expiresAt ${input.expiresAt})`, 'invalid');
    const suppression: Suppression = {
      id: uuidv7(), orgId: input.orgId, ...(input.ruleId ? { ruleId: input.ruleId } : {}), match: { ...input.match },
      reason: input.reason, createdBy: actor, createdAt: at, expiresAt, suppressedCount: 0,
    };
    await this.options.store.putDocument(Collections.suppressions, {
      id: suppression.id, orgId: suppression.orgId, sortKey: suppression.expiresAt,
      index: { ruleId: suppression.ruleId ?? '' }, body: suppression,
    }, { expectVersion: 0 });
    return suppression;
  }

  /** Suppressions of an org in force now. */
  async activeSuppressions(orgId: string): Promise<Suppression[]> {
    const page = await this.options.store.queryDocuments<Suppression>({
      collection: Collections.suppressions, orgIds: [orgId], from: this.now().toISOString(), limit: 10_000,
    });
    return page.documents.map((d) => d.body);
  }

  private async activeSuppression(hit: RuleHit, groupKey: Readonly<Record<string, unknown>>): Promise<Suppression | undefined> {
    const time = this.now().toISOString();
    const page = await this.options.store.queryDocuments<Suppression>({
      collection: Collections.suppressions, orgIds: [hit.orgId], from: time, where: { ruleId: ['', hit.ruleId] }, limit: 10_000,
    });
    return page.documents.map((d) => d.body).find((s) =>
      Object.entries(s.match).every(([field, value]) => String(groupKey[field]) === String(value)));
  }

  private async countSuppressed(suppression: Suppression): Promise<void> {
    const { store } = this.options;
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const doc = await store.getDocument<Suppression>(Collections.suppressions, suppression.id);
      if (!doc) return;
      const body: Suppression = { ...doc.body, suppressedCount: doc.body.suppressedCount + 1, lastSuppressedAt: this.now().toISOString() };
      try {
        await store.putDocument(Collections.suppressions, { id: doc.id, orgId: body.orgId, sortKey: doc.sortKey, index: doc.index ?? {}, body }, { expectVersion: doc.version });
        return;
      } catch (err) {
        if (!(err instanceof DocumentConflictError)) throw err;
      }
    }
  }

  /**
   * The newest alert of a dedup key: `open` when it is still open and its
   * last hit is within the window of `time` (the hit counts on it), else the
   * generation a new alert of the key takes.
   */
  private async latestAlert(dedupKey: string, time: string): Promise<{ open?: StoredDocument<Alert>; generation: number }> {
    const page = await this.options.store.queryDocuments<Alert>({ collection: Collections.alerts, where: { dedupKey }, limit: 10_000 });
    let latest: StoredDocument<Alert> | undefined;
    for (const doc of page.documents) if (!latest || doc.body.generation > latest.body.generation) latest = doc;
    if (!latest) return { generation: 1 };
    const gap = Math.abs(Date.parse(time) - Date.parse(latest.body.lastSeen));
    if (isOpen(latest.body) && gap <= this.options.dedupWindowMs) return { open: latest, generation: latest.body.generation };
    return { generation: latest.body.generation + 1 };
  }

  private async putAlert(alert: Alert, expectVersion: number): Promise<void> {
    AlertSchema.parse(alert);
    await this.options.store.putDocument(Collections.alerts, {
      id: alert.id, orgId: alert.orgId, sortKey: alert.firstSeen, index: alertIndex(alert), body: alert,
    }, { expectVersion });
  }

  private async link(hit: RuleHit, alertId: string): Promise<void> {
    try {
      await this.options.store.putDocument(Collections.alertLinks, { id: hit.id, orgId: hit.orgId, sortKey: hit.time, body: { alertId } }, { expectVersion: 0 });
    } catch (err) {
      if (!(err instanceof DocumentConflictError)) throw err; // linked by a concurrent delivery: the same outcome
    }
  }

  private async audit(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
    const at = this.now().toISOString();
    const id = uuidv7();
    await this.options.store.putDocument(Collections.alertAudit, {
      id, orgId: entry.orgId, sortKey: `${at}|${id}`, index: { alertId: entry.alertId, actor: entry.actor, action: entry.action },
      body: { id, at, ...entry },
    }, { expectVersion: 0 });
  }

  private async change(
    id: string, orgIds: readonly string[] | undefined, actor: string,
    apply: (alert: Alert) => { next: Alert; entry: Pick<AuditEntry, 'action'> & Partial<Pick<AuditEntry, 'from' | 'to' | 'comment'>> },
  ): Promise<Alert> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const doc = await this.get(id, orgIds);
      if (!doc) throw new AlertChangeError(`no alert ${id}`, 'not-found');
      const { next, entry } = apply(doc.body);
      const alert: Alert = { ...next, updatedAt: this.now().toISOString(), revision: doc.body.revision + 1 };
      try {
        await this.putAlert(alert, doc.version);
      } catch (err) {
        if (err instanceof DocumentConflictError) {
          await conflictPause(attempt);
          continue;
        }
        throw err;
      }
      await this.audit({ alertId: id, orgId: alert.orgId, actor, ...entry });
      return alert;
    }
    throw new AlertChangeError(`alert ${id} kept changing under this update; try again`, 'conflict');
  }
}

/** Closed alerts never take hits: the next hit of their key opens a new alert. */
export function isOpen(alert: Alert): boolean {
  return !ClosedStatuses.includes(alert.status);
}
