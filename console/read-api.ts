/**
 * The read routes of /api/v1: who the caller is, the orgs it sees, and the
 * Store's events, counts, aggregates, rule hits and dead letters, each
 * scoped to what the caller's org may see (./access.ts): an enterprise its
 * own records, a provincial regulator aggregates of its enterprises and no
 * raw record, the national center every org.
 */
import { z } from 'zod';
import { EcsEventSchema } from '../core/event.js';
import { Categories, Industries, type OrgRegistry } from '../core/orgs.js';
import type { Store } from '../core/store/store.js';
import { checkAggregateQuery, scopeFor } from './access.js';
import type { ApiRoutes } from './api-routes.js';
import type { AuthDeps } from './api-support.js';
import { AggregateParams, DeadLetterParams, EventCountParams, EventSearchParams, RuleHitParams } from './query-schemas.js';

export interface ReadApiDeps extends AuthDeps {
  readonly store: Store;
  readonly registry: OrgRegistry;
}

const Tier = z.enum(['enterprise', 'provincial', 'national']);

const MeResponse = z.strictObject({
  token: z.string().describe('who the caller is: the API token id or the user name'),
  kind: z.enum(['token', 'user']),
  org: z.string(),
  tier: Tier,
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  visibleOrgs: z.array(z.string()),
  records: z.boolean().describe('whether the caller may read raw events (regulators read aggregates only)'),
});

const OrgSummary = z.strictObject({
  id: z.string(),
  name: z.string(),
  tier: Tier,
  province: z.string().optional(),
  provinceName: z.string().optional(),
  industry: z.enum(Industries).optional(),
  category: z.enum(Categories).optional(),
  grade: z.number().int().min(1).max(3).optional(),
  assets: z.number().int().min(0).describe('how many assets the registry lists for it'),
});

const Cursor = z.string().optional().describe('pass back as `cursor` for the next page; absent on the last page');

const RuleHitSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(['detection', 'correlation']),
  ruleId: z.string(),
  ruleTitle: z.string(),
  level: z.string().optional(),
  tags: z.array(z.string()),
  orgId: z.string(),
  time: z.string(),
  detectedAt: z.string(),
  eventIds: z.array(z.string()),
  groupKey: z.record(z.string(), z.unknown()).optional(),
  assets: z.array(z.string()).optional(),
  value: z.number().optional(),
});

const DeadLetterSchema = z.strictObject({
  id: z.string(),
  receivedAt: z.string(),
  orgId: z.string().optional(),
  source: z.string(),
  parser: z.string().optional(),
  code: z.string(),
  reason: z.string(),
  raw: z.string(),
});

const AggregateRowSchema = z.strictObject({
  key: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).describe('one value per groupBy field, in order'),
  bucket: z.string().optional().describe('bucket start, with bucketSeconds'),
  count: z.number().int().min(0),
});

