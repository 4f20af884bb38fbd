/**
 * Differential test: the stream matcher, the SQL compiler and the
 * Elasticsearch DSL compiler must select the same events. Every rule in
 * rules/ and a seeded sample of SigmaHQ's rules run through all three over
 * the same events (generated per rule by test/helpers/sigma-events.ts, plus
 * the proof events beside our rules), stored in SQLite and in a real
 * Elasticsearch index, and the (rule, event) hit sets must be equal.
 *
 * Elasticsearch is compared on the events its mapping holds as sent (see
 * `heldAsSent`): an event it rejects, or whose values it would coerce
 * (a string in a numeric field, an empty array, an IPv4-mapped IPv6 text),
 * is not the same document to it, and is counted, not compared. Rules the
 * ES compiler refuses are counted by reason; none is skipped silently.
 */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from '@elastic/elasticsearch';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import type { EcsEvent } from '../../../core/event.js';
import { uuidv7 } from '../../../core/ids.js';
import { canonicalIp } from '../../../core/ip.js';
import { eventIndexMappings } from '../../../core/store/elasticsearch/mapping.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { loadDefaultMapping } from '../../../detector/sigma/mapping/index.js';
import type { DetectionRule, SigmaFilter } from '../../../detector/sigma/model.js';
import type { EsFieldKind } from '../../../detector/sigma/es/compile.js';
import { huntEsMany, liveFieldTypes } from '../../../detector/sigma/es/hunt.js';
import type { EsHuntError } from '../../../detector/sigma/es/hunt.js';
import { parseRuleText } from '../../../detector/sigma/parse.js';
import { huntSql, ruleKey } from '../../../detector/sigma/sql/hunt.js';
import { StreamMatcher } from '../../../detector/sigma/stream/index.js';
import { requireEngines } from '../../helpers/engines.js';
import { makeEvent } from '../../helpers/events.js';
import { corpusPath, repoRoot, tempDir } from '../../helpers/paths.js';
import { Rng, generateEvents, testPlaceholders } from '../../helpers/sigma-events.js';

const SEED = 20_240_301;
/** SigmaHQ files sampled; enough that at least MIN_SIGMAHQ_RULES compile on both sides. */
const SIGMAHQ_FILES = 640;
const MIN_SIGMAHQ_RULES = 500;
/** SigmaHQ rules of the sample that must also compile to Elasticsearch DSL and be compared three ways. */
const MIN_SIGMAHQ_RULES_ES = 600;
const EVENTS_PER_RULE = 14;
const ORGS = ['org-a', 'org-b'];
const BASE_TIME = Date.parse('2024-01-01T00:00:00.000Z');
const DAY_MS = 86_400_000;

const placeholders = testPlaceholders;

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

interface Loaded {
  readonly rules: DetectionRule[];
  readonly filters: SigmaFilter[];
}

function parseFiles(files: readonly string[]): Loaded {
  const rules: DetectionRule[] = [];
  const filters: SigmaFilter[] = [];
  for (const file of files) {
    const set = parseRuleText(readFileSync(file, 'utf8'), relative(repoRoot, file), { placeholders });
    rules.push(...set.rules);
    filters.push(...set.filters);
  }
  return { rules, filters };
}

/** The proof events our own rules carry (`*.tests.yml`: match / nomatch lists). */
function proofEvents(files: readonly string[]): EcsEvent[] {
  const out: EcsEvent[] = [];
  for (const file of files) {
    const doc = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
    for (const key of ['match', 'nomatch']) {
      const list = doc?.[key];
      if (!Array.isArray(list)) continue;
      for (const raw of list) {
        if (raw === null || typeof raw !== 'object') continue;
        const event = structuredClone(raw) as Record<string, unknown>;
        const base = makeEvent();
        const meta = (event.event ?? {}) as Record<string, unknown>;
        event.event = { ...meta, id: uuidv7() };
        if (!Number.isFinite(Date.parse(String(event['@timestamp'])))) event['@timestamp'] = base['@timestamp'];
        const org = (event.org ?? {}) as Record<string, unknown>;
        event.org = { ...org, id: typeof org.id === 'string' ? org.id : 'org-a' };
        out.push(event as EcsEvent);
      }
    }
  }
  return out;
}

