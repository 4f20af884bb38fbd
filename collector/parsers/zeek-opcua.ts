// {"ts":1732543201.5,"uid":"CtPZjS20MLrsMUOJi2","id.orig_h":"2001:db8::10","id.orig_p":56322,"id.resp_h":"2001:db8::20","id.resp_p":4840,"msg_type":"MSG","is_final":"F","total_size":257,"req_identifier_str":"ActivateSessionRequest","res_identifier_str":"ActivateSessionResponse"}
/**
 * OPC UA Binary from Zeek with CISA's ICSNPP-OPCUA-Binary. Read in full:
 * opcua_binary.log (one line per message, with the request and response
 * service identifiers), opcua_binary_status_code_detail.log (every status
 * code a response carried), opcua_binary_write.log,
 * opcua_binary_activate_session.log (the identity presented: user name,
 * never the password column), opcua_binary_create_session.log and
 * opcua_binary_close_session.log. Any other `opcua_binary_*` log read with
 * its header (or as JSON with `_path`) gives a generic event named after the
 * log, so a stream carrying all of ICSNPP's files never dead-letters.
 *
 * `ics.is_write` marks services that change the address space or process:
 * Write, Call, AddNodes, DeleteNodes, AddReferences, DeleteReferences,
 * HistoryUpdate.
 */
import type { Parser } from './types.js';
import type { ZeekLayout, ZeekRow } from './zeek/reader.js';
import type { ZeekDraft, ZeekMapper } from './zeek/parser.js';
import { assign, count, direction, slug, str, zeekParser } from './zeek/parser.js';
import { lookupTable } from './support.js';

const CONN = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'];
const SRC_DST = ['is_orig', 'source_h', 'source_p', 'destination_h', 'destination_p'];
const NODE_ID = (prefix: string): string[] =>
  ['encoding_mask', 'namespace_idx', 'numeric', 'string', 'guid', 'opaque'].map((part) => `${prefix}_${part}`);

/** ICSNPP default columns (link-id columns included, as Zeek writes them), main log first. */
export const OPCUA_LAYOUTS: readonly ZeekLayout[] = [
  {
    path: 'opcua_binary',
    fields: [...CONN, 'msg_type', 'is_final', 'total_size', 'error', 'reason', 'version', 'rcv_buf_size',
      'snd_buf_size', 'max_msg_size', 'max_chunk_cnt', 'endpoint_url', 'sec_channel_id', 'sec_policy_uri_len',
      'sec_policy_uri', 'snd_cert_len', 'snd_cert', 'rcv_cert_len', 'rcv_cert', 'request_id',
      'req_opcua_link_id', 'req_msg_size', 'req_seq_number', 'req_encoding_mask', 'req_namespace_idx',
      'req_identifier', 'req_identifier_str', 'req_hdr_node_id_type', 'req_hdr_node_id_namespace_idx',
      'req_hdr_node_id_numeric', 'req_hdr_node_id_string', 'req_hdr_node_id_guid', 'req_hdr_node_id_opaque',
      'req_hdr_timestamp', 'req_hdr_request_handle', 'req_hdr_return_diag', 'req_hdr_audit_entry_id',
      'req_hdr_timeout_hint', 'req_hdr_add_hdr_type_id', 'req_hdr_add_hdr_enc_mask',
      'res_opcua_link_id', 'res_msg_size', 'res_seq_number', 'res_encoding_mask', 'res_namespace_idx',
      'res_identifier', 'res_identifier_str', 'res_hdr_timestamp', 'res_hdr_request_handle', 'status_code_link_id',
      'res_hdr_service_diag_encoding', 'res_hdr_add_hdr_type_id', 'res_hdr_add_hdr_enc_mask'],
    marker: 'msg_type',
  },
  {
    path: 'opcua_binary_status_code_detail',
    fields: [...CONN, ...SRC_DST, 'status_code_link_id', 'source', 'source_str', 'source_level', 'status_code',
      'severity', 'severity_str', 'sub_code', 'sub_code_str', 'structure_changed', 'semantics_changed', 'info_type',
      'info_type_str', 'limit_bits', 'limit_bits_str', 'overflow', 'historian_bits', 'historian_bits_str',
      'historianPartial', 'historianExtraData', 'historianMultiValue'],
    marker: 'sub_code_str',
  },
  {
    path: 'opcua_binary_write',
    fields: [...CONN, ...SRC_DST, 'opcua_link_id', ...NODE_ID('node_id'), 'attribute_id', 'attribute_id_str',
      'index_range', 'data_value_encoding_mask', 'req_status_code_link_id', 'source_timestamp', 'source_pico_sec',
      'server_timestamp', 'server_pico_sec', 'write_results_variant_metadata_link_id', 'res_status_code_link_id',
      'diag_info_link_id'],
    marker: 'data_value_encoding_mask',
  },
  {
    path: 'opcua_binary_activate_session',
    fields: [...CONN, ...SRC_DST, 'opcua_link_id', 'client_algorithm', 'client_signature',
      'client_software_cert_link_id', 'opcua_locale_link_id', ...NODE_ID('ext_obj_type_id'), 'ext_obj_type_id_str',
      'ext_obj_encoding', 'ext_obj_policy_id', 'ext_obj_user_name', 'ext_obj_password',
      'ext_obj_encryption_algorithom', 'ext_obj_certificate_data', 'ext_obj_token_data', 'user_token_algorithm',
      'user_token_signature', 'server_nonce', 'status_code_link_id', 'activate_session_diag_info_link_id'],
    marker: 'ext_obj_type_id_str',
  },
  {
    path: 'opcua_binary_create_session',
    fields: [...CONN, ...SRC_DST, 'opcua_link_id', 'application_uri', 'product_uri', 'encoding_mask', 'locale',
      'text', 'application_type', 'gateway_server_uri', 'discovery_profile_uri', 'discovery_profile_link_id',
      'server_uri', 'endpoint_url', 'session_name', 'client_nonce', 'client_cert_size', 'client_cert',
      'req_session_timeout', 'max_res_msg_size', ...NODE_ID('session_id'), ...NODE_ID('auth_token'),
      'revised_session_timeout', 'server_nonce', 'server_cert_size', 'server_cert', 'endpoint_link_id', 'algorithm',
      'signature', 'max_req_msg_size'],
    marker: 'session_name',
  },
  {
    path: 'opcua_binary_close_session',
    fields: [...CONN, ...SRC_DST, 'opcua_link_id', 'del_subscriptions'],
    marker: 'del_subscriptions',
  },
];

