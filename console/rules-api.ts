/**
 * The rule page's API under /api/v1:
 *   GET  /rules  the rules this node runs (its rule files plus the
 *                detections advisories installed), with hits per rule over
 *                a time range within what the caller may see
 *   POST /hunt   one Sigma rule (YAML) run over the stored events the
 *                caller may read, on whichever store the node has
 * A rule with problems is answered 400 with the line and the cause, as
 * `iisa rules check` would print them.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { EcsEvent } from '../core/event.js';
import { ruleKey } from '../detector/detector.js';
import { withExtraRules, type ExtraRule } from '../detector/sigma/extra-rules.js';
import { loadDefaultMapping } from '../detector/sigma/mapping/index.js';
import type { CorrelationRule, DetectionRule, RuleSet } from '../detector/sigma/model.js';
import { loadRules, parseRuleText } from '../detector/sigma/parse.js';
import { RegistryPlaceholderSource } from '../detector/sigma/placeholders.js';
import { ScheduledAttribute } from '../detector/sigma/scheduled.js';
import { scopeFor } from './access.js';
import { ApiProblem, authenticate, body, params, route } from './api-support.js';
import type { ApiDeps } from './api.js';
import { eventSearchFor } from './jobs/event-search.js';
import { Time } from './query-schemas.js';

export interface RulesApiDeps {
  /** Rule files and folders (detector.rules); none: this node runs no rules. */
  readonly rules: readonly string[];
  readonly extraRules?: () => Promise<readonly ExtraRule[]>;
}

const RulesParams = z.strictObject({
  from: Time.optional().describe('hits from (default: -24h)'),
  to: Time.optional(),
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

interface RuleSummary {
  readonly id: string;
  readonly title: string;
  readonly kind: 'detection' | 'correlation';
  readonly level?: string;
  readonly status?: string;
  readonly tags: readonly string[];
  readonly logsource?: Readonly<Record<string, string | undefined>>;
  readonly file: string;
  readonly scheduled?: string;
  readonly hits: number;
}

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

export function rulesRouter(api: ApiDeps, deps: RulesApiDeps): Router {
  const { store, registry } = api;
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
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

  router.get('/rules', route(async (req, res) => {
    const access = authenticate(req, api);
    const q = params(RulesParams, req);
    const orgIds = scopeFor(access, 'aggregates');
    const to = q.to ?? new Date();
    const from = q.from ?? new Date(to.getTime() - DAY_MS);
    const set = await ruleSet();
    const hits = await store.searchRuleHits({ ...(orgIds ? { orgIds } : {}), from, to, limit: 10_000 });
    const perRule = new Map<string, number>();
    for (const h of hits) perRule.set(h.ruleId, (perRule.get(h.ruleId) ?? 0) + 1);
    const rules = [...set.rules, ...set.correlations].map((r) => summary(r, perRule.get(ruleKey(r)) ?? 0));
    res.json({ from: from.toISOString(), to: to.toISOString(), hitsCounted: hits.length, truncated: hits.length === 10_000, rules });
  }));

  router.post('/hunt', route(async (req, res) => {
    const access = authenticate(req, api);
    // Hunting returns events: for the callers that may read records (never a regulator).
    const orgIds = scopeFor(access, 'records');
    const b = body(HuntBody, req);
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
    res.json({ from: from.toISOString(), to: to.toISOString(), matched: events.length, events: events.slice(-b.limit).reverse() });
  }));

  return router;
}
