// {"ts":"2026-11-25T14:00:01.123+08:00","action":"login","outcome":"failure","user":"alice","tenant":"acme","src_ip":"203.0.113.9","reason":"bad_password"}
/**
 * Application audit events of an industrial internet platform: one JSON
 * object a line, optionally behind a syslog header. The accepted shape is
 * `AppAuditSchema` below; fields not listed there are allowed and ignored.
 *
 * Any `action` string is accepted. Known actions (and, for new ones, their
 * family before the dot: `device.update` is read as a `device.*` action) get
 * ECS categories and types from `ACTIONS`; the rest are filed as `api` /
 * `info`. `event.action` keeps the platform's own name (`login`) and the
 * result is in `event.outcome`, so a rule says `action: login` and
 * `outcome: failure`.
 */
import { z } from 'zod';
import { IpSchema } from '../../core/event.js';
import type { Parser, ParseOutcome } from './types.js';
import { parseError } from './types.js';
import { lookupTable, readJsonRecord, readJsonTime, syslogFields } from './support.js';
import type { EcsInput } from './support.js';

/** A non-empty string of reasonable length (ids, names). */
const Text = z.string().min(1).max(1024);

/**
 * One audit record.
 *
 * - `ts`: when it happened, ISO-8601 with an offset or `Z`
 *   (`2026-11-25T14:00:01.123+08:00`), or Unix epoch milliseconds.
 * - `action`: what was done, the platform's name (`login`, `api_key.create`, ...).
 * - `outcome`: `success` | `failure` | `unknown` (default `unknown`).
 * - `user`, `user_id`, `role`: who did it; `tenant`: the platform tenant.
 * - `src_ip` (IPv4 or IPv6), `src_port`, `user_agent`, `geo.country` (ISO
 *   3166 alpha-2), `geo.city`: where from.
 * - `reason`: why it failed (`bad_password`); `session`, `request_id`.
 * - `api_key_id`, `device_id`, `target_user`: the thing acted on;
 *   `resource`: a URL path (`/api/v1/...`) or a resource name.
 * - `changes`: what a change changed, any JSON object (kept as JSON text).
 * - `app`: the reporting platform service.
 */
export const AppAuditSchema = z.looseObject({
  ts: z.union([z.string(), z.number().int().nonnegative()]),
  action: z.string().min(1).max(128).regex(/^\S+$/, 'an action is one word, e.g. login or api_key.create'),
  outcome: z.enum(['success', 'failure', 'unknown']).default('unknown'),
  user: Text.optional(),
  user_id: Text.optional(),
  role: Text.optional(),
  tenant: Text.optional(),
  src_ip: IpSchema.optional(),
  src_port: z.number().int().min(0).max(65535).optional(),
  user_agent: z.string().max(4096).optional(),
  reason: Text.optional(),
  session: Text.optional(),
  request_id: Text.optional(),
  api_key_id: Text.optional(),
  device_id: Text.optional(),
  target_user: Text.optional(),
  resource: Text.optional(),
  changes: z.record(z.string(), z.unknown()).optional(),
  geo: z.looseObject({
    country: z.string().regex(/^[A-Za-z]{2}$/, 'a country is an ISO 3166-1 alpha-2 code such as CN').optional(),
    city: Text.optional(),
  }).optional(),
  app: Text.optional(),
});
export type AppAuditRecord = z.output<typeof AppAuditSchema>;

/** ECS placement and wording for one kind of action. */
interface ActionInfo {
  readonly category: readonly string[];
  readonly type: readonly string[];
  /** Noun phrase for the message: "<phrase> by alice ... failed". */
  readonly phrase: string;
}

/** Known actions. */
const ACTIONS: Readonly<Record<string, ActionInfo>> = lookupTable({
  login: { category: ['authentication'], type: ['start'], phrase: 'login' },
  logout: { category: ['authentication'], type: ['end'], phrase: 'logout' },
  mfa: { category: ['authentication'], type: ['info'], phrase: 'MFA check' },
  'password.change': { category: ['iam'], type: ['user', 'change'], phrase: 'password change' },
  'password.reset': { category: ['iam'], type: ['user', 'change'], phrase: 'password reset' },
  'user.create': { category: ['iam'], type: ['user', 'creation'], phrase: 'user creation' },
  'user.delete': { category: ['iam'], type: ['user', 'deletion'], phrase: 'user deletion' },
  'api_key.use': { category: ['api', 'authentication'], type: ['access'], phrase: 'API key use' },
  'api_key.create': { category: ['api', 'iam'], type: ['creation'], phrase: 'API key creation' },
  'api_key.revoke': { category: ['api', 'iam'], type: ['deletion'], phrase: 'API key revocation' },
  'device.register': { category: ['configuration'], type: ['creation'], phrase: 'device registration' },
  'device.delete': { category: ['configuration'], type: ['deletion'], phrase: 'device deletion' },
  'config.change': { category: ['configuration'], type: ['change'], phrase: 'configuration change' },
  'permission.change': { category: ['iam'], type: ['change', 'admin'], phrase: 'permission change' },
  'firmware.push': { category: ['configuration', 'package'], type: ['change', 'installation'], phrase: 'firmware push' },
  'data.export': { category: ['database'], type: ['access'], phrase: 'data export' },
});

