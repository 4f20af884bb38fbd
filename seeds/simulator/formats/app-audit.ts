/**
 * Platform application audit log, one JSON object a line:
 *   {"ts":"2026-11-25T14:00:01.123+08:00","action":"login","outcome":"failure","user":"alice","tenant":"acme","src_ip":"203.0.113.9","user_agent":"...","reason":"bad_password","geo":{"country":"CN","city":"Nanjing"}}
 * Actions: login, logout, api_key.use (api_key_id), device.register
 * (device_id), config.change (resource, changes), data.export (resource,
 * records).
 */
import { isoCst, type Micros } from '../time.js';

export type AppAction = 'login' | 'logout' | 'api_key.use' | 'device.register' | 'config.change' | 'data.export';

export interface AppAuditRecord {
  readonly time: Micros;
  readonly action: AppAction;
  readonly outcome: 'success' | 'failure';
  readonly user: string;
  readonly tenant: string;
  readonly srcIp: string;
  readonly userAgent: string;
  readonly reason?: string;
  readonly apiKeyId?: string;
  readonly deviceId?: string;
  readonly resource?: string;
  readonly changes?: Readonly<Record<string, string | number | boolean>>;
  readonly records?: number;
  readonly geo: { readonly country: string; readonly city: string };
}

export function renderAppAudit(r: AppAuditRecord): string {
  return JSON.stringify({
    ts: isoCst(r.time),
    action: r.action,
    outcome: r.outcome,
    user: r.user,
    tenant: r.tenant,
    src_ip: r.srcIp,
    user_agent: r.userAgent,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    ...(r.apiKeyId !== undefined ? { api_key_id: r.apiKeyId } : {}),
    ...(r.deviceId !== undefined ? { device_id: r.deviceId } : {}),
    ...(r.resource !== undefined ? { resource: r.resource } : {}),
    ...(r.changes !== undefined ? { changes: r.changes } : {}),
    ...(r.records !== undefined ? { records: r.records } : {}),
    geo: { country: r.geo.country, city: r.geo.city },
  });
}
