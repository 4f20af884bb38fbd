/**
 * Line builders shared by background traffic and attack scenarios: one
 * function per protocol exchange, each returning finished `SimLine`s in the
 * native format of its parser. Scenarios and background differ only in who
 * talks to whom, never in how a line looks.
 */
import { isIP } from 'node:net';
import type { Asset } from '../../core/orgs.js';
import { renderAccess, type AccessRecord } from './formats/access-combined.js';
import { renderAppAudit, type AppAuditRecord } from './formats/app-audit.js';
import { renderBindQuery, type BindQueryRecord } from './formats/bind-query.js';
import { renderCef, type CefRecord } from './formats/cef.js';
import { renderHandleAccess, type HandleAccessRecord } from './formats/handle-access.js';
import { renderIptables, type IptablesRecord } from './formats/iptables.js';
import { renderOpcuaAudit, type OpcuaAuditRecord } from './formats/opcua-audit.js';
import { renderResolverJson, type ResolverRecord } from './formats/resolver-json.js';
import { Dnp3Log, ModbusLog, OpcuaBinaryLog, renderZeekRow, S7commLog } from './formats/zeek.js';
import { hash32, type Rng } from './prng.js';
import type { Micros } from './time.js';
import { macOf, type IndustrialSite, type SimLine } from './world.js';

/** Who made a line and, for attack lines, under which scenario. */
export interface Origin {
  readonly org: string;
  readonly scenario?: string;
}

/** One TCP connection as Zeek sees it (the uid ties rows together). */
export interface Conn {
  readonly uid: string;
  readonly client: string;
  readonly clientPort: number;
  readonly server: string;
  readonly serverPort: number;
}

export const ProtocolPorts = { modbus: 502, s7comm: 102, opcua: 4840, dnp3: 20000 } as const;

export function newConn(rng: Rng, client: string, server: string, serverPort: number): Conn {
  return { uid: rng.zeekUid(), client, clientPort: rng.ephemeralPort(), server, serverPort };
}

function line(origin: Origin, parser: SimLine['parser'], time: Micros, text: string): SimLine {
  return origin.scenario ? { time, parser, org: origin.org, line: text, scenario: origin.scenario } : { time, parser, org: origin.org, line: text };
}

const connFields = (c: Conn, time: Micros) => ({
  'ts': time, 'uid': c.uid, 'id.orig_h': c.client, 'id.orig_p': c.clientPort, 'id.resp_h': c.server, 'id.resp_p': c.serverPort,
});

// ---- Modbus ---------------------------------------------------------------

export function modbus(origin: Origin, time: Micros, c: Conn, func: string, exception?: string): SimLine {
  return line(origin, 'zeek-modbus', time, renderZeekRow(ModbusLog, { ...connFields(c, time), func, exception }));
}

// ---- S7comm ---------------------------------------------------------------

export interface S7Function {
  readonly rosctr: 'Job-Request' | 'User-Data';
  readonly code: string;
  readonly name: string;
  readonly subCode?: string;
  readonly subName?: string;
}

/** S7comm parameter functions, as icsnpp-s7comm names them (scripts/consts.zeek). */
export const S7 = {
  setup: { rosctr: 'Job-Request', code: '0xf0', name: 'Setup Communication' },
  read: { rosctr: 'Job-Request', code: '0x04', name: 'Read Variable' },
  write: { rosctr: 'Job-Request', code: '0x05', name: 'Write Variable' },
  requestDownload: { rosctr: 'Job-Request', code: '0x1a', name: 'Request Download' },
  downloadBlock: { rosctr: 'Job-Request', code: '0x1b', name: 'Download Block' },
  downloadEnded: { rosctr: 'Job-Request', code: '0x1c', name: 'Download Ended' },
  plcControl: { rosctr: 'Job-Request', code: '0x28', name: 'PLC Control', subCode: 'P_PROGRAM', subName: 'PLC Start / Stop' },
  plcStop: { rosctr: 'Job-Request', code: '0x29', name: 'PLC Stop' },
  readSzl: { rosctr: 'User-Data', code: '0x44', name: 'CPU Functions', subCode: '0x01', subName: 'Read SZL' },
  readClock: { rosctr: 'User-Data', code: '0x47', name: 'Time Functions', subCode: '0x01', subName: 'Read Clock' },
  listBlocks: { rosctr: 'User-Data', code: '0x43', name: 'Block Functions', subCode: '0x01', subName: 'List Blocks' },
} as const satisfies Record<string, S7Function>;