/** Families (the part before the first dot) for actions not listed above. */
const FAMILIES: Readonly<Record<string, Omit<ActionInfo, 'phrase'>>> = lookupTable({
  login: ACTIONS.login,
  session: { category: ['session'], type: ['info'] },
  password: ACTIONS['password.change'],
  user: { category: ['iam'], type: ['user', 'change'] },
  role: { category: ['iam'], type: ['change', 'admin'] },
  permission: ACTIONS['permission.change'],
  api_key: { category: ['api', 'iam'], type: ['change'] },
  device: { category: ['configuration'], type: ['change'] },
  config: ACTIONS['config.change'],
  firmware: ACTIONS['firmware.push'],
  data: ACTIONS['data.export'],
});
const FALLBACK: Omit<ActionInfo, 'phrase'> = { category: ['api'], type: ['info'] };

/** zod issue -> error code, by top-level field; the rest follow `zodIssueError`'s rule. */
const ERROR_CODES = { ts: 'bad-timestamp' } as const;

export const appAuditParser: Parser = {
  name: 'app-audit',
  family: 'platform',
  description: 'industrial internet platform audit events (logins, API keys, devices, configuration), JSON per line',
  sample: '{"ts":"2026-11-25T14:00:01.123+08:00","action":"login","outcome":"failure","user":"alice","tenant":"acme","src_ip":"203.0.113.9","reason":"bad_password"}',
  parse(record): ParseOutcome {
    const read = readJsonRecord(record, 'app-audit', AppAuditSchema, ERROR_CODES);
    if (!read.ok) return read.error;
    const a = read.value;

    const timestamp = readJsonTime(a.ts);
    if (!timestamp) {
      return parseError('bad-timestamp', `field "ts": ${JSON.stringify(a.ts)} is not an ISO-8601 time with an offset (2026-11-25T14:00:01.123+08:00) or epoch milliseconds (13 digits; seconds are not accepted)`);
    }

    const known = ACTIONS[a.action];
    const dot = a.action.indexOf('.');
    const placed = known ?? FAMILIES[dot === -1 ? a.action : a.action.slice(0, dot)] ?? FALLBACK;
    const phrase = known?.phrase ?? `"${a.action}"`;
    const isPath = a.resource?.startsWith('/') ?? false;

    const labels: Record<string, string> = {};
    if (a.tenant) labels.tenant = a.tenant;
    if (a.api_key_id) labels.api_key_id = a.api_key_id;
    if (a.device_id) labels.device_id = a.device_id;
    if (a.session) labels.session_id = a.session;
    if (a.request_id) labels.request_id = a.request_id;
    if (a.target_user) labels.target_user = a.target_user;
    if (a.resource && !isPath) labels.resource = a.resource;
    if (a.changes) labels.changes = JSON.stringify(a.changes);

    const geo = a.geo?.country || a.geo?.city
      ? { geo: { ...(a.geo.country ? { country_iso_code: a.geo.country.toUpperCase() } : {}), ...(a.geo.city ? { city_name: a.geo.city } : {}) } }
      : {};
    const users = [a.user, a.target_user].filter((u): u is string => u !== undefined);

    const event: EcsInput = {
      '@timestamp': timestamp,
      message: sentence(phrase, a),
      event: {
        kind: 'event',
        category: [...placed.category],
        type: [...placed.type],
        action: a.action,
        outcome: a.outcome,
        module: 'platform',
        dataset: 'app-audit',
        ...(a.reason ? { reason: a.reason } : {}),
        original: record.text,
      },
      ...(a.user || a.user_id || a.role
        ? { user: { ...(a.user ? { name: a.user } : {}), ...(a.user_id ? { id: a.user_id } : {}), ...(a.role ? { roles: [a.role] } : {}) } }
        : {}),
      ...(a.src_ip || a.src_port !== undefined || a.geo
        ? { source: { ...(a.src_ip ? { ip: a.src_ip } : {}), ...(a.src_port !== undefined ? { port: a.src_port } : {}), ...geo } }
        : {}),
      ...(a.user_agent ? { user_agent: { original: a.user_agent } } : {}),
      ...(isPath ? { url: { path: a.resource } } : {}),
      ...(a.app ? { observer: { type: 'platform', product: a.app } } : {}),
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(a.src_ip || users.length
        ? { related: { ...(a.src_ip ? { ip: [a.src_ip] } : {}), ...(users.length ? { user: users } : {}) } }
        : {}),
      ...syslogFields(read.envelope),
    };
    return { kind: 'event', event };
  },
};

const OUTCOME_WORDS: Readonly<Record<AppAuditRecord['outcome'], string>> = {
  success: 'succeeded',
  failure: 'failed',
  unknown: 'recorded',
};

/** "login by alice (tenant acme) from 203.0.113.9 failed: bad_password" */
function sentence(phrase: string, a: AppAuditRecord): string {
  const target = a.device_id ?? a.api_key_id ?? a.target_user ?? a.resource;
  return `${phrase}${target ? ` of ${target}` : ''} by ${a.user ?? 'an unnamed user'}`
    + `${a.tenant ? ` (tenant ${a.tenant})` : ''}${a.src_ip ? ` from ${a.src_ip}` : ''}`
    + ` ${OUTCOME_WORDS[a.outcome]}${a.reason ? `: ${a.reason}` : ''}`;
}
