/**
 * A real SqliteStore in a temp dir holding labelled events, hunted with the
 * SQL compiler on a second (read-only) connection, and the same events run
 * through the stream matcher, so tests can state which events a rule
 * selects and that both backends agree.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EcsEvent } from '../../../../core/event.js';
import { SqliteStore } from '../../../../core/store/sqlite/sqlite-store.js';
import { FieldMapping } from '../../../../detector/sigma/mapping/index.js';
import type { DetectionRule, PlaceholderSource, SigmaFilter } from '../../../../detector/sigma/model.js';
import { parseRuleText } from '../../../../detector/sigma/parse.js';
import { huntSql } from '../../../../detector/sigma/sql/hunt.js';
import type { HuntQuery } from '../../../../detector/sigma/sql/hunt.js';
import { StreamMatcher } from '../../../../detector/sigma/stream/index.js';
import { makeEvent } from '../../../helpers/events.js';
import type { EventOverrides } from '../../../helpers/events.js';
import { tempDir } from '../../../helpers/paths.js';

/** Routes `product: test` to the helper events' dataset and maps a few taxonomy names. */
export const testMapping = FieldMapping.fromData({
  version: 1,
  keywordFields: ['message', 'event.original'],
  logsources: [
    {
      match: { product: 'test' },
      route: [{ 'event.dataset': 'test.events' }],
      fields: { Image: 'process.executable', Either: ['a.x', 'a.y'], SourceIp: 'source.ip' },
    },
    { match: { product: 'coded' }, route: [{ 'event.code': ['4104', '4688'] }] },
  ],
});

/** Placeholders per org: `Eng` (addresses, patterns) and `EngNets` (CIDR blocks). */
export const testPlaceholders: PlaceholderSource = {
  names: () => ['Eng', 'EngNets', 'Names'],
  values: (name, org) => {
    const table: Record<string, Record<string, string[]>> = {
      Eng: { 'org-a': ['10.0.0.5', '2001:db8::5'], 'org-b': ['10.0.0.6'] },
      EngNets: { 'org-a': ['10.1.0.0/16', 'fd00:1::/32', 'not-a-cidr'], 'org-b': ['192.168.0.0/24'] },
      Names: { 'org-a': ['adm*', 'r?ot', 'lit\\*'], 'org-b': ['guest'] },
    };
    return table[name]?.[org ?? ''] ?? [];
  },
};

/** Wrap a `detection:` body (YAML, indented 2) into a rule of logsource `product: test`. */
export function ruleText(detection: string, logsource = 'product: test'): string {
  const body = detection
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `title: test rule\nid: 00000000-0000-4000-8000-000000000001\nlogsource: { ${logsource} }\ndetection:\n${body}\n`;
}

/** Parse one rule (and any filters) from YAML; fails the test with the parser's problems. */
export function parseOne(text: string): { rule: DetectionRule; filters: SigmaFilter[] } {
  const set = parseRuleText(text, 'test.yml', { placeholders: testPlaceholders });
  if (set.problems.length > 0 || set.rules.length !== 1) {
    throw new Error(`rule did not parse: ${JSON.stringify(set.problems)}`);
  }
  return { rule: set.rules[0], filters: [...set.filters] };
}

export class SqlHarness {
  private constructor(
    private readonly dir: string,
    private readonly store: SqliteStore,
    readonly db: Database.Database,
    /** event.id -> label */
    readonly labels: ReadonlyMap<string, string>,
    readonly events: readonly EcsEvent[],
  ) {}

  /** A store holding one event per label (makeEvent overrides). */
  static async open(events: Record<string, EventOverrides>): Promise<SqlHarness> {
    const dir = tempDir('iisa-sigma-sql-');
    const store = SqliteStore.open({ path: join(dir, 'events.db'), synchronous: 'normal' });
    const labels = new Map<string, string>();
    const made: EcsEvent[] = [];
    for (const [label, overrides] of Object.entries(events)) {
      const event = makeEvent(overrides);
      labels.set(event.event.id ?? '', label);
      made.push(event);
    }
    await store.appendEvents(made);
    const db = new Database(join(dir, 'events.db'), { readonly: true });
    return new SqlHarness(dir, store, db, labels, made);
  }

  /** Labels of the events the SQL hunt selects, sorted. */
  sql(rule: DetectionRule, filters: readonly SigmaFilter[] = [], query: Partial<HuntQuery> = {}): string[] {
    const result = huntSql(
      this.db,
      [rule],
      { from: new Date('2000-01-01T00:00:00Z'), to: new Date('2100-01-01T00:00:00Z'), orgIds: ['org-a', 'org-b'], ...query },
      { mapping: testMapping, placeholders: testPlaceholders, filters },
    );
    if (result.errors.length > 0) throw new Error(result.errors.map((e) => e.message).join('; '));
    return result.hits.map((hit) => this.labels.get(hit.eventId) ?? hit.eventId).sort();
  }

  /** Labels of the events the stream matcher reports, sorted. */
  stream(rule: DetectionRule, filters: readonly SigmaFilter[] = []): string[] {
    const matcher = new StreamMatcher({ rules: [rule], filters, mapping: testMapping, placeholders: testPlaceholders });
    if (matcher.problems.length > 0) throw new Error(JSON.stringify(matcher.problems));
    const hits: string[] = [];
    for (const event of this.events) matcher.match(event, () => hits.push(this.labels.get(event.event.id ?? '') ?? '?'));
    return hits.sort();
  }

  async close(): Promise<void> {
    this.db.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
