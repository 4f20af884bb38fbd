/**
 * OPC UA server audit events (Part 5 audit event types), one JSON object a
 * line:
 *   {"EventType":"AuditActivateSessionEventType","Time":"2026-11-25T14:00:01.123Z","ServerId":"urn:plant1:opcua","ClientAuditEntryId":"...","ClientUserId":"operator1","Status":false,"SessionId":"ns=1;i=123","SourceName":"Session/ActivateSession","ClientAddress":"10.1.2.30","Severity":500,"Message":"..."}
 */
import { isoUtc, type Micros } from '../time.js';

interface AuditBase {
  readonly time: Micros;
  readonly serverId: string;
  readonly clientAuditEntryId: string;
  readonly clientUserId: string;
  readonly status: boolean;
  readonly sessionId: string;
  readonly clientAddress: string;
  readonly severity: number;
  readonly message: string;
}

export type OpcuaAuditRecord =
  | (AuditBase & { readonly type: 'AuditCreateSessionEventType' | 'AuditActivateSessionEventType' | 'AuditCloseSessionEventType' })
  | (AuditBase & {
    readonly type: 'AuditWriteUpdateEventType';
    readonly nodeId: string;
    readonly attributeId: number;
    readonly newValue: number | string | boolean;
    readonly oldValue: number | string | boolean;
  });

const SourceNames: Record<OpcuaAuditRecord['type'], string> = {
  AuditCreateSessionEventType: 'Session/CreateSession',
  AuditActivateSessionEventType: 'Session/ActivateSession',
  AuditCloseSessionEventType: 'Session/CloseSession',
  AuditWriteUpdateEventType: 'Attribute/Write',
};

export function renderOpcuaAudit(r: OpcuaAuditRecord): string {
  const base = {
    EventType: r.type,
    Time: isoUtc(r.time),
    ServerId: r.serverId,
    ClientAuditEntryId: r.clientAuditEntryId,
    ClientUserId: r.clientUserId,
    Status: r.status,
    SessionId: r.sessionId,
    SourceName: SourceNames[r.type],
    ClientAddress: r.clientAddress,
    Severity: r.severity,
  };
  const write = r.type === 'AuditWriteUpdateEventType'
    ? { NodeId: r.nodeId, AttributeId: r.attributeId, NewValue: r.newValue, OldValue: r.oldValue }
    : {};
  return JSON.stringify({ ...base, ...write, Message: r.message });
}
