// {"EventType":"AuditWriteUpdateEventType","Time":"2026-11-25T06:00:01.250Z","ServerId":"urn:plant-a:line3:opcua-server","ClientAuditEntryId":"eng-ws-07:4711","ClientUserId":"operator2","Status":true,"SessionId":"ns=1;g=39121615-46f3-6d34-fecf-fcbfbacb4c14","SourceName":"Attribute/Write","ClientAddress":"opc.tcp://[2001:db8::5]:53211","Severity":500,"Message":"Value written","NodeId":"ns=2;s=Line3.Pump1.Setpoint","AttributeId":13,"NewValue":42.5,"OldValue":40}
/**
 * OPC UA server audit events, one JSON object per line, as servers export
 * the AuditEventType family (OPC UA Part 5, 6.4.3 ff.).
 *
 * Accepted shape (`OpcuaAuditSchema` below; other keys are kept aside and
 * ignored, since servers add their own):
 *
 *   EventType           required  AuditActivateSessionEventType, AuditCreateSessionEventType,
 *                                 AuditWriteUpdateEventType, AuditCertificateInvalidEventType,
 *                                 AuditUpdateMethodEventType (or AuditCallMethodEventType), ...
 *                                 (any `Audit...EventType` name)
 *   Status              required  boolean: did the audited action succeed
 *   Time                optional  ISO-8601 with offset, or epoch milliseconds; receive time if absent
 *   ServerId, ClientAuditEntryId, ClientUserId, SessionId, SourceName, Message,
 *   SecurityPolicyUri, MethodId, NodeId   optional strings
 *   ClientAddress       optional  IPv4, IPv6, `[v6]:port`, `v4:port` or `opc.tcp://host:port`
 *   Severity            optional  integer 1..1000
 *   AttributeId         optional  number (13 = Value) or attribute name
 *   NewValue, OldValue  optional  any JSON value
 *
 * ECS: session events are `authentication`, writes and node management
 * `configuration`, method calls `process`; `event.outcome` from Status;
 * `ics.is_write` for every operation that changes the address space or
 * process (write, history update, call, add/delete nodes and references,
 * condition acknowledge/confirm/enable).
 */
import { z } from 'zod';
import type { EcsEventSchema } from '../../core/event.js';
import { canonicalIp, ipFamily } from '../../core/ip.js';
import type { Parser, ParseOutcome, RawRecord } from './types.js';
import { parseError } from './types.js';
import { nestedDeeperThan } from '../../core/json-guards.js';
import { tooDeep } from './support.js';

type EcsDraft = z.input<typeof EcsEventSchema>;

const AUDIT_TYPE = /^Audit[A-Za-z]*EventType$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** The accepted audit record. */
export const OpcuaAuditSchema = z.looseObject({
  EventType: z.string().regex(AUDIT_TYPE, 'is not an OPC UA audit event type name (Audit...EventType)'),
  Status: z.boolean(),
  Time: z.union([z.string().regex(ISO_WITH_OFFSET, 'must be ISO-8601 with a UTC offset'), z.number().int().nonnegative()]).optional(),
  ServerId: z.string().optional(),
  ClientAuditEntryId: z.string().optional(),
  ClientUserId: z.string().optional(),
  SessionId: z.string().optional(),
  SourceName: z.string().optional(),
  ClientAddress: z.string().optional(),
  Severity: z.number().int().min(1).max(1000).optional(),
  Message: z.string().optional(),
  NodeId: z.string().optional(),
  MethodId: z.string().optional(),
  AttributeId: z.union([z.number().int().min(1), z.string()]).optional(),
  NewValue: z.unknown().optional(),
  OldValue: z.unknown().optional(),
  SecurityPolicyUri: z.string().optional(),
});
export type OpcuaAuditRecord = z.infer<typeof OpcuaAuditSchema>;

interface AuditKind {
  readonly category: string[];
  readonly type: string[];
  readonly service: string;
  readonly isWrite: boolean;
}

const session = (service: string, type = 'start'): AuditKind => ({ category: ['authentication', 'session'], type: [type], service, isWrite: false });
const change = (service: string, type = 'change'): AuditKind => ({ category: ['configuration'], type: [type], service, isWrite: true });
const certificate: AuditKind = { category: ['authentication'], type: ['info'], service: 'Certificate', isWrite: false };

