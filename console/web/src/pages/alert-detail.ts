/**
 * One alert: why it got its grade, what it touched, the events behind it
 * (for those who may read events), its audit trail, and, for the enterprise
 * that owns it, the triage actions: acknowledge, investigate, resolve, false
 * positive, assign, comment and suppress with a reason and an expiry.
 */
import { ApiError } from '../api.js';
import type { PageContext } from '../app.js';
import type { MessageKey } from '../dictionary.js';
import { h, notice, replace } from '../dom.js';
import { formatTime, gradeBadge, statusBadge, statusLabel } from '../format.js';
import { t } from '../i18n.js';
import { AlertTransitions, type Alert, type AlertStatus, type AuditEntry, type EcsEvent } from '../types.js';
import { eventTable } from './event-table.js';

/** The events fetched per alert: the most recent of the ids it keeps. */
const EVENTS_SHOWN = 10;

const ActionNames: Readonly<Record<AlertStatus, MessageKey>> = {
  new: 'status.new', acknowledged: 'action.acknowledge', investigating: 'action.investigate',
  resolved: 'action.resolve', false_positive: 'action.false_positive',
};

const Expiries: readonly { key: MessageKey; ms: number }[] = [
  { key: 'suppress.1h', ms: 3_600_000 },
  { key: 'suppress.8h', ms: 8 * 3_600_000 },
  { key: 'suppress.24h', ms: 86_400_000 },
  { key: 'suppress.7d', ms: 7 * 86_400_000 },
];

function errorText(err: unknown): string {
  return err instanceof ApiError && err.code !== 'network' ? err.message : t('error.network');
}

/** The group key's plain values: what a suppression of "this entity" matches. */
function entityMatch(alert: Alert): Record<string, string | number> {
  const match: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(alert.groupKey)) if (typeof v === 'string' || typeof v === 'number') match[k] = v;
  return match;
}

export class AlertDetail {
  readonly element = h('section', { class: 'detail', id: 'alert-detail', 'aria-live': 'polite' });
  private alert: Alert | undefined;
  private audit: AuditEntry[] = [];
  private readonly message = h('div', { class: 'detail-message' });
  private auditTimer: number | undefined;

  constructor(private readonly ctx: PageContext, readonly id: string, private readonly onChanged: (alert: Alert) => void) {
    replace(this.element, h('p', { class: 'muted' }, t('common.loading')));
  }

  async load(): Promise<void> {
    try {
      const { alert, audit } = await this.ctx.api.get<{ alert: Alert; audit: AuditEntry[] }>(`/alerts/${encodeURIComponent(this.id)}`);
      this.alert = alert;
      this.audit = audit;
      this.render();
      if (this.ctx.me.records) await this.loadEvents(alert);
    } catch (err) {
      replace(this.element, notice('error', errorText(err)));
    }
  }

  /** A live change of this alert: show it, and fetch the trail again (the change added a line). */
  update(alert: Alert): void {
    if (this.alert && alert.revision <= this.alert.revision) return;
    this.alert = alert;
    this.render();
    if (this.auditTimer !== undefined) window.clearTimeout(this.auditTimer);
    this.auditTimer = window.setTimeout(() => void this.reloadAudit(), 300);
  }

  dispose(): void {
    if (this.auditTimer !== undefined) window.clearTimeout(this.auditTimer);
  }

  private async reloadAudit(): Promise<void> {
    try {
      const { audit } = await this.ctx.api.get<{ alert: Alert; audit: AuditEntry[] }>(`/alerts/${encodeURIComponent(this.id)}`);
      this.audit = audit;
      const list = this.element.querySelector('.audit');
      if (list) list.replaceWith(this.auditList());
    } catch {
      // The trail stays as it was; the next change tries again.
    }
  }

  private eventsBox = h('div', { class: 'evidence' });

  private async loadEvents(alert: Alert): Promise<void> {
    const ids = alert.eventIds.slice(-EVENTS_SHOWN).reverse();
    replace(this.eventsBox, h('p', { class: 'muted' }, t('common.loading')));
    try {
      const pages = await Promise.all(ids.map((id) =>
        this.ctx.api.get<{ events: EcsEvent[] }>('/events', { filter: `event.id=${id}`, limit: 1 })));
      replace(this.eventsBox, eventTable(pages.flatMap((p) => p.events)));
    } catch (err) {
      replace(this.eventsBox, notice('error', errorText(err)));
    }
  }

  private render(): void {
    const alert = this.alert;
    if (!alert) return;
    const row = (label: MessageKey, ...value: (Node | string)[]) => [h('dt', {}, t(label)), h('dd', {}, ...value)];
    replace(this.element,
      h('header', { class: 'detail-head' },
        gradeBadge(alert.grade),
        h('h2', {}, alert.ruleTitle),
        h('button', { type: 'button', class: 'close', 'aria-label': t('action.close'), onclick: () => this.ctx.navigate('/') }, '×')),
      this.message,
      h('dl', { class: 'facts' },
        ...row('alert.status', statusBadge(alert.status)),
        ...row('alert.assignee', alert.assignee || '—'),
        ...row('alert.count', String(alert.count)),
        ...row('alert.firstSeen', formatTime(alert.firstSeen)),
        ...row('alert.lastSeen', formatTime(alert.lastSeen)),
        ...row('alert.org', alert.orgId),
        ...row('alert.rule', h('code', {}, alert.ruleId)),
        ...row('alert.techniques', alert.techniques.length ? alert.techniques.map((x) => x.toUpperCase()).join(', ') : '—'),
        ...row('alert.assets', alert.assets.length ? alert.assets.join(', ') : '—'),
        ...row('alert.escalatedTo', alert.escalateTo.length ? alert.escalateTo.map((x) => t(x === 'national' ? 'tier.national' : 'tier.provincial')).join(', ') : t('alert.notEscalated'))),
      h('h3', {}, t('alert.why', { score: alert.score })),
      h('ul', { class: 'reasons' }, ...alert.gradeReasons.map((r) => h('li', {}, r))),
      this.ctx.can('triage') ? this.triage(alert) : null,
      this.ctx.can('suppress') ? this.suppressForm(alert) : null,
      this.ctx.me.records ? [h('h3', {}, t('alert.events')), this.eventsBox] : null,
      h('h3', {}, t('alert.audit')),
      this.auditList());
  }

