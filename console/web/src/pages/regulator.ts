/**
 * The regulators' page, provincial and national alike (each sees what its
 * tier may: a province its enterprises, the national center every
 * province's): the posture overview (totals, a heat map of enterprises by
 * their most serious open escalated alert, grade counts over the last day,
 * top rules and ATT&CK for ICS techniques, silent sources), the escalated
 * alerts (live, read only: triage is the enterprise's), the forms to issue
 * advisories and tasks, and their receipts and completion as they come in.
 */
import { ApiError, RULES_PAGE } from '../api.js';
import type { Page, PageContext } from '../app.js';
import { barList } from '../charts/bar-list.js';
import { gradeBars } from '../charts/grade-bars.js';
import { heatmap } from '../charts/heatmap.js';
import { h, notice, replace } from '../dom.js';
import { ago, formatNumber, gradeName } from '../format.js';
import { t } from '../i18n.js';
import { categoryLabel, industryLabel } from '../org-labels.js';
import { gradeSeries, groupParts, heatCells, postureTotals, silentSources, topCounts, type HeatCell } from '../posture-summary.js';
import { Grades, type Alert, type LiveChange, type Posture } from '../types.js';
import { AlertDetail } from './alert-detail.js';
import { AlertList } from './alert-list.js';
import { AdvisoryPanel, TaskPanel } from './coordination.js';
import { advisoryForm, taskForm } from './issue-forms.js';

const FETCH_LIMIT = 1000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** At most this many pages of posture history (10,000 summaries each) per load. */
const HISTORY_PAGES = 10;

function errorText(err: unknown): string {
  return err instanceof ApiError && err.code !== 'network' ? err.message : t('error.network');
}

/** A heat map band's heading: the category, and the industry when the registry names one. */
function bandLabel(group: string): string {
  const { category, industry } = groupParts(group);
  return industry ? `${categoryLabel(category)} · ${industryLabel(industry)}` : categoryLabel(category);
}

