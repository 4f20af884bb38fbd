import { expect } from 'chai';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Collections } from '../../../core/store/documents.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { TaskBook } from '../../../console/coordination/tasks.js';
import { JobNames, JobsSectionSchema, startJobs, type JobsDeps } from '../../../console/jobs/jobs.js';
import type { JobScheduler } from '../../../console/jobs/scheduler.js';
import { makeEvent } from '../../helpers/events.js';
import { tempDir } from '../../helpers/paths.js';
import { TestClock, alertBook, nodeContext, tempSqliteStore, testRegistry, type TempSqlite, type TestContext } from './helpers.js';

const DAY = 86_400_000;

describe('JobsSectionSchema', () => {
  it('defaults every job', () => {
    expect(JobsSectionSchema.parse({})).to.deep.equal({
      posture: '*/5 * * * *', posturePeriodMinutes: 5,
      overdue: '* * * * *',
      reminders: '*/15 * * * *', reminderAheadHours: 24,
      silence: '*/5 * * * *', silenceMinutes: 30, lookbackHours: 24, silenceLevel: 'medium',
      retention: '17 * * * *',
      scheduledSearches: true, scheduledSearchLookbackMinutes: 60, scheduledSearchSettleMinutes: 5,
    });
  });

  it('refuses a bad cron expression and an unknown key, naming each', () => {
    const result = JobsSectionSchema.safeParse({ posture: 'every five minutes', silence: '*/5 * * *', retnetion: '0 * * * *' });
    expect(result.success).to.equal(false);
    const issues = result.error?.issues.map((i) => [i.path.join('.'), i.message]) ?? [];
    expect(issues.find(([path]) => path === 'posture')?.[1]).to.match(/not a cron expression/);
    expect(issues.find(([path]) => path === 'silence')?.[1]).to.match(/not a cron expression.*5 or 6 fields/);
    expect(issues.some(([, message]) => /retnetion/.test(message))).to.equal(true);
  });

  it('describes every key', () => {
    for (const [key, schema] of Object.entries(JobsSectionSchema.shape)) expect(schema.description, key).to.be.a('string').and.not.equal('');
  });
});