/** Transport message types (OPC UA Part 6, 7.1.2). */
const MESSAGE_TYPES: Readonly<Record<string, string>> = lookupTable({
  HEL: 'Hello', ACK: 'Acknowledge', RHE: 'ReverseHello', ERR: 'Error',
  OPN: 'OpenSecureChannel', CLO: 'CloseSecureChannel', MSG: 'Message',
});

const WRITE_SERVICES = new Set(['Write', 'Call', 'AddNodes', 'DeleteNodes', 'AddReferences', 'DeleteReferences', 'HistoryUpdate']);

/** Extra ECS categories of session services. */
const SESSION_CATEGORIES: Readonly<Record<string, string[]>> = lookupTable({
  ActivateSession: ['network', 'authentication'],
  CreateSession: ['network', 'session'],
  CloseSession: ['network', 'session'],
});

const SERVICE_SUFFIX = /(Request|Response)$/;
const CAMEL_BOUNDARY = /([a-z0-9])([A-Z])/g;

/** `ActivateSessionRequest` -> `ActivateSession`. */
function serviceFunction(service: string): string {
  return service.replace(SERVICE_SUFFIX, '');
}

/** `ActivateSession` -> `opcua-activate-session`. */
function actionOf(fn: string): string {
  return `opcua-${slug(fn.replace(CAMEL_BOUNDARY, '$1-$2'))}`;
}

/** Set function, write flag, action and categories from a service function name. */
function applyService(draft: ZeekDraft, fn: string, service?: string): void {
  assign(draft.ics, { function: fn, service, is_write: WRITE_SERVICES.has(fn) });
  draft.event.action = actionOf(fn);
  const categories = SESSION_CATEGORIES[fn];
  if (categories) draft.event.category = categories;
}

/** NodeId in OPC UA text form (`ns=1;s=the.answer`, `i=85`) from the six ICSNPP node-id columns. */
function nodeIdText(row: ZeekRow, prefix: string): string | undefined {
  const ns = str(row, `${prefix}_namespace_idx`);
  const nsPart = ns === undefined || ns === '0' ? '' : `ns=${ns};`;
  const numeric = str(row, `${prefix}_numeric`);
  if (numeric !== undefined) return `${nsPart}i=${numeric}`;
  const text = str(row, `${prefix}_string`);
  if (text !== undefined) return `${nsPart}s=${text}`;
  const guid = str(row, `${prefix}_guid`);
  if (guid !== undefined) return `${nsPart}g=${guid}`;
  const opaque = str(row, `${prefix}_opaque`);
  if (opaque !== undefined) return `${nsPart}b=${opaque}`;
  return undefined;
}

/** Service name of a per-service log row: the request from the client, the response from the server. */
function serviceByDirection(row: ZeekRow, fn: string): string | undefined {
  const dir = direction(row);
  return dir === undefined ? undefined : `${fn}${dir === 'request' ? 'Request' : 'Response'}`;
}

