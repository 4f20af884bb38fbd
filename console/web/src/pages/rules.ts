/**
 * The rule page, for every tier: the rules the node runs (its rule files
 * and the detections advisories installed) with their hits over a range,
 * and a hunt box that runs one Sigma rule over the stored events the caller
 * may read (not a provincial regulator, who sees no events).
 */
import { ApiError, RULES_PAGE } from '../api.js';
import type { Page, PageContext } from '../app.js';
import { h, notice, replace } from '../dom.js';
import { formatNumber } from '../format.js';
import { t } from '../i18n.js';
import type { EcsEvent, RuleSummary } from '../types.js';
import { eventTable } from './event-table.js';

function errorText(err: unknown): string {
  return err instanceof ApiError && err.code !== 'network' ? err.message : t('error.network');
}

const Ranges = ['-1h', '-24h', '-7d'] as const;

/** Shown in the empty hunt box, and run when it is left empty. */
const EXAMPLE = `title: PLC stop commands
logsource:
  product: ics
  service: s7comm
detection:
  selection:
    ics.function: PLC Stop
  condition: selection
level: high`;

export function rulesPage(ctx: PageContext): Page {
  let rules: RuleSummary[] = [];
  const filter = h('input', { type: 'search', placeholder: t('rules.filter'), 'aria-label': t('rules.filter'), oninput: () => draw() });
  const range = h('select', { 'aria-label': t('search.range'), onchange: () => void load() },
    ...Ranges.map((r) => h('option', { value: r }, t(`range.${r}`))));
  range.value = '-24h';
  const table = h('div', {}, h('p', { class: 'muted' }, t('common.loading')));
  const summary = h('p', { class: 'muted small' });

  const draw = () => {
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter((w) => w);
    const shown = rules
      .filter((r) => words.every((w) => `${r.title} ${r.id} ${r.tags.join(' ')} ${r.level ?? ''}`.toLowerCase().includes(w)))
      .sort((a, b) => b.hits - a.hits || (a.title < b.title ? -1 : 1));
    replace(summary, t('rules.summary', { n: rules.length, shown: shown.length, hits: formatNumber(rules.reduce((s, r) => s + r.hits, 0)) }));
    replace(table, h('table', { class: 'rules', id: 'rules-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('rules.title')), h('th', {}, t('rules.level')), h('th', {}, t('rules.kind')),
        h('th', {}, t('rules.techniques')), h('th', { class: 'num' }, t('rules.hits')))),
      h('tbody', {}, ...shown.map((r) => h('tr', { 'data-rule-id': r.id, class: r.hits ? 'hit' : '' },
        h('td', {}, h('div', {}, r.title), h('div', { class: 'muted small mono' }, r.id), r.scheduled ? h('div', { class: 'small' }, t('rules.scheduled', { cron: r.scheduled })) : null),
        h('td', {}, r.level ? h('span', { class: `level level-${r.level}` }, r.level) : ''),
        h('td', {}, t(r.kind === 'correlation' ? 'rules.correlation' : 'rules.detection')),
        h('td', { class: 'small' }, r.tags.filter((tag) => /^attack\.t\d/i.test(tag)).map((tag) => tag.slice(7).toUpperCase()).join(' ')),
        h('td', { class: 'num' }, formatNumber(r.hits)))))));
  };

  const load = async () => {
    try {
      const answer = await ctx.api.get<{ rules: RuleSummary[] }>('/rules', { from: range.value, limit: RULES_PAGE });
      rules = answer.rules;
      draw();
    } catch (err) {
      replace(table, notice('error', errorText(err)));
    }
  };
  void load();

  const element = h('div', { class: 'page rules-page' },
    h('section', { class: 'panel rules-list' },
      h('div', { class: 'panel-head' }, h('h2', {}, t('rules.heading')), filter, range),
      summary,
      table),
    ctx.me.records ? huntBox(ctx) : h('section', { class: 'panel' }, h('h2', {}, t('hunt.title')), h('p', { class: 'muted' }, t('hunt.noRecords'))));
  return { element, refresh: () => void load() };
}

function huntBox(ctx: PageContext): HTMLElement {
  const rule = h('textarea', { id: 'hunt-rule', rows: 12, class: 'mono', spellcheck: 'false', placeholder: EXAMPLE, 'aria-label': t('hunt.rule') });
  const range = h('select', { 'aria-label': t('search.range') }, ...Ranges.map((r) => h('option', { value: r }, t(`range.${r}`))));
  range.value = '-24h';
  const results = h('div', { id: 'hunt-results' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('hunt.run'));
  return h('section', { class: 'panel hunt' },
    h('h2', {}, t('hunt.title')),
    h('p', { class: 'muted small' }, t('hunt.lead')),
    h('form', {
      onsubmit: (event) => {
        event.preventDefault();
        submit.disabled = true;
        replace(results, h('p', { class: 'muted' }, t('common.loading')));
        ctx.api.post<{ matched: number; events: EcsEvent[] }>('/hunt', { rule: rule.value || EXAMPLE, from: range.value })
          .then(({ matched, events }) => replace(results,
            h('p', { class: 'hunt-summary', 'data-matched': matched }, t('hunt.matched', { n: matched, shown: events.length })),
            eventTable(events)))
          .catch((err: unknown) => replace(results, notice('error', errorText(err))))
          .finally(() => { submit.disabled = false; });
      },
    }, rule, h('div', { class: 'row' }, range, submit)),
    results);
}