/** A request row and its acknowledgement row, `latency` microseconds apart. */
export function s7Exchange(origin: Origin, time: Micros, c: Conn, pduRef: number, fn: S7Function, latency: Micros): SimLine[] {
  const userData = fn.rosctr === 'User-Data';
  const base = connFields(c, time);
  const req = renderZeekRow(S7commLog, {
    ...base, 'is_orig': true, 'source_h': c.client, 'source_p': c.clientPort, 'destination_h': c.server, 'destination_p': c.serverPort,
    'rosctr_code': userData ? 7 : 1, 'rosctr_name': fn.rosctr, 'pdu_reference': pduRef,
    'function_code': fn.code, 'function_name': userData ? `Request: ${fn.name}` : fn.name,
    'subfunction_code': fn.subCode, 'subfunction_name': fn.subName,
  });
  const respCode = userData ? `0x${(parseInt(fn.code, 16) + 0x40).toString(16)}` : fn.code;
  const res = renderZeekRow(S7commLog, {
    ...connFields(c, time + latency), 'is_orig': false, 'source_h': c.server, 'source_p': c.serverPort, 'destination_h': c.client, 'destination_p': c.clientPort,
    'rosctr_code': userData ? 7 : 3, 'rosctr_name': userData ? 'User-Data' : 'ACK-Data', 'pdu_reference': pduRef,
    'function_code': respCode, 'function_name': userData ? `Response: ${fn.name}` : fn.name,
    'subfunction_code': userData ? fn.subCode : undefined, 'subfunction_name': userData ? fn.subName : undefined,
    'error_class': 'No error', 'error_code': '0x00',
  });
  return [line(origin, 'zeek-s7comm', time, req), line(origin, 'zeek-s7comm', time + latency, res)];
}

// ---- OPC UA binary --------------------------------------------------------

/** OPC UA service request/response node ids (binary encoding ids). */
export const OpcuaServices = {
  CreateSession: [461, 464],
  ActivateSession: [467, 470],
  CloseSession: [473, 476],
  Browse: [527, 530],
  Read: [631, 634],
  Write: [673, 676],
  CreateSubscription: [787, 790],
  Publish: [826, 829],
} as const;
export type OpcuaService = keyof typeof OpcuaServices;

export interface OpcuaSession {
  readonly conn: Conn;
  readonly channelId: number;
  readonly sessionGuid: string;
  seq: number;
  handle: number;
}

