/**
 * The logged-in console: the header (org, user, navigation, live state,
 * language, logout), one live socket for the whole session, and the page
 * the address names:
 *
 *   #/             the tier's own page: the enterprise queue, or the
 *                  regulators' overview (provincial and national)
 *   #/alert/<id>   the same page with that alert open
 *   #/rules        the rule page, for every tier
 *
 * A language switch or a route change mounts the page afresh (each page
 * fetches what it shows); live changes go to whichever page is mounted.
 */
import type { ApiClient } from './api.js';
import { h, replace } from './dom.js';
import { languageSwitch, onLanguageChange, t } from './i18n.js';
import { LiveClient, type LiveState } from './live.js';
import type { OrgDirectory } from './org-directory.js';
import { enterprisePage } from './pages/enterprise.js';
import { regulatorPage } from './pages/regulator.js';
import { rulesPage } from './pages/rules.js';
import type { LiveChange, Me, SessionView, Tier } from './types.js';

export interface Route {
  readonly name: 'home' | 'rules';
  readonly alertId?: string;
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '/rules') return { name: 'rules' };
  const alert = /^\/alert\/(.+)$/.exec(path);
  if (alert) return { name: 'home', alertId: decodeURIComponent(alert[1]) };
  return { name: 'home' };
}

export interface PageContext {
  readonly api: ApiClient;
  readonly session: SessionView;
  readonly me: Me;
  /** The orgs the caller sees, by id: names for ids. */
  readonly orgs: OrgDirectory;
  readonly route: Route;
  can(permission: string): boolean;
  /** Go to `#<path>` (a route change re-mounts the page). */
  navigate(path: string): void;
}

export interface Page {
  readonly element: HTMLElement;
  /** Changes from the live socket, in the order they happened. */
  onChanges?(changes: readonly LiveChange[]): void;
  /** The socket is back after a loss: fetch afresh. */
  refresh?(): void;
  dispose?(): void;
}

const TierNames: Readonly<Record<Tier, 'tier.enterprise' | 'tier.provincial' | 'tier.national'>> = {
  enterprise: 'tier.enterprise', provincial: 'tier.provincial', national: 'tier.national',
};

export class ConsoleApp {
  private page: Page | undefined;
  private liveState: LiveState = 'connecting';
  private readonly live: LiveClient;
  private readonly stopListening: () => void;
  private readonly onHash = () => this.render();

  constructor(
    private readonly root: HTMLElement,
    private readonly api: ApiClient,
    private readonly session: SessionView,
    private readonly me: Me,
    private readonly orgs: OrgDirectory,
    private readonly onLogout: (message?: string) => void,
  ) {
    this.live = new LiveClient({
      views: ['alerts', 'posture', 'advisories', 'tasks'],
      onChanges: (changes) => this.page?.onChanges?.(changes),
      onState: (state) => this.showLiveState(state),
      onReconnected: () => this.page?.refresh?.(),
      // A socket that keeps failing may mean the session ended; the API says so (401 -> login).
      onRepeatedFailure: () => void this.api.get('/auth/session').catch(() => undefined),
    });
    this.stopListening = onLanguageChange(() => this.render());
    window.addEventListener('hashchange', this.onHash);
  }

  start(): void {
    this.render();
    this.live.start();
  }

  /** Leave the console (logout or an ended session); idempotent. */
  stop(): void {
    this.live.stop();
    this.page?.dispose?.();
    this.page = undefined;
    this.stopListening();
    window.removeEventListener('hashchange', this.onHash);
  }

  private can(permission: string): boolean {
    return this.session.permissions.includes(permission);
  }

  private render(): void {
    this.page?.dispose?.();
    const route = parseRoute(location.hash);
    const ctx: PageContext = {
      api: this.api, session: this.session, me: this.me, orgs: this.orgs, route,
      can: (p) => this.can(p),
      navigate: (path) => {
        if (location.hash === `#${path}`) this.render();
        else location.hash = path;
      },
    };
    const tier = this.session.org.tier;
    this.page = route.name === 'rules' ? rulesPage(ctx) : tier === 'enterprise' ? enterprisePage(ctx) : regulatorPage(ctx);
    replace(this.root, this.header(route), h('main', { id: 'page', 'data-page': route.name === 'rules' ? 'rules' : tier }, this.page.element));
    this.showLiveState(this.liveState);
  }

  private header(route: Route): HTMLElement {
    const { org, user } = this.session;
    const link = (path: string, label: string, active: boolean) => h('a', { href: `#${path}`, class: active ? 'active' : '', 'aria-current': active ? 'page' : undefined }, label);
    return h('header', { class: 'app-header' },
      h('div', { class: 'brand' }, h('span', { class: 'logo' }, 'iisa'), h('span', { class: 'brand-name' }, t('app.name'))),
      h('nav', {},
        link('/', org.tier === 'enterprise' ? t('nav.alerts') : t('nav.overview'), route.name === 'home'),
        link('/rules', t('nav.rules'), route.name === 'rules')),
      h('div', { class: 'who' },
        h('span', { class: 'org', 'data-org': org.id, title: org.name }, org.name),
        h('span', { class: `tier tier-${org.tier}` }, t(TierNames[org.tier])),
        h('span', { class: 'user' }, user.displayName)),
      h('span', { id: 'live-state', class: 'live-state', role: 'status' }),
      languageSwitch(),
      h('button', { type: 'button', class: 'logout', onclick: () => void this.logout() }, t('action.logout')));
  }

  private showLiveState(state: LiveState): void {
    this.liveState = state;
    const el = document.getElementById('live-state');
    if (!el) return;
    el.dataset.state = state;
    el.textContent = t(state === 'live' ? 'live.live' : state === 'connecting' ? 'live.connecting' : 'live.offline');
  }

  private async logout(): Promise<void> {
    try {
      await this.api.post('/auth/logout');
    } catch {
      // Ended already (or the node is away): the page forgets the session either way.
    }
    this.onLogout();
  }
}
