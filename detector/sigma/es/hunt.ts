/**
 * Hunts: detection rules run as Elasticsearch queries over event indices.
 *
 * The field types the compiler needs are read from the searched indices
 * (`_field_caps`), so fields outside the event schema are compiled for the
 * type dynamic mapping gave them, and a field typed differently across
 * indices refuses the rule instead of failing the search. Every search is
 * scoped to org ids and a time range.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { z } from 'zod';
import type { EcsEvent } from '../../../core/event.js';
import { esFieldType } from '../../../core/store/elasticsearch/field-types.js';
import type { DetectionRule } from '../model.js';
import { EsCompileError, compileRuleToEs, filtersFor, ruleKey } from './compile.js';
import type { EsCompileOptions, EsFieldKind } from './compile.js';
import { and } from './query.js';
import type { Query } from './query.js';

const RuleSchema = z.custom<DetectionRule>(
  (v) => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'detection',
  'a parsed detection rule',
);

const ScopeFields = {
  /** Index name or pattern (`iisa-events-*`). */
  index: z.string().min(1),
  /** Inclusive lower bound on `@timestamp`. */
  from: z.date(),
  /** Exclusive upper bound on `@timestamp`. */
  to: z.date(),
  /** Orgs whose events are searched: undefined = every org, [] = none. */
  orgIds: z.array(z.string().min(1)).readonly().optional(),
};

const HuntEsSchema = z.strictObject({
  ...ScopeFields,
  rule: RuleSchema,
  /** Most events returned, newest first; default 1,000. */
  limit: z.number().int().positive().max(10_000).optional(),
});
export type HuntEsOptions = z.input<typeof HuntEsSchema>;

const HuntEsManySchema = z.strictObject({
  ...ScopeFields,
  rules: z.array(RuleSchema).readonly(),
  /** Most hits per rule, newest first; default 10,000 (the index's result window). */
  limitPerRule: z.number().int().positive().max(10_000).optional(),
  /** Searches per `_msearch` request; default 50. */
  batch: z.number().int().positive().max(1_000).optional(),
});
export type HuntEsManyOptions = z.input<typeof HuntEsManySchema>;

/** Compile options of a hunt: the mapping and filters; field types and placeholder orgs are filled in by the hunt. */
export interface EsHuntCompileOptions extends Omit<EsCompileOptions, 'filters' | 'fieldType' | 'placeholderOrgs'> {
  /** Sigma filters; each applies to the rules it names or whose logsource it shares (`filtersFor`). */
  readonly filters?: EsCompileOptions['filters'];
}

export interface HuntEsResult {
  /** Matching events, newest first. */
  readonly events: EcsEvent[];
  /** Filters that could not apply (the rule ran unfiltered, as in the stream matcher). */
  readonly skippedFilters: readonly { readonly filter: string; readonly message: string }[];
}

/** One event a rule selected (huntEsMany). */
export interface EsHuntHit {
  readonly ruleId: string;
  readonly eventId: string;
  readonly orgId: string;
  /** Epoch ms of `@timestamp`. */
  readonly ts: number;
}

export interface EsHuntError {
  readonly ruleId: string;
  /** Short name of why (the construct refused, or `search failed: <type>`), for grouping. */
  readonly reason: string;
  readonly message: string;
}

export interface HuntEsManyResult {
  readonly hits: EsHuntHit[];
  /** Rules refused at compile time or failed by Elasticsearch, with why; the others ran. */
  readonly errors: EsHuntError[];
  readonly skippedFilters: { readonly ruleId: string; readonly filter: string; readonly message: string }[];
}

const ES_KINDS: Readonly<Record<string, EsFieldKind>> = {
  keyword: 'keyword',
  constant_keyword: 'keyword',
  long: 'long',
  integer: 'long',
  short: 'long',
  byte: 'long',
  double: 'double',
  float: 'double',
  half_float: 'double',
  scaled_float: 'double',
  ip: 'ip',
  date: 'date',
  date_nanos: 'date',
  boolean: 'boolean',
};

/**
 * The type of every field in the indices `index` names (`_field_caps`),
 * falling back to the event schema's type, then keyword, for fields no
 * index has yet. Sub-fields (`message.text`) and metadata are left out.
 */
export async function liveFieldTypes(client: Client, index: string): Promise<(path: string) => EsFieldKind> {
  const caps = await client.fieldCaps({ index, fields: '*', ignore_unavailable: true, allow_no_indices: true });
  const kinds = new Map<string, EsFieldKind>();
  for (const [field, byType] of Object.entries(caps.fields)) {
    if (field.startsWith('_')) continue;
    const types = Object.keys(byType).filter((t) => t !== 'unmapped');
    if (types.length === 0) continue;
    const mapped = [...new Set(types.map((t): EsFieldKind => ES_KINDS[t] ?? 'unsupported'))];
    kinds.set(field, mapped.length === 1 ? mapped[0] : 'conflict');
  }
  return (path) => kinds.get(path) ?? esFieldType(path) ?? 'keyword';
}

