/**
 * The alert table shared by the enterprise queue and the regulators'
 * escalated list: one row per alert in queue order (grade I first, then the
 * most recently seen), a row that arrived live marked fresh for a moment,
 * the open alert highlighted. Redraws at most once per animation frame, so
 * a burst of live changes costs one redraw.
 */
import { AlertQueue } from '../alert-queue.js';
import { h, replace } from '../dom.js';
import { ago, formatTime, gradeBadge, statusBadge } from '../format.js';
import { t } from '../i18n.js';
import type { Alert } from '../types.js';

/** Rows drawn; the rest are counted below the table. */
const MAX_ROWS = 300;

/** What the hits were grouped by (addresses, user, host): what tells two alerts of one rule apart. */
export function entity(alert: Alert): string {
  // The org is in its own column (or is the reader's own).
  return Object.values(alert.groupKey).filter((v) => (typeof v === 'string' || typeof v === 'number') && v !== alert.orgId).join(' · ');
}

export interface AlertListOptions {
  /** Show the org column (regulators see many enterprises). */
  readonly showOrg: boolean;
  /** The org's name for the org column (its id until the directory has loaded). */
  readonly orgName?: (orgId: string) => string;
  readonly onSelect: (alert: Alert) => void;
}

export class AlertList {
  readonly queue = new AlertQueue();
  readonly element: HTMLElement;
  private readonly body = h('tbody', {});
  private readonly footer = h('p', { class: 'muted small' });
  private readonly fresh = new Set<string>();
  private selected: string | undefined;
  private includeClosed = false;
  private orgFilter: string | undefined;
  private frame: number | undefined;

  constructor(private readonly options: AlertListOptions) {
    const head = h('tr', {},
      h('th', {}, t('alert.grade')),
      options.showOrg ? h('th', {}, t('alert.org')) : null,
      h('th', {}, t('alert.rule')),
      h('th', { class: 'num' }, t('alert.count')),
      h('th', {}, t('alert.lastSeen')),
      h('th', {}, t('alert.status')),
      h('th', {}, t('alert.assignee')));
    this.element = h('div', { class: 'alert-list' },
      h('table', { class: 'alerts', id: 'alert-queue' }, h('thead', {}, head), this.body),
      this.footer);
  }

  /** Replace the content with a fetch answer (live copies of a higher revision are kept). */
  load(alerts: readonly Alert[]): void {
    for (const a of alerts) this.queue.upsert(a);
    this.schedule();
  }

  /** Live changes; a first-seen alert is marked fresh. */
  apply(alerts: readonly Alert[]): void {
    for (const a of alerts) if (this.queue.upsert(a) === 'added') this.fresh.add(a.id);
    this.schedule();
  }

  select(id: string | undefined): void {
    this.selected = id;
    this.schedule();
  }

  setIncludeClosed(include: boolean): void {
    this.includeClosed = include;
    this.schedule();
  }

  /** Only one org's alerts (the heat map's selection); undefined: all. */
  setOrgFilter(orgId: string | undefined): void {
    this.orgFilter = orgId;
    this.schedule();
  }

  dispose(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
  }

  private schedule(): void {
    if (this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      this.render();
    });
  }

  /** Draw again (e.g. once org names are known). */
  refresh(): void {
    this.schedule();
  }

  private render(): void {
    const all = this.queue.sorted({ includeClosed: this.includeClosed }).filter((a) => !this.orgFilter || a.orgId === this.orgFilter);
    const rows = all.slice(0, MAX_ROWS).map((a) => {
      const row = h('tr', {
        class: [this.fresh.has(a.id) ? 'fresh' : '', a.id === this.selected ? 'selected' : ''].join(' ').trim(),
        'data-alert-id': a.id, 'data-grade': a.grade, 'data-status': a.status, tabindex: 0,
        onclick: () => this.options.onSelect(a),
        onkeydown: (event) => { if ((event as KeyboardEvent).key === 'Enter') this.options.onSelect(a); },
      },
      h('td', {}, gradeBadge(a.grade)),
      this.options.showOrg ? h('td', { class: 'org', title: a.orgId }, this.options.orgName?.(a.orgId) ?? a.orgId) : null,
      h('td', { class: 'rule' }, a.ruleTitle, entity(a) ? h('div', { class: 'entity mono small muted' }, entity(a)) : null),
      h('td', { class: 'num' }, String(a.count)),
      h('td', { class: 'nowrap', title: formatTime(a.lastSeen) }, ago(a.lastSeen)),
      h('td', {}, statusBadge(a.status)),
      h('td', {}, a.assignee ?? ''));
      return row;
    });
    // Fresh is a one-time mark: the CSS animation plays once per row drawn with it.
    this.fresh.clear();
    replace(this.body, ...rows);
    if (!all.length) replace(this.body, h('tr', {}, h('td', { colspan: 7, class: 'muted empty' }, t('alerts.none'))));
    replace(this.footer, all.length > MAX_ROWS ? t('alerts.more', { n: all.length - MAX_ROWS }) : t('alerts.shown', { n: all.length }));
  }
}
