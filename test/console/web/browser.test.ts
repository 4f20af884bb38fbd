/**
 * The web console in real headless Chromium against a national, a
 * provincial and an enterprise node linked in one process (the province on
 * IPv6 loopback), each user logged in with the demo accounts:
 *
 *   enterprise  attack traffic arrives as alert rows without a reload,
 *               grade I first; one is opened (grade reasons, events, audit
 *               trail) and acknowledged
 *   provincial  the escalated alerts and the heat map
 *   national    an advisory and a task issued from the forms; the
 *               enterprise's receipt and answer arrive live
 *   every tier  Chinese labels after the language switch, remembered; the
 *               rule page and a hunt
 *
 * No page may throw or break its Content-Security-Policy. A screenshot of
 * each page goes to test/artifacts/ for review.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningNode } from '../../../cli/node.js';
import type { Alert } from '../../../core/alert.js';
import { OrgRegistry } from '../../../core/orgs.js';
import { JobNames } from '../../../console/jobs/jobs.js';
import { buildWebConsole } from '../../../console/web/build.js';
import { webPublicDir } from '../../../console/web/paths.js';
import { scenarioRecordsAt, type SimRecord } from '../../../seeds/simulator/simulate.js';
import { sendTraffic } from '../../../seeds/simulator/send.js';
import { api, freePort, nodeUrl, type NodeSpec } from '../../helpers/federation.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';
import { waitFor } from '../../helpers/wait-for.js';
import { launchChromium, requireChromium, screenshot } from './chromium.js';
import { DemoUsers, startConsoleNode } from './console-nodes.js';

const NATIONAL = 'ncisc';
const PROVINCE = 'js-industry-regulator';
const JINLING = 'js-jinling-motor';
/** Live changes reach a page within a batch window; links poll every 200 ms. Generous for a loaded CI machine. */
const LIVE_MS = 60_000;