/** Org ids present in the indices (for placeholder expansion of an unscoped hunt). */
async function orgIdsIn(client: Client, index: string): Promise<string[]> {
  const response = await client.search({
    index,
    size: 0,
    ignore_unavailable: true,
    allow_no_indices: true,
    aggs: { orgs: { terms: { field: 'org.id', size: 10_000 } } },
  });
  const agg = response.aggregations?.orgs as estypes.AggregationsStringTermsAggregate | undefined;
  const buckets = agg?.buckets;
  return Array.isArray(buckets) ? buckets.map((b) => String(b.key)) : [];
}

function scopeQuery(from: Date, to: Date, orgIds: readonly string[] | undefined): Query[] {
  const scope: Query[] = [{ range: { '@timestamp': { gte: from.toISOString(), lt: to.toISOString() } } }];
  if (orgIds !== undefined) scope.push({ terms: { 'org.id': [...orgIds] } });
  return scope;
}

const NEWEST_FIRST: estypes.Sort = [{ '@timestamp': { order: 'desc' } }, { 'event.id': { order: 'desc', unmapped_type: 'keyword' } }];

/**
 * Run one rule over the events of `orgIds` in [from, to), newest first.
 * Throws EsCompileError when the rule cannot be expressed exactly, and
 * Elasticsearch's error when the search fails.
 */
export async function huntEs(client: Client, options: HuntEsOptions, compile: EsHuntCompileOptions): Promise<HuntEsResult> {
  const { index, rule, from, to, orgIds, limit = 1_000 } = HuntEsSchema.parse(options);
  if (orgIds !== undefined && orgIds.length === 0) return { events: [], skippedFilters: [] };
  const fieldType = await liveFieldTypes(client, index);
  const placeholderOrgs = orgIds ?? (await orgIdsIn(client, index));
  const compiled = compileRuleToEs(rule, { ...compile, filters: filtersFor(rule, compile.filters ?? []), fieldType, placeholderOrgs });
  const response = await client.search<EcsEvent>({
    index,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: limit,
    sort: NEWEST_FIRST,
    track_total_hits: false,
    query: and([...scopeQuery(from, to, orgIds), compiled.query]),
  });
  const events = response.hits.hits.flatMap((hit) => (hit._source === undefined ? [] : [hit._source]));
  return { events, skippedFilters: compiled.skippedFilters };
}

/**
 * Run many rules with `_msearch` (in batches), each rule's hits newest
 * first. A rule that cannot compile, or whose search Elasticsearch fails,
 * is reported in `errors` with its reason; the others still run.
 */
export async function huntEsMany(client: Client, options: HuntEsManyOptions, compile: EsHuntCompileOptions): Promise<HuntEsManyResult> {
  const { index, rules, from, to, orgIds, limitPerRule = 10_000, batch = 50 } = HuntEsManySchema.parse(options);
  const hits: EsHuntHit[] = [];
  const errors: EsHuntError[] = [];
  const skippedFilters: { ruleId: string; filter: string; message: string }[] = [];
  if (orgIds !== undefined && orgIds.length === 0) return { hits, errors, skippedFilters };
  const fieldType = await liveFieldTypes(client, index);
  const placeholderOrgs = orgIds ?? (await orgIdsIn(client, index));
  const scope = scopeQuery(from, to, orgIds);

  const runnable: { ruleId: string; query: Query }[] = [];
  for (const rule of rules) {
    const ruleId = ruleKey(rule);
    try {
      const compiled = compileRuleToEs(rule, { ...compile, filters: filtersFor(rule, compile.filters ?? []), fieldType, placeholderOrgs });
      skippedFilters.push(...compiled.skippedFilters.map((s) => ({ ruleId, ...s })));
      runnable.push({ ruleId, query: and([...scope, compiled.query]) });
    } catch (error) {
      if (!(error instanceof EsCompileError)) throw error;
      errors.push({ ruleId, reason: error.reason, message: error.message });
    }
  }

  for (let start = 0; start < runnable.length; start += batch) {
    const chunk = runnable.slice(start, start + batch);
    const searches: estypes.MsearchRequestItem[] = chunk.flatMap(({ query }) => [
      { index, ignore_unavailable: true, allow_no_indices: true },
      { query, size: limitPerRule, sort: NEWEST_FIRST, track_total_hits: false, _source: ['event.id', 'org.id', '@timestamp'] },
    ]);
    const response = await client.msearch<EcsEvent>({ searches });
    response.responses.forEach((item, i) => {
      const { ruleId } = chunk[i];
      if ('error' in item) {
        const cause = item.error.root_cause?.[0] ?? item.error;
        errors.push({ ruleId, reason: `search failed: ${cause.type}`, message: `rule ${ruleId}: Elasticsearch refused the search: ${cause.reason ?? cause.type}` });
        return;
      }
      for (const hit of item.hits.hits) {
        const source = hit._source;
        if (source === undefined) continue;
        hits.push({ ruleId, eventId: source.event.id ?? hit._id ?? '', orgId: source.org?.id ?? '', ts: Date.parse(source['@timestamp']) });
      }
    });
  }
  return { hits, errors, skippedFilters };
}
