/**
 * nginx/Apache "combined" access log:
 *   203.0.113.9 - alice [25/Nov/2026:14:00:01 +0800] "POST /api/v1/login HTTP/1.1" 401 87 "-" "python-requests/2.31"
 */
import { clfTime, type Micros } from '../time.js';

export interface AccessRecord {
  readonly time: Micros;
  readonly client: string;
  readonly user?: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly bytes: number;
  readonly referer?: string;
  readonly userAgent: string;
}

export function renderAccess(r: AccessRecord): string {
  return `${r.client} - ${r.user ?? '-'} [${clfTime(r.time)}] "${r.method} ${r.path} HTTP/1.1" ${r.status} ${r.bytes} "${r.referer ?? '-'}" "${r.userAgent}"`;
}