/** What the stream-vs-SQL run leaves for the Elasticsearch comparison. */
interface Compared {
  readonly rules: readonly DetectionRule[];
  readonly sigmaRules: ReadonlySet<DetectionRule>;
  readonly events: readonly EcsEvent[];
  readonly windowOf: (rule: DetectionRule) => { from: number; to: number };
  readonly streamHits: ReadonlySet<string>;
  readonly sqlHits: ReadonlySet<string>;
  readonly orgIds: readonly string[];
  readonly filters: readonly SigmaFilter[];
}

const MAPPED_V4 = /^::ffff:\d/i;

/**
 * Whether the index holds every value of `event` as sent, so that a query
 * over the index sees what the stream matcher sees: no empty arrays, arrays
 * of null or '' or of objects (the index cannot tell them from absence, ''
 * or sub-fields), and each scalar of the kind its field's type stores
 * without coercion.
 */
function heldAsSent(event: unknown, typeOf: (path: string) => EsFieldKind): boolean {
  const scalar = (value: unknown, path: string): boolean => {
    switch (typeOf(path)) {
      case 'keyword':
        return typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value.length <= 8191);
      case 'long':
        return typeof value === 'number' && Number.isSafeInteger(value);
      case 'double':
        return typeof value === 'number';
      case 'ip':
        return typeof value === 'string' && canonicalIp(value) === value && !value.includes('%') && !MAPPED_V4.test(value);
      case 'date':
        return typeof value === 'string';
      case 'boolean':
        return typeof value === 'boolean';
      default:
        return false;
    }
  };
  const walk = (value: unknown, path: string): boolean => {
    if (value === null) return true;
    if (Array.isArray(value)) {
      if (value.length === 0) return false;
      return value.every((el) => el !== null && el !== '' && typeof el !== 'object' && scalar(el, path));
    }
    if (typeof value === 'object') {
      return Object.entries(value as Record<string, unknown>).every(([key, v]) => walk(v, path === '' ? key : `${path}.${key}`));
    }
    return scalar(value, path);
  };
  return walk(event, '');
}

