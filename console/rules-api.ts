/**
 * The rule page's API under /api/v1:
 *   GET  /rules  the rules this node runs (its rule files plus the
 *                detections advisories installed), with hits per rule over
 *                a time range within what the caller may see, a page at a
 *                time in rule id order
 *   POST /hunt   one Sigma rule (YAML) run over the stored events the
 *                caller may read, on whichever store the node has
 * A rule with problems is answered 400 with the line and the cause, as
 * `iisa rules check` would print them.
 */
import { z } from 'zod';
import { EcsEventSchema, type EcsEvent } from '../core/event.js';
import { ruleKey } from '../detector/detector.js';
import { withExtraRules, type ExtraRule } from '../detector/sigma/extra-rules.js';
import { loadDefaultMapping } from '../detector/sigma/mapping/index.js';
import { SigmaLevels, SigmaStatuses, type CorrelationRule, type DetectionRule, type RuleSet } from '../detector/sigma/model.js';
import { loadRules, parseRuleText } from '../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../detector/sigma/placeholders.js';
import { ScheduledAttribute } from '../detector/sigma/scheduled.js';
import { scopeFor } from './access.js';
import type { Answer, ApiRoutes } from './api-routes.js';
import { ApiProblem } from './api-support.js';
import type { ApiDeps } from './api.js';
import { eventSearchFor } from './jobs/event-search.js';
import { Limit, Time } from './query-schemas.js';

export interface RulesApiDeps {
  /** Rule files and folders (detector.rules); none: this node runs no rules. */
  readonly rules: readonly string[];
  readonly extraRules?: () => Promise<readonly ExtraRule[]>;
}

/** Rules per page when the caller names no limit: every rule of a node as shipped, in one page. */
const DEFAULT_RULES_PAGE = 1000;

const RulesParams = z.strictObject({
  from: Time.optional().describe('hits from (default: -24h)'),
  to: Time.optional().describe('hits until (default: now)'),
  limit: Limit.default(DEFAULT_RULES_PAGE).describe(`rules per page (default ${DEFAULT_RULES_PAGE})`),
  // Names the last rule of the previous page (in id order), not an offset: the catalogue reloads as files and advisories change.
  cursor: z.string().min(1).max(4096).optional().describe('nextCursor of the previous page'),
});

const HuntBody = z.strictObject({
  rule: z.string().min(1).max(200_000).describe('one Sigma detection rule, YAML'),
  from: z.string().optional().describe('ISO time, now, or -15m / -2h / -7d (default -24h)'),
  to: z.string().optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});

/** How long a loaded rule set is reused before the files are read again. */
const CATALOG_TTL_MS = 5_000;
const DAY_MS = 86_400_000;
/** Rule hits counted per request: beyond this the counts say `truncated`. */
const HITS_COUNTED = 10_000;

const RuleSummarySchema = z.strictObject({
  id: z.string(),
  title: z.string(),
  kind: z.enum(['detection', 'correlation']),
  level: z.enum(SigmaLevels).optional(),
  status: z.enum(SigmaStatuses).optional(),
  tags: z.array(z.string()),
  logsource: z.record(z.string(), z.string().optional()).optional().describe('detections only: product, service, category, ...'),
  file: z.string().describe('the rule file it was loaded from'),
  scheduled: z.string().optional().describe('the cron schedule of a scheduled detection'),
  hits: z.number().int().min(0).describe('hits within from..to that the caller may see'),
});
type RuleSummary = Answer<typeof RuleSummarySchema>;

const RulesAnswer = z.strictObject({
  from: z.string(),
  to: z.string(),
  hitsCounted: z.number().int().min(0).describe('rule hits counted over every rule, not this page only'),
  truncated: z.boolean().describe('whether more hits fell in the range than were counted'),
  rules: z.array(RuleSummarySchema),
  nextCursor: z.string().optional().describe('pass back as `cursor` for the next page; absent on the last page'),
});

const HuntAnswer = z.strictObject({
  from: z.string(),
  to: z.string(),
  matched: z.number().int().min(0).describe('events the rule matched; `events` holds the newest `limit` of them'),
  events: z.array(EcsEventSchema).describe('newest first'),
});

function summary(rule: DetectionRule | CorrelationRule, hits: number): RuleSummary {
  const scheduled = rule.kind === 'detection' ? rule.custom[ScheduledAttribute] : undefined;
  return {
    id: ruleKey(rule), title: rule.title, kind: rule.kind, tags: rule.tags, file: rule.location.file, hits,
    ...(rule.level ? { level: rule.level } : {}),
    ...(rule.status ? { status: rule.status } : {}),
    ...(rule.kind === 'detection' ? { logsource: { ...rule.logsource } } : {}),
    ...(typeof scheduled === 'string' ? { scheduled } : {}),
  };
}

