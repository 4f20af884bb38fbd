/**
 * One detection rule as a search over the node's stored events, on whichever
 * store the node has: SQL on a read-only connection to the SQLite file
 * (detector/sigma/sql, as `huntSql` expects), or the query DSL on the
 * Elasticsearch store's event indices (detector/sigma/es). Both give the
 * matching events whole, so hits are built from them exactly as the stream
 * detector builds its own.
 *
 * A search is paged by time, so a window with more matches than one page
 * still returns all of them.
 */
import Database from 'better-sqlite3';
import { Client } from '@elastic/elasticsearch';
import type { EcsEvent } from '../../core/event.js';
import { clientOptions } from '../../core/store/elasticsearch/config.js';
import { ElasticsearchStore } from '../../core/store/elasticsearch/es-store.js';
import { SqliteStore } from '../../core/store/sqlite/sqlite-store.js';
import type { Store } from '../../core/store/store.js';
import { huntEs } from '../../detector/sigma/es/hunt.js';
import type { FieldMapping } from '../../detector/sigma/mapping/index.js';
import type { DetectionRule, PlaceholderSource, SigmaFilter } from '../../detector/sigma/model.js';
import { huntSql, ruleKey } from '../../detector/sigma/sql/hunt.js';

export interface SearchWindow {
  /** Inclusive lower bound on `@timestamp`. */
  readonly from: Date;
  /** Exclusive upper bound on `@timestamp`. */
  readonly to: Date;
  /** Orgs whose events are searched. */
  readonly orgIds: readonly string[];
}

export interface SearchCompileOptions {
  readonly mapping: FieldMapping;
  readonly placeholders: PlaceholderSource;
  /** Every Sigma filter of the rule set; each applies to the rules it names or whose logsource it shares. */
  readonly filters: readonly SigmaFilter[];
}

export interface EventSearch {
  readonly backend: 'sqlite' | 'elasticsearch';
  /** The events the rule selects in the window, oldest first. Throws when the rule cannot be searched on this backend. */
  search(rule: DetectionRule, window: SearchWindow, options: SearchCompileOptions): Promise<EcsEvent[]>;
  /** Release the connection; safe to call twice. */
  close(): Promise<void>;
}

/** Matches per page of a search. */
const PAGE = 5000;
/** Events read back per query (SQLite's bound-parameter budget is not the limit: the ids travel as one JSON array). */
const FETCH_CHUNK = 1000;

function byTime(a: EcsEvent, b: EcsEvent): number {
  return Date.parse(a['@timestamp']) - Date.parse(b['@timestamp']);
}

/**
 * The search for the node's store, or undefined (with why) when the store
 * cannot be searched: an in-memory SQLite store has no file for a second
 * connection, and another Store implementation has no compiler.
 */
export function eventSearchFor(store: Store): EventSearch | string {
  if (store instanceof SqliteStore) {
    if (store.path === ':memory:') return 'the SQLite store is in memory: a search needs its file';
    return new SqliteEventSearch(store.path);
  }
  if (store instanceof ElasticsearchStore) return new ElasticsearchEventSearch(new Client(clientOptions(store.config)), store.names.pattern('events'), true);
  return 'the store is neither SQLite nor Elasticsearch';
}

/** SQL over the store's file, on a read-only connection of its own (WAL lets it read beside the writer). */
export class SqliteEventSearch implements EventSearch {
  readonly backend = 'sqlite';
  private readonly db: Database.Database;
  private closed = false;

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  async search(rule: DetectionRule, window: SearchWindow, options: SearchCompileOptions): Promise<EcsEvent[]> {
    const ids: string[] = [];
    const seen = new Set<string>();
    let from = window.from;
    for (;;) {
      const result = huntSql(this.db, [rule], { from, to: window.to, orgIds: window.orgIds, limitPerRule: PAGE }, options);
      if (result.errors.length > 0) throw new Error(`rule ${ruleKey(rule)} cannot run as SQL: ${result.errors.map((e) => e.message).join('; ')}`);
      for (const hit of result.hits) {
        if (seen.has(hit.eventId)) continue;
        seen.add(hit.eventId);
        ids.push(hit.eventId);
      }
      if (result.hits.length < PAGE) break;
      // Oldest first: the next page starts at the last time seen (its events again; `seen` drops them).
      const last = result.hits[result.hits.length - 1].ts;
      if (last <= from.getTime()) throw new Error(`rule ${ruleKey(rule)}: more than ${PAGE} matching events in one millisecond`);
      from = new Date(last);
    }
    const events: EcsEvent[] = [];
    const read = this.db.prepare('SELECT doc FROM events WHERE id IN (SELECT value FROM json_each(?))');
    for (let start = 0; start < ids.length; start += FETCH_CHUNK) {
      const rows = read.all(JSON.stringify(ids.slice(start, start + FETCH_CHUNK))) as { doc: string }[];
      for (const row of rows) events.push(JSON.parse(row.doc) as EcsEvent);
    }
    return events.sort(byTime);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** The query DSL over the store's event indices. */
export class ElasticsearchEventSearch implements EventSearch {
  readonly backend = 'elasticsearch';
  private closed = false;

  /** `ownsClient`: close the client with the search. */
  constructor(private readonly client: Client, private readonly index: string, private readonly ownsClient: boolean) {}

  async search(rule: DetectionRule, window: SearchWindow, options: SearchCompileOptions): Promise<EcsEvent[]> {
    const found = new Map<string, EcsEvent>();
    let to = window.to;
    for (;;) {
      const { events } = await huntEs(
        this.client,
        { index: this.index, rule, from: window.from, to, orgIds: [...window.orgIds], limit: PAGE },
        { mapping: options.mapping, placeholders: options.placeholders, filters: options.filters },
      );
      for (const event of events) found.set(event.event.id ?? `${event['@timestamp']}|${found.size}`, event);
      if (events.length < PAGE) break;
      // Newest first: the next page ends just after the oldest time seen (its events again; the map drops them).
      const next = Date.parse(events[events.length - 1]['@timestamp']) + 1;
      if (next >= to.getTime()) throw new Error(`rule ${ruleKey(rule)}: more than ${PAGE} matching events in one millisecond`);
      to = new Date(next);
    }
    return [...found.values()].sort(byTime);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.close();
  }
}