describe('Sigma backends (differential)', () => {
  let compared: Compared | undefined;

  describe('stream matcher vs SQL compiler', () => {
    let dir: string;
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('select the same events for rules/ and a sample of SigmaHQ rules', async function () {
      this.timeout(120_000);
      const rng = new Rng(SEED);
      const mapping = loadDefaultMapping();

      const ownFiles = yamlFiles(join(repoRoot, 'rules'));
      const own = parseFiles(ownFiles.filter((f) => !f.endsWith('.tests.yml')));
      const sigmaFiles = rng.shuffle(yamlFiles(corpusPath('sigmahq', 'rules'))).slice(0, SIGMAHQ_FILES).sort();
      const sigma = parseFiles(sigmaFiles);

      // One rule per key, so hits name their rule unambiguously; only rules both backends take.
      const seen = new Set<string>();
      const candidates = [...own.rules, ...sigma.rules].filter((rule) => {
        const key = ruleKey(rule);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      const filters = own.filters;
      const options = { mapping, placeholders, filters, unrouted: 'every-event' } as const;
      const matcher = new StreamMatcher({ rules: candidates, ...options });
      const failed = new Set(matcher.problems.map((p) => p.rule));
      const rules = candidates.filter((rule) => !failed.has(rule.id ?? rule.title));
      const ownCount = rules.filter((rule) => own.rules.includes(rule)).length;
      const sigmaCount = rules.length - ownCount;
      expect(sigmaCount, 'SigmaHQ rules compiled by the stream matcher').to.be.at.least(MIN_SIGMAHQ_RULES);

      // SigmaHQ rules are hunted over the day of their logsource's events (each logsource its own day),
      // so the SQL side scans a neighbourhood, not every event; stream hits are cut to the same windows.
      // Our own rules are hunted over everything.
      const ownRules = new Set(own.rules);
      const logsourceKeys = [...new Set(rules.filter((r) => !ownRules.has(r)).map((r) => mapping.resolve(r.logsource).key))].sort();
      const windowOf = (rule: DetectionRule): { from: number; to: number } => {
        if (ownRules.has(rule)) return { from: 0, to: Date.parse('9999-01-01T00:00:00Z') };
        const day = logsourceKeys.indexOf(mapping.resolve(rule.logsource).key) + 1;
        return { from: BASE_TIME + day * DAY_MS, to: BASE_TIME + (day + 1) * DAY_MS };
      };

      const events: EcsEvent[] = proofEvents(ownFiles.filter((f) => f.endsWith('.tests.yml')));
      for (const rule of rules) {
        const baseTime = ownRules.has(rule) ? BASE_TIME : windowOf(rule).from;
        events.push(...generateEvents(rule, mapping.resolve(rule.logsource), { rng, orgs: ORGS, placeholders, maxEvents: EVENTS_PER_RULE, baseTime }));
      }
      dir = tempDir('iisa-sigma-diff-');
      const store = SqliteStore.open({ path: join(dir, 'events.db'), synchronous: 'normal' });
      await store.appendEvents(events);
      await store.close();

      const streamHits = new Set<string>();
      const final = new StreamMatcher({ rules, ...options });
      for (const event of events) {
        const ts = Date.parse(event['@timestamp']);
        final.match(event, (rule) => {
          const window = windowOf(rule);
          if (ts >= window.from && ts < window.to) streamHits.add(`${ruleKey(rule)} ${event.event.id ?? ''}`);
        });
      }

      const db = new Database(join(dir, 'events.db'), { readonly: true });
      const sqlHits = new Set<string>();
      const errors: { ruleId: string; message: string }[] = [];
      try {
        const orgIds = [...new Set(events.map((e) => e.org?.id ?? ''))];
        const byWindow = new Map<number, DetectionRule[]>();
        for (const rule of rules) {
          const from = windowOf(rule).from;
          byWindow.set(from, [...(byWindow.get(from) ?? []), rule]);
        }
        for (const group of byWindow.values()) {
          const window = windowOf(group[0]);
          const query = { from: new Date(window.from), to: new Date(window.to), orgIds, limitPerRule: 1_000_000 };
          const result = huntSql(db, group, query, options);
          for (const hit of result.hits) sqlHits.add(`${hit.ruleId} ${hit.eventId}`);
          errors.push(...result.errors);
        }
      } finally {
        db.close();
      }
      const firing = new Set([...streamHits].map((h) => h.split(' ')[0]));
      const onlyStream = [...streamHits].filter((h) => !sqlHits.has(h));
      const onlySql = [...sqlHits].filter((h) => !streamHits.has(h));
      console.log(
        `      differential: ${rules.length} rules (${ownCount} from rules/, ${sigmaCount} SigmaHQ), ${events.length} events, ` +
          `${streamHits.size} stream hits (${firing.size} rules firing), ${sqlHits.size} SQL hits, ${onlyStream.length + onlySql.length} differences`,
      );
      const show = (hits: string[]): string[] =>
        hits.slice(0, 5).map((h) => {
          const [ruleId, eventId] = h.split(' ');
          return `${ruleId}: ${JSON.stringify(events.find((e) => e.event.id === eventId))}`;
        });
      expect(errors, 'rules the stream compiles but SQL cannot').to.deep.equal([]);
      expect(show(onlyStream), 'hits only the stream matcher found').to.deep.equal([]);
      expect(show(onlySql), 'hits only SQL found').to.deep.equal([]);
      expect(streamHits.size, 'the events must make some rules fire').to.be.greaterThan(rules.length / 4);
      compared = {
        rules,
        sigmaRules: new Set(rules.filter((r) => !ownRules.has(r))),
        events,
        windowOf,
        streamHits,
        sqlHits,
        orgIds: [...new Set(events.map((e) => e.org?.id ?? ''))],
        filters,
      };
    });
  });

  describe('stream matcher vs SQL compiler vs Elasticsearch DSL', () => {
    let client: Client | undefined;
    const index = `iisa-sigma-diff-${uuidv7()}`;

    before(async function () {
      const { elasticsearchUrl } = await requireEngines(this);
      client = new Client({ node: elasticsearchUrl });
    });
    after(async () => {
      if (client === undefined) return;
      await client.indices.delete({ index, ignore_unavailable: true });
      await client.close();
    });

    it('select the same events on the events Elasticsearch holds as sent', async function () {
      this.timeout(180_000);
      if (compared === undefined) throw new Error('the stream vs SQL comparison did not run; it prepares the rules and events');
      if (client === undefined) throw new Error('no Elasticsearch client');
      const es = client;
      const { rules, sigmaRules, events, windowOf, streamHits, sqlHits, orgIds, filters } = compared;
      const mapping = loadDefaultMapping();

      await es.indices.create({ index, settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: eventIndexMappings() });
      const rejected = new Map<string, string>();
      for (let start = 0; start < events.length; start += 1_000) {
        const chunk = events.slice(start, start + 1_000);
        const response = await es.bulk({ operations: chunk.flatMap((event) => [{ index: { _index: index, _id: event.event.id } }, event]) });
        for (const item of response.items) {
          const error = item.index?.error;
          if (error !== undefined && error !== null) rejected.set(item.index?._id ?? '', error.type);
        }
      }
      await es.indices.refresh({ index });

      const typeOf = await liveFieldTypes(es, index);
      const held = new Set(events.filter((e) => !rejected.has(e.event.id ?? '') && heldAsSent(e, typeOf)).map((e) => e.event.id ?? ''));

      const byWindow = new Map<number, DetectionRule[]>();
      for (const rule of rules) {
        const from = windowOf(rule).from;
        byWindow.set(from, [...(byWindow.get(from) ?? []), rule]);
      }
      const esHits = new Set<string>();
      const refused: EsHuntError[] = [];
      for (const group of byWindow.values()) {
        const window = windowOf(group[0]);
        const result = await huntEsMany(
          es,
          { index, rules: group, from: new Date(window.from), to: new Date(window.to), orgIds, limitPerRule: 10_000 },
          { mapping, placeholders, filters, unrouted: 'every-event' },
        );
        for (const hit of result.hits) esHits.add(`${hit.ruleId} ${hit.eventId}`);
        refused.push(...result.errors);
      }

      const refusedIds = new Set(refused.map((r) => r.ruleId));
      const threeWay = rules.filter((r) => !refusedIds.has(ruleKey(r)));
      const sigmaThreeWay = threeWay.filter((r) => sigmaRules.has(r)).length;
      const byReason = new Map<string, number>();
      for (const r of refused) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
      const reasons = [...byReason].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n} ${reason}`).join('; ');
      const rejectedTypes = new Map<string, number>();
      for (const type of rejected.values()) rejectedTypes.set(type, (rejectedTypes.get(type) ?? 0) + 1);

      const eventsById = new Map(events.map((e) => [e.event.id ?? '', e]));
      const mismatches: string[] = [];
      for (const rule of threeWay) {
        const key = ruleKey(rule);
        const window = windowOf(rule);
        for (const event of events) {
          const id = event.event.id ?? '';
          if (!held.has(id)) continue;
          const ts = Date.parse(event['@timestamp']);
          if (ts < window.from || ts >= window.to) continue;
          const hit = `${key} ${id}`;
          const verdicts = { stream: streamHits.has(hit), sql: sqlHits.has(hit), es: esHits.has(hit) };
          if (verdicts.stream !== verdicts.es || verdicts.sql !== verdicts.es) {
            mismatches.push(`${key}: stream ${verdicts.stream}, SQL ${verdicts.sql}, ES ${verdicts.es} on ${JSON.stringify(eventsById.get(id))}`);
          }
        }
      }
      console.log(
        `      differential (ES): ${threeWay.length} rules compared three ways (${sigmaThreeWay} SigmaHQ), ${refused.length} refused by ES (${reasons || 'none'}); ` +
          `${held.size} of ${events.length} events held as sent (${rejected.size} rejected: ${[...rejectedTypes].map(([t, n]) => `${n} ${t}`).join(', ') || 'none'}); ` +
          `${[...esHits].filter((h) => held.has(h.split(' ')[1])).length} ES hits, ${mismatches.length} mismatches`,
      );
      expect(mismatches.slice(0, 5), 'rules whose stream, SQL and ES verdicts differ').to.deep.equal([]);
      expect(sigmaThreeWay, 'SigmaHQ rules compiled by stream, SQL and ES').to.be.at.least(MIN_SIGMAHQ_RULES_ES);
      expect(refused.every((r) => r.reason.length > 0 && r.message.includes(r.ruleId)), 'every refusal states its reason and rule').to.equal(true);
      expect(held.size, 'most events are held as sent').to.be.greaterThan(events.length / 2);
    });
  });
});
