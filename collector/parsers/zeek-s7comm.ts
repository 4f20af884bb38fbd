// 1732543201.238144	CHhAvVGS1DHFjwGM9	10.1.1.5	51212	10.1.1.21	102	T	10.1.1.5	51212	10.1.1.21	102	1	Job-Request	28	0x29	PLC Stop	-	-	-	-
/**
 * Siemens S7 from Zeek with CISA's ICSNPP-S7comm: s7comm.log (classic S7,
 * Job/Ack-Data/User-Data), s7comm_plus.log (S7comm-plus, S7-1200/1500),
 * s7comm_upload_download.log, s7comm_read_szl.log and
 * s7comm_known_devices.log. cotp.log rows are skipped: a COTP PDU carries no
 * S7 operation, and the S7 logs of the same connection already report it.
 *
 * `ics.is_write` marks what changes the PLC: Write Var, the download
 * functions, PLC Control (start, copy RAM to ROM, compress, delete block),
 * PLC Stop, Set Clock and the S7comm-plus object/variable writes.
 */
import type { Parser } from './types.js';
import type { ZeekLayout } from './zeek/reader.js';
import type { ZeekMapper } from './zeek/parser.js';
import { assign, count, direction, hex, slug, str, zeekParser } from './zeek/parser.js';
import { lookupTable } from './support.js';

const CONN = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'];
const SRC_DST = ['is_orig', 'source_h', 'source_p', 'destination_h', 'destination_p'];

/** ICSNPP default columns, main log first. */
export const S7COMM_LAYOUTS: readonly ZeekLayout[] = [
  {
    path: 's7comm',
    fields: [...CONN, ...SRC_DST, 'rosctr_code', 'rosctr_name', 'pdu_reference', 'function_code', 'function_name',
      'subfunction_code', 'subfunction_name', 'error_class', 'error_code'],
    marker: 'rosctr_code',
  },
  {
    path: 's7comm_plus',
    fields: [...CONN, ...SRC_DST, 'version', 'opcode', 'opcode_name', 'function_code', 'function_name'],
    marker: 'opcode',
  },
  {
    path: 's7comm_upload_download',
    fields: [...CONN, ...SRC_DST, 'rosctr', 'pdu_reference', 'function_name', 'function_status', 'session_id',
      'blocklength', 'filename', 'block_type', 'block_number', 'destination_filesystem'],
    marker: 'blocklength',
  },
  {
    path: 's7comm_read_szl',
    fields: [...CONN, ...SRC_DST, 'pdu_reference', 'method', 'szl_id', 'szl_id_name', 'szl_index', 'return_code',
      'return_code_name'],
    marker: 'szl_id',
  },
  {
    path: 's7comm_known_devices',
    fields: [...CONN, ...SRC_DST, 'automation_system_name', 'module_name', 'plant_name', 'module_serial'],
    marker: 'module_serial',
  },
  { path: 'cotp', fields: [...CONN, ...SRC_DST, 'pdu_code', 'pdu_name'], marker: 'pdu_name' },
];

/** S7 job functions (ROSCTR Job/Ack-Data) that change the PLC. */
const WRITE_JOB_CODES = new Set([
  0x05, // Write Variable
  0x1a, // Request Download
  0x1b, // Download Block
  0x1c, // Download Ended
  0x28, // PLC Control (start, copy RAM to ROM, compress, delete/insert block)
  0x29, // PLC Stop
]);

/** User-Data subfunctions that change the PLC (the function code there is a type/group byte). */
const WRITE_USERDATA = new Set(['Set Clock', 'Set Clock (UTC)', 'Set Clock UTC', 'Delete Block', 'Insert Block']);

const USER_DATA = 7;

/** S7comm-plus functions that create, delete or set objects and variables, or invoke methods. */
const WRITE_PLUS_CODES = new Set([0x04ca, 0x04d4, 0x04f2, 0x0506, 0x051a, 0x0542, 0x056b]);

/** Upload/download function names (s7comm_upload_download.log names them only in words). */
const TRANSFER_CODES: Readonly<Record<string, number>> = lookupTable({
  'Request Download': 0x1a,
  'Download Block': 0x1b,
  'Download Ended': 0x1c,
  'Start Upload': 0x1d,
  Upload: 0x1e,
  'End Upload': 0x1f,
});
const DOWNLOADS = new Set([0x1a, 0x1b, 0x1c]);

const NO_ERROR = 'No error';

