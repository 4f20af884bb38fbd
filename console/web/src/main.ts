/**
 * The web console's entry: with a live session (GET /auth/session) the
 * console for the user's tier, else the login page. An ended session
 * (any API call answered 401) brings the login page back with the reason.
 */
import { ApiClient } from './api.js';
import { ConsoleApp } from './app.js';
import { replace } from './dom.js';
import { applyDocumentLanguage, onLanguageChange, t } from './i18n.js';
import { loginPage } from './pages/login.js';
import { OrgDirectory } from './org-directory.js';
import type { Me, OrgInfo, SessionView } from './types.js';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app');
const api = new ApiClient();
let app: ConsoleApp | undefined;
let loginMessage: string | undefined;

function showLogin(message?: string): void {
  app?.stop();
  app = undefined;
  api.setCsrfToken(undefined);
  loginMessage = message;
  replace(root!, loginPage(api, (session) => void enter(session), message));
}

async function enter(session: SessionView): Promise<void> {
  api.setCsrfToken(session.csrfToken);
  const [me, directory] = await Promise.all([
    api.get<Me>('/me'),
    // Names are a nicety: without them the pages show ids.
    api.get<{ orgs: OrgInfo[] }>('/orgs').then((a) => a.orgs, () => []),
  ]);
  app?.stop();
  app = new ConsoleApp(root!, api, session, me, new OrgDirectory(directory), (message) => showLogin(message));
  app.start();
}

// The login page re-renders itself on a language switch; the console does its own.
onLanguageChange(() => {
  if (!app) showLogin(loginMessage);
});

api.onUnauthenticated = (error) => {
  if (app) showLogin(error.message);
};

applyDocumentLanguage();
api.get<SessionView>('/auth/session')
  .then((session) => enter(session))
  .catch(() => showLogin())
  .catch((err: unknown) => replace(root, t('error.network'), String(err)));
