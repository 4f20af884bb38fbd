/**
 * Normal platform traffic: factory users logging in from their province,
 * devices posting telemetry through the API gateway, tenants' API keys
 * pulling data, occasional device registrations, config changes and
 * exports. Logins and API keys are always used from China here, which is
 * what makes a new country stand out.
 */
import { access, appAudit } from '../emit.js';
import type { Rng } from '../prng.js';
import { apiKeyOf, type PlatformSite } from '../world.js';
import { family, type BackgroundContext, type BackgroundGenerator } from './context.js';

const BrowserAgents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
];
const DeviceAgents = ['iisa-edge-agent/2.4.1', 'EdgeLink-MQTT-Bridge/1.8', 'okhttp/4.12.0'];
const ApiAgents = ['python-requests/2.31.0', 'Apache-HttpClient/5.2.1 (Java/17.0.9)', 'Go-http-client/2.0'];

/** A user's office address in the platform's own network (stable per user). */
function userIp(site: PlatformSite, user: string, fam: 4 | 6): string {
  const n = site.users.indexOf(user) + 20;
  const v4 = site.apiGateway.ips.find((ip) => !ip.includes(':')) ?? '192.0.2.1';
  // Enterprise users come in over the provincial carrier: a stable 198.51.100.x per user, or its IPv6 twin.
  return fam === 6 ? `2001:db8:c${v4.split('.')[3]}::${n.toString(16)}` : `198.51.100.${(Number(v4.split('.')[3]) * 7 + n) % 200 + 50}`;
}

/** Field devices reach the platform over mobile carriers: many addresses, all in the documentation ranges. */
function deviceIp(rng: Rng, fam: 4 | 6): string {
  return fam === 6 ? `2001:db8:d0${rng.int(0, 15).toString(16)}::${rng.int(1, 0xffff).toString(16)}` : `198.51.100.${rng.int(1, 49)}`;
}

function pickSite(ctx: BackgroundContext): PlatformSite {
  return ctx.rng.pick(ctx.world.platform);
}

function cityOf(rng: Rng, site: PlatformSite): { country: string; city: string } {
  return { country: 'CN', city: rng.pick(site.cities) };
}

const accessGen: BackgroundGenerator = {
  parser: 'access-combined',
  weight: 14,
  generate(ctx, time) {
    const site = pickSite(ctx);
    const origin = { org: site.org.id };
    const fam = family(ctx.rng);
    const kind = ctx.rng.weighted([['telemetry', 50], ['dashboard', 25], ['api', 15], ['static', 10]] as const);
    const tenant = ctx.rng.pick(site.tenants);
    if (kind === 'telemetry') {
      const device = `${tenant}-dev-${String(ctx.rng.int(1, 400)).padStart(4, '0')}`;
      return [access(origin, {
        time, client: deviceIp(ctx.rng, fam), method: 'POST',
        path: `/api/v1/devices/${device}/telemetry`, status: ctx.rng.chance(0.01) ? 503 : 204, bytes: 0, userAgent: ctx.rng.pick(DeviceAgents),
      })];
    }
    const user = ctx.rng.pick(site.users);
    if (kind === 'dashboard') {
      return [access(origin, {
        time, client: userIp(site, user, fam), user, method: 'GET',
        path: ctx.rng.pick([`/api/v1/tenants/${tenant}/dashboards/overview`, `/api/v1/tenants/${tenant}/alarms?state=open`, `/api/v1/tenants/${tenant}/devices?page=${ctx.rng.int(1, 9)}`]),
        status: 200, bytes: ctx.rng.int(900, 48000), referer: `https://console.${site.org.id}.example/`, userAgent: ctx.rng.pick(BrowserAgents),
      })];
    }
    if (kind === 'api') {
      return [access(origin, {
        time, client: userIp(site, site.users[0], fam), method: 'GET',
        path: `/api/v1/tenants/${tenant}/timeseries?tag=${ctx.rng.pick(['energy', 'oee', 'temperature', 'vibration'])}&window=15m`,
        status: ctx.rng.chance(0.02) ? 429 : 200, bytes: ctx.rng.int(2000, 90000), userAgent: ctx.rng.pick(ApiAgents),
      })];
    }
    return [access(origin, {
      time, client: userIp(site, user, fam), method: 'GET', path: `/static/js/app.${ctx.rng.hex(8)}.js`,
      status: ctx.rng.chance(0.7) ? 304 : 200, bytes: ctx.rng.int(0, 250000), referer: `https://console.${site.org.id}.example/`, userAgent: ctx.rng.pick(BrowserAgents),
    })];
  },
};

const appAuditGen: BackgroundGenerator = {
  parser: 'app-audit',
  weight: 8,
  generate(ctx, time) {
    const site = pickSite(ctx);
    const origin = { org: site.org.id };
    const fam = family(ctx.rng);
    const user = ctx.rng.pick(site.users);
    const tenant = ctx.rng.pick(site.tenants);
    const common = { time, user, tenant, srcIp: userIp(site, user, fam), userAgent: ctx.rng.pick(BrowserAgents), geo: cityOf(ctx.rng, site) };
    const action = ctx.rng.weighted([['login', 30], ['logout', 15], ['api_key.use', 30], ['device.register', 8], ['config.change', 10], ['data.export', 7]] as const);
    switch (action) {
      case 'login': {
        const failed = ctx.rng.chance(0.06);
        return [appAudit(origin, { ...common, action, outcome: failed ? 'failure' : 'success', ...(failed ? { reason: 'bad_password' } : {}) })];
      }
      case 'api_key.use':
        return [appAudit(origin, {
          ...common, action, outcome: 'success', user: `svc-${tenant}`, apiKeyId: apiKeyOf(site.org.id, tenant),
          srcIp: userIp(site, site.users[0], fam), userAgent: ctx.rng.pick(ApiAgents), resource: `/api/v1/tenants/${tenant}/timeseries`,
        })];
      case 'device.register':
        return [appAudit(origin, { ...common, action, outcome: 'success', deviceId: `${tenant}-dev-${String(ctx.rng.int(1, 400)).padStart(4, '0')}` })];
      case 'config.change':
        return [appAudit(origin, {
          ...common, action, outcome: 'success', resource: `tenants/${tenant}/alarm-rules/${ctx.rng.int(1, 40)}`,
          changes: { threshold: ctx.rng.int(50, 95), enabled: true },
        })];
      case 'data.export':
        return [appAudit(origin, { ...common, action, outcome: 'success', resource: `tenants/${tenant}/reports/daily-oee`, records: ctx.rng.int(100, 5000) })];
      default:
        return [appAudit(origin, { ...common, action, outcome: 'success' })];
    }
  },
};

export const PlatformBackground: readonly BackgroundGenerator[] = [accessGen, appAuditGen];
