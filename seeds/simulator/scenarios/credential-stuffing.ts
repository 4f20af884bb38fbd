/**
 * Credential stuffing against a platform's login API: many usernames from a
 * leaked list, tried from a handful of proxy addresses with a scripted
 * client; a couple of reused passwords work.
 */
import { access, appAudit } from '../emit.js';
import type { SimLine } from '../world.js';
import { attackerIp, timeline, type Scenario } from './types.js';

const Surnames = ['wang', 'li', 'zhang', 'liu', 'chen', 'yang', 'huang', 'zhao', 'wu', 'zhou', 'xu', 'sun', 'ma', 'zhu', 'hu', 'guo'];
const Given = ['wei', 'fang', 'min', 'jing', 'lei', 'jun', 'yan', 'tao', 'ming', 'chao', 'xia', 'hui'];
const Proxies = [
  { country: 'US', city: 'Ashburn' }, { country: 'SG', city: 'Singapore' }, { country: 'DE', city: 'Frankfurt am Main' },
];

export const credentialStuffing: Scenario = {
  name: 'credential-stuffing',
  description: 'Many platform logins for many different users from a few addresses, nearly all failing',
  category: 'platform',
  parsers: ['app-audit', 'access-combined'],
  seconds: 60,
  generate(ctx) {
    const site = ctx.rng.pick(ctx.world.platform);
    const origin = { org: site.org.id, scenario: this.name };
    const sources = [attackerIp(ctx.rng, 4), attackerIp(ctx.rng, 4), attackerIp(ctx.rng, 6)];
    const agent = ctx.rng.pick(['python-requests/2.31.0', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36']);
    const attempts = ctx.rng.int(70, 100);
    const hits = new Set([ctx.rng.int(10, attempts - 1), ctx.rng.int(10, attempts - 1)]);
    const out: SimLine[] = [];
    timeline(ctx, attempts).forEach((t, i) => {
      const src = sources[i % sources.length];
      const success = hits.has(i);
      const user = success ? site.users[i % site.users.length] : `${ctx.rng.pick(Surnames)}.${ctx.rng.pick(Given)}${ctx.rng.chance(0.3) ? ctx.rng.int(1, 99) : ''}`;
      const tenant = ctx.rng.pick(site.tenants);
      const reason = success ? undefined : ctx.rng.chance(0.6) ? 'unknown_user' : 'bad_password';
      out.push(access(origin, {
        time: t, client: src, user, method: 'POST', path: '/api/v1/login', status: success ? 200 : 401, bytes: success ? 412 : 87, userAgent: agent,
      }));
      out.push(appAudit(origin, {
        time: t + 1500, action: 'login', outcome: success ? 'success' : 'failure', user, tenant, srcIp: src, userAgent: agent,
        ...(reason ? { reason } : {}), geo: Proxies[i % Proxies.length],
      }));
    });
    return out;
  },
};
