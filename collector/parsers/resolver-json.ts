// {"time":"2026-11-25T14:00:01.123Z","node":"sn-auto-js","node_level":"secondary","client":"2001:db8:1::20","client_port":5353,"identifier":"88.101.5/PUMP-0042","query_type":"resolve","types":["URL"],"status":"SUCCESS","latency_ms":3.2,"cache":"hit"}
/**
 * The query log of an identifier-resolution node (a recursive resolver or a
 * secondary / enterprise node of the industrial identifier system): one JSON
 * object a line, optionally behind a syslog header. The accepted shape is
 * `ResolverRecordSchema` below; fields not listed there are allowed and
 * ignored.
 *
 * `status` is a Handle response code, by name (`SUCCESS`,
 * `HANDLE_NOT_FOUND`, `rc_invalid_admin`) or by number (`100`); it sets
 * `idres.response_code` (the code's name) and `event.outcome`. A status the
 * Handle protocol does not define is kept as sent, with outcome `unknown`.
 */
import { z } from 'zod';
import { IpSchema } from '../../core/event.js';
import { ipFamily } from '../../core/ip.js';
import type { Parser, ParseOutcome } from './types.js';
import { parseError } from './types.js';
import { handleResponse, handleResponseByName, splitHandle } from './handle-codes.js';
import type { HandleResponse } from './handle-codes.js';
import { readJsonRecord, readJsonTime, syslogFields } from './support.js';
import type { EcsInput } from './support.js';

const Text = z.string().min(1).max(1024);

/**
 * One resolver query.
 *
 * - `time`: ISO-8601 with an offset or `Z`, or Unix epoch milliseconds.
 * - `node`: the resolving node's name; `node_level`: `root` | `top` |
 *   `secondary` | `enterprise`; `node_ip`: its address.
 * - `client` (IPv4 or IPv6, bracketed or not), `client_port`: who asked.
 * - `identifier`: the handle asked for, `<prefix>/<suffix>` (`88.101.5/PUMP-0042`).
 * - `query_type`: the operation, one word (`resolve`, `create`, `delete`, ...);
 *   `types`: the handle value types asked for (`URL`, `HS_PUBKEY`).
 * - `status`: Handle response code name or number.
 * - `latency_ms` (>= 0), `cache` (`hit` | `miss` | `stale` | `bypass`),
 *   `upstream` (the node or prefix the query went on to), `authenticated`,
 *   `bytes` (response size), `transport` (`tcp` | `udp` | `http` | `https`),
 *   `request_id`.
 */
export const ResolverRecordSchema = z.looseObject({
  time: z.union([z.string(), z.number().int().nonnegative()]),
  node: Text,
  node_level: z.enum(['root', 'top', 'secondary', 'enterprise']).optional(),
  node_ip: IpSchema.optional(),
  client: IpSchema,
  client_port: z.number().int().min(0).max(65535).optional(),
  identifier: Text,
  query_type: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a query type is one word, e.g. resolve'),
  types: z.array(Text).optional(),
  status: z.union([Text, z.number().int()]),
  // At most 1e9 ms (11 days): event.duration is nanoseconds, and 1e308 ms would make it Infinity.
  latency_ms: z.number().nonnegative().max(1e9).optional(),
  cache: z.enum(['hit', 'miss', 'stale', 'bypass']).optional(),
  upstream: Text.optional(),
  authenticated: z.boolean().optional(),
  bytes: z.number().int().nonnegative().optional(),
  transport: z.enum(['tcp', 'udp', 'http', 'https']).optional(),
  request_id: Text.optional(),
});
export type ResolverRecord = z.output<typeof ResolverRecordSchema>;

/** Query transports and the ECS transport / application protocol they mean. */
const TRANSPORTS: Readonly<Record<NonNullable<ResolverRecord['transport']>, { transport: string; protocol: string }>> = {
  tcp: { transport: 'tcp', protocol: 'handle' },
  udp: { transport: 'udp', protocol: 'handle' },
  http: { transport: 'tcp', protocol: 'http' },
  https: { transport: 'tcp', protocol: 'http' },
};