function time(text: string | undefined, fallback: Date): Date {
  if (text === undefined) return fallback;
  const parsed = Time.safeParse(text);
  if (!parsed.success) throw new ApiProblem(400, 'bad-request', `invalid time ${JSON.stringify(text)}: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

type RulePlace = Pick<RuleSummary, 'id' | 'kind' | 'file' | 'title'>;
const RuleCursorSchema = z.tuple([z.string(), z.enum(['detection', 'correlation']), z.string(), z.string()]);

function encodeRuleCursor(rule: RulePlace): string {
  return Buffer.from(JSON.stringify([rule.id, rule.kind, rule.file, rule.title])).toString('base64url');
}

function decodeRuleCursor(text: string): RulePlace {
  try {
    const [id, kind, file, title] = RuleCursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return { id, kind, file, title };
  } catch {
    throw new ApiProblem(400, 'bad-request', 'invalid cursor: pass back the nextCursor of the previous page exactly as it came');
  }
}

/** By id, then kind, file and title: a total order, so a cursor naming a rule names one place in it. */
function byId(a: RulePlace, b: RulePlace): number {
  return compare(a.id, b.id) || compare(a.kind, b.kind) || compare(a.file, b.file) || compare(a.title, b.title);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function addRuleRoutes(routes: ApiRoutes, api: ApiDeps, deps: RulesApiDeps): void {
  const { store, registry } = api;
  const placeholders = new RegistryPlaceholderSource(registry);
  const mapping = loadDefaultMapping();
  let catalog: { set: RuleSet; at: number } | undefined;

  async function ruleSet(): Promise<RuleSet> {
    if (catalog && Date.now() - catalog.at < CATALOG_TTL_MS) return catalog.set;
    const files = loadRules(deps.rules, { placeholders });
    const set = deps.extraRules ? withExtraRules(files, await deps.extraRules(), placeholders).set : files;
    catalog = { set, at: Date.now() };
    return set;
  }

  routes.add({
    method: 'get', path: '/rules', tag: 'rules', summary: 'The rules this node runs, with hits per rule, a page at a time in rule id order',
    description: 'Its rule files plus the detections advisories installed. Every caller may list them; the hits counted are those within from..to of the orgs the caller sees.',
    query: RulesParams,
    response: RulesAnswer,
    handle: async ({ access, query: q }) => {
      const orgIds = scopeFor(access, 'aggregates');
      const to = q.to ?? new Date();
      const from = q.from ?? new Date(to.getTime() - DAY_MS);
      const set = await ruleSet();
      const hits = await store.searchRuleHits({ ...(orgIds ? { orgIds } : {}), from, to, limit: HITS_COUNTED });
      const perRule = new Map<string, number>();
      for (const h of hits) perRule.set(h.ruleId, (perRule.get(h.ruleId) ?? 0) + 1);
      const all = [...set.rules, ...set.correlations].map((r) => summary(r, perRule.get(ruleKey(r)) ?? 0)).sort(byId);
      const after = q.cursor === undefined ? undefined : decodeRuleCursor(q.cursor);
      const rest = after ? all.filter((r) => byId(r, after) > 0) : all;
      const rules = rest.slice(0, q.limit);
      return {
        from: from.toISOString(), to: to.toISOString(), hitsCounted: hits.length, truncated: hits.length === HITS_COUNTED,
        rules,
        ...(rest.length > q.limit ? { nextCursor: encodeRuleCursor(rules[rules.length - 1]) } : {}),
      };
    },
  });

  routes.add({
    method: 'post', path: '/hunt', tag: 'rules', summary: 'Run one Sigma detection rule over the stored events the caller may read',
    description: 'For callers that read records (enterprises, the national center); a provincial regulator is refused (403). A rule with problems is a 400 naming the line and the cause; a store that cannot hunt is a 503.',
    body: HuntBody,
    response: HuntAnswer,
    authorize: (a) => { scopeFor(a, 'records'); },
    handle: async ({ access, body: b }) => {
      // Hunting returns events: for the callers that may read records (never a regulator).
      const orgIds = scopeFor(access, 'records');
      const to = time(b.to, new Date());
      const from = time(b.from, new Date(to.getTime() - DAY_MS));
      const parsed = parseRuleText(b.rule, 'hunt.yml', { placeholders });
      const problems = parsed.problems;
      if (problems.length) {
        throw new ApiProblem(400, 'bad-request', problems.map((p) => `line ${p.location.line ?? '?'}: ${p.message}`).join('; '));
      }
      if (parsed.rules.length !== 1) throw new ApiProblem(400, 'bad-request', `a hunt runs one detection rule; the text holds ${parsed.rules.length}`);
      const search = eventSearchFor(store);
      if (typeof search === 'string') throw new ApiProblem(503, 'unavailable', `hunting is not possible here: ${search}`);
      let events: EcsEvent[];
      try {
        events = await search.search(parsed.rules[0], { from, to, orgIds: orgIds ?? registry.all().map((o) => o.id) }, { mapping, placeholders, filters: [] });
      } catch (err) {
        throw new ApiProblem(400, 'bad-request', `the rule cannot be searched on this store: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        await search.close();
      }
      return { from: from.toISOString(), to: to.toISOString(), matched: events.length, events: events.slice(-b.limit).reverse() };
    },
  });
}
