/**
 * A tenant's API key, always used from China before, shows up from another
 * country and pulls bulk data exports.
 */
import { access, appAudit } from '../emit.js';
import { apiKeyOf, type SimLine } from '../world.js';
import { attackerIp, timeline, type Scenario } from './types.js';

const Places = [
  { country: 'NL', city: 'Amsterdam' }, { country: 'BR', city: 'Sao Paulo' }, { country: 'RU', city: 'Moscow' }, { country: 'VN', city: 'Hanoi' },
];

export const apiKeyAbuseNewCountry: Scenario = {
  name: 'api-key-abuse-new-country',
  description: 'An API key used from a country never seen for it before, followed by bulk data export',
  category: 'platform',
  parsers: ['app-audit', 'access-combined'],
  seconds: 30,
  generate(ctx) {
    const site = ctx.rng.pick(ctx.world.platform);
    const tenant = ctx.rng.pick(site.tenants);
    const origin = { org: site.org.id, scenario: this.name };
    const src = attackerIp(ctx.rng, ctx.rng.chance(0.5) ? 6 : 4);
    const geo = ctx.rng.pick(Places);
    const key = apiKeyOf(site.org.id, tenant);
    const agent = 'curl/8.4.0';
    const steps = ['list', 'list', 'probe', 'export', 'export', 'export'] as const;
    const out: SimLine[] = [];
    timeline(ctx, steps.length).forEach((t, i) => {
      const step = steps[i];
      const resource = step === 'export' ? `/api/v1/tenants/${tenant}/export?dataset=${['devices', 'timeseries', 'recipes'][i % 3]}&format=csv` : step === 'probe' ? `/api/v1/tenants/${tenant}/users` : `/api/v1/tenants/${tenant}/devices?page=${i + 1}`;
      out.push(access(origin, { time: t, client: src, method: 'GET', path: resource, status: 200, bytes: step === 'export' ? ctx.rng.int(40_000_000, 180_000_000) : ctx.rng.int(3000, 60000), userAgent: agent }));
      out.push(appAudit(origin, {
        time: t + 800, action: 'api_key.use', outcome: 'success', user: `svc-${tenant}`, tenant, srcIp: src, userAgent: agent, apiKeyId: key, resource, geo,
      }));
      if (step === 'export') {
        out.push(appAudit(origin, {
          time: t + 2000, action: 'data.export', outcome: 'success', user: `svc-${tenant}`, tenant, srcIp: src, userAgent: agent, apiKeyId: key,
          resource, records: ctx.rng.int(200_000, 900_000), geo,
        }));
      }
    });
    return out;
  },
};