export function regulatorPage(ctx: PageContext): Page {
  const postures = new Map<string, Posture>();
  // Every period's summary of the last day (by org and period end): what top rules and techniques add up.
  const history = new Map<string, Posture>();
  const remember = (p: Posture) => history.set(`${p.orgId}\u0000${p.periodEnd}`, p);
  const list = new AlertList({
    showOrg: true, orgName: (id) => ctx.orgs.name(id),
    onSelect: (a) => ctx.navigate(`/alert/${encodeURIComponent(a.id)}`),
  });
  const advisories = new AdvisoryPanel(ctx);
  const tasks = new TaskPanel(ctx);
  const message = h('div', {});
  const tiles = h('div', { class: 'tiles', id: 'posture-tiles' });
  const heat = h('div', { class: 'chart' });
  const overTime = h('div', { class: 'chart' });
  const topRules = h('div', {});
  const topTechniques = h('div', {});
  const silent = h('div', {});
  const filterNote = h('div', { class: 'filter-note' });
  const detailBox = h('div', { class: 'detail-box' });
  let orgFilter: string | undefined;
  let detail: AlertDetail | undefined;
  let frame: number | undefined;

  if (ctx.route.alertId) {
    detail = new AlertDetail(ctx, ctx.route.alertId, (a) => list.apply([a]));
    list.select(ctx.route.alertId);
    replace(detailBox, detail.element);
    void detail.load();
  } else {
    replace(detailBox, h('div', { class: 'detail placeholder' }, h('p', { class: 'muted' }, t('overview.pick'))));
  }

  // Posture counts rules by id; the titles come from the node's rule catalogue (and from alerts, for rules it does not run).
  const catalogTitles = new Map<string, string>();
  const ruleTitles = () => new Map([...catalogTitles, ...list.queue.sorted({ includeClosed: true }).map((a) => [a.ruleId, a.ruleTitle] as const)]);

  const draw = () => {
    frame = undefined;
    const all = [...postures.values()];
    const totals = postureTotals(all);
    const alerts = list.queue.sorted({ includeClosed: true });
    const open = list.queue.sorted();
    const tile = (key: string, label: string, value: number, cls = '') => h('div', { class: `tile ${cls}`, 'data-tile': key },
      h('span', { class: 'value' }, formatNumber(value)), h('span', { class: 'label' }, label));
    // Every enterprise the caller oversees gets a cell, quiet ones too, under its name.
    const cells = heatCells(all, alerts, ctx.orgs.orgs);
    replace(tiles,
      tile('enterprises', t('overview.enterprises'), cells.length),
      tile('escalated', t('overview.openEscalated'), open.length),
      ...Grades.map((g) => tile(`grade-${g}`, gradeName(g), open.filter((a) => a.grade === g).length, `heat-${g}`)),
      tile('new', t('overview.newInPeriod'), totals.newAlerts),
      tile('overdue', t('overview.tasksOverdue'), totals.tasks.overdue, totals.tasks.overdue ? 'warn' : ''));
    replace(heat, cells.length ? heatmap(cells, {
      width: widthOf(heat),
      groupLabel: bandLabel,
      cellTitle: (c: HeatCell) => `${c.name}${c.provinceName && ctx.me.tier === 'national' ? ` (${c.provinceName})` : ''}: ${c.worst ? gradeName(c.worst) : t('overview.noOpen')} · ${t('overview.openCount', { n: c.openAlerts })}`,
      onSelect: (org) => {
        orgFilter = orgFilter === org ? undefined : org;
        list.setOrgFilter(orgFilter);
        schedule();
      },
      ...(orgFilter ? { selected: orgFilter } : {}),
    }) : h('p', { class: 'muted' }, t('overview.noEnterprises')), heatLegend());
    replace(filterNote, orgFilter ? h('span', {}, t('overview.filtered', { org: ctx.orgs.name(orgFilter) }), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => { orgFilter = undefined; list.setOrgFilter(undefined); schedule(); } }, t('action.clear'))) : null);
    replace(overTime, gradeBars(gradeSeries(alerts, Date.now(), HOUR_MS, 24), { width: widthOf(overTime), height: 180, gradeName }));
    const titles = ruleTitles();
    const dayAgo = new Date(Date.now() - DAY_MS).toISOString();
    const day = postureTotals([...history.values()].filter((p) => p.periodEnd >= dayAgo));
    replace(topRules, barList(topCounts(day.byRule, 8).map((r) => ({ key: r.key, label: titles.get(r.key) ?? r.key, count: r.count })), t('overview.noData')));
    replace(topTechniques, barList(topCounts(day.byTechnique, 8).map((r) => ({ key: r.key, label: r.key.toUpperCase(), count: r.count })), t('overview.noData')));
    const quiet = silentSources(all);
    replace(silent, quiet.length
      ? h('ul', { class: 'silent-list' }, ...quiet.map((s) => h('li', { 'data-org': s.orgId }, h('strong', {}, ctx.orgs.name(s.orgId)), ` · ${s.name} · ${t('health.lastSeenAgo', { when: ago(s.lastSeen) })}`)))
      : h('p', { class: 'muted' }, all.length ? t('overview.noSilent') : t('health.none')));
  };
  const schedule = () => {
    if (frame === undefined) frame = requestAnimationFrame(draw);
  };

  /** The last day's summaries, page by page (a province of 300 enterprises has 86,400 of them a day). */
  const loadHistory = async () => {
    let cursor: string | undefined;
    try {
      for (let pages = 0; pages < HISTORY_PAGES; pages++) {
        const answer = await ctx.api.get<{ posture: Posture[]; nextCursor?: string }>('/posture/history',
          { from: '-24h', limit: 10_000, ...(cursor ? { cursor } : {}) });
        for (const p of answer.posture) remember(p);
        schedule();
        cursor = answer.nextCursor;
        if (!cursor) return;
      }
    } catch {
      // The day's totals are a nicety over the newest summaries, which show regardless.
    }
  };

  const load = () => {
    Promise.all([
      ctx.api.get<{ posture: Posture[] }>('/posture'),
      ctx.api.get<{ alerts: Alert[] }>('/alerts', { limit: FETCH_LIMIT }),
    ]).then(([p, a]) => {
      replace(message);
      for (const posture of p.posture) postures.set(posture.orgId, posture);
      list.load(a.alerts);
      schedule();
    }).catch((err: unknown) => replace(message, notice('error', errorText(err))));
    void loadHistory();
    ctx.api.get<{ rules: { id: string; title: string }[] }>('/rules', { limit: RULES_PAGE })
      .then(({ rules }) => {
        for (const r of rules) catalogTitles.set(r.id, r.title);
        schedule();
      })
      .catch(() => undefined); // titles are a nicety: the ids still show
    void advisories.load();
    void tasks.load();
  };
  load();
  schedule();
  window.addEventListener('resize', schedule);

  const issuing = ctx.can('issue');
  const element = h('div', { class: `page regulator-page tier-${ctx.me.tier}` },
    message,
    tiles,
    h('div', { class: 'grid overview' },
      h('section', { class: 'panel', id: 'heatmap' }, h('h2', {}, t('overview.heatmap')), h('p', { class: 'muted small' }, t('overview.heatmapLead')), heat),
      h('section', { class: 'panel', id: 'grades-over-time' }, h('h2', {}, t('overview.overTime')), overTime),
      h('section', { class: 'panel', id: 'top-rules' }, h('h2', {}, t('overview.topRules')), topRules),
      h('section', { class: 'panel', id: 'top-techniques' }, h('h2', {}, t('overview.topTechniques')), topTechniques),
      h('section', { class: 'panel', id: 'silent-sources' }, h('h2', {}, t('overview.silent')), silent)),
    h('div', { class: 'work' },
      h('section', { class: 'panel queue' },
        h('div', { class: 'panel-head' }, h('h2', {}, t('overview.escalated')), filterNote),
        list.element),
      detailBox),
    h('div', { class: 'grid' }, advisories.element, tasks.element),
    issuing ? h('div', { class: 'grid issue' },
      collapsible('issue-advisory', t('issue.advisoryTitle'), advisoryForm(ctx, (r) => advisories.upsert(r))),
      collapsible('issue-task', t('issue.taskTitle'), taskForm(ctx, (r) => tasks.upsert(r)))) : null);

  return {
    element,
    onChanges(changes: readonly LiveChange[]) {
      const alerts: Alert[] = [];
      for (const change of changes) {
        if (change.kind === 'alert') {
          alerts.push(change.alert);
          if (detail && change.alert.id === detail.id) detail.update(change.alert);
        } else if (change.kind === 'posture') {
          postures.set(change.posture.orgId, change.posture);
          remember(change.posture);
        }
        else if (change.kind === 'advisory') advisories.upsert(change.record);
        else tasks.upsert(change.record);
      }
      list.apply(alerts);
      schedule();
    },
    refresh: load,
    dispose() {
      window.removeEventListener('resize', schedule);
      if (frame !== undefined) cancelAnimationFrame(frame);
      list.dispose();
      detail?.dispose();
    },
  };
}

/** A chart's drawing width: its box's, once the page is laid out. */
function widthOf(box: HTMLElement): number {
  return Math.max(240, Math.floor(box.clientWidth || 560));
}

/** A form behind its title: issuing is occasional, tracking what was issued is the page's daily work. */
function collapsible(id: string, title: string, form: HTMLElement): HTMLElement {
  return h('details', { class: 'panel collapsible', id }, h('summary', {}, h('h2', {}, title)), form);
}

function heatLegend(): HTMLElement {
  return h('div', { class: 'legend' },
    ...Grades.map((g) => h('span', { class: 'legend-item' }, h('span', { class: `swatch heat-${g}` }), gradeName(g))),
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch heat-none' }), t('overview.noOpen')));
}
