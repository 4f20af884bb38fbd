/**
 * The login page: user and password, the language switch, and the API's
 * answer when it refuses (a wrong password and an unknown user read the
 * same; too many attempts say when to try again).
 */
import { ApiError, type ApiClient } from '../api.js';
import { h, notice, replace } from '../dom.js';
import { languageSwitch, t } from '../i18n.js';
import type { SessionView } from '../types.js';

export function loginPage(api: ApiClient, onLogin: (session: SessionView) => void, message?: string): HTMLElement {
  const user = h('input', { name: 'user', id: 'login-user', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { name: 'password', id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { class: 'login-status' }, message ? notice('info', message) : null);
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const form = h('form', {
    class: 'login-form', id: 'login-form',
    onsubmit: (event) => {
      event.preventDefault();
      submit.disabled = true;
      replace(status);
      api.post<SessionView>('/auth/login', { user: user.value.trim(), password: password.value })
        .then((session) => onLogin(session))
        .catch((err: unknown) => {
          replace(status, notice('error', err instanceof ApiError && err.code !== 'network' ? err.message : t('error.network')));
          password.value = '';
          password.focus();
        })
        .finally(() => { submit.disabled = false; });
    },
  },
  h('label', { for: 'login-user' }, t('login.user')), user,
  h('label', { for: 'login-password' }, t('login.password')), password,
  submit, status);
  return h('div', { class: 'login-page', 'data-page': 'login' },
    h('div', { class: 'login-box' },
      h('div', { class: 'login-top' }, h('span', { class: 'logo' }, 'iisa'), languageSwitch()),
      h('h1', {}, t('app.name')),
      h('p', { class: 'muted' }, t('login.lead')),
      form));
}