export function addReadRoutes(api: ApiRoutes, deps: ReadApiDeps): void {
  const { store, registry } = deps;

  api.add({
    method: 'get', path: '/me', tag: 'access', summary: 'The caller: its org, tier, roles, permissions and the orgs it sees',
    response: MeResponse,
    handle: async ({ access }) => {
      return {
        // `token` names the caller whichever kind it is (scripts read it since before accounts).
        token: access.principal.tokenId, kind: access.principal.kind, org: access.org.id, tier: access.org.tier,
        roles: [...access.roles], permissions: [...access.permissions],
        visibleOrgs: [...(access.visible ?? registry.all().map((o) => o.id))], records: access.records,
      };
    },
  });

  api.add({
    method: 'get', path: '/orgs', tag: 'access',
    summary: 'The orgs the caller sees, with province, industry, category and grade',
    description: 'An enterprise sees itself; a provincial regulator the enterprises it oversees and itself; the national center every org. What the heat maps group by.',
    query: z.strictObject({ tier: z.enum(['enterprise', 'provincial', 'national']).optional() }),
    response: z.strictObject({ orgs: z.array(OrgSummary) }),
    handle: async ({ access, query }) => {
      const visible = access.visible === undefined ? undefined : new Set([...access.visible, access.org.id]);
      const provinces = new Map(registry.file.provinces.map((p) => [p.code, p.name]));
      const orgs = registry.all()
        .filter((o) => (visible === undefined || visible.has(o.id)) && (query.tier === undefined || o.tier === query.tier))
        .map((o) => ({
          id: o.id, name: o.name, tier: o.tier, assets: o.assets.length,
          ...(o.province ? { province: o.province } : {}),
          ...(o.province && provinces.has(o.province) ? { provinceName: provinces.get(o.province) } : {}),
          ...(o.industry ? { industry: o.industry } : {}),
          ...(o.category ? { category: o.category } : {}),
          ...(o.grade !== undefined ? { grade: o.grade } : {}),
        }));
      return { orgs };
    },
  });

  api.add({
    method: 'get', path: '/events', tag: 'events', summary: 'Search stored events, newest first by default, one page at a time',
    description: 'Enterprises and the national center read records; a provincial regulator is refused (403) and reads aggregates.',
    query: EventSearchParams,
    response: z.strictObject({ events: z.array(EcsEventSchema), nextCursor: Cursor }),
    handle: async ({ access, query: q }) => {
      return store.searchEvents({
        orgIds: scopeFor(access, 'records', q.org), from: q.from, to: q.to, filters: q.filter, text: q.text,
        limit: q.limit, order: q.order, cursor: q.cursor,
      });
    },
  });

  api.add({
    method: 'get', path: '/events/count', tag: 'events', summary: 'Count stored events matching a query',
    query: EventCountParams,
    response: z.strictObject({ count: z.number().int().min(0) }),
    handle: async ({ access, query: q }) => {
      checkAggregateQuery(access, { filters: q.filter, text: q.text });
      const count = await store.countEvents({ orgIds: scopeFor(access, 'aggregates', q.org), from: q.from, to: q.to, filters: q.filter, text: q.text });
      return { count };
    },
  });

  api.add({
    method: 'get', path: '/events/aggregate', tag: 'events', summary: 'Count stored events by fields and time buckets',
    description: 'A provincial regulator may group and filter by the aggregate fields only (org, category, outcome, protocol, ...), never by values from inside a record.',
    query: AggregateParams,
    response: z.strictObject({ rows: z.array(AggregateRowSchema) }),
    handle: async ({ access, query: q }) => {
      checkAggregateQuery(access, { groupBy: q.groupBy, filters: q.filter, text: q.text });
      const rows = await store.aggregateEvents({
        orgIds: scopeFor(access, 'aggregates', q.org), from: q.from, to: q.to, filters: q.filter, text: q.text,
        groupBy: q.groupBy, bucketSeconds: q.bucketSeconds, limit: q.limit,
      });
      return { rows };
    },
  });

  api.add({
    method: 'get', path: '/rule-hits', tag: 'events', summary: 'Rule hits (detections and correlations), newest first',
    query: RuleHitParams,
    response: z.strictObject({ hits: z.array(RuleHitSchema) }),
    handle: async ({ access, query: q }) => {
      const hits = await store.searchRuleHits({ orgIds: scopeFor(access, 'records', q.org), from: q.from, to: q.to, ruleId: q.ruleId, kind: q.kind, limit: q.limit });
      return { hits };
    },
  });

  api.add({
    method: 'get', path: '/dead-letters', tag: 'events', summary: 'Records the collectors could not read, with the reason and the record as received',
    query: DeadLetterParams,
    response: z.strictObject({ deadLetters: z.array(DeadLetterSchema) }),
    handle: async ({ access, query: q }) => {
      const deadLetters = await store.searchDeadLetters({ orgIds: scopeFor(access, 'records', q.org), from: q.from, to: q.to, source: q.source, code: q.code, limit: q.limit });
      return { deadLetters };
    },
  });
}
