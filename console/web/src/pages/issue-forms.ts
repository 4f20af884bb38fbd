/**
 * Issuing, for the national center and the provincial regulators:
 *   an advisory   title, grade, text, targets (provinces, categories,
 *                 industries, enterprise grades, named enterprises) and
 *                 indicators (IPs and CIDRs, identifiers, domains, hashes,
 *                 a Sigma rule), each a detection where it arrives;
 *   a task        target enterprises, deadline, required actions.
 * The API checks everything (a bad indicator refuses the whole advisory);
 * its message is shown as it is.
 */
import { categoryLabel, industryLabel } from '../org-labels.js';
import { ApiError } from '../api.js';
import type { PageContext } from '../app.js';
import { h, notice, replace } from '../dom.js';
import { gradeName } from '../format.js';
import { t } from '../i18n.js';
import { Categories, Grades, Industries, type AdvisoryRecord, type TaskRecord } from '../types.js';

function errorText(err: unknown): string {
  return err instanceof ApiError && err.code !== 'network' ? err.message : t('error.network');
}

/** One entry per line. */
export function lines(text: string): string[] {
  return text.split('\n').map((s) => s.trim()).filter((s) => s !== '');
}

/** Entries separated by commas (ASCII or full-width), spaces or lines. */
export function words(text: string): string[] {
  return text.split(/[\s,，;；]+/).map((s) => s.trim()).filter((s) => s !== '');
}

function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), input, hint ? h('span', { class: 'hint' }, hint) : null);
}

function checkboxes(name: string, values: readonly string[], label: (value: string) => string): { element: HTMLElement; checked: () => string[] } {
  const boxes = values.map((v) => h('input', { type: 'checkbox', name, value: v }));
  return {
    element: h('div', { class: 'checks' }, ...boxes.map((box, i) => h('label', { class: 'check' }, box, label(values[i])))),
    checked: () => boxes.filter((b) => b.checked).map((b) => b.value),
  };
}

function gradeSelect(withNone: boolean): HTMLSelectElement {
  return h('select', { name: 'grade' },
    withNone ? h('option', { value: '' }, '—') : null,
    ...Grades.map((g) => h('option', { value: g }, gradeName(g))));
}

/** A form that posts, shows the API's refusal or a confirmation, and resets after success. */
function submitting<T>(form: HTMLFormElement, status: HTMLElement, send: () => Promise<T>, done: (result: T) => void): void {
  const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
  if (button) button.disabled = true;
  replace(status);
  send()
    .then((result) => {
      form.reset();
      done(result);
    })
    .catch((err: unknown) => replace(status, notice('error', errorText(err))))
    .finally(() => { if (button) button.disabled = false; });
}