  private auditList(): HTMLElement {
    return h('ol', { class: 'audit' }, ...this.audit.map((e) => h('li', { 'data-action': e.action },
      h('span', { class: 'when' }, formatTime(e.at)), ' ',
      h('strong', {}, e.actor), ' ',
      this.auditText(e),
      e.comment ? h('q', {}, e.comment) : null)));
  }

  private auditText(e: AuditEntry): string {
    const status = (s: string | undefined) => (s && s in AlertTransitions ? statusLabel(s as AlertStatus) : s ?? '');
    switch (e.action) {
      case 'created': return t('audit.created');
      case 'status': return t('audit.status', { from: status(e.from), to: status(e.to) });
      case 'assign': return t('audit.assign', { to: e.to || '—' });
      case 'comment': return t('audit.comment');
      case 'suppress': return t('audit.suppress');
      case 'received': return t('audit.received');
    }
  }

  /** Run a change; the answer is the changed alert. */
  private act(button: HTMLButtonElement | undefined, call: () => Promise<{ alert: Alert }>, done?: () => void): void {
    if (button) button.disabled = true;
    replace(this.message);
    call()
      .then(({ alert }) => {
        this.onChanged(alert);
        this.update(alert);
        done?.();
      })
      .catch((err: unknown) => replace(this.message, notice('error', errorText(err))))
      .finally(() => { if (button) button.disabled = false; });
  }

  private triage(alert: Alert): HTMLElement {
    const base = `/alerts/${encodeURIComponent(alert.id)}`;
    const comment = h('textarea', { class: 'comment', rows: 2, placeholder: t('triage.commentPlaceholder'), 'aria-label': t('triage.comment') });
    const assignee = h('input', { class: 'assignee', value: alert.assignee ?? '', placeholder: this.ctx.session.user.id, 'aria-label': t('alert.assignee') });
    const buttons = AlertTransitions[alert.status].map((to) => {
      const button: HTMLButtonElement = h('button', {
        type: 'button', class: `transition to-${to}`, 'data-action': to,
        onclick: () => this.act(button, () => this.ctx.api.post<{ alert: Alert }>(`${base}/status`, {
          status: to, ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
        }), () => { comment.value = ''; }),
      }, t(ActionNames[to]));
      return button;
    });
    const assign: HTMLButtonElement = h('button', {
      type: 'button', 'data-action': 'assign',
      onclick: () => this.act(assign, () => this.ctx.api.post<{ alert: Alert }>(`${base}/assign`, { assignee: assignee.value.trim() })),
    }, t('action.assign'));
    const addComment: HTMLButtonElement = h('button', {
      type: 'button', 'data-action': 'comment',
      onclick: () => this.act(addComment, () => this.ctx.api.post<{ alert: Alert }>(`${base}/comments`, { text: comment.value.trim() }), () => { comment.value = ''; }),
    }, t('action.comment'));
    return h('div', { class: 'triage' },
      h('h3', {}, t('triage.title')),
      h('div', { class: 'buttons' }, ...buttons),
      comment,
      h('div', { class: 'row' }, addComment),
      h('div', { class: 'row' }, assignee, assign,
        h('button', { type: 'button', class: 'link', onclick: () => { assignee.value = this.ctx.session.user.id; } }, t('triage.assignMe'))));
  }

  private suppressForm(alert: Alert): HTMLElement {
    const reason = h('input', { class: 'reason', required: true, minlength: 3, placeholder: t('suppress.reasonPlaceholder'), 'aria-label': t('suppress.reason') });
    const expiry = h('select', { 'aria-label': t('suppress.expiry') }, ...Expiries.map((e, i) => h('option', { value: String(i) }, t(e.key))));
    const scope = h('select', { 'aria-label': t('suppress.scope') },
      h('option', { value: 'entity' }, t('suppress.entity')),
      h('option', { value: 'rule' }, t('suppress.rule')));
    const status = h('div', {});
    const submit = h('button', { type: 'submit' }, t('action.suppress'));
    return h('form', {
      class: 'suppress',
      onsubmit: (event) => {
        event.preventDefault();
        submit.disabled = true;
        replace(status);
        const expiresAt = new Date(Date.now() + Expiries[Number(expiry.value)].ms).toISOString();
        this.ctx.api.post('/suppressions', {
          ruleId: alert.ruleId, match: scope.value === 'entity' ? entityMatch(alert) : {}, reason: reason.value.trim(), expiresAt,
        })
          .then(() => {
            replace(status, notice('info', t('suppress.done', { until: formatTime(expiresAt) })));
            reason.value = '';
          })
          .catch((err: unknown) => replace(status, notice('error', errorText(err))))
          .finally(() => { submit.disabled = false; });
      },
    },
    h('h3', {}, t('suppress.title')),
    h('div', { class: 'row' }, scope, expiry),
    h('div', { class: 'row' }, reason, submit),
    status);
  }
}