const mapMessage: ZeekMapper = (row, draft) => {
  const msgType = str(row, 'msg_type');
  const request = str(row, 'req_identifier_str') ?? str(row, 'identifier_str');
  const response = str(row, 'res_identifier_str');
  const service = request ?? response;
  const fn = service ? serviceFunction(service) : (msgType && MESSAGE_TYPES[msgType]) ?? msgType ?? 'Message';
  applyService(draft, fn, service);
  assign(draft.ics, {
    function_code: count(row, 'req_identifier') ?? count(row, 'res_identifier') ?? count(row, 'identifier'),
    direction: request !== undefined && response !== undefined ? 'both' : request !== undefined ? 'request' : response !== undefined ? 'response' : undefined,
    subfunction: msgType,
  });
  const endpoint = str(row, 'endpoint_url');
  if (endpoint) draft.url = { original: endpoint };
  const policy = str(row, 'sec_policy_uri');
  if (policy) draft.labels = { security_policy_uri: policy };
  if (msgType === 'ERR') {
    const error = count(row, 'error');
    draft.ics.exception = str(row, 'reason') ?? (error === undefined ? 'ERR' : `0x${error.toString(16).padStart(8, '0')}`);
    draft.event.outcome = 'failure';
  }
};

/** OPC UA StatusCode severity (top two bits): 0 Good, 1 Uncertain, 2 and 3 Bad. */
const BAD_SEVERITY = 2;

const mapStatusCode: ZeekMapper = (row, draft) => {
  const source = str(row, 'source_str');
  const code = str(row, 'status_code');
  const name = str(row, 'sub_code_str') ?? code ?? 'unknown';
  const severityText = str(row, 'severity_str');
  const severity = count(row, 'severity');
  const bad = severityText === 'Severity_Bad' || (severity !== undefined && severity >= BAD_SEVERITY);
  const text = code !== undefined && code !== name ? `${name} (${code})` : name;
  assign(draft.ics, { function: source, direction: direction(row), is_write: false });
  draft.event.action = 'opcua-status-code';
  if (bad) {
    draft.ics.exception = text;
    draft.event.outcome = 'failure';
  } else {
    draft.ics.status = text;
    if (severityText === 'Severity_Good' || severity === 0) draft.event.outcome = 'success';
  }
};

const mapWrite: ZeekMapper = (row, draft) => {
  applyService(draft, 'Write', serviceByDirection(row, 'Write'));
  assign(draft.ics, {
    address: nodeIdText(row, 'node_id'),
    subfunction: str(row, 'attribute_id_str'),
    direction: direction(row),
  });
};

const mapActivateSession: ZeekMapper = (row, draft) => {
  applyService(draft, 'ActivateSession', serviceByDirection(row, 'ActivateSession'));
  assign(draft.ics, { subfunction: str(row, 'ext_obj_type_id_str'), direction: direction(row) });
  // The identity presented; ext_obj_password is deliberately not copied into the event.
  const user = str(row, 'ext_obj_user_name');
  if (user) draft.user = { name: user };
  const policy = str(row, 'ext_obj_policy_id');
  if (policy) draft.labels = { user_token_policy_id: policy };
};

const mapCreateSession: ZeekMapper = (row, draft) => {
  applyService(draft, 'CreateSession', serviceByDirection(row, 'CreateSession'));
  assign(draft.ics, { direction: direction(row) });
  const endpoint = str(row, 'endpoint_url');
  if (endpoint) draft.url = { original: endpoint };
  const labels: Record<string, string> = {};
  const application = str(row, 'application_uri');
  if (application) labels.application_uri = application;
  const sessionName = str(row, 'session_name');
  if (sessionName) labels.session_name = sessionName;
  const sessionId = nodeIdText(row, 'session_id');
  if (sessionId) labels.opcua_session_id = sessionId;
  if (Object.keys(labels).length > 0) draft.labels = labels;
};

const mapCloseSession: ZeekMapper = (row, draft) => {
  applyService(draft, 'CloseSession', serviceByDirection(row, 'CloseSession'));
  assign(draft.ics, { direction: direction(row) });
};

const OTHER_PREFIX = 'opcua_binary_';

/** Any other ICSNPP OPC UA log: an event named after the log. */
function mapOther(path: string): ZeekMapper | undefined {
  if (!path.startsWith(OTHER_PREFIX)) return undefined;
  const part = path.slice(OTHER_PREFIX.length);
  return (row, draft) => {
    assign(draft.ics, { function: part, direction: direction(row), is_write: false });
    draft.event.action = `opcua-${slug(part)}`;
  };
}

export const zeekOpcuaParser: Parser = zeekParser({
  name: 'zeek-opcua',
  description: 'OPC UA Binary from Zeek with ICSNPP-OPCUA-Binary (messages, status codes, write, session services), TSV or JSON',
  sample: '{"ts":1732543201.5,"uid":"CtPZjS20MLrsMUOJi2","id.orig_h":"2001:db8::10","id.orig_p":56322,"id.resp_h":"2001:db8::20","id.resp_p":4840,"msg_type":"MSG","is_final":"F","total_size":257,"req_identifier_str":"ActivateSessionRequest","res_identifier_str":"ActivateSessionResponse"}',
  protocol: 'opcua',
  layouts: OPCUA_LAYOUTS,
  mappers: {
    opcua_binary: mapMessage,
    opcua_binary_status_code_detail: mapStatusCode,
    opcua_binary_write: mapWrite,
    opcua_binary_activate_session: mapActivateSession,
    opcua_binary_create_session: mapCreateSession,
    opcua_binary_close_session: mapCloseSession,
  },
  fallback: mapOther,
});