export function opcuaHello(origin: Origin, time: Micros, s: OpcuaSession, endpointUrl: string): SimLine[] {
  const c = s.conn;
  const hel = renderZeekRow(OpcuaBinaryLog, {
    ...connFields(c, time), msg_type: 'HEL', is_final: 'F', total_size: 56 + endpointUrl.length,
    version: 0, rcv_buf_size: 65535, snd_buf_size: 65535, max_msg_size: 0, max_chunk_cnt: 0, endpoint_url: endpointUrl,
  });
  const opn = renderZeekRow(OpcuaBinaryLog, {
    ...connFields(c, time + 900), msg_type: 'OPN', is_final: 'F', total_size: 267,
    sec_channel_id: s.channelId, sec_policy_uri_len: 47, sec_policy_uri: 'http://opcfoundation.org/UA/SecurityPolicy#None',
    snd_cert_len: -1, rcv_cert_len: -1, request_id: 1,
    req_msg_size: 132, req_seq_number: 1, req_encoding_mask: 1, req_namespace_idx: 0, req_identifier: 446, req_identifier_str: 'OpenSecureChannelRequest',
    req_hdr_node_id_type: '0x00', req_hdr_node_id_numeric: 0, req_hdr_timestamp: time + 900, req_hdr_request_handle: 0, req_hdr_return_diag: 0,
    req_hdr_audit_entry_id: '', req_hdr_timeout_hint: 0, req_hdr_add_hdr_type_id: 0, req_hdr_add_hdr_enc_mask: 0,
    res_msg_size: 135, res_seq_number: 1, res_encoding_mask: 1, res_namespace_idx: 0, res_identifier: 449, res_identifier_str: 'OpenSecureChannelResponse',
    res_hdr_timestamp: time + 1500, res_hdr_request_handle: 0, res_hdr_service_diag_encoding: 0, res_hdr_add_hdr_type_id: 0, res_hdr_add_hdr_enc_mask: 0,
  });
  return [line(origin, 'zeek-opcua', time, hel), line(origin, 'zeek-opcua', time + 900, opn)];
}

/** One service call (request and response merged on one row, as icsnpp-opcua-binary logs them). */
export function opcuaCall(origin: Origin, time: Micros, s: OpcuaSession, service: OpcuaService, latency: Micros): SimLine {
  const [reqId, resId] = OpcuaServices[service];
  s.seq += 1;
  s.handle += 1;
  const reqSize = service === 'ActivateSession' ? 161 : service === 'CreateSession' ? 166 : 113 + (s.seq % 7) * 8;
  const resSize = service === 'Read' ? 96 + (s.seq % 5) * 12 : service === 'CreateSession' ? 578 : 96;
  const preSession = service === 'CreateSession';
  const row = renderZeekRow(OpcuaBinaryLog, {
    ...connFields(s.conn, time), msg_type: 'MSG', is_final: 'F', total_size: reqSize + resSize + 16,
    sec_channel_id: s.channelId, request_id: s.seq,
    req_msg_size: reqSize, req_seq_number: s.seq, req_encoding_mask: 1, req_namespace_idx: 0, req_identifier: reqId, req_identifier_str: `${service}Request`,
    req_hdr_node_id_type: preSession ? '0x00' : '0x04', req_hdr_node_id_namespace_idx: preSession ? undefined : 1,
    req_hdr_node_id_numeric: preSession ? 0 : undefined, req_hdr_node_id_guid: preSession ? undefined : s.sessionGuid,
    req_hdr_timestamp: time, req_hdr_request_handle: s.handle, req_hdr_return_diag: 0, req_hdr_audit_entry_id: '',
    req_hdr_timeout_hint: service === 'ActivateSession' ? 600000 : 10000, req_hdr_add_hdr_type_id: 0, req_hdr_add_hdr_enc_mask: 0,
    res_msg_size: resSize, res_seq_number: s.seq, res_encoding_mask: 1, res_namespace_idx: 0, res_identifier: resId, res_identifier_str: `${service}Response`,
    res_hdr_timestamp: time + latency, res_hdr_request_handle: s.handle, res_hdr_service_diag_encoding: 0, res_hdr_add_hdr_type_id: 0, res_hdr_add_hdr_enc_mask: 0,
  });
  return line(origin, 'zeek-opcua', time, row);
}

export function newOpcuaSession(rng: Rng, conn: Conn): OpcuaSession {
  return { conn, channelId: rng.int(1, 200), sessionGuid: rng.uuid(), seq: 1, handle: rng.int(1, 50) };
}

export function opcuaAudit(origin: Origin, record: OpcuaAuditRecord): SimLine {
  return line(origin, 'opcua-audit', record.time, renderOpcuaAudit(record));
}

/** The OPC UA server URI of an asset, as its audit events name it. */
export function opcuaServerId(site: IndustrialSite, server: Asset): string {
  return `urn:${site.org.id}:${server.hostname ?? server.id}:opcua`;
}

