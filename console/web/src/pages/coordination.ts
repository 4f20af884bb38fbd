/**
 * Advisories and tasks, kept up to date by the live socket.
 *
 * For an issuer (provincial, national): each advisory with its receipts
 * (delivered, acknowledged, still waiting) per target enterprise, each task
 * with every target's status, who is overdue, and the roll-up per province.
 * For an enterprise: what is addressed to it, with acknowledge and, for a
 * task, its answer (accepted, in progress, done with a report).
 */
import { ApiError } from '../api.js';
import type { PageContext } from '../app.js';
import { h, notice, replace } from '../dom.js';
import { ago, formatTime, gradeBadge, taskStatusBadge } from '../format.js';
import type { MessageKey } from '../dictionary.js';
import { t } from '../i18n.js';
import type { AdvisoryRecord, ReceiptState, TaskRecord, TaskStatus } from '../types.js';

/** How many of each list are drawn (the newest). */
const SHOWN = 20;

function errorText(err: unknown): string {
  return err instanceof ApiError && err.code !== 'network' ? err.message : t('error.network');
}

function receiptState(r: ReceiptState): 'acknowledged' | 'delivered' | 'waiting' {
  return r.acknowledged ? 'acknowledged' : r.delivered ? 'delivered' : 'waiting';
}

/** What tells the two lists apart; the rest of a list is the same for both. */
interface RecordKind<R> {
  readonly className: string;
  readonly path: string;
  readonly listKey: string;
  readonly titleKey: MessageKey;
  readonly noneKey: MessageKey;
  readonly idOf: (record: R) => string;
  readonly issuedAtOf: (record: R) => string;
}

/** A list of coordination records: loaded once, then kept current by live changes (`upsert`). */
abstract class RecordPanel<R> {
  readonly element: HTMLElement;
  private readonly records = new Map<string, R>();
  protected readonly message = h('div', {});
  private loaded = false;

  constructor(protected readonly ctx: PageContext, private readonly kind: RecordKind<R>) {
    this.element = h('section', { class: `panel ${kind.className}`, id: kind.className });
    this.render();
  }

  async load(): Promise<void> {
    try {
      const answer = await this.ctx.api.get<Record<string, R[]>>(this.kind.path);
      this.records.clear();
      for (const r of answer[this.kind.listKey] ?? []) this.records.set(this.kind.idOf(r), r);
      this.loaded = true;
      this.render();
    } catch (err) {
      replace(this.message, notice('error', errorText(err)));
    }
  }

  upsert(record: R): void {
    this.records.set(this.kind.idOf(record), record);
    this.render();
  }

  protected abstract card(record: R): HTMLElement;

  private render(): void {
    const { issuedAtOf } = this.kind;
    const list = [...this.records.values()].sort((a, b) => (issuedAtOf(a) < issuedAtOf(b) ? 1 : -1)).slice(0, SHOWN);
    replace(this.element,
      h('h2', {}, t(this.kind.titleKey)),
      this.message,
      !this.loaded ? h('p', { class: 'muted' }, t('common.loading'))
        : list.length ? h('ul', { class: 'cards' }, ...list.map((r) => this.card(r))) : h('p', { class: 'muted' }, t(this.kind.noneKey)));
  }
}

export class AdvisoryPanel extends RecordPanel<AdvisoryRecord> {
  constructor(ctx: PageContext) {
    super(ctx, {
      className: 'advisories', path: '/advisories', listKey: 'advisories', titleKey: 'advisories.title', noneKey: 'advisories.none',
      idOf: (r) => r.advisory.id, issuedAtOf: (r) => r.advisory.issuedAt,
    });
  }

  protected card(record: AdvisoryRecord): HTMLElement {
    const { advisory } = record;
    const receipts = Object.entries(record.receipts).sort(([a], [b]) => (a < b ? -1 : 1));
    const delivered = receipts.filter(([, r]) => r.delivered).length;
    const acknowledged = receipts.filter(([, r]) => r.acknowledged).length;
    const own = this.ctx.session.org.id;
    const mine = record.receipts[own];
    const ack = mine && !mine.acknowledged && this.ctx.can('respond')
      ? this.ackButton(`/advisories/${encodeURIComponent(advisory.id)}/ack`, (body: { advisory: AdvisoryRecord }) => this.upsert(body.advisory))
      : null;
    const indicators = advisory.indicators;
    const indicatorCount = indicators.ips.length + indicators.identifiers.length + indicators.domains.length + indicators.hashes.length + indicators.sigma.length;
    return h('li', { class: 'card', 'data-advisory-id': advisory.id },
      h('div', { class: 'card-head' }, gradeBadge(advisory.grade), h('strong', {}, advisory.title)),
      h('div', { class: 'muted small' }, t('advisories.issued', { issuer: advisory.issuer, when: formatTime(advisory.issuedAt) }),
        indicatorCount ? ` · ${t('advisories.indicators', { n: indicatorCount })}` : ''),
      advisory.text ? h('p', { class: 'text' }, advisory.text) : null,
      receipts.length > 1 || !mine ? h('div', { class: 'receipt-summary', 'data-delivered': delivered, 'data-acknowledged': acknowledged },
        t('advisories.receiptSummary', { delivered, acknowledged, total: receipts.length })) : null,
      receipts.length ? h('table', { class: 'receipts' },
        h('tbody', {}, ...receipts.map(([org, r]) => {
          const state = receiptState(r);
          return h('tr', { 'data-receipt-org': org, 'data-receipt-state': state },
            h('td', { title: org }, this.ctx.orgs.name(org)),
            h('td', {}, h('span', { class: `receipt receipt-${state}` }, t(`receipt.${state}`))),
            h('td', { class: 'muted small' }, r.acknowledged ? formatTime(r.acknowledged) : r.delivered ? formatTime(r.delivered) : ''));
        }))) : null,
      ack);
  }