/** Audit event type to ECS classification and the OPC UA service it audits. */
const AUDIT_KINDS: Readonly<Record<string, AuditKind>> = {
  AuditCreateSessionEventType: session('CreateSession'),
  AuditUrlMismatchEventType: session('CreateSession'),
  AuditActivateSessionEventType: session('ActivateSession'),
  AuditSessionEventType: session('Session', 'info'),
  AuditCancelEventType: session('Cancel', 'info'),
  AuditChannelEventType: { category: ['network'], type: ['connection'], service: 'SecureChannel', isWrite: false },
  AuditOpenSecureChannelEventType: { category: ['network', 'authentication'], type: ['connection', 'start'], service: 'OpenSecureChannel', isWrite: false },
  AuditCertificateEventType: certificate,
  AuditCertificateDataMismatchEventType: certificate,
  AuditCertificateExpiredEventType: certificate,
  AuditCertificateInvalidEventType: certificate,
  AuditCertificateUntrustedEventType: certificate,
  AuditCertificateRevokedEventType: certificate,
  AuditCertificateMismatchEventType: certificate,
  AuditWriteUpdateEventType: change('Write'),
  AuditUpdateEventType: change('Write'),
  AuditHistoryUpdateEventType: change('HistoryUpdate'),
  AuditHistoryValueUpdateEventType: change('HistoryUpdate'),
  AuditHistoryEventUpdateEventType: change('HistoryUpdate'),
  AuditHistoryDeleteEventType: change('HistoryUpdate', 'deletion'),
  AuditHistoryRawModifyDeleteEventType: change('HistoryUpdate', 'deletion'),
  AuditHistoryAtTimeDeleteEventType: change('HistoryUpdate', 'deletion'),
  AuditHistoryEventDeleteEventType: change('HistoryUpdate', 'deletion'),
  AuditNodeManagementEventType: change('NodeManagement'),
  AuditAddNodesEventType: change('AddNodes', 'creation'),
  AuditDeleteNodesEventType: change('DeleteNodes', 'deletion'),
  AuditAddReferencesEventType: change('AddReferences', 'creation'),
  AuditDeleteReferencesEventType: change('DeleteReferences', 'deletion'),
  AuditUpdateMethodEventType: { category: ['process'], type: ['change'], service: 'Call', isWrite: true },
  AuditCallMethodEventType: { category: ['process'], type: ['change'], service: 'Call', isWrite: true },
  AuditConditionEventType: change('Call'),
  AuditConditionEnableEventType: change('Call'),
  AuditConditionAcknowledgeEventType: change('Call'),
  AuditConditionConfirmEventType: change('Call'),
  AuditConditionCommentEventType: change('Call'),
  AuditConditionShelvingEventType: change('Call'),
};

const OTHER: AuditKind = { category: ['configuration'], type: ['info'], service: 'Audit', isWrite: false };

/** Attribute ids (OPC UA Part 6, A.1) to names. */
const ATTRIBUTES: readonly string[] = [
  '', 'NodeId', 'NodeClass', 'BrowseName', 'DisplayName', 'Description', 'WriteMask', 'UserWriteMask', 'IsAbstract',
  'Symmetric', 'InverseName', 'ContainsNoLoops', 'EventNotifier', 'Value', 'DataType', 'ValueRank',
  'ArrayDimensions', 'AccessLevel', 'UserAccessLevel', 'MinimumSamplingInterval', 'Historizing', 'Executable',
  'UserExecutable', 'DataTypeDefinition', 'RolePermissions', 'UserRolePermissions', 'AccessRestrictions',
  'AccessLevelEx',
];

const AUDIT_PREFIX = /^Audit/;
const EVENT_TYPE_SUFFIX = /EventType$/;
const CAMEL_BOUNDARY = /([a-z0-9])([A-Z])/g;
const SCHEME = /^[a-z][a-z0-9.+-]*:\/\//i;
const LOOKS_NUMERIC_IP = /^[\d.]+$/;
const PORT = /^\d{1,5}$/;

export const opcuaAuditParser: Parser = {
  name: 'opcua-audit',
  family: 'gateway',
  description: 'OPC UA server audit events (AuditEventType family: sessions, writes, calls, certificates) as JSON lines',
  sample: '{"EventType":"AuditWriteUpdateEventType","Time":"2026-11-25T06:00:01.250Z","ServerId":"urn:plant-a:line3:opcua-server","ClientAuditEntryId":"eng-ws-07:4711","ClientUserId":"operator2","Status":true,"SessionId":"ns=1;g=39121615-46f3-6d34-fecf-fcbfbacb4c14","SourceName":"Attribute/Write","ClientAddress":"opc.tcp://[2001:db8::5]:53211","Severity":500,"Message":"Value written","NodeId":"ns=2;s=Line3.Pump1.Setpoint","AttributeId":13,"NewValue":42.5,"OldValue":40}',
  parse: parseAudit,
};

