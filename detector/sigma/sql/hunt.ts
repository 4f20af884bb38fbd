/**
 * Hunts: run detection rules as SQL over the embedded store's events.
 *
 * A hunt runs on its own better-sqlite3 connection to the store's file (a
 * read-only one is enough: WAL lets it read beside the writer), so the
 * `iisa_*` functions it needs are registered there and the store's own
 * connection is untouched. One query per rule; org scope and time range are
 * always applied.
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import type { DetectionRule, SigmaFilter } from '../model.js';
import { SqlCompileError, compileRuleToSql, filtersFor, type SqlCompileOptions } from './compile.js';
import { registerSigmaSqlFunctions } from './functions.js';

const HuntQuerySchema = z.strictObject({
  /** Inclusive lower bound on `@timestamp`. */
  from: z.date(),
  /** Exclusive upper bound on `@timestamp`. */
  to: z.date(),
  /** Orgs whose events are searched; required, so a hunt is never unscoped by accident. */
  orgIds: z.array(z.string().min(1)).readonly(),
  /** Most hits per rule (oldest first); default 10,000. */
  limitPerRule: z.number().int().positive().max(1_000_000).optional(),
});
export type HuntQuery = z.input<typeof HuntQuerySchema>;

/** The compile options (mapping, placeholders, unrouted), but `filters` are all of them, not one rule's. */
export interface HuntOptions extends Omit<SqlCompileOptions, 'filters'> {
  /** Sigma filters; each applies to the rules it names or whose logsource it shares (`filtersFor`). */
  readonly filters?: readonly SigmaFilter[];
}

/** One event a rule selected. */
export interface HuntHit {
  /** The rule's id (or name, or title when it has neither). */
  readonly ruleId: string;
  readonly eventId: string;
  readonly orgId: string;
  /** Epoch ms of the event's `@timestamp`. */
  readonly ts: number;
}

export interface HuntResult {
  /** Per rule in the order given, each rule's hits oldest first. */
  readonly hits: HuntHit[];
  /** Rules SQL cannot express, with why; the others still ran. */
  readonly errors: { readonly ruleId: string; readonly message: string }[];
  /** Filters that could not apply to a rule (the rule ran unfiltered, as in the stream matcher). */
  readonly skippedFilters: { readonly ruleId: string; readonly filter: string; readonly message: string }[];
}

const DEFAULT_LIMIT_PER_RULE = 10_000;

/** The id a hit names its rule by. */
export function ruleKey(rule: DetectionRule): string {
  return rule.id ?? rule.name ?? rule.title;
}

interface HitRow {
  id: string;
  org_id: string;
  ts: number;
}

/**
 * Run each rule over the events of `query.orgIds` in [from, to). Registers
 * the `iisa_*` functions on `db` (with `options.placeholders`) first.
 * Throws only for an invalid query; a rule that cannot compile is reported
 * in `errors`.
 */
export function huntSql(db: Database, rules: readonly DetectionRule[], query: HuntQuery, options: HuntOptions): HuntResult {
  const { from, to, orgIds, limitPerRule = DEFAULT_LIMIT_PER_RULE } = HuntQuerySchema.parse(query);
  registerSigmaSqlFunctions(db, { placeholders: options.placeholders });
  const hits: HuntHit[] = [];
  const errors: { ruleId: string; message: string }[] = [];
  const skippedFilters: { ruleId: string; filter: string; message: string }[] = [];
  if (orgIds.length === 0) return { hits, errors, skippedFilters };
  const scope = [JSON.stringify(orgIds), from.getTime(), to.getTime()];
  for (const rule of rules) {
    const ruleId = ruleKey(rule);
    let compiled;
    try {
      compiled = compileRuleToSql(rule, { mapping: options.mapping, placeholders: options.placeholders, filters: filtersFor(rule, options.filters ?? []), unrouted: options.unrouted });
    } catch (error) {
      if (!(error instanceof SqlCompileError)) throw error;
      errors.push({ ruleId, message: error.message });
      continue;
    }
    skippedFilters.push(...compiled.skippedFilters.map((skipped) => ({ ruleId, ...skipped })));
    let statement;
    try {
      statement = db.prepare(
        'SELECT e.id, e.org_id, e.ts FROM events e WHERE e.org_id IN (SELECT value FROM json_each(?)) AND e.ts >= ? AND e.ts < ?' +
          ` AND (${compiled.where}) ORDER BY e.ts, e.rid LIMIT ?`,
      );
    } catch (error) {
      // SQLite's own limits (expression depth, variables) on an extreme rule: reported, not fatal.
      errors.push({ ruleId, message: `SQLite refused the compiled query: ${(error as Error).message}` });
      continue;
    }
    for (const row of statement.all(...scope, ...compiled.params, limitPerRule) as HitRow[]) {
      hits.push({ ruleId, eventId: row.id, orgId: row.org_id, ts: row.ts });
    }
  }
  return { hits, errors, skippedFilters };
}
