/**
 * How values read on the page: times, grades, statuses, in the current
 * language.
 */
import type { MessageKey } from './dictionary.js';
import { h } from './dom.js';
import { language, t } from './i18n.js';
import type { AlertStatus, Grade, TaskStatus } from './types.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time, `YYYY-MM-DD HH:mm:ss`: the same in both languages, and sortable by eye. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "5 min ago" / "5 分钟前". */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return t('time.seconds', { n: seconds });
  if (seconds < 3600) return t('time.minutes', { n: Math.floor(seconds / 60) });
  if (seconds < 86_400) return t('time.hours', { n: Math.floor(seconds / 3600) });
  return t('time.days', { n: Math.floor(seconds / 86_400) });
}

export function formatNumber(n: number): string {
  return n.toLocaleString(language() === 'zh' ? 'zh-CN' : 'en-US');
}

const GradeNames: Readonly<Record<Grade, MessageKey>> = { I: 'grade.I', II: 'grade.II', III: 'grade.III', IV: 'grade.IV' };

export function gradeName(grade: Grade): string {
  return t(GradeNames[grade]);
}

/** The grade as a coloured badge, its meaning in the tooltip. */
export function gradeBadge(grade: Grade): HTMLElement {
  return h('span', { class: `grade grade-${grade}`, title: gradeName(grade), 'data-grade': grade }, grade);
}

const StatusNames: Readonly<Record<AlertStatus, MessageKey>> = {
  new: 'status.new', acknowledged: 'status.acknowledged', investigating: 'status.investigating',
  resolved: 'status.resolved', false_positive: 'status.false_positive',
};

export function statusLabel(status: AlertStatus): string {
  return t(StatusNames[status]);
}

export function statusBadge(status: AlertStatus): HTMLElement {
  return h('span', { class: `status status-${status}`, 'data-status': status }, statusLabel(status));
}

const TaskStatusNames: Readonly<Record<TaskStatus, MessageKey>> = {
  pending: 'task.pending', accepted: 'task.accepted', in_progress: 'task.in_progress', done: 'task.done', overdue: 'task.overdue',
};

export function taskStatusBadge(status: TaskStatus): HTMLElement {
  return h('span', { class: `task-status task-${status}`, 'data-task-status': status }, t(TaskStatusNames[status]));
}