function parseAudit(record: RawRecord): ParseOutcome {
  const text = record.text.trim();
  if (!text.startsWith('{')) return parseError('unrecognised', 'an OPC UA audit record is one JSON object per line');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return parseError('malformed', `not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return parseError('malformed', 'an OPC UA audit record must be a JSON object');
  }
  if (nestedDeeperThan(value)) return tooDeep();
  if (!('EventType' in value)) return parseError('unrecognised', 'JSON object has no "EventType": not an OPC UA audit event');
  const parsed = OpcuaAuditSchema.safeParse(value);
  if (!parsed.success) return schemaError(parsed.error);
  const a = parsed.data;

  const timestamp = a.Time === undefined ? record.receivedAt.toISOString() : readTime(a.Time);
  if (timestamp === undefined) return parseError('bad-timestamp', `Time ${JSON.stringify(a.Time)} is not a valid date`);
  const client = a.ClientAddress === undefined ? undefined : readAddress(a.ClientAddress);
  if (client === null) return parseError('bad-field', `ClientAddress ${JSON.stringify(a.ClientAddress)} has no valid IPv4/IPv6 address or port`);

  const kind = AUDIT_KINDS[a.EventType] ?? OTHER;
  const fn = kind === OTHER ? a.EventType.replace(AUDIT_PREFIX, '').replace(EVENT_TYPE_SUFFIX, '') : kind.service;
  const attribute = typeof a.AttributeId === 'number' ? ATTRIBUTES[a.AttributeId] || String(a.AttributeId) : a.AttributeId;
  const event: EcsDraft = {
    '@timestamp': timestamp,
    event: {
      kind: 'event',
      category: kind.category,
      type: kind.type,
      action: `opcua-${a.EventType.replace(AUDIT_PREFIX, '').replace(EVENT_TYPE_SUFFIX, '').replace(CAMEL_BOUNDARY, '$1-$2').toLowerCase()}`,
      outcome: a.Status ? 'success' : 'failure',
      module: 'opcua',
      dataset: 'opcua.audit',
      code: a.EventType,
      original: record.text,
      ...(a.Severity !== undefined ? { severity: a.Severity } : {}),
    },
    network: { protocol: 'opcua', transport: 'tcp', ...(client?.ip ? { type: ipFamily(client.ip) === 6 ? 'ipv6' : 'ipv4' } : {}) },
    ics: {
      protocol: 'opcua',
      service: kind === OTHER ? a.EventType : kind.service,
      function: fn,
      is_write: kind.isWrite,
      direction: 'request',
      ...(a.SessionId ? { session_id: a.SessionId } : {}),
      ...(a.NodeId ?? a.MethodId ? { address: a.NodeId ?? a.MethodId } : {}),
      ...(a.NewValue !== undefined ? { value: valueText(a.NewValue) } : {}),
      ...(attribute ? { subfunction: attribute } : {}),
    },
  };
  if (client) event.source = client;
  if (a.ClientUserId) event.user = { name: a.ClientUserId };
  if (a.Message) event.message = a.Message;
  if (a.ServerId) event.observer = { name: a.ServerId, product: 'OPC UA server' };
  const labels: Record<string, string> = {};
  if (a.ClientAuditEntryId) labels.client_audit_entry_id = a.ClientAuditEntryId;
  if (a.SourceName) labels.source_name = a.SourceName;
  if (a.SecurityPolicyUri) labels.security_policy_uri = a.SecurityPolicyUri;
  if (a.OldValue !== undefined) labels.old_value = valueText(a.OldValue);
  if (Object.keys(labels).length > 0) event.labels = labels;
  return { kind: 'event', event };
}

/** The first schema problem, with the error code that fits it. */
function schemaError(error: z.ZodError): ParseOutcome {
  const issue = error.issues[0];
  const field = issue.path.join('.') || 'record';
  if (field === 'Time') return parseError('bad-timestamp', `Time ${issue.message}`);
  if (field === 'EventType' && issue.code !== 'invalid_type') return parseError('unrecognised', `EventType ${issue.message}`);
  if (issue.code === 'invalid_type') {
    return parseError('malformed', `${field}: ${issue.message}`);
  }
  return parseError('bad-field', `${field}: ${issue.message}`);
}

function readTime(time: string | number): string | undefined {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * ClientAddress forms: `10.1.2.3`, `2001:db8::5`, `[2001:db8::5]:53211`,
 * `10.1.2.3:53211`, `opc.tcp://[2001:db8::5]:53211`, `opc.tcp://eng-ws-07:53211`.
 * Null when it names an IP that is not one, or a port out of range.
 */
function readAddress(text: string): { ip?: string; port?: number; address: string; domain?: string } | null {
  let rest = text.trim();
  const scheme = SCHEME.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  const slash = rest.indexOf('/');
  if (slash !== -1) rest = rest.slice(0, slash);
  let host = rest;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) return null;
    host = rest.slice(1, close);
    if (rest.length > close + 1) {
      if (rest[close + 1] !== ':') return null;
      portText = rest.slice(close + 2);
    }
  } else if (rest.indexOf(':') !== -1 && rest.indexOf(':') === rest.lastIndexOf(':')) {
    host = rest.slice(0, rest.indexOf(':'));
    portText = rest.slice(rest.indexOf(':') + 1);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = PORT.test(portText) ? Number(portText) : NaN;
    if (!(port <= 65535)) return null;
  }
  const ip = canonicalIp(host);
  if (ip === null) {
    // A host name is fine; something shaped like an address that does not parse is not.
    if (host.length === 0 || LOOKS_NUMERIC_IP.test(host) || host.includes(':')) return null;
    return { address: host, domain: host, ...(port !== undefined ? { port } : {}) };
  }
  return { ip, address: host, ...(port !== undefined ? { port } : {}) };
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
