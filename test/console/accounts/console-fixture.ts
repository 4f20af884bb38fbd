/**
 * A console over real parts for the accounts tests: a SQLite store, the
 * demo org registry, alerts and coordination as a single national node
 * serving every org, API tokens per org (standard roles) plus role-bearing
 * ones, the demo accounts of seeds/demo/accounts.yaml, and a clock the test
 * moves. Listens on :: (dual-stack), over TLS when given a certificate.
 */
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { Express } from 'express';
import { OrgRegistry } from '../../../core/orgs.js';
import { SqliteStore } from '../../../core/store/sqlite/sqlite-store.js';
import { JsonLogger } from '../../../core/telemetry.js';
import { AlertBook } from '../../../detector/alerts/alert-book.js';
import { defaultGradingPolicyPath, loadGradingPolicy } from '../../../detector/alerts/grading.js';
import { Accounts } from '../../../console/accounts/accounts.js';
import type { AccountsConfig } from '../../../console/accounts/config.js';
import { ApiTokens } from '../../../console/api-tokens.js';
import { createConsoleApi } from '../../../console/api.js';
import { Coordination } from '../../../console/coordination/coordination.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';

/** The bearer token of an org's standard-role token. */
export function tokenOf(org: string): string {
  return `fixture-token-${org}`;
}
/** A node-admin token of the national center, and a node-admin token of an enterprise (no triage). */
export const NODE_ADMIN_TOKEN = 'fixture-token-node-admin';
export const ENTERPRISE_NODE_ADMIN_TOKEN = 'fixture-token-jinling-node-admin';
/** An enterprise admin of Jinling (users and audit of its own org, and triage). */
export const ENTERPRISE_ADMIN_TOKEN = 'fixture-token-jinling-enterprise-admin';

export const DEMO_PASSWORDS = {
  national: 'demo-national-password',
  provincial: 'demo-provincial-password',
  enterprise: 'demo-enterprise-password',
  nodeAdmin: 'demo-node-admin-password',
} as const;

export interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface CallOptions {
  readonly token?: string;
  /** The session secret, sent as the iisa_session cookie. */
  readonly session?: string;
  readonly csrf?: string;
  readonly body?: unknown;
  /** Where to connect: 127.0.0.1 (default) or [::1]. */
  readonly host?: string;
  /** The client's source address (any 127.0.0.0/8 address is loopback): a distinct client without a network. */
  readonly from?: string;
}

export interface ConsoleFixture {
  readonly store: SqliteStore;
  readonly registry: OrgRegistry;
  readonly accounts: Accounts;
  readonly alerts: AlertBook;
  readonly clock: { now: number };
  readonly port: number;
  readonly app: Express;
  call<T = Record<string, unknown>>(method: string, path: string, options?: CallOptions): Promise<Answer<T>>;
  /** Log in; answers the session secret (from Set-Cookie) and the CSRF token. */
  login(user: string, password: string, host?: string): Promise<{ secret: string; csrf: string; answer: Answer }>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  readonly config?: Partial<AccountsConfig>;
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
}

/** The session secret in a Set-Cookie header, '' for a cleared cookie, undefined when none is set. */
export function cookieSecret(headers: Headers): string | undefined {
  const set = headers.get('set-cookie');
  const m = set ? /(?:^|,\s*)iisa_session=([^;]*)/.exec(set) : null;
  return m ? m[1] : undefined;
}

export async function startConsoleFixture(options: FixtureOptions = {}): Promise<ConsoleFixture> {
  const registry = OrgRegistry.load(join(repoRoot, 'seeds', 'orgs.yaml'));
  const store = SqliteStore.open({ path: join(tempDir('iisa-accounts-'), 'iisa.db') });
  const log = new JsonLogger('silent');
  const clock = { now: Date.now() };
  const servedOrgs = registry.all().map((o) => o.id);
  const policy = loadGradingPolicy(defaultGradingPolicyPath());
  const alerts = new AlertBook({ store, registry, policy: () => policy, nodeId: 'fixture', dedupWindowMs: 3_600_000 });
  const coordination = new Coordination({ store, registry, nodeId: 'fixture', tier: 'national', servedOrgs, log, runAgent: false });
  const tokens = new ApiTokens([
    ...registry.all().map((o) => ({ id: `token-${o.id}`, org: o.id, token: tokenOf(o.id) })),
    { id: 'token-node-admin', org: 'ncisc', roles: ['node-admin'], token: NODE_ADMIN_TOKEN },
    { id: 'token-jinling-node-admin', org: 'js-jinling-motor', roles: ['node-admin'], token: ENTERPRISE_NODE_ADMIN_TOKEN },
    { id: 'token-jinling-enterprise-admin', org: 'js-jinling-motor', roles: ['enterprise-admin'], token: ENTERPRISE_ADMIN_TOKEN },
  ], registry);
  const accounts = await Accounts.open({
    store, registry, log, servedOrgs, now: () => clock.now,
    config: { accounts: join(repoRoot, 'seeds', 'demo', 'accounts.yaml'), ...options.config },
  });
  const app = createConsoleApi({ store, registry, tokens, log, accounts, coordination: { alerts, coordination }, rules: { rules: [join(repoRoot, 'rules')] } });
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, app) : createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '::', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  async function call<T>(method: string, path: string, o: CallOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.session !== undefined ? { cookie: `iisa_session=${o.session}` } : {}),
      ...(o.csrf ? { 'x-iisa-csrf': o.csrf } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
    };
    const url = `${options.tls ? 'https' : 'http'}://${o.host ?? '127.0.0.1'}:${port}${path}`;
    return send<T>(url, method, headers, o.body, { ...(options.tls ? { ca: options.tls.ca } : {}), ...(o.from ? { localAddress: o.from } : {}) });
  }

  async function login(user: string, password: string, host = '127.0.0.1') {
    const answer = await call<Record<string, unknown>>('POST', '/api/v1/auth/login', { body: { user, password }, host });
    if (answer.status !== 200) throw new Error(`login of ${user} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return { secret: cookieSecret(answer.headers)!, csrf: answer.body.csrfToken as string, answer };
  }

  return {
    store, registry, accounts, alerts, clock, port, app, call, login,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await coordination.stop();
      await store.close();
    },
  };
}

/** node:http(s) rather than fetch: a CA for TLS and a source address are options here. */
function send<T>(url: string, method: string, headers: Record<string, string>, body: unknown, options: { ca?: string; localAddress?: string }): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
          else if (v !== undefined) h.set(k, v);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: h, body: (text ? JSON.parse(text) : {}) as T });
      });
      res.on('error', reject);
    };
    const req = url.startsWith('https:') ? httpsRequest(url, { method, headers, ...options }, onResponse) : httpRequest(url, { method, headers, ...options }, onResponse);
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

interface RouteLayer {
  readonly route?: { readonly path: string; readonly methods: Record<string, boolean> };
  readonly handle: { readonly stack?: readonly RouteLayer[] };
}

/** Every (method, path) an app made by createConsoleApi answers: its own routes, and those of the routers mounted at /api/v1. */
export function routesOf(app: Express): { method: string; path: string }[] {
  const walk = (stack: readonly RouteLayer[], prefix: string): { method: string; path: string }[] => stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).map((m) => ({ method: m.toUpperCase(), path: `${prefix}${layer.route!.path}` }));
    // The console mounts no other routers than the /api/v1 ones (and the federation's, absent in the fixture).
    return layer.handle.stack ? walk(layer.handle.stack, '/api/v1') : [];
  });
  return walk((app as unknown as { router: { stack: RouteLayer[] } }).router.stack, '');
}
