/**
 * Zeek TSV logs in the shape of CISA/INL's ICSNPP plugins (modbus.log,
 * s7comm.log, opcua_binary.log, dnp3.log): a `#` header naming fields and
 * types, then one tab-separated row per record, `-` for unset and
 * `(empty)` for empty strings.
 */
import { zeekStamp, zeekTime, type Micros } from '../time.js';

export interface ZeekLog {
  readonly path: string;
  readonly fields: readonly (readonly [name: string, type: string])[];
}

export type ZeekValue = string | number | boolean | undefined;

const conn = [['ts', 'time'], ['uid', 'string'], ['id.orig_h', 'addr'], ['id.orig_p', 'port'], ['id.resp_h', 'addr'], ['id.resp_p', 'port']] as const;

/** Zeek's base modbus.log, as the icsnpp-modbus baseline writes it. */
export const ModbusLog: ZeekLog = {
  path: 'modbus',
  fields: [...conn, ['func', 'string'], ['exception', 'string']],
};

export const S7commLog: ZeekLog = {
  path: 's7comm',
  fields: [
    ...conn, ['is_orig', 'bool'], ['source_h', 'addr'], ['source_p', 'port'], ['destination_h', 'addr'], ['destination_p', 'port'],
    ['rosctr_code', 'count'], ['rosctr_name', 'string'], ['pdu_reference', 'count'], ['function_code', 'string'], ['function_name', 'string'],
    ['subfunction_code', 'string'], ['subfunction_name', 'string'], ['error_class', 'string'], ['error_code', 'string'],
  ],
};

/** The 55 columns of the icsnpp-opcua-binary baseline (request and response merged on one row). */
export const OpcuaBinaryLog: ZeekLog = {
  path: 'opcua_binary',
  fields: [
    ...conn, ['msg_type', 'string'], ['is_final', 'string'], ['total_size', 'count'], ['error', 'count'], ['reason', 'string'],
    ['version', 'count'], ['rcv_buf_size', 'count'], ['snd_buf_size', 'count'], ['max_msg_size', 'count'], ['max_chunk_cnt', 'count'], ['endpoint_url', 'string'],
    ['sec_channel_id', 'count'], ['sec_policy_uri_len', 'int'], ['sec_policy_uri', 'string'], ['snd_cert_len', 'int'], ['snd_cert', 'string'],
    ['rcv_cert_len', 'int'], ['rcv_cert', 'string'], ['request_id', 'count'],
    ['req_msg_size', 'count'], ['req_seq_number', 'count'], ['req_encoding_mask', 'count'], ['req_namespace_idx', 'count'], ['req_identifier', 'count'],
    ['req_identifier_str', 'string'], ['req_hdr_node_id_type', 'string'], ['req_hdr_node_id_namespace_idx', 'count'], ['req_hdr_node_id_numeric', 'count'],
    ['req_hdr_node_id_string', 'string'], ['req_hdr_node_id_guid', 'string'], ['req_hdr_node_id_opaque', 'string'], ['req_hdr_timestamp', 'time'],
    ['req_hdr_request_handle', 'count'], ['req_hdr_return_diag', 'count'], ['req_hdr_audit_entry_id', 'string'], ['req_hdr_timeout_hint', 'count'],
    ['req_hdr_add_hdr_type_id', 'count'], ['req_hdr_add_hdr_enc_mask', 'count'],
    ['res_msg_size', 'count'], ['res_seq_number', 'count'], ['res_encoding_mask', 'count'], ['res_namespace_idx', 'count'], ['res_identifier', 'count'],
    ['res_identifier_str', 'string'], ['res_hdr_timestamp', 'time'], ['res_hdr_request_handle', 'count'], ['res_hdr_service_diag_encoding', 'count'],
    ['res_hdr_add_hdr_type_id', 'count'], ['res_hdr_add_hdr_enc_mask', 'count'],
  ],
};

export const Dnp3Log: ZeekLog = {
  path: 'dnp3',
  fields: [...conn, ['fc_request', 'string'], ['fc_reply', 'string'], ['iin', 'count']],
};

/** The header Zeek writes at the top of a log file. */
export function zeekHeader(log: ZeekLog, openedAt: Micros): string[] {
  return [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    `#path\t${log.path}`,
    `#open\t${zeekStamp(openedAt)}`,
    `#fields\t${log.fields.map(([n]) => n).join('\t')}`,
    `#types\t${log.fields.map(([, t]) => t).join('\t')}`,
  ];
}

/** The trailer Zeek writes when it closes (rotates) a log. */
export function zeekFooter(closedAt: Micros): string[] {
  return [`#close\t${zeekStamp(closedAt)}`];
}

function cell(value: ZeekValue, type: string): string {
  if (value === undefined) return '-';
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  if (type === 'time' && typeof value === 'number') return zeekTime(value);
  const text = String(value);
  if (text === '') return '(empty)';
  return text.replace(/\t/g, '\\x09');
}

/**
 * One row. `values` is keyed by field name; `ts` and other `time` fields are
 * Micros. Unknown keys throw, since they are a bug in the simulator.
 */
export function renderZeekRow(log: ZeekLog, values: Readonly<Record<string, ZeekValue>>): string {
  for (const key of Object.keys(values)) {
    if (!log.fields.some(([n]) => n === key)) throw new Error(`zeek ${log.path}: unknown field ${key}`);
  }
  return log.fields.map(([name, type]) => cell(values[name], type)).join('\t');
}