describe('startJobs', () => {
  const registry = testRegistry();
  let temp: TempSqlite;
  let clock: TestClock;
  let ctx: TestContext;
  let scheduler: JobScheduler | undefined;
  let rulesDir: string;

  function deps(overrides: Partial<JobsDeps> = {}): JobsDeps {
    return {
      config: JobsSectionSchema.parse({}), ctx, tasks: new TaskBook(ctx), alerts: alertBook(temp.store, registry, clock),
      retentionDays: 180, rules: [rulesDir], ...overrides,
    };
  }

  beforeEach(() => {
    temp = tempSqliteStore();
    clock = new TestClock(new Date().toISOString());
    ctx = nodeContext(temp.store, registry, clock, { served: ['org-a', 'org-b'], parent: true });
    rulesDir = join(tempDir('iisa-jobs-rules-'), 'rules');
    mkdirSync(rulesDir);
    writeFileSync(join(rulesDir, 'nightly.yml'), [
      'title: Nightly write check', 'id: 0d3c7e55-1f0e-4f43-9d62-0d6f4b1a2c01', "scheduled: '0 3 * * *'",
      'logsource:', '    product: ics', 'detection:', '    selection:', '        ics.function: Write Variable', '    condition: selection', 'level: low', '',
    ].join('\n'));
  });
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = undefined;
    await temp.close();
    rmSync(join(rulesDir, '..'), { recursive: true, force: true });
  });

  it('registers every job and the scheduled searches, and starts them', async () => {
    scheduler = await startJobs(deps());
    expect(scheduler.names()).to.deep.equal([
      'posture', 'task-overdue', 'task-reminders', 'source-silence', 'retention',
      'scheduled-search:0d3c7e55-1f0e-4f43-9d62-0d6f4b1a2c01', 'scheduled-searches-reload',
    ]);
    expect(scheduler.status().every((s) => s.nextRun !== undefined)).to.equal(true);
    expect(scheduler.status().find((s) => s.name === JobNames.retention)?.expression).to.equal('17 * * * *');
  });

  it('leaves the scheduled searches out when they are off, or when the store cannot be searched', async () => {
    scheduler = await startJobs(deps({ config: JobsSectionSchema.parse({ scheduledSearches: false }) }));
    expect(scheduler.names().filter((n) => n.startsWith('scheduled-search'))).to.deep.equal([]);
    await scheduler.stop();

    const memory = SqliteStore.open({ path: ':memory:' });
    try {
      const memoryCtx = nodeContext(memory, registry, clock, { served: ['org-a'] });
      scheduler = await startJobs({ ...deps(), ctx: memoryCtx, tasks: new TaskBook(memoryCtx), alerts: alertBook(memory, registry, clock) });
      expect(scheduler.names().filter((n) => n.startsWith('scheduled-search'))).to.deep.equal([]);
      expect(memoryCtx.log.with('warn', 'scheduled searches are off')[0].fields.reason).to.match(/in memory/);
      await scheduler.stop();
    } finally {
      await memory.close();
    }
  });

  it('retention deletes events, hits and bookkeeping documents past store.retentionDays, and expired nonces, and keeps alerts', async () => {
    const now = clock.now().getTime();
    const old = makeEvent({ '@timestamp': new Date(now - 200 * DAY).toISOString(), org: { id: 'org-a' } });
    const fresh = makeEvent({ '@timestamp': new Date(now - DAY).toISOString(), org: { id: 'org-a' } });
    await temp.store.appendEvents([old, fresh]);
    const hit = (id: string, time: string) => ({ id, kind: 'detection' as const, ruleId: 'r', ruleTitle: 'r', tags: [], orgId: 'org-a', time, detectedAt: time, eventIds: [] });
    await temp.store.appendRuleHits([hit('old-hit', old['@timestamp']), hit('fresh-hit', fresh['@timestamp'])]);
    await temp.store.putDocument(Collections.nonces, { id: 'link-1|expired', sortKey: new Date(now - 1000).toISOString(), body: { linkId: 'link-1' } });
    await temp.store.putDocument(Collections.nonces, { id: 'link-1|live', sortKey: new Date(now + 60_000).toISOString(), body: { linkId: 'link-1' } });
    // Bookkeeping documents of the old and the fresh day: links, posture history, security log, a link feed.
    const day = (ms: number) => new Date(ms).toISOString();
    for (const [age, tag] of [[200 * DAY, 'old'], [DAY, 'fresh']] as const) {
      await temp.store.putDocument(Collections.alertLinks, { id: `${tag}-hit`, orgId: 'org-a', sortKey: day(now - age), body: { alertId: 'a' } });
      await temp.store.putDocument(Collections.posture, { id: `posture:org-a:${tag}`, orgId: 'org-a', sortKey: day(now - age), body: {} });
      await temp.store.putDocument(Collections.securityLog, { id: `${tag}-refusal`, sortKey: `${day(now - age)}|${tag}`, body: {} });
      await temp.store.putDocument(Collections.feed, { id: `child|${tag}`, sortKey: `${String(now - age).padStart(15, '0')}.000000`, body: {} });
      await temp.store.putDocument(Collections.jobRuns, { id: `node:posture:${tag}`, sortKey: day(now - age), body: {} });
    }
    await temp.store.putDocument(Collections.alerts, { id: 'old-alert', orgId: 'org-a', sortKey: day(now - 200 * DAY), body: {} });
    await temp.store.putDocument(Collections.auditLog, { id: 'audit-old', sortKey: day(now - 200 * DAY), body: {} });
    await temp.store.putDocument(Collections.auditLog, { id: 'audit-kept', sortKey: day(now - 170 * DAY), body: {} });
    scheduler = await startJobs(deps());
    const result = await scheduler.runNow(JobNames.retention);
    expect(result).to.include({ events: 1, ruleHits: 1, nonces: 1, alertLinks: 1, posture: 1, securityLog: 1, feed: 1, jobRuns: 1, auditLog: 1 });
    expect(await temp.store.getDocument(Collections.auditLog, 'audit-kept'), 'the audit log keeps 180 days at least').to.not.equal(undefined);
    for (const collection of [Collections.alertLinks, Collections.posture, Collections.securityLog, Collections.feed, Collections.jobRuns]) {
      // Only the documents put here: the started jobs may have claimed a run of their own meanwhile.
      const ids = (await temp.store.queryDocuments({ collection })).documents.map((d) => d.id).filter((id) => collection !== Collections.jobRuns || id.startsWith('node:posture:'));
      expect(ids, collection).to.have.length(1);
      expect(ids[0], collection).to.match(/fresh/);
    }
    // Alerts are the record of what happened: kept.
    expect(await temp.store.getDocument(Collections.alerts, 'old-alert')).to.not.equal(undefined);
    expect((await temp.store.searchRuleHits({})).map((h) => h.id)).to.deep.equal(['fresh-hit']);
    const left = await temp.store.searchEvents({ limit: 10 });
    expect(left.events.map((e) => e.event.id)).to.deep.equal([fresh.event.id]);
    expect(await temp.store.getDocument(Collections.nonces, 'link-1|expired')).to.equal(undefined);
    expect(await temp.store.getDocument(Collections.nonces, 'link-1|live')).not.to.equal(undefined);
  });

  it('marks overdue tasks, reminds near deadlines, and sends the posture up', async () => {
    const tasks = new TaskBook(ctx);
    const base = { issuer: 'js-industry-regulator', text: 'Rotate the HMI passwords', requiredActions: ['rotate'] };
    const soon = await tasks.issue({ ...base, title: 'Due soon', targetOrgs: ['org-a'], deadline: new Date(clock.now().getTime() + 60_000).toISOString() });
    const later = await tasks.issue({ ...base, title: 'Due in two days', targetOrgs: ['org-a'], deadline: new Date(clock.now().getTime() + 2 * DAY).toISOString() });
    scheduler = await startJobs(deps({ tasks }));
    expect(await scheduler.runNow(JobNames.reminders)).to.deep.equal([{ taskId: soon.task.id, orgId: 'org-a' }]);
    clock.advance(2 * 60_000);
    expect(await scheduler.runNow(JobNames.overdue)).to.deep.equal([{ taskId: soon.task.id, orgId: 'org-a' }]);
    expect((await tasks.get(soon.task.id))?.targets['org-a'].status).to.equal('overdue');
    expect((await tasks.get(later.task.id))?.targets['org-a'].status).to.equal('pending');

    const posture = await scheduler.runNow(JobNames.posture) as { orgs: string[]; sent: number };
    expect(posture).to.include({ sent: 2 });
    expect(posture.orgs).to.deep.equal(['org-a', 'org-b']);
    expect(ctx.uplinked.filter((i) => i.type === 'posture').map((i) => i.orgId)).to.deep.equal(['org-a', 'org-b']);
  });
});