  private ackButton<T>(path: string, done: (body: T) => void): HTMLElement {
    const button: HTMLButtonElement = h('button', {
      type: 'button', 'data-action': 'ack',
      onclick: () => {
        button.disabled = true;
        this.ctx.api.post<T>(path)
          .then(done)
          .catch((err: unknown) => replace(this.message, notice('error', errorText(err))))
          .finally(() => { button.disabled = false; });
      },
    }, t('action.acknowledge'));
    return button;
  }
}

const OPEN_STATUSES: readonly TaskStatus[] = ['pending', 'accepted', 'in_progress', 'overdue'];

export class TaskPanel extends RecordPanel<TaskRecord> {
  constructor(ctx: PageContext) {
    super(ctx, {
      className: 'tasks', path: '/tasks', listKey: 'tasks', titleKey: 'tasks.title', noneKey: 'tasks.none',
      idOf: (r) => r.task.id, issuedAtOf: (r) => r.task.issuedAt,
    });
  }

  protected card(record: TaskRecord): HTMLElement {
    const { task } = record;
    const targets = Object.entries(record.targets).sort(([a], [b]) => (a < b ? -1 : 1));
    const done = targets.filter(([, s]) => s.status === 'done').length;
    const overdue = targets.filter(([, s]) => s.status === 'overdue').map(([org]) => org);
    const past = Date.parse(task.deadline) < Date.now();
    const mine = record.targets[this.ctx.session.org.id];
    return h('li', { class: 'card', 'data-task-id': task.id },
      h('div', { class: 'card-head' }, task.grade ? gradeBadge(task.grade) : null, h('strong', {}, task.title)),
      h('div', { class: `small ${past ? 'late' : 'muted'}` }, t('tasks.deadline', { when: formatTime(task.deadline), ago: past ? ago(task.deadline) : '' })),
      task.text ? h('p', { class: 'text' }, task.text) : null,
      h('ol', { class: 'actions-required' }, ...task.requiredActions.map((a) => h('li', {}, a))),
      targets.length > 1 || !mine ? h('div', { class: 'receipt-summary' }, t('tasks.summary', { done, total: targets.length, overdue: overdue.length })) : null,
      overdue.length ? h('div', { class: 'overdue-list' }, t('tasks.overdueList', { orgs: overdue.map((o) => this.ctx.orgs.name(o)).join(', ') })) : null,
      targets.length ? h('table', { class: 'receipts' },
        h('tbody', {}, ...targets.map(([org, s]) => h('tr', { 'data-target-org': org, 'data-task-status': s.status },
          h('td', { title: org }, this.ctx.orgs.name(org)),
          h('td', {}, taskStatusBadge(s.status)),
          h('td', { class: 'muted small' }, s.report ?? (s.acknowledged ? t('receipt.acknowledged') : s.delivered ? t('receipt.delivered') : '')))))) : null,
      record.rollup && Object.keys(record.rollup).length > 1 ? this.rollup(record.rollup) : null,
      mine && this.ctx.can('respond') && OPEN_STATUSES.includes(mine.status) ? this.answer(record, !mine.acknowledged) : null);
  }

  private rollup(rollup: NonNullable<TaskRecord['rollup']>): HTMLElement {
    return h('table', { class: 'rollup' },
      h('thead', {}, h('tr', {}, h('th', {}, t('tasks.province')), ...OPEN_STATUSES.concat('done').map((s) => h('th', {}, taskStatusBadge(s))))),
      h('tbody', {}, ...Object.entries(rollup).map(([province, counts]) => h('tr', {},
        h('td', {}, province), ...OPEN_STATUSES.concat('done').map((s) => h('td', {}, String(counts[s] ?? 0)))))));
  }

  /** The target's answer: acknowledge, then accepted / in progress / done with a report. */
  private answer(record: TaskRecord, needsAck: boolean): HTMLElement {
    const base = `/tasks/${encodeURIComponent(record.task.id)}`;
    const report = h('textarea', { rows: 2, placeholder: t('tasks.reportPlaceholder'), 'aria-label': t('tasks.report') });
    const status = h('select', { 'aria-label': t('tasks.status') },
      h('option', { value: 'accepted' }, t('task.accepted')),
      h('option', { value: 'in_progress' }, t('task.in_progress')),
      h('option', { value: 'done' }, t('task.done')));
    const send = (path: string, body: unknown, button: HTMLButtonElement) => {
      button.disabled = true;
      this.ctx.api.post<{ task: TaskRecord }>(path, body)
        .then((b) => this.upsert(b.task))
        .catch((err: unknown) => replace(this.message, notice('error', errorText(err))))
        .finally(() => { button.disabled = false; });
    };
    const ack: HTMLButtonElement = h('button', { type: 'button', 'data-action': 'ack', onclick: () => send(`${base}/ack`, {}, ack) }, t('action.acknowledge'));
    const report_: HTMLButtonElement = h('button', {
      type: 'button', 'data-action': 'report',
      onclick: () => send(`${base}/status`, { status: status.value, ...(report.value.trim() ? { report: report.value.trim() } : {}) }, report_),
    }, t('tasks.send'));
    return h('div', { class: 'task-answer' }, needsAck ? ack : null, h('div', { class: 'row' }, status, report_), report);
  }
}
