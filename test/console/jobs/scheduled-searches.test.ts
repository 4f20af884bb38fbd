import { expect } from 'chai';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../../core/alert.js';
import type { EcsEvent } from '../../../core/event.js';
import { Collections } from '../../../core/store/documents.js';
import type { Store } from '../../../core/store/store.js';
import { eventSearchFor, type EventSearch } from '../../../console/jobs/event-search.js';
import { AlertBookHitRecorder } from '../../../console/jobs/hit-recorder.js';
import { scheduledRules, withoutScheduledRules } from '../../../detector/sigma/scheduled.js';
import { ReloadJobName, ScheduledSearches, searchStateId, type ScheduledSearchState } from '../../../console/jobs/scheduled-searches.js';
import { JobScheduler } from '../../../console/jobs/scheduler.js';
import { Detector, toRuleHit } from '../../../detector/detector.js';
import { loadRules } from '../../../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../../../detector/sigma/placeholders.js';
import { requireEngines } from '../../helpers/engines.js';
import { makeEvent } from '../../helpers/events.js';
import { tempDir } from '../../helpers/paths.js';
import { openTestStore } from '../../core/store/elasticsearch/es-helpers.js';
import { TestClock, alertBook, nodeContext, tempSqliteStore, testRegistry, type TestContext } from './helpers.js';

const MINUTE = 60_000;
const T0 = '2024-05-01T12:00:00.000Z';
const SCHEDULED_ID = '5b0f5a3e-3a51-4e0b-9d38-2f0c7c1e4a01';

function at(minutes: number): string {
  return new Date(Date.parse(T0) + minutes * MINUTE).toISOString();
}

function rule(fields: { id: string; name: string; extra?: string; detection?: string }): string {
  return [
    `title: Test ${fields.name}`,
    `id: ${fields.id}`,
    `name: ${fields.name}`,
    'tags:',
    '    - attack.impair-process-control',
    '    - attack.t0855',
    'logsource:',
    '    product: ics',
    '    service: s7comm',
    'detection:',
    fields.detection ?? [
      '    selection:',
      '        ics.function: Write Variable',
      '    filter_engineering:',
      "        source.ip|expand|cidr: '%EngineeringHosts%'",
      '    condition: selection and not filter_engineering',
    ].join('\n'),
    'level: high',
    ...(fields.extra ? [fields.extra] : []),
    '',
  ].join('\n');
}

/** The rules folder: one scheduled search, one stream rule, one bad schedule, one scheduled rule a correlation needs. */
function writeRules(dir: string, schedule = "'*/10 * * * *'"): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scheduled_write.yml'), rule({ id: SCHEDULED_ID, name: 'scheduled_write', extra: `scheduled: ${schedule}` }));
  writeFileSync(join(dir, 'stream_stop.yml'), rule({
    id: '5b0f5a3e-3a51-4e0b-9d38-2f0c7c1e4a02', name: 'stream_stop',
    detection: '    selection:\n        ics.function: PLC Stop\n    condition: selection',
  }));
  writeFileSync(join(dir, 'bad_schedule.yml'), rule({ id: '5b0f5a3e-3a51-4e0b-9d38-2f0c7c1e4a03', name: 'bad_schedule', extra: "scheduled: 'every hour please'" }));
  writeFileSync(join(dir, 'needed_by_correlation.yml'), rule({ id: '5b0f5a3e-3a51-4e0b-9d38-2f0c7c1e4a04', name: 'needed_by_correlation', extra: "scheduled: '0 * * * *'" }));
  writeFileSync(join(dir, 'burst.yml'), [
    'title: Write burst', 'id: 5b0f5a3e-3a51-4e0b-9d38-2f0c7c1e4a05', 'name: burst',
    'correlation:', '    type: event_count', '    rules:', '        - needed_by_correlation',
    '    group-by:', '        - org.id', '    timespan: 5m', '    condition:', '        gte: 3', 'level: high', '',
  ].join('\n'));
}

function s7(orgId: string, minutes: number, sourceIp: string, fn = 'Write Variable'): EcsEvent {
  return makeEvent({
    '@timestamp': at(minutes),
    event: { kind: 'event', category: ['network'], type: ['protocol'], module: 'zeek', dataset: 'zeek.s7comm', action: 's7-write-variable' },
    network: { transport: 'tcp', protocol: 's7comm' },
    ics: { protocol: 's7comm', function: fn, is_write: fn === 'Write Variable' },
    source: { ip: sourceIp, port: 52000 },
    destination: { ip: sourceIp.includes(':') ? '2001:db8:10:1::10' : '10.10.1.10', port: 102 },
    org: { id: orgId },
  });
}

