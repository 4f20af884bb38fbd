/**
 * The iisa event: every field an event can carry, in one file.
 *
 * Field names follow the Elastic Common Schema (ECS) so that events land in
 * Elasticsearch as any ECS user expects and Sigma's ECS mappings apply. What
 * ECS lacks lives in three custom field sets, documented here and nowhere else:
 *
 *   ics.*    industrial protocol operations (Modbus/TCP, S7comm, OPC UA, DNP3)
 *   idres.*  identifier-resolution queries (Handle, resolver nodes)
 *   org.*    the organisation the event belongs to, stamped by the collector
 *
 * Every field set is "loose": ECS has hundreds of fields and a sender may use
 * ones not listed here; they are kept as sent. The fields listed are typed,
 * and a wrong type fails validation (the record goes to the dead letters).
 *
 * IP fields accept IPv4 and IPv6 alike and are stored in canonical form
 * (IPv6 lower-case and compressed), so equality and CIDR matches agree.
 */
import { z } from 'zod';
import { canonicalIp } from './ip.js';

/** An IPv4 or IPv6 address, canonicalised (RFC 5952 for IPv6). */
export const IpSchema = z.string().transform((value, ctx) => {
  const ip = canonicalIp(value);
  if (ip === null) {
    ctx.addIssue({ code: 'custom', message: `not an IPv4 or IPv6 address: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ip;
});

const Port = z.number().int().min(0).max(65535);
const Count = z.number().int().min(0);
/** ISO-8601 date-time with offset, as ECS stores dates. */
const Timestamp = z.iso.datetime({ offset: true });

const Geo = z.looseObject({
  country_iso_code: z.string().length(2).optional().describe('ISO 3166-1 alpha-2, e.g. CN'),
  country_name: z.string().optional(),
  region_name: z.string().optional(),
  city_name: z.string().optional(),
});

/** source.* and destination.* share one shape. */
const Endpoint = z.looseObject({
  ip: IpSchema.optional(),
  port: Port.optional(),
  mac: z.string().optional(),
  domain: z.string().optional(),
  address: z.string().optional().describe('raw address as logged (IP or host name)'),
  bytes: Count.optional(),
  packets: Count.optional(),
  geo: Geo.optional(),
});

export const EventFieldSet = z.looseObject({
  id: z.string().optional().describe('unique id, set by the collector (UUIDv7); stores dedupe on it'),
  kind: z.enum(['event', 'alert', 'metric', 'state', 'pipeline_error', 'signal']).optional(),
  category: z.array(z.string()).optional().describe('ECS categories: network, authentication, web, iam, configuration, intrusion_detection, ...'),
  type: z.array(z.string()).optional().describe('ECS types: access, connection, start, denied, allowed, change, creation, info, protocol, ...'),
  action: z.string().optional().describe('what happened, format-specific, e.g. modbus-write, login-failure, query'),
  outcome: z.enum(['success', 'failure', 'unknown']).optional(),
  module: z.string().optional().describe('the producing product family, e.g. zeek, iptables, nginx, handle'),
  dataset: z.string().optional().describe('the parser that produced the event, e.g. zeek.modbus'),
  provider: z.string().optional(),
  code: z.string().optional(),
  reason: z.string().optional(),
  severity: z.number().int().optional(),
  duration: z.number().optional().describe('nanoseconds, as ECS'),
  original: z.string().optional().describe('the raw record exactly as received'),
  created: Timestamp.optional(),
  ingested: Timestamp.optional().describe('when the collector accepted the record'),
});

export const EcsEventSchema = z.looseObject({
  '@timestamp': Timestamp.describe('when the event happened, per the log line; receive time if the line has none'),
  message: z.string().optional(),
  tags: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),

  event: EventFieldSet,

  source: Endpoint.optional(),
  destination: Endpoint.optional(),

  network: z.looseObject({
    transport: z.string().optional().describe('tcp, udp, icmp, ipv6-icmp, ...'),
    protocol: z.string().optional().describe('application protocol: modbus, s7comm, opcua, dnp3, http, dns, handle, ...'),
    type: z.enum(['ipv4', 'ipv6']).optional(),
    direction: z.enum(['ingress', 'egress', 'inbound', 'outbound', 'internal', 'external', 'unknown']).optional(),
    bytes: Count.optional(),
    packets: Count.optional(),
    community_id: z.string().optional(),
  }).optional(),

  observer: z.looseObject({
    name: z.string().optional(),
    hostname: z.string().optional(),
    type: z.string().optional().describe('firewall, gateway, ids, platform, resolver, ...'),
    vendor: z.string().optional(),
    product: z.string().optional(),
    version: z.string().optional(),
    ip: z.array(IpSchema).optional(),
    ingress: z.looseObject({ interface: z.looseObject({ name: z.string().optional() }).optional() }).optional(),
    egress: z.looseObject({ interface: z.looseObject({ name: z.string().optional() }).optional() }).optional(),
  }).optional(),

  host: z.looseObject({
    name: z.string().optional(),
    hostname: z.string().optional(),
    ip: z.array(IpSchema).optional(),
  }).optional(),

  user: z.looseObject({
    name: z.string().optional(),
    id: z.string().optional(),
    domain: z.string().optional(),
    email: z.string().optional(),
    roles: z.array(z.string()).optional(),
  }).optional(),

  user_agent: z.looseObject({ original: z.string().optional() }).optional(),

  url: z.looseObject({
    original: z.string().optional(),
    path: z.string().optional(),
    query: z.string().optional(),
    domain: z.string().optional(),
    scheme: z.string().optional(),
    port: Port.optional(),
  }).optional(),

  http: z.looseObject({
    version: z.string().optional(),
    request: z.looseObject({
      method: z.string().optional(),
      referrer: z.string().optional(),
      bytes: Count.optional(),
      id: z.string().optional(),
    }).optional(),
    response: z.looseObject({
      status_code: z.number().int().min(100).max(999).optional(),
      bytes: Count.optional(),
    }).optional(),
  }).optional(),

  dns: z.looseObject({
    id: z.string().optional(),
    type: z.enum(['query', 'answer']).optional(),
    question: z.looseObject({
      name: z.string().optional(),
      type: z.string().optional().describe('A, AAAA, TXT, HS_ADMIN (Handle types keep their names), ...'),
      class: z.string().optional(),
      registered_domain: z.string().optional(),
    }).optional(),
    response_code: z.string().optional().describe('NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...'),
    header_flags: z.array(z.string()).optional(),
    resolved_ip: z.array(IpSchema).optional(),
  }).optional(),

  rule: z.looseObject({
    id: z.string().optional(),
    name: z.string().optional(),
    category: z.string().optional(),
    description: z.string().optional(),
  }).optional(),

  process: z.looseObject({
    name: z.string().optional(),
    pid: z.number().int().optional(),
    executable: z.string().optional(),
    command_line: z.string().optional(),
  }).optional(),

  log: z.looseObject({
    level: z.string().optional(),
    logger: z.string().optional(),
    file: z.looseObject({ path: z.string().optional() }).optional(),
    offset: Count.optional(),
    syslog: z.looseObject({
      priority: z.number().int().min(0).max(191).optional(),
      facility: z.looseObject({ code: z.number().int().optional(), name: z.string().optional() }).optional(),
      severity: z.looseObject({ code: z.number().int().optional(), name: z.string().optional() }).optional(),
      hostname: z.string().optional(),
      appname: z.string().optional(),
      procid: z.string().optional(),
      msgid: z.string().optional(),
      version: z.string().optional(),
      structured_data: z.record(z.string(), z.record(z.string(), z.string())).optional(),
    }).optional(),
  }).optional(),

  /** How the record reached the collector (as Beats' input.type). */
  input: z.looseObject({
    type: z.enum(['http', 'syslog-udp', 'syslog-tcp', 'file', 'mqtt', 'kafka', 'simulator']).optional(),
  }).optional(),

  related: z.looseObject({
    ip: z.array(IpSchema).optional(),
    user: z.array(z.string()).optional(),
    hosts: z.array(z.string()).optional(),
  }).optional(),

  // ---------------------------------------------------------------- custom

  /** Industrial protocol operation. One event per request/response pair when the log pairs them. */
  ics: z.looseObject({
    protocol: z.enum(['modbus', 's7comm', 's7comm-plus', 'opcua', 'dnp3', 'iec104', 'ethernet-ip', 'bacnet']).optional(),
    function: z.string().optional().describe('function name as the protocol names it: WRITE_SINGLE_REGISTER, PLC Stop, WriteRequest, DIRECT_OPERATE'),
    function_code: z.number().int().optional().describe('numeric function code where the protocol has one'),
    subfunction: z.string().optional(),
    is_write: z.boolean().optional().describe('true when the operation changes process state or configuration (writes, control, program download, stop/start)'),
    unit_id: z.number().int().optional().describe('Modbus unit id, DNP3 destination address, S7 rack*32+slot where known'),
    address: z.string().optional().describe('register / coil / data block / node id addressed, as text'),
    quantity: Count.optional(),
    value: z.string().optional().describe('values written or read, comma-separated as text'),
    exception: z.string().optional().describe('protocol exception or error code in the response, when the device refused'),
    status: z.string().optional().describe('protocol status (OPC UA StatusCode, S7 error class) when not an exception'),
    direction: z.enum(['request', 'response', 'both']).optional(),
    session_id: z.string().optional().describe('transport session: Zeek uid, OPC UA session id'),
    service: z.string().optional().describe('OPC UA service, e.g. ActivateSessionRequest'),
  }).optional(),

  /** Identifier-resolution (Handle / industrial identifier) query. */
  idres: z.looseObject({
    identifier: z.string().optional().describe('full identifier, e.g. 88.101.5/PUMP-0042'),
    prefix: z.string().optional().describe('the prefix part, e.g. 88.101.5'),
    suffix: z.string().optional(),
    node_level: z.enum(['root', 'top', 'secondary', 'enterprise']).optional().describe('tier of the resolving node'),
    node: z.string().optional().describe('name of the resolving node'),
    query_type: z.string().optional().describe('the operation, short name: resolve, create, delete, add-value, list, ...'),
    types: z.array(z.string()).optional().describe('Handle value types requested, e.g. URL, HS_ADMIN, HS_PUBKEY'),
    op_code: z.number().int().optional().describe('Handle protocol op code: 1 resolve, 100 create, 101 delete, ...'),
    response_code: z.string().optional().describe('Handle response code name or number, e.g. SUCCESS, HANDLE_NOT_FOUND'),
    latency_ms: z.number().min(0).optional(),
    authenticated: z.boolean().optional(),
  }).optional(),

  /** The organisation the event belongs to: set by the collector from the ingest token or source config, never from the body. */
  org: z.looseObject({
    id: z.string(),
    name: z.string().optional(),
    tier: z.enum(['enterprise', 'provincial', 'national']).optional(),
    province: z.string().optional(),
    industry: z.string().optional(),
    category: z.enum(['industrial', 'platform', 'idres']).optional(),
    grade: z.number().int().min(1).max(3).optional(),
    parent: z.string().optional(),
  }).optional(),
});

/** A validated event as stored: `event.id` and `org` are always set by then. */
export type EcsEvent = z.output<typeof EcsEventSchema>;

/**
 * What a parser returns: an event without the fields the collector stamps
 * (id, org, ingested, input) — those are filled by the pipeline.
 */
export type EventDraft = {
  // A key-remapping mapped type keeps the named fields typed; Omit over a loose object's index signature would not.
  [K in keyof z.input<typeof EcsEventSchema> as K extends 'event' ? never : K]: z.input<typeof EcsEventSchema>[K];
} & { event: z.input<typeof EventFieldSet> };

/** Read a dotted field path (`source.ip`, `event.category`) from an event. */
export function getField(event: unknown, path: string): unknown {
  let node: unknown = event;
  let start = 0;
  // Walk without allocating a split array: this runs per event per filter.
  while (start <= path.length) {
    if (node === null || typeof node !== 'object') return undefined;
    const dot = path.indexOf('.', start);
    const end = dot === -1 ? path.length : dot;
    const key = path.slice(start, end);
    const obj = node as Record<string, unknown>;
    if (key in obj) {
      node = obj[key];
    } else if (dot !== -1 && path.slice(start) in obj) {
      // A flattened key such as "id.orig_h" or "@timestamp" holding the rest of the path.
      return obj[path.slice(start)];
    } else {
      return undefined;
    }
    if (dot === -1) return node;
    start = dot + 1;
  }
  return node;
}