export function advisoryForm(ctx: PageContext, onIssued: (record: AdvisoryRecord) => void): HTMLElement {
  const title = h('input', { name: 'title', required: true, minlength: 3, maxlength: 300 });
  const grade = gradeSelect(false);
  const text = h('textarea', { name: 'text', rows: 3 });
  const provinces = h('input', { name: 'provinces', placeholder: 'JS, GD' });
  const categories = checkboxes('categories', Categories, (c) => categoryLabel(c));
  const industries = checkboxes('industries', Industries, (i) => industryLabel(i));
  const orgGrades = checkboxes('grades', ['3', '2', '1'], (g) => t('issue.orgGrade', { g }));
  const orgs = h('textarea', { name: 'orgs', rows: 2 });
  const ips = h('textarea', { name: 'ips', rows: 2, placeholder: '203.0.113.7\n2001:db8:bad::/48' });
  const identifiers = h('textarea', { name: 'identifiers', rows: 2, placeholder: '88.101.5/*' });
  const domains = h('textarea', { name: 'domains', rows: 2 });
  const hashes = h('textarea', { name: 'hashes', rows: 2 });
  const sigma = h('textarea', { name: 'sigma', rows: 6, class: 'mono', spellcheck: 'false' });
  const status = h('div', {});
  const form: HTMLFormElement = h('form', {
    class: 'issue-form', id: 'advisory-form',
    onsubmit: (event) => {
      event.preventDefault();
      const body = {
        title: title.value.trim(), grade: grade.value, text: text.value.trim(),
        targets: {
          provinces: words(provinces.value).map((p) => p.toUpperCase()), categories: categories.checked(), industries: industries.checked(),
          grades: orgGrades.checked().map(Number), orgs: words(orgs.value),
        },
        indicators: {
          ips: lines(ips.value), identifiers: lines(identifiers.value), domains: lines(domains.value), hashes: lines(hashes.value),
          sigma: sigma.value.trim() ? [sigma.value] : [],
        },
      };
      submitting(form, status, () => ctx.api.post<{ advisory: AdvisoryRecord }>('/advisories', body), ({ advisory }) => {
        onIssued(advisory);
        replace(status, notice('info', t('issue.advisoryIssued', { title: advisory.advisory.title, n: Object.keys(advisory.receipts).length })));
      });
    },
  },
  field(t('issue.title'), title),
  field(t('issue.grade'), grade),
  field(t('issue.text'), text),
  h('fieldset', {}, h('legend', {}, t('issue.targets')),
    field(t('issue.provinces'), provinces, t('issue.provincesHint')),
    field(t('issue.categories'), categories.element),
    field(t('issue.industries'), industries.element),
    field(t('issue.orgGrades'), orgGrades.element),
    field(t('issue.orgs'), orgs, t('issue.orgsHint'))),
  h('fieldset', {}, h('legend', {}, t('issue.indicators')),
    field(t('issue.ips'), ips, t('issue.perLine')),
    field(t('issue.identifiers'), identifiers, t('issue.perLine')),
    field(t('issue.domains'), domains, t('issue.perLine')),
    field(t('issue.hashes'), hashes, t('issue.perLine')),
    field(t('issue.sigma'), sigma, t('issue.sigmaHint'))),
  h('button', { type: 'submit', class: 'primary' }, t('issue.issueAdvisory')),
  status);
  return form;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `datetime-local`'s value for a time: local, to the minute. */
function localInputValue(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function taskForm(ctx: PageContext, onIssued: (record: TaskRecord) => void): HTMLElement {
  const title = h('input', { name: 'title', required: true, minlength: 3, maxlength: 300 });
  const grade = gradeSelect(true);
  const text = h('textarea', { name: 'text', rows: 3 });
  const targets = h('textarea', { name: 'targetOrgs', rows: 2, required: true });
  const deadline = h('input', { name: 'deadline', type: 'datetime-local', required: true, value: localInputValue(new Date(Date.now() + 86_400_000)) });
  const actions = h('textarea', { name: 'requiredActions', rows: 3, required: true });
  const status = h('div', {});
  const form: HTMLFormElement = h('form', {
    class: 'issue-form', id: 'task-form',
    onsubmit: (event) => {
      event.preventDefault();
      const when = new Date(deadline.value);
      const body = {
        title: title.value.trim(), text: text.value.trim(), ...(grade.value ? { grade: grade.value } : {}),
        targetOrgs: words(targets.value), requiredActions: lines(actions.value),
        // An unparseable date is sent as typed, so the API names the problem.
        deadline: Number.isNaN(when.getTime()) ? deadline.value : when.toISOString(),
      };
      submitting(form, status, () => ctx.api.post<{ task: TaskRecord }>('/tasks', body), ({ task }) => {
        onIssued(task);
        replace(status, notice('info', t('issue.taskIssued', { title: task.task.title, n: task.task.targetOrgs.length })));
        deadline.value = localInputValue(new Date(Date.now() + 86_400_000));
      });
    },
  },
  field(t('issue.title'), title),
  field(t('issue.grade'), grade),
  field(t('issue.text'), text),
  field(t('issue.targetOrgs'), targets, t('issue.orgsHint')),
  field(t('issue.deadline'), deadline),
  field(t('issue.requiredActions'), actions, t('issue.perLine')),
  h('button', { type: 'submit', class: 'primary' }, t('issue.issueTask')),
  status);
  return form;
}