/** Events around T0; `match` are the served orgs' writes from outside their allow-lists in the first run's hour. */
function testEvents() {
  const match = {
    v4: s7('org-a', -30, '10.10.2.160'),
    v6: s7('org-a', -20, '2001:db8:10:2::160'),
    // 10.10.2.50 is org-a's engineering workstation, not org-b's: placeholders are per org.
    otherOrgsEws: s7('org-b', -15, '10.10.2.50'),
    justBefore: s7('org-a', -2, '10.10.2.161'),
  };
  const noMatch = [
    s7('org-a', -25, '10.10.2.50'),
    s7('org-a', -24, '2001:db8:10:2::50'),
    s7('org-a', -23, '10.10.2.160', 'Read Variable'),
    s7('org-b', -14, '2001:db8:20:2::50'),
    // not served by this node
    s7('org-c', -10, '10.10.2.160'),
    // before the first run's lookback
    s7('org-a', -90, '10.10.2.160'),
  ];
  return { match, all: [...Object.values(match), ...noMatch] };
}

interface Backend {
  readonly store: Store;
  cleanup(): Promise<void>;
}

function scheduledSearchSuite(name: string, open: (ctx: Mocha.Context) => Promise<Backend>): void {
  describe(`ScheduledSearches on ${name}`, function () {
    this.timeout(60_000);
    const registry = testRegistry();
    let backend: Backend | undefined;
    let rulesDir: string;
    let clock: TestClock;
    let ctx: TestContext;
    let scheduler: JobScheduler;
    let search: EventSearch;
    let searches: ScheduledSearches;
    let events: ReturnType<typeof testEvents>;

    before(async function () {
      backend = await open(this);
      rulesDir = join(tempDir('iisa-scheduled-rules-'), 'rules');
      writeRules(rulesDir);
      clock = new TestClock(T0);
      const { store } = backend;
      ctx = nodeContext(store, registry, clock, { served: ['org-a', 'org-b'] });
      scheduler = new JobScheduler({ log: ctx.log });
      const found = eventSearchFor(store);
      if (typeof found === 'string') throw new Error(found);
      search = found;
      searches = new ScheduledSearches({
        ctx, hits: new AlertBookHitRecorder(ctx, alertBook(store, registry, clock)), search, scheduler,
        rules: [rulesDir], lookbackMs: 60 * MINUTE, settleMs: 5 * MINUTE, log: ctx.log,
      });
      events = testEvents();
      await store.appendEvents(events.all);
    });
    after(async () => {
      await scheduler?.stop();
      await search?.close();
      await backend?.cleanup();
      if (rulesDir) rmSync(join(rulesDir, '..'), { recursive: true, force: true });
    });

    async function storedHitIds(): Promise<string[]> {
      return (await backend!.store.searchRuleHits({ ruleId: SCHEDULED_ID, limit: 1000 })).map((h) => h.id).sort();
    }

    async function alertCounts(): Promise<number> {
      const page = await backend!.store.queryDocuments<Alert>({ collection: Collections.alerts, where: { ruleId: SCHEDULED_ID }, limit: 1000 });
      return page.documents.reduce((n, d) => n + d.body.count, 0);
    }

    /** What the stream detector makes of the same events (those of served orgs, in [from, to)). */
    function streamHitIds(from: number, to: number, extra: EcsEvent[] = []): string[] {
      const set = loadRules([rulesDir], { placeholders: new RegistryPlaceholderSource(registry) });
      const scheduled = set.rules.filter((r) => r.id === SCHEDULED_ID);
      const detector = new Detector({ ruleSet: { rules: scheduled, correlations: [], filters: [], problems: [] }, placeholders: new RegistryPlaceholderSource(registry) });
      const ids: string[] = [];
      for (const event of [...events.all, ...extra]) {
        const ms = Date.parse(event['@timestamp']);
        if (ms < from || ms >= to || !ctx.servedOrgs.has(event.org?.id ?? '')) continue;
        for (const d of detector.process(event)) ids.push(toRuleHit(d, new Date(), registry)!.id);
      }
      return ids.sort();
    }

    it('schedules the rules marked scheduled, and reports those it cannot', async () => {
      expect(await searches.reload()).to.deep.equal([SCHEDULED_ID]);
      expect(scheduler.names()).to.deep.equal([`scheduled-search:${SCHEDULED_ID}`]);
      expect(scheduler.status()[0].expression).to.equal('*/10 * * * *');
      const problems = ctx.log.with('warn', 'rule not scheduled').map((l) => [l.fields.rule, l.fields.message]);
      expect(problems).to.have.length(2);
      expect(String(problems.find((p) => p[0] === '5b0f5a3e-3a51-4e0b-9d38-2f0c7c1e4a03')?.[1])).to.match(/"every hour please" is not a cron expression/);
      expect(String(problems.find((p) => p[0] === '5b0f5a3e-3a51-4e0b-9d38-2f0c7c1e4a04')?.[1])).to.match(/a correlation references this rule/);
    });

    it('finds what the stream matcher finds in the first run\'s lookback, and raises the same hits', async () => {
      const result = await searches.run(SCHEDULED_ID);
      expect(result).to.include({ ruleId: SCHEDULED_ID, from: at(-60), to: T0, hits: 4 });
      expect(result.created + result.updated).to.equal(4);
      const expected = streamHitIds(Date.parse(at(-60)), Date.parse(T0));
      expect(expected).to.have.length(4);
      expect(await storedHitIds()).to.deep.equal(expected);
      const hits = await backend!.store.searchRuleHits({ ruleId: SCHEDULED_ID, limit: 100 });
      expect(hits.map((h) => h.eventIds[0]).sort()).to.deep.equal(Object.values(events.match).map((e) => e.event.id).sort());
      expect(hits.map((h) => h.orgId).sort()).to.deep.equal(['org-a', 'org-a', 'org-a', 'org-b']);
      expect(await alertCounts()).to.equal(4);
      const state = await backend!.store.getDocument<ScheduledSearchState>(Collections.jobState, searchStateId(SCHEDULED_ID));
      expect(state?.body).to.include({ ruleId: SCHEDULED_ID, searchedFrom: at(-60), searchedTo: T0, hits: 4 });
    });

    it('runs next from where it stopped, less the settle time: a late event is found, the overlap adds nothing', async () => {
      clock.set(at(10));
      const late = s7('org-a', -3, '10.10.2.162'); // arrived after the first run, stamped before it
      const newer = s7('org-a', 5, '2001:db8:10:2::163');
      await backend!.store.appendEvents([late, newer]);
      const before = await storedHitIds();
      const result = await searches.run(SCHEDULED_ID);
      expect(result).to.include({ from: at(-5), to: at(10), hits: 3, duplicates: 1 });
      expect(result.created + result.updated).to.equal(2);
      const after = await storedHitIds();
      expect(after).to.have.length(before.length + 2);
      expect(after).to.deep.equal(streamHitIds(Date.parse(at(-60)), Date.parse(at(10)), [late, newer]));
      expect(await alertCounts()).to.equal(6);
    });

    it('adds no hit and no alert count when run again over windows it searched', async () => {
      const hitsBefore = await storedHitIds();
      const countsBefore = await alertCounts();
      // Forget where it stopped: the next run searches the whole lookback again.
      await backend!.store.putDocument<ScheduledSearchState>(Collections.jobState, {
        id: searchStateId(SCHEDULED_ID), sortKey: at(10),
        body: { ruleId: SCHEDULED_ID, expression: '*/10 * * * *', searchedFrom: at(-60), searchedTo: at(-50), hits: 0 },
      });
      const result = await searches.run(SCHEDULED_ID);
      expect(result.hits).to.equal(6);
      expect(result).to.include({ created: 0, updated: 0, duplicates: 6 });
      expect(await storedHitIds()).to.deep.equal(hitsBefore);
      expect(await alertCounts()).to.equal(countsBefore);
    });

    it('reschedules a rule whose schedule changed and drops one no longer scheduled', async () => {
      writeRules(rulesDir, "'*/15 * * * *'");
      await searches.reload();
      expect(scheduler.status().map((s) => [s.name, s.expression])).to.deep.equal([[`scheduled-search:${SCHEDULED_ID}`, '*/15 * * * *']]);
      writeFileSync(join(rulesDir, 'scheduled_write.yml'), rule({ id: SCHEDULED_ID, name: 'scheduled_write' }));
      expect(await searches.reload()).to.deep.equal([]);
      expect(scheduler.names()).to.deep.equal([]);
      expect(ctx.log.with('info', 'scheduled search removed').map((l) => l.fields.rule)).to.deep.equal([SCHEDULED_ID]);
      writeRules(rulesDir);
      await searches.reload();
    });

    it('runs through the scheduler like any job', async () => {
      await searches.reload();
      const result = await scheduler.runNow(`scheduled-search:${SCHEDULED_ID}`);
      expect(result).to.include({ ruleId: SCHEDULED_ID, created: 0, updated: 0 });
      expect(scheduler.names()).not.to.include(ReloadJobName); // startJobs registers the reload, not the class
    });
  });
}

describe('scheduled rules', () => {
  it('leaves out of the stream exactly the rules that run scheduled', () => {
    const dir = join(tempDir('iisa-scheduled-rules-'), 'rules');
    try {
      writeRules(dir);
      const set = loadRules([dir], { placeholders: new RegistryPlaceholderSource(testRegistry()) });
      expect(set.problems.filter((p) => p.severity === 'error')).to.deep.equal([]);
      expect([...scheduledRules(set).rules.keys()]).to.deep.equal([SCHEDULED_ID]);
      const stream = withoutScheduledRules(set);
      expect(stream.rules.map((r) => r.name).sort()).to.deep.equal(['bad_schedule', 'needed_by_correlation', 'stream_stop']);
      expect(stream.correlations).to.have.length(1);
      expect(set.rules).to.have.length(4);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});

scheduledSearchSuite('SQLite', async () => {
  const temp = tempSqliteStore();
  return { store: temp.store, cleanup: () => temp.close() };
});

scheduledSearchSuite('Elasticsearch', async (mocha) => {
  const { elasticsearchUrl } = await requireEngines(mocha);
  const test = await openTestStore(elasticsearchUrl);
  return { store: test.store, cleanup: () => test.cleanup() };
});
