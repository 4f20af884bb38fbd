/**
 * What the regulators' overview draws, computed from the newest posture
 * summary of each enterprise and the escalated alerts: totals, top rules and
 * techniques, silent sources, the heat map's cells, and grade counts over
 * time. Pure (no DOM), tested in Node.
 *
 * The heat map groups enterprises by category and industry, as the registry
 * (GET /api/v1/orgs) tells them; an enterprise the registry answer does not
 * list falls back to the category its posture summary names (the one key of
 * `alerts.byCategory`).
 */
import type { Alert, Grade, OrgInfo, Posture } from './types.js';
import { Grades } from './types.js';

export interface PostureTotals {
  readonly enterprises: number;
  readonly open: number;
  readonly newAlerts: number;
  readonly events: number;
  readonly byGrade: Readonly<Record<Grade, number>>;
  readonly byRule: Readonly<Record<string, number>>;
  readonly byTechnique: Readonly<Record<string, number>>;
  readonly tasks: { readonly open: number; readonly overdue: number; readonly done: number };
}

function addCounts(into: Record<string, number>, counts: Readonly<Record<string, number>>): void {
  for (const [key, n] of Object.entries(counts)) into[key] = (into[key] ?? 0) + n;
}

export function postureTotals(postures: readonly Posture[]): PostureTotals {
  const byGrade: Record<Grade, number> = { I: 0, II: 0, III: 0, IV: 0 };
  const byRule: Record<string, number> = {};
  const byTechnique: Record<string, number> = {};
  const tasks = { open: 0, overdue: 0, done: 0 };
  let open = 0;
  let newAlerts = 0;
  let events = 0;
  for (const p of postures) {
    for (const g of Grades) byGrade[g] += p.alerts.byGrade[g] ?? 0;
    addCounts(byRule, p.alerts.byRule);
    addCounts(byTechnique, p.alerts.byTechnique);
    open += p.alerts.open;
    newAlerts += p.alerts.new;
    events += p.events;
    tasks.open += p.tasks.open;
    tasks.overdue += p.tasks.overdue;
    tasks.done += p.tasks.done;
  }
  return { enterprises: postures.length, open, newAlerts, events, byGrade, byRule, byTechnique, tasks };
}

/** The `n` largest counts, largest first (ties by key, so the order is stable). */
export function topCounts(counts: Readonly<Record<string, number>>, n: number): { key: string; count: number }[] {
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : 1))
    .slice(0, n)
    .map(([key, count]) => ({ key, count }));
}

export function categoryOf(posture: Posture | undefined): string | undefined {
  return posture ? Object.keys(posture.alerts.byCategory)[0] : undefined;
}

export interface SilentSource {
  readonly orgId: string;
  readonly name: string;
  readonly lastSeen?: string;
}

export function silentSources(postures: readonly Posture[]): SilentSource[] {
  return postures.flatMap((p) => p.sources.filter((s) => s.silent).map((s) => ({ orgId: p.orgId, name: s.name, ...(s.lastSeen ? { lastSeen: s.lastSeen } : {}) })));
}

export interface HeatCell {
  readonly orgId: string;
  /** The enterprise's name, its id when the registry answer did not list it. */
  readonly name: string;
  /** The band: `category/industry`, either part '' when not known. */
  readonly group: string;
  readonly provinceName?: string;
  /** The most serious open escalated alert; undefined: none open. */
  readonly worst?: Grade;
  readonly openAlerts: number;
}

/** The band key of an enterprise, split again by `groupParts`. */
export function heatGroup(category: string | undefined, industry: string | undefined): string {
  return `${category ?? ''}/${industry ?? ''}`;
}

export function groupParts(group: string): { category: string; industry: string } {
  const slash = group.indexOf('/');
  return slash < 0 ? { category: group, industry: '' } : { category: group.slice(0, slash), industry: group.slice(slash + 1) };
}

/**
 * One cell per enterprise: every enterprise in `orgs` (what the caller
 * oversees), and any other with a posture summary or an open escalated
 * alert, banded by category and industry and sorted worst first within a
 * band.
 */
export function heatCells(postures: readonly Posture[], alerts: readonly Alert[], orgs: readonly OrgInfo[] = []): HeatCell[] {
  const postureOf = new Map(postures.map((p) => [p.orgId, p]));
  const infoOf = new Map(orgs.map((o) => [o.id, o]));
  const worst = new Map<string, Grade>();
  const openCount = new Map<string, number>();
  for (const a of alerts) {
    if (a.status === 'resolved' || a.status === 'false_positive') continue;
    openCount.set(a.orgId, (openCount.get(a.orgId) ?? 0) + 1);
    const seen = worst.get(a.orgId);
    if (!seen || Grades.indexOf(a.grade) < Grades.indexOf(seen)) worst.set(a.orgId, a.grade);
  }
  const enterprises = orgs.filter((o) => o.tier === 'enterprise').map((o) => o.id);
  const ids = new Set([...enterprises, ...postureOf.keys(), ...worst.keys()]);
  const rank = (g: Grade | undefined) => (g ? Grades.indexOf(g) : Grades.length);
  return [...ids]
    .map((orgId) => {
      const info = infoOf.get(orgId);
      const grade = worst.get(orgId);
      return {
        orgId, name: info?.name ?? orgId,
        group: heatGroup(info?.category ?? categoryOf(postureOf.get(orgId)), info?.industry),
        ...(info?.provinceName ? { provinceName: info.provinceName } : {}),
        ...(grade ? { worst: grade } : {}),
        openAlerts: openCount.get(orgId) ?? 0,
      };
    })
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0) || rank(a.worst) - rank(b.worst) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface GradeBucket {
  readonly start: number;
  readonly counts: Readonly<Record<Grade, number>>;
}

/**
 * Alerts first seen per time bucket and grade, over the `bucketCount`
 * buckets of `bucketMs` ending at the bucket that holds `now`.
 */
export function gradeSeries(alerts: readonly Alert[], now: number, bucketMs: number, bucketCount: number): GradeBucket[] {
  const last = Math.floor(now / bucketMs) * bucketMs;
  const first = last - (bucketCount - 1) * bucketMs;
  const buckets = Array.from({ length: bucketCount }, (_, i) => ({ start: first + i * bucketMs, counts: { I: 0, II: 0, III: 0, IV: 0 } as Record<Grade, number> }));
  for (const a of alerts) {
    const at = Date.parse(a.firstSeen);
    if (!(at >= first && at < last + bucketMs)) continue;
    buckets[Math.floor((at - first) / bucketMs)].counts[a.grade]++;
  }
  return buckets;
}