const DIGITS = /^\d+$/;

const ERROR_CODES = { time: 'bad-timestamp' } as const;

export const resolverJsonParser: Parser = {
  name: 'resolver-json',
  family: 'idres',
  description: 'identifier-resolution node query log (resolver / secondary node), JSON per line',
  sample: '{"time":"2026-11-25T14:00:01.123Z","node":"sn-auto-js","node_level":"secondary","client":"2001:db8:1::20","client_port":5353,"identifier":"88.101.5/PUMP-0042","query_type":"resolve","types":["URL"],"status":"SUCCESS","latency_ms":3.2,"cache":"hit"}',
  parse(record): ParseOutcome {
    const read = readJsonRecord(record, 'resolver-json', ResolverRecordSchema, ERROR_CODES);
    if (!read.ok) return read.error;
    const r = read.value;

    const timestamp = readJsonTime(r.time);
    if (!timestamp) {
      return parseError('bad-timestamp', `field "time": ${JSON.stringify(r.time)} is not an ISO-8601 time with an offset (2026-11-25T14:00:01.123Z) or epoch milliseconds (13 digits)`);
    }

    const rc = readStatus(r.status);
    const queryType = r.query_type.toLowerCase();
    const net = r.transport ? TRANSPORTS[r.transport] : { protocol: 'handle' };
    const labels: Record<string, string> = {};
    if (r.cache) labels.cache = r.cache;
    if (r.upstream) labels.upstream = r.upstream;
    if (r.request_id) labels.request_id = r.request_id;
    const latency = r.latency_ms === undefined ? '' : `, ${r.latency_ms} ms`;

    const event: EcsInput = {
      '@timestamp': timestamp,
      message: `${queryType} ${r.identifier} for ${r.client} at ${r.node} -> ${rc.name}${latency}${r.cache ? `, cache ${r.cache}` : ''}`,
      event: {
        kind: 'event',
        category: ['network'],
        type: rc.denied ? ['protocol', 'denied'] : ['protocol'],
        action: `idres-${queryType}`,
        outcome: rc.outcome,
        module: 'idres',
        dataset: 'resolver-json',
        ...(r.latency_ms !== undefined ? { duration: Math.round(r.latency_ms * 1e6) } : {}),
        original: record.text,
      },
      source: { ip: r.client, ...(r.client_port !== undefined ? { port: r.client_port } : {}) },
      ...(r.node_ip || r.bytes !== undefined
        ? { destination: { ...(r.node_ip ? { ip: r.node_ip } : {}), ...(r.bytes !== undefined ? { bytes: r.bytes } : {}) } }
        : {}),
      network: { ...net, type: ipFamily(r.client) === 6 ? 'ipv6' : 'ipv4' },
      observer: { name: r.node, type: 'resolver', ...(r.node_ip ? { ip: [r.node_ip] } : {}) },
      idres: {
        identifier: r.identifier,
        ...splitHandle(r.identifier),
        node: r.node,
        ...(r.node_level ? { node_level: r.node_level } : {}),
        query_type: queryType,
        ...(r.types?.length ? { types: r.types } : {}),
        response_code: rc.name,
        ...(r.latency_ms !== undefined ? { latency_ms: r.latency_ms } : {}),
        ...(r.authenticated !== undefined ? { authenticated: r.authenticated } : {}),
      },
      ...(Object.keys(labels).length ? { labels } : {}),
      related: { ip: r.node_ip && r.node_ip !== r.client ? [r.client, r.node_ip] : [r.client] },
      ...syslogFields(read.envelope),
    };
    return { kind: 'event', event };
  },
};

/** A status by Handle code name or number; an undefined one is kept, upper-cased, with an unknown outcome. */
function readStatus(status: string | number): HandleResponse {
  if (typeof status === 'number') return handleResponse(status);
  if (DIGITS.test(status)) return handleResponse(Number(status));
  return handleResponseByName(status) ?? { name: status.trim().toUpperCase(), outcome: 'unknown' };
}
