/**
 * The org registry: who is who in the three tiers, with category, grade and
 * assets. Loaded from one YAML file (seeds/orgs.yaml for the demo).
 *
 * Visibility follows DESIGN.md: an enterprise sees itself; a provincial
 * regulator sees the enterprises of its province whose category it oversees
 * (the industry regulator: connected industrial enterprises; the
 * communications regulator: platform and identifier-resolution enterprises);
 * the national center sees everything.
 */
import { z } from 'zod';
import { IpSchema } from './event.js';
import { loadConfigFile } from './config.js';

import { Categories, Industries } from './org-kinds.js';

export { Categories, Industries } from './org-kinds.js';
export const Criticalities = ['low', 'medium', 'high', 'critical'] as const;
export const AssetKinds = [
  'gateway', 'firewall', 'plc', 'hmi', 'scada', 'historian', 'engineering-workstation', 'rtu',
  'platform-service', 'api-gateway', 'resolver-node', 'server',
] as const;

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'ids are lower-case letters, digits and dashes, 2..63 long');

export const AssetSchema = z.strictObject({
  id: Id,
  name: z.string(),
  kind: z.enum(AssetKinds),
  criticality: z.enum(Criticalities),
  ips: z.array(IpSchema).default([]).describe('IPv4 and IPv6 addresses of the asset'),
  hostname: z.string().optional(),
  vendor: z.string().optional(),
  model: z.string().optional(),
  protocols: z.array(z.string()).default([]).describe('industrial protocols spoken: modbus, s7comm, opcua, dnp3'),
  idPrefix: z.string().optional().describe('for resolver nodes: the identifier prefix served, e.g. 88.101.5'),
  nodeLevel: z.enum(['root', 'top', 'secondary', 'enterprise']).optional().describe('for resolver nodes'),
});
export type Asset = z.output<typeof AssetSchema>;

export const OrgSchema = z.strictObject({
  id: Id,
  name: z.string(),
  tier: z.enum(['enterprise', 'provincial', 'national']),
  /** Province code (e.g. JS); required for enterprises and provincial regulators. */
  province: z.string().optional(),
  /** Enterprises only. */
  industry: z.enum(Industries).optional(),
  category: z.enum(Categories).optional(),
  grade: z.number().int().min(1, 'grade is 1..3 (3 most important)').max(3, 'grade is 1..3 (3 most important)').optional(),
  /** ISO 3166-1 alpha-2 countries the org operates in (logins and API use from elsewhere are suspect). */
  countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as CN')).default(['CN']),
  /** Provincial regulators only: the enterprise categories this regulator oversees. */
  oversees: z.array(z.enum(Categories)).optional(),
  assets: z.array(AssetSchema).default([]),
});
export type Org = z.output<typeof OrgSchema>;

export const RegistrySchema = z.strictObject({
  provinces: z.array(z.strictObject({ code: z.string().regex(/^[A-Z]{2}$/), name: z.string() })).min(1),
  orgs: z.array(OrgSchema).min(1),
}).superRefine((reg, ctx) => {
  const codes = new Set(reg.provinces.map((p) => p?.code));
  const seen = new Set<string>();
  reg.orgs.forEach((org, i) => {
    if (!org || typeof org !== 'object') return; // already reported by the field schema
    const at = (key: string) => ['orgs', i, key];
    if (seen.has(org.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate org id ${org.id}` });
    seen.add(org.id);
    if (org.tier !== 'national' && (!org.province || !codes.has(org.province))) {
      ctx.addIssue({ code: 'custom', path: at('province'), message: `${org.tier} org ${org.id} needs a province listed under provinces` });
    }
    if (org.tier === 'enterprise') {
      for (const key of ['industry', 'category', 'grade'] as const) {
        if (org[key] === undefined) ctx.addIssue({ code: 'custom', path: at(key), message: `enterprise ${org.id} needs ${key}` });
      }
    }
    if (org.tier === 'provincial' && !org.oversees?.length) {
      ctx.addIssue({ code: 'custom', path: at('oversees'), message: `provincial org ${org.id} must list the categories it oversees` });
    }
  });
  if (reg.orgs.filter((o) => o?.tier === 'national').length !== 1) {
    ctx.addIssue({ code: 'custom', path: ['orgs'], message: 'exactly one national org is required' });
  }
  // Run the cross-checks even when a field is malformed, so one load reports every problem.
}, { when: (payload) => typeof payload.value === 'object' && payload.value !== null && Array.isArray((payload.value as { orgs?: unknown }).orgs) && Array.isArray((payload.value as { provinces?: unknown }).provinces) });
export type RegistryFile = z.output<typeof RegistrySchema>;

/** The `org.*` fields stamped on every event of an org. */
export interface OrgStamp {
  id: string;
  name: string;
  tier: Org['tier'];
  province?: string;
  industry?: string;
  category?: Org['category'];
  grade?: number;
}

export class OrgRegistry {
  private readonly byId: Map<string, Org>;
  private readonly stamps = new Map<string, OrgStamp>();

  constructor(readonly file: RegistryFile) {
    this.byId = new Map(file.orgs.map((o) => [o.id, o]));
    for (const org of file.orgs) {
      this.stamps.set(org.id, Object.freeze({
        id: org.id, name: org.name, tier: org.tier,
        ...(org.province ? { province: org.province } : {}),
        ...(org.industry ? { industry: org.industry } : {}),
        ...(org.category ? { category: org.category } : {}),
        ...(org.grade ? { grade: org.grade } : {}),
      }));
    }
  }

  static load(path: string): OrgRegistry {
    return new OrgRegistry(loadConfigFile(path, RegistrySchema));
  }

  get(id: string): Org | undefined {
    return this.byId.get(id);
  }

  all(): readonly Org[] {
    return this.file.orgs;
  }

  enterprises(): Org[] {
    return this.file.orgs.filter((o) => o.tier === 'enterprise');
  }

  /** The frozen `org.*` field values for an org's events. */
  stamp(id: string): OrgStamp | undefined {
    return this.stamps.get(id);
  }

  /**
   * Org ids whose data `viewerId` may see: undefined for the national tier
   * (everything), the overseen enterprises plus itself for a provincial
   * regulator, itself for an enterprise, [] for an unknown org.
   */
  visibleTo(viewerId: string): string[] | undefined {
    const viewer = this.byId.get(viewerId);
    if (!viewer) return [];
    if (viewer.tier === 'national') return undefined;
    if (viewer.tier === 'enterprise') return [viewer.id];
    const oversees = new Set(viewer.oversees ?? []);
    return [viewer.id, ...this.enterprises()
      .filter((e) => e.province === viewer.province && e.category !== undefined && oversees.has(e.category))
      .map((e) => e.id)];
  }

  /** The asset of an org that owns `ip` (any of its addresses), if registered. */
  assetByIp(orgId: string, ip: string): Asset | undefined {
    return this.byId.get(orgId)?.assets.find((a) => a.ips.includes(ip));
  }
}