describe('web console in Chromium', function () {
  this.timeout(300_000);
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
  const running = new Map<string, RunningNode>();
  const contexts: BrowserContext[] = [];
  /** Uncaught page errors and CSP violations, on any page. */
  const problems: string[] = [];
  let browser: Browser | undefined;
  let dir: string;
  let national: NodeSpec;
  let province: NodeSpec;
  let jinling: NodeSpec;
  let enterprisePage: Page;
  let nationalPage: Page;
  /** The grade I alert the enterprise acknowledges. */
  let gradeOne: string;

  function node(spec: NodeSpec): RunningNode {
    const n = running.get(spec.id);
    if (!n) throw new Error(`${spec.id} is not running`);
    return n;
  }

  async function send(records: readonly SimRecord[]): Promise<void> {
    const address = node(jinling).sources[0].source.address!()!;
    const summary = await sendTraffic(records, {
      target: nodeUrl({ host: jinling.host, port: address.port }), tokensFile: join(repoRoot, 'seeds', 'tokens.yaml'), start: records[0]?.timestamp,
    });
    expect(summary.rejected, 'records refused by the collector').to.equal(0);
  }

  /** A fresh browser profile (cookies and storage of its own) on a node's console. */
  async function open(spec: NodeSpec): Promise<Page> {
    const context = await browser!.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'en-US' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`${spec.id}: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`${spec.id}: ${message.text()}`);
    });
    await page.goto(`${nodeUrl(spec)}/`);
    return page;
  }

  async function login(page: Page, who: { user: string; password: string }, pageName: string): Promise<void> {
    await page.fill('#login-user', who.user);
    await page.fill('#login-password', who.password);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector(`main[data-page="${pageName}"]`);
    await page.waitForSelector('#live-state[data-state="live"]', { timeout: LIVE_MS });
  }

  /** Marks the document; the mark survives anything but a reload. */
  const mark = (page: Page) => page.evaluate('window.iisaMark = true');
  const marked = (page: Page) => page.evaluate('window.iisaMark === true');

  before(async function () {
    requireChromium(this);
    // `npm run build` writes the bundle beside the compiled handler; a bare tsc build may not have.
    if (!existsSync(join(webPublicDir, 'index.html'))) await buildWebConsole();
    dir = tempDir('iisa-web-browser-');
    national = { id: 'national', tier: 'national', orgs: [NATIONAL], host: '127.0.0.1', port: await freePort('127.0.0.1'),
      children: [{ linkId: 'js-province', orgs: [PROVINCE, 'js-comms-regulator'] }] };
    province = { id: 'js-province', tier: 'provincial', orgs: [PROVINCE, 'js-comms-regulator'], host: '::1', port: await freePort('::1'),
      parent: { url: nodeUrl(national), linkId: 'js-province', tier: 'national' }, children: [{ linkId: 'jinling', orgs: [JINLING] }] };
    jinling = { id: 'jinling', tier: 'enterprise', orgs: [JINLING], host: '127.0.0.1', port: await freePort('127.0.0.1'), ingest: true,
      parent: { url: nodeUrl(province), linkId: 'jinling', tier: 'provincial' } };
    for (const spec of [national, province, jinling]) running.set(spec.id, await startConsoleNode(spec, dir, registry));
    browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    for (const id of ['jinling', 'js-province', 'national']) await running.get(id)?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'passed') expect(problems, 'page errors or CSP violations').to.deep.equal([]);
  });

  describe('enterprise', () => {
    it('refuses a wrong password with the API\'s message, then logs the analyst in', async () => {
      enterprisePage = await open(jinling);
      await enterprisePage.waitForSelector('#login-form');
      await screenshot(enterprisePage, 'web-login');
      await enterprisePage.fill('#login-user', DemoUsers.enterprise.user);
      await enterprisePage.fill('#login-password', 'not-the-password');
      await enterprisePage.click('#login-form button[type=submit]');
      const refusal = await enterprisePage.waitForSelector('.login-status .notice.error');
      expect(await refusal.textContent()).to.equal('wrong user name or password');
      await login(enterprisePage, DemoUsers.enterprise, 'enterprise');
      expect(await enterprisePage.textContent('.who .org')).to.equal(registry.get(JINLING)!.name);
    });

    it('shows attack alerts arriving live, grade I first, without a reload', async () => {
      expect(await enterprisePage.locator('#alert-queue tr[data-alert-id]').count()).to.equal(0);
      await mark(enterprisePage);
      await send(scenarioRecordsAt('port-scan-of-ics-ports', JINLING, new Date(Date.now() - 120_000).toISOString(), 7, registry));
      await send(scenarioRecordsAt('plc-stop', JINLING, new Date(Date.now() - 60_000).toISOString(), 7, registry));
      await enterprisePage.waitForSelector('#alert-queue tr[data-grade="I"]', { timeout: LIVE_MS });
      await enterprisePage.waitForSelector('#alert-queue tr[data-grade="III"]', { timeout: LIVE_MS });
      expect(await marked(enterprisePage), 'the page was not reloaded').to.equal(true);
      const grades = await enterprisePage.locator('#alert-queue tr[data-alert-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-grade')));
      expect(grades[0]).to.equal('I');
      expect(grades, 'queue order').to.deep.equal([...grades].sort((a, b) => ['I', 'II', 'III', 'IV'].indexOf(a!) - ['I', 'II', 'III', 'IV'].indexOf(b!)));
      gradeOne = (await enterprisePage.getAttribute('#alert-queue tr[data-grade="I"]', 'data-alert-id'))!;
      await screenshot(enterprisePage, 'web-enterprise');
    });

    it('opens an alert with why it got its grade, the events behind it and its audit trail', async () => {
      await enterprisePage.click(`#alert-queue tr[data-alert-id="${gradeOne}"]`);
      await enterprisePage.waitForSelector('#alert-detail .reasons li');
      expect(enterprisePage.url()).to.include(`#/alert/${encodeURIComponent(gradeOne)}`);
      expect(await enterprisePage.locator('#alert-detail .reasons').textContent()).to.match(/rule level/);
      await enterprisePage.waitForSelector('#alert-detail table.events tbody tr[data-event-id]', { timeout: LIVE_MS });
      expect(await enterprisePage.locator('#alert-detail .audit li[data-action="created"]').count()).to.equal(1);
    });

    it('acknowledges it: the row, the detail and the stored alert all say so', async () => {
      await enterprisePage.fill('#alert-detail textarea.comment', 'looking at the S7 traffic');
      await enterprisePage.click('#alert-detail button[data-action="acknowledged"]');
      await enterprisePage.waitForSelector(`#alert-queue tr[data-alert-id="${gradeOne}"][data-status="acknowledged"]`, { timeout: LIVE_MS });
      await enterprisePage.waitForSelector('#alert-detail .facts [data-status="acknowledged"]');
      await enterprisePage.waitForSelector('#alert-detail .audit li[data-action="status"]', { timeout: LIVE_MS });
      expect(await enterprisePage.locator('#alert-detail .audit li[data-action="status"]').textContent()).to.include('looking at the S7 traffic');
      // Acknowledged alerts move on: only investigate, resolve and false positive are offered now.
      expect(await enterprisePage.locator('#alert-detail button[data-action="acknowledged"]').count()).to.equal(0);
      const stored = await api<{ alert: Alert }>(jinling, JINLING, 'GET', `/api/v1/alerts/${gradeOne}`);
      expect(stored.body.alert.status).to.equal('acknowledged');
      await screenshot(enterprisePage, 'web-enterprise-alert');
    });

    it('assigns it and records a comment', async () => {
      await enterprisePage.click('#alert-detail .triage button.link');
      await enterprisePage.click('#alert-detail button[data-action="assign"]');
      await enterprisePage.waitForSelector(`#alert-queue tr[data-alert-id="${gradeOne}"] td:last-child:text-is("${DemoUsers.enterprise.user}")`, { timeout: LIVE_MS });
      await enterprisePage.fill('#alert-detail textarea.comment', 'PLC back in RUN after the cell was isolated');
      await enterprisePage.click('#alert-detail button[data-action="comment"]');
      await enterprisePage.waitForSelector('#alert-detail .audit li[data-action="comment"]', { timeout: LIVE_MS });
      const stored = await api<{ alert: Alert; audit: { action: string; actor: string; comment?: string }[] }>(jinling, JINLING, 'GET', `/api/v1/alerts/${gradeOne}`);
      expect(stored.body.alert.assignee).to.equal(DemoUsers.enterprise.user);
      expect(stored.body.audit.find((e) => e.action === 'comment')).to.include({ actor: DemoUsers.enterprise.user, comment: 'PLC back in RUN after the cell was isolated' });
    });

    it('suppresses further hits of a noisy alert with a reason and an expiry', async () => {
      const sweep = (await enterprisePage.getAttribute('#alert-queue tr[data-grade="III"]', 'data-alert-id'))!;
      await enterprisePage.click(`#alert-queue tr[data-alert-id="${sweep}"]`);
      await enterprisePage.waitForSelector(`#alert-detail form.suppress`);
      await enterprisePage.selectOption('#alert-detail form.suppress select >> nth=1', '2');
      await enterprisePage.fill('#alert-detail form.suppress input.reason', 'authorised scan by the plant\'s red team');
      await enterprisePage.click('#alert-detail form.suppress button[type=submit]');
      await enterprisePage.waitForSelector('#alert-detail form.suppress .notice.info');
      const { body } = await api<{ suppressions: { ruleId?: string; reason: string; expiresAt: string; createdBy: string }[] }>(jinling, JINLING, 'GET', '/api/v1/suppressions');
      const [suppression] = body.suppressions;
      const alert = (await api<{ alert: Alert }>(jinling, JINLING, 'GET', `/api/v1/alerts/${sweep}`)).body.alert;
      expect(suppression).to.include({ ruleId: alert.ruleId, reason: 'authorised scan by the plant\'s red team', createdBy: DemoUsers.enterprise.user });
      // The third choice: 24 hours.
      expect(Date.parse(suppression.expiresAt) - Date.now()).to.be.within(23 * 3_600_000, 24 * 3_600_000);
      await enterprisePage.click(`#alert-queue tr[data-alert-id="${gradeOne}"]`);
      await enterprisePage.waitForSelector('#alert-detail .reasons li');
    });

    it('finds events by their words', async () => {
      await enterprisePage.fill('#event-search input[name=text]', 'PLC');
      await enterprisePage.click('#event-search button[type=submit]');
      await enterprisePage.waitForSelector('#event-search table.events tbody tr[data-event-id]');
      expect(await enterprisePage.locator('#event-search table.events tbody tr').first().textContent()).to.match(/PLC/);
    });

    it('reconnects when its node restarts and goes on showing new alerts live', async () => {
      await mark(enterprisePage);
      const rows = () => enterprisePage.locator('#alert-queue tr[data-alert-id]').evaluateAll((r) => r.map((e) => e.getAttribute('data-alert-id')));
      const before = new Set(await rows());
      await node(jinling).stop();
      running.delete(jinling.id);
      await enterprisePage.waitForSelector('#live-state[data-state="offline"]', { timeout: LIVE_MS });
      running.set(jinling.id, await startConsoleNode(jinling, dir, registry));
      // The session is kept in the node's store: the socket comes back without a new login.
      await enterprisePage.waitForSelector('#live-state[data-state="live"]', { timeout: LIVE_MS });
      await send(scenarioRecordsAt('firmware-download-to-plc', JINLING, new Date(Date.now() - 30_000).toISOString(), 7, registry));
      // Polled from here: a predicate evaluated in the page as text would need 'unsafe-eval', which the console's CSP refuses.
      await waitFor(async () => (await rows()).some((id) => id !== null && !before.has(id)), LIVE_MS, 'a new alert row after the reconnect');
      expect(await marked(enterprisePage), 'the page was not reloaded').to.equal(true);
      expect(await enterprisePage.locator('main[data-page="enterprise"]').count()).to.equal(1);
    });

    it('shows a triage refusal as the API\'s message', async () => {
      await enterprisePage.fill('#alert-detail input.assignee', 'x'.repeat(201));
      await enterprisePage.click('#alert-detail button[data-action="assign"]');
      const error = await enterprisePage.waitForSelector('#alert-detail .detail-message .notice.error');
      expect(await error.textContent()).to.match(/assignee/);
    });
  });

  describe('provincial', () => {
    it('shows the escalated alerts, acknowledged as at the enterprise, and the heat map of its enterprises', async () => {
      // A posture summary brings the province the enterprise's counts and sources.
      await node(jinling).jobs!.runNow(JobNames.posture);
      // The enterprise's own page shows its data-source health from the same summary, live.
      await enterprisePage.waitForSelector('#source-health[data-period-end]', { timeout: LIVE_MS });
      const page = await open(province);
      await login(page, DemoUsers.provincial, 'provincial');
      await page.waitForSelector('#alert-queue tr[data-grade="I"][data-status="acknowledged"]', { timeout: LIVE_MS });
      await page.waitForSelector('#alert-queue tr[data-grade="III"]', { timeout: LIVE_MS });
      expect(await page.locator('#alert-queue tr[data-grade="IV"]').count(), 'grade IV stays at the enterprise').to.equal(0);
      await page.waitForSelector(`#heatmap g.cell[data-org="${JINLING}"][data-worst="I"]`, { timeout: LIVE_MS });
      // Every enterprise the province oversees has a square, reported or not.
      const overseen = registry.visibleTo(PROVINCE)!.filter((o) => o !== PROVINCE);
      expect(await page.locator('#heatmap g.cell').count()).to.equal(overseen.length);
      // Banded by the category and industry the registry names, each square titled with the enterprise's name.
      await page.waitForSelector(`#heatmap g.band[data-group="industrial/automotive"] g.cell[data-org="${JINLING}"]`, { timeout: LIVE_MS });
      expect(await page.locator(`#heatmap g.cell[data-org="${JINLING}"] title`).textContent()).to.include(registry.get(JINLING)!.name);
      // The escalated alerts name the enterprise too (its id in the tooltip).
      await page.waitForSelector(`#alert-queue td.org[title="${JINLING}"]:has-text("${registry.get(JINLING)!.name}")`, { timeout: LIVE_MS });
      // Triage is the enterprise's: the regulator's detail has no actions.
      await page.click('#alert-queue tr[data-grade="I"]');
      await page.waitForSelector('#alert-detail .reasons li');
      expect(await page.locator('#alert-detail .triage').count()).to.equal(0);
      await page.goto(`${nodeUrl(province)}/#/`);
      await page.waitForSelector('#heatmap g.cell');
      await screenshot(page, 'web-provincial');
    });
  });

  describe('national', () => {
    let advisoryId: string;

    it('shows the grade I alert escalated from the enterprise', async () => {
      nationalPage = await open(national);
      await login(nationalPage, DemoUsers.national, 'national');
      await nationalPage.waitForSelector('#alert-queue tr[data-grade="I"]', { timeout: LIVE_MS });
      expect(await nationalPage.locator('#alert-queue tr[data-grade="III"]').count(), 'grade III stops at the province').to.equal(0);
    });

    it('issues an advisory from the form and sees the enterprise\'s receipt arrive without a reload', async () => {
      await mark(nationalPage);
      await nationalPage.click('#issue-advisory > summary');
      await nationalPage.fill('#advisory-form input[name=title]', 'Scanner infrastructure probing S7 PLCs');
      await nationalPage.selectOption('#advisory-form select[name=grade]', 'II');
      await nationalPage.fill('#advisory-form textarea[name=text]', 'Block and hunt for the addresses below.');
      await nationalPage.fill('#advisory-form textarea[name=orgs]', JINLING);
      await nationalPage.fill('#advisory-form textarea[name=ips]', '203.0.113.77\n2001:db8:bad:77::/64');
      await nationalPage.click('#advisory-form button[type=submit]');
      await nationalPage.waitForSelector('#advisory-form .notice.info');
      const card = nationalPage.locator('#advisories [data-advisory-id]', { hasText: 'Scanner infrastructure probing S7 PLCs' });
      advisoryId = (await card.getAttribute('data-advisory-id'))!;
      await nationalPage.waitForSelector(`#advisories [data-advisory-id="${advisoryId}"] tr[data-receipt-org="${JINLING}"][data-receipt-state="delivered"]`, { timeout: LIVE_MS });
      expect(await marked(nationalPage), 'the page was not reloaded').to.equal(true);
    });

    it('sees the enterprise acknowledge the advisory, live', async () => {
      // The advisory reached the enterprise's page live too.
      const ack = `#advisories [data-advisory-id="${advisoryId}"] button[data-action="ack"]`;
      await enterprisePage.waitForSelector(ack, { timeout: LIVE_MS });
      await enterprisePage.click(ack);
      await nationalPage.waitForSelector(`#advisories [data-advisory-id="${advisoryId}"] tr[data-receipt-org="${JINLING}"][data-receipt-state="acknowledged"]`, { timeout: LIVE_MS });
    });

    it('issues a task and sees the enterprise\'s answer arrive live', async () => {
      await nationalPage.click('#issue-task > summary');
      await nationalPage.fill('#task-form input[name=title]', 'Isolate the S7 cell and report');
      await nationalPage.fill('#task-form textarea[name=targetOrgs]', JINLING);
      await nationalPage.fill('#task-form textarea[name=requiredActions]', 'Block 203.0.113.77 at the plant firewall\nCheck PLC firmware versions');
      await nationalPage.click('#task-form button[type=submit]');
      await nationalPage.waitForSelector('#task-form .notice.info');
      const taskId = (await nationalPage.locator('#tasks [data-task-id]', { hasText: 'Isolate the S7 cell and report' }).getAttribute('data-task-id'))!;
      await nationalPage.waitForSelector(`#tasks [data-task-id="${taskId}"] tr[data-target-org="${JINLING}"][data-task-status="pending"]`);

      const answer = `#tasks [data-task-id="${taskId}"] .task-answer`;
      await enterprisePage.waitForSelector(answer, { timeout: LIVE_MS });
      await enterprisePage.selectOption(`${answer} select`, 'done');
      await enterprisePage.fill(`${answer} textarea`, 'Blocked at the firewall; firmware checked on all S7 PLCs.');
      await enterprisePage.click(`${answer} button[data-action="report"]`);
      await nationalPage.waitForSelector(`#tasks [data-task-id="${taskId}"] tr[data-target-org="${JINLING}"][data-task-status="done"]`, { timeout: LIVE_MS });
      expect(await nationalPage.locator(`#tasks [data-task-id="${taskId}"] tr[data-target-org="${JINLING}"]`).textContent()).to.include('Blocked at the firewall');
      // The forms folded away again: the screenshot shows what the page tracks.
      await nationalPage.click('#issue-advisory > summary');
      await nationalPage.click('#issue-task > summary');
      await nationalPage.evaluate('window.scrollTo(0, 0)');
      await screenshot(nationalPage, 'web-national');
    });

    it('switches to Chinese labels, and remembers the choice after a reload', async () => {
      await nationalPage.click('.app-header button[data-lang="zh"]');
      await nationalPage.waitForSelector('html[lang="zh-CN"]');
      expect(await nationalPage.textContent('.app-header nav a.active')).to.equal('态势总览');
      expect(await nationalPage.textContent('#advisories h2')).to.equal('安全通报');
      expect(await nationalPage.textContent('#advisory-form button[type=submit]')).to.equal('发布通报');
      await nationalPage.reload();
      await nationalPage.waitForSelector('#advisories [data-advisory-id]');
      expect(await nationalPage.textContent('#tasks h2')).to.equal('应急处置任务');
      expect(await nationalPage.textContent(`#alert-queue tr[data-alert-id="${gradeOne}"] .status`)).to.equal('已确认');
      await screenshot(nationalPage, 'web-national-zh');
      // Back to English for whoever looks next; the login page switches too.
      await nationalPage.click('.app-header button[data-lang="en"]');
      expect(await nationalPage.textContent('#advisories h2')).to.equal('Advisories');
    });
  });

  describe('logout', () => {
    it('goes to the login page when an admin ends the user\'s sessions, without reconnecting first or a reload', async () => {
      const admin = { user: 'js-jinling-motor-admin', password: DemoUsers.enterprise.password };
      const page = await open(jinling);
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await login(page, admin, 'enterprise');
      await mark(page);
      expect(sockets, 'one live socket').to.have.length(1);
      // The admin's other session (a script's) ends every session of the user, this page's too.
      const base = nodeUrl(jinling);
      const signIn = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
      const { csrfToken } = await signIn.json() as { csrfToken: string };
      const cookie = /iisa_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')![0];
      const ended = await fetch(`${base}/api/v1/users/${admin.user}/end-sessions`, { method: 'POST', headers: { cookie, 'x-iisa-csrf': csrfToken } });
      expect(ended.status).to.equal(200);
      await page.waitForSelector('#login-form', { timeout: LIVE_MS });
      expect(await marked(page), 'the page was not reloaded').to.equal(true);
      expect(sockets, 'no reconnect with the ended session').to.have.length(1);
    });

    it('ends the session and comes back to the login page, which switches language too', async () => {
      await nationalPage.click('.app-header .logout');
      await nationalPage.waitForSelector('#login-form');
      await nationalPage.reload();
      await nationalPage.waitForSelector('#login-form');
      const session = await nationalPage.evaluate('fetch("/api/v1/auth/session").then((r) => r.status)');
      expect(session).to.equal(401);
      await nationalPage.click('.login-box button[data-lang="zh"]');
      expect(await nationalPage.textContent('#login-form button[type=submit]')).to.equal('登录');
      await screenshot(nationalPage, 'web-login-zh');
    });
  });

  describe('rule page', () => {
    it('lists the loaded rules with their hits', async () => {
      await enterprisePage.goto(`${nodeUrl(jinling)}/#/rules`);
      await enterprisePage.waitForSelector('#rules-table tbody tr[data-rule-id]');
      expect(await enterprisePage.locator('#rules-table tbody tr[data-rule-id]').count()).to.be.greaterThan(50);
      // The rule the PLC stop traffic above hit, counted; rules nothing hit say 0.
      const plcStop = enterprisePage.locator('#rules-table tbody tr[data-rule-id]', { hasText: 'S7comm PLC Stop Command' });
      expect(await plcStop.getAttribute('class')).to.equal('hit');
      expect(Number((await plcStop.locator('td.num').textContent())?.replace(/\D/g, ''))).to.be.greaterThan(0);
      expect(await enterprisePage.locator('#rules-table tbody tr:not(.hit) td.num', { hasText: /^0$/ }).count()).to.be.greaterThan(0);
    });

    it('runs a Sigma rule typed in the hunt box over the stored events', async () => {
      // The box's example hunts S7 PLC stops, which the traffic above had.
      await enterprisePage.click('.hunt button[type=submit]');
      const summary = await enterprisePage.waitForSelector('.hunt-summary', { timeout: LIVE_MS });
      expect(Number(await summary.getAttribute('data-matched'))).to.be.greaterThan(0);
      expect(await enterprisePage.locator('#hunt-results table.events tbody tr').count()).to.be.greaterThan(0);
      await screenshot(enterprisePage, 'web-rules');
      await enterprisePage.fill('#hunt-rule', 'title: broken\ndetection: {}\n');
      await enterprisePage.click('.hunt button[type=submit]');
      const error = await enterprisePage.waitForSelector('#hunt-results .notice.error');
      expect(await error.textContent()).to.match(/line/);
    });
  });
});