const mapS7comm: ZeekMapper = (row, draft) => {
  const rosctr = count(row, 'rosctr_code');
  const code = hex(row, 'function_code');
  const fn = str(row, 'function_name');
  const sub = str(row, 'subfunction_name');
  // User-Data function names are a group ("Request: CPU Functions"); the subfunction is the operation.
  const operation = rosctr === USER_DATA ? sub ?? fn : fn;
  const isWrite = rosctr === USER_DATA
    ? sub !== undefined && WRITE_USERDATA.has(sub)
    : code !== undefined && WRITE_JOB_CODES.has(code);
  assign(draft.ics, { function: fn, function_code: code, subfunction: sub, is_write: isWrite, direction: direction(row) });
  if (operation !== undefined) draft.event.action = `s7-${slug(operation)}`;
  const errorClass = str(row, 'error_class');
  if (errorClass === undefined) return;
  if (errorClass === NO_ERROR) {
    draft.ics.status = errorClass;
    draft.event.outcome = 'success';
  } else {
    const errorCode = str(row, 'error_code');
    draft.ics.exception = errorCode ? `${errorClass} (${errorCode})` : errorClass;
    draft.event.outcome = 'failure';
  }
};

const mapS7commPlus: ZeekMapper = (row, draft) => {
  draft.ics.protocol = 's7comm-plus';
  draft.network = { ...draft.network, protocol: 's7comm-plus' };
  const code = hex(row, 'function_code');
  const fn = str(row, 'function_name');
  const opcode = str(row, 'opcode_name');
  assign(draft.ics, {
    function: fn ?? opcode,
    function_code: code,
    subfunction: fn ? opcode : undefined,
    is_write: code !== undefined && WRITE_PLUS_CODES.has(code),
    direction: direction(row),
  });
  const operation = fn ?? opcode;
  if (operation !== undefined) draft.event.action = `s7plus-${slug(operation)}`;
};

const mapUploadDownload: ZeekMapper = (row, draft) => {
  const fn = str(row, 'function_name');
  const code = fn === undefined ? undefined : TRANSFER_CODES[fn];
  const rosctr = str(row, 'rosctr');
  assign(draft.ics, {
    function: fn,
    function_code: code,
    is_write: code !== undefined && DOWNLOADS.has(code),
    address: str(row, 'filename'),
    subfunction: str(row, 'block_type'),
    status: str(row, 'function_status'),
    direction: rosctr === undefined ? direction(row) : rosctr.startsWith('Job') ? 'request' : 'response',
  });
  if (fn !== undefined) draft.event.action = `s7-${slug(fn)}`;
};

const SZL_SUCCESS = 0xff;

const mapReadSzl: ZeekMapper = (row, draft) => {
  const id = str(row, 'szl_id');
  const index = str(row, 'szl_index');
  const returnCode = hex(row, 'return_code');
  const method = str(row, 'method');
  assign(draft.ics, {
    function: 'Read SZL',
    subfunction: str(row, 'szl_id_name'),
    address: id !== undefined && index !== undefined ? `${id}:${index}` : id,
    is_write: false,
    direction: method === 'Request' ? 'request' : method === 'Response' ? 'response' : direction(row),
  });
  draft.event.action = 's7-read-szl';
  const name = str(row, 'return_code_name');
  if (returnCode === undefined) return;
  if (returnCode === SZL_SUCCESS) {
    draft.ics.status = name ?? 'Success';
  } else {
    draft.ics.exception = name ?? str(row, 'return_code');
    draft.event.outcome = 'failure';
  }
};

const DEVICE_LABELS = ['automation_system_name', 'module_name', 'plant_name', 'module_serial'] as const;

const mapKnownDevice: ZeekMapper = (row, draft) => {
  draft.event.type = ['info'];
  draft.event.action = 's7-device-identified';
  const labels: Record<string, string> = {};
  for (const name of DEVICE_LABELS) {
    const value = str(row, name);
    if (value) labels[name] = value;
  }
  draft.labels = labels;
};

export const zeekS7commParser: Parser = zeekParser({
  name: 'zeek-s7comm',
  description: 'Siemens S7comm and S7comm-plus from Zeek with ICSNPP-S7comm (s7comm, s7comm_plus, upload/download, read SZL, known devices), TSV or JSON',
  sample: '1732543201.238144\tCHhAvVGS1DHFjwGM9\t10.1.1.5\t51212\t10.1.1.21\t102\tT\t10.1.1.5\t51212\t10.1.1.21\t102\t1\tJob-Request\t28\t0x29\tPLC Stop\t-\t-\t-\t-',
  protocol: 's7comm',
  layouts: S7COMM_LAYOUTS,
  mappers: {
    s7comm: mapS7comm,
    s7comm_plus: mapS7commPlus,
    s7comm_upload_download: mapUploadDownload,
    s7comm_read_szl: mapReadSzl,
    s7comm_known_devices: mapKnownDevice,
    cotp: () => 'skip',
  },
});
