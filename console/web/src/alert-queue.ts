/**
 * The alert queue behind the enterprise page and the regulators' escalated
 * list: alerts by id, fed by the first fetch and then by live changes in
 * any order. An alert is replaced only by a higher revision, so a late fetch
 * answer cannot roll back what the socket already showed. Pure: no DOM, so
 * the ordering is tested in Node (test/console/web/alert-queue.test.ts).
 */
import type { Alert, Grade } from './types.js';
import { ClosedStatuses } from './types.js';

const GradeRank: Readonly<Record<Grade, number>> = { I: 0, II: 1, III: 2, IV: 3 };

/** Grade I first, then the most recently seen; the id settles ties so the order never flickers. */
export function compareAlerts(a: Alert, b: Alert): number {
  return GradeRank[a.grade] - GradeRank[b.grade]
    || Date.parse(b.lastSeen) - Date.parse(a.lastSeen)
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function isOpen(alert: Alert): boolean {
  return !ClosedStatuses.includes(alert.status);
}

export type UpsertOutcome = 'added' | 'updated' | 'stale';

export class AlertQueue {
  private readonly byId = new Map<string, Alert>();

  /** Keep `alert` unless a copy of the same or a higher revision is already here. */
  upsert(alert: Alert): UpsertOutcome {
    const current = this.byId.get(alert.id);
    if (current && current.revision >= alert.revision) return 'stale';
    this.byId.set(alert.id, alert);
    return current ? 'updated' : 'added';
  }

  get(id: string): Alert | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The alerts in queue order, open ones only unless `includeClosed`. */
  sorted(options: { includeClosed?: boolean } = {}): Alert[] {
    return [...this.byId.values()].filter((a) => options.includeClosed || isOpen(a)).sort(compareAlerts);
  }

  /** The most serious open grade per org: what the regulators' heat map colours. */
  worstOpenGradeByOrg(): Map<string, Grade> {
    const worst = new Map<string, Grade>();
    for (const alert of this.byId.values()) {
      if (!isOpen(alert)) continue;
      const seen = worst.get(alert.orgId);
      if (!seen || GradeRank[alert.grade] < GradeRank[seen]) worst.set(alert.orgId, alert.grade);
    }
    return worst;
  }
}
