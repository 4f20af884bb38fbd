/**
 * The enterprise page: the live alert queue and the open alert's detail
 * with triage, the data sources' health from the posture summary, the
 * advisories and tasks addressed to the enterprise, and an event search.
 */
import { ApiError } from '../api.js';
import type { Page, PageContext } from '../app.js';
import { h, notice, replace } from '../dom.js';
import { ago, formatNumber } from '../format.js';
import { t } from '../i18n.js';
import type { Alert, EcsEvent, LiveChange, Posture } from '../types.js';
import { AlertDetail } from './alert-detail.js';
import { AlertList } from './alert-list.js';
import { AdvisoryPanel, TaskPanel } from './coordination.js';
import { eventTable } from './event-table.js';

/** The first fetch: the newest alerts, open and closed (the list hides closed ones until asked). */
const FETCH_LIMIT = 500;

function errorText(err: unknown): string {
  return err instanceof ApiError && err.code !== 'network' ? err.message : t('error.network');
}

export function enterprisePage(ctx: PageContext): Page {
  const list = new AlertList({ showOrg: false, onSelect: (a) => ctx.navigate(`/alert/${encodeURIComponent(a.id)}`) });
  const listMessage = h('div', {});
  const summary = h('span', { class: 'queue-summary' });
  const showClosed = h('input', { type: 'checkbox', id: 'show-closed', onchange: () => list.setIncludeClosed(showClosed.checked) });
  const detailBox = h('div', { class: 'detail-box' });
  const health = new SourceHealth(ctx);
  const advisories = new AdvisoryPanel(ctx);
  const tasks = new TaskPanel(ctx);
  let detail: AlertDetail | undefined;

  const updateSummary = () => {
    const open = list.queue.sorted();
    replace(summary, t('queue.summary', { open: open.length, top: open.filter((a) => a.grade === 'I' || a.grade === 'II').length }));
  };

  const onAlertChanged = (alert: Alert) => {
    list.apply([alert]);
    updateSummary();
  };

  if (ctx.route.alertId) {
    detail = new AlertDetail(ctx, ctx.route.alertId, onAlertChanged);
    list.select(ctx.route.alertId);
    replace(detailBox, detail.element);
    void detail.load();
  } else {
    replace(detailBox, h('div', { class: 'detail placeholder' }, h('p', { class: 'muted' }, t('queue.pick'))));
  }

  const loadAlerts = async () => {
    try {
      const { alerts } = await ctx.api.get<{ alerts: Alert[] }>('/alerts', { limit: FETCH_LIMIT });
      replace(listMessage);
      list.load(alerts);
      updateSummary();
    } catch (err) {
      replace(listMessage, notice('error', errorText(err)));
    }
  };

  const load = () => {
    void loadAlerts();
    void health.load();
    void advisories.load();
    void tasks.load();
  };
  load();

  const element = h('div', { class: 'page enterprise-page' },
    h('div', { class: 'work' },
      h('section', { class: 'panel queue' },
        h('div', { class: 'panel-head' },
          h('h2', {}, t('queue.title')), summary,
          h('label', { class: 'toggle' }, showClosed, t('queue.showClosed'))),
        listMessage,
        list.element),
      detailBox),
    h('div', { class: 'grid' }, health.element, advisories.element, tasks.element),
    eventSearch(ctx));

  return {
    element,
    onChanges(changes: readonly LiveChange[]) {
      const alerts: Alert[] = [];
      for (const change of changes) {
        if (change.kind === 'alert') {
          alerts.push(change.alert);
          if (detail && change.alert.id === detail.id) detail.update(change.alert);
        } else if (change.kind === 'posture') health.show(change.posture);
        else if (change.kind === 'advisory') advisories.upsert(change.record);
        else tasks.upsert(change.record);
      }
      if (alerts.length) {
        list.apply(alerts);
        updateSummary();
      }
    },
    refresh: load,
    dispose() {
      list.dispose();
      detail?.dispose();
    },
  };
}

/** The data sources of the enterprise's posture summary: which send, which went silent. */
class SourceHealth {
  readonly element = h('section', { class: 'panel health', id: 'source-health' });

  constructor(private readonly ctx: PageContext) {
    replace(this.element, h('h2', {}, t('health.title')), h('p', { class: 'muted' }, t('common.loading')));
  }

  async load(): Promise<void> {
    try {
      const { posture } = await this.ctx.api.get<{ posture: Posture[] }>('/posture');
      const own = posture.find((p) => p.orgId === this.ctx.session.org.id);
      if (own) this.show(own);
      else replace(this.element, h('h2', {}, t('health.title')), h('p', { class: 'muted' }, t('health.none')));
    } catch (err) {
      replace(this.element, h('h2', {}, t('health.title')), notice('error', errorText(err)));
    }
  }

  show(posture: Posture): void {
    if (posture.orgId !== this.ctx.session.org.id) return;
    this.element.dataset.periodEnd = posture.periodEnd;
    const sources = [...posture.sources].sort((a, b) => Number(b.silent) - Number(a.silent) || (a.name < b.name ? -1 : 1));
    replace(this.element,
      h('h2', {}, t('health.title')),
      h('p', { class: 'muted small' }, t('health.period', { events: formatNumber(posture.events), when: ago(posture.periodEnd) })),
      sources.length ? h('table', { class: 'sources' },
        h('thead', {}, h('tr', {}, h('th', {}, t('health.source')), h('th', {}, t('health.lastSeen')), h('th', { class: 'num' }, t('health.events')), h('th', {}, t('health.state')))),
        h('tbody', {}, ...sources.map((s) => h('tr', { 'data-source': s.name, 'data-silent': String(s.silent) },
          h('td', {}, s.name),
          h('td', {}, ago(s.lastSeen)),
          h('td', { class: 'num' }, formatNumber(s.events)),
          h('td', {}, h('span', { class: s.silent ? 'badge bad' : 'badge ok' }, t(s.silent ? 'health.silent' : 'health.ok')))))))
        : h('p', { class: 'muted' }, t('health.noSources')));
  }
}

const Ranges = ['-1h', '-24h', '-7d'] as const;

/** Words in the message or raw record, over a recent range: the analyst's first question. */
function eventSearch(ctx: PageContext): HTMLElement {
  const text = h('input', { type: 'search', name: 'text', placeholder: t('search.placeholder'), 'aria-label': t('search.text') });
  const range = h('select', { 'aria-label': t('search.range') }, ...Ranges.map((r) => h('option', { value: r }, t(`range.${r}`))));
  const results = h('div', {});
  const submit = h('button', { type: 'submit' }, t('action.search'));
  return h('section', { class: 'panel search', id: 'event-search' },
    h('h2', {}, t('search.title')),
    h('form', {
      class: 'row',
      onsubmit: (event) => {
        event.preventDefault();
        submit.disabled = true;
        ctx.api.get<{ events: EcsEvent[] }>('/events', { from: range.value, limit: 100, ...(text.value.trim() ? { text: text.value.trim() } : {}) })
          .then(({ events }) => replace(results, eventTable(events)))
          .catch((err: unknown) => replace(results, notice('error', errorText(err))))
          .finally(() => { submit.disabled = false; });
      },
    }, text, range, submit),
    results);
}