// ---- DNP3 -----------------------------------------------------------------

export function dnp3(origin: Origin, time: Micros, c: Conn, fcRequest: string | undefined, fcReply: string | undefined, iin: number): SimLine {
  return line(origin, 'zeek-dnp3', time, renderZeekRow(Dnp3Log, { ...connFields(c, time), fc_request: fcRequest, fc_reply: fcReply, iin }));
}

// ---- Gateway firewall (iptables) and zone firewall (CEF) ------------------

export interface Packet {
  readonly src: string;
  readonly dst: string;
  readonly proto: 'TCP' | 'UDP';
  readonly spt: number;
  readonly dpt: number;
}

/** A netfilter LOG line from the site's edge gateway. Inbound from outside arrives on eth0. */
export function iptables(origin: Origin, time: Micros, site: IndustrialSite, action: IptablesRecord['action'], p: Packet, forwarded: boolean, rng: Rng): SimLine {
  // Uptime wraps every 90 days so that any --start gives a plausible, growing kernel stamp.
  const bootOffset = (hash32(site.gateway.id + site.org.id) % (40 * 86400)) + 3600;
  const record: IptablesRecord = {
    time, host: site.gateway.hostname ?? site.gateway.id,
    uptimeSeconds: bootOffset + (time / 1e6) % (90 * 86400),
    action, inIf: p.src.startsWith('10.') || p.src.startsWith(`2001:db8:${siteNet(site)}:`) ? 'eth1' : 'eth0',
    outIf: forwarded ? (p.dst.startsWith('10.') || p.dst.startsWith(`2001:db8:${siteNet(site)}:`) ? 'eth1' : 'eth0') : '',
    dstMac: macOf(`${site.org.id}/gw`), srcMac: macOf(`${site.org.id}/${p.src}`),
    src: p.src, dst: p.dst, proto: p.proto, spt: p.spt, dpt: p.dpt,
    ttl: isIP(p.src) === 6 ? 64 : rng.pick([52, 56, 63, 64, 116, 128]), ipId: rng.int(1, 65535), window: rng.pick([29200, 64240, 65535, 14600]),
  };
  return line(origin, 'iptables', time, renderIptables(record));
}

/** The network number N of a site (10.N.x.x / 2001:db8:N::/48). */
export function siteNet(site: IndustrialSite): string {
  const v4 = site.gateway.ips.find((ip) => isIP(ip) === 4) ?? '10.0.0.1';
  return v4.split('.')[1];
}

export function cef(origin: Origin, site: IndustrialSite, r: Omit<CefRecord, 'host' | 'vendor' | 'product' | 'version'>): SimLine {
  const fw = site.firewall;
  const version = fw.vendor === 'Fortinet' ? '7.2.8' : '4.3';
  return line(origin, 'cef', r.time, renderCef({ ...r, host: fw.hostname ?? fw.id, vendor: fw.vendor ?? 'Generic', product: fw.model ?? 'Firewall', version }));
}

// ---- Platform -------------------------------------------------------------

export function access(origin: Origin, r: AccessRecord): SimLine {
  return line(origin, 'access-combined', r.time, renderAccess(r));
}

export function appAudit(origin: Origin, r: AppAuditRecord): SimLine {
  return line(origin, 'app-audit', r.time, renderAppAudit(r));
}

// ---- Identifier resolution ------------------------------------------------

export function handleAccess(origin: Origin, r: HandleAccessRecord): SimLine {
  return line(origin, 'handle-access', r.time, renderHandleAccess(r));
}

export function bindQuery(origin: Origin, r: BindQueryRecord): SimLine {
  return line(origin, 'bind-query', r.time, renderBindQuery(r));
}

export function resolverJson(origin: Origin, r: ResolverRecord): SimLine {
  return line(origin, 'resolver-json', r.time, renderResolverJson(r));
}
