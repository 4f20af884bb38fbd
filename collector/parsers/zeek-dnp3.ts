// 1732543201.238144	ClEkJM2Vm5giqnMf4h	10.10.20.5	55355	10.10.20.8	20000	T	10.10.20.5	55355	10.10.20.8	20000	Control Relay Output Block	OPERATE	8	Close	Pulse Off	F	1	500	0	-
/**
 * DNP3 from Zeek with CISA's ICSNPP-DNP3: dnp3.log (Zeek's own, one line per
 * request/reply), dnp3_control.log (control relay output and analog output
 * blocks: the commands that move breakers and set points) and
 * dnp3_objects.log (the objects each message carries).
 *
 * `ics.is_write` marks the functions that change the outstation: writes,
 * select/operate, freezes, restarts, application start/stop, configuration
 * save/activate, unsolicited-reporting changes, class assignment, time set
 * and file deletion. `ics.exception` names the IIN2 error bits of a reply.
 */
import type { Parser } from './types.js';
import type { ZeekLayout } from './zeek/reader.js';
import type { ZeekDraft, ZeekMapper } from './zeek/parser.js';
import { assign, count, direction, slug, str, zeekParser } from './zeek/parser.js';
import { lookupTable } from './support.js';

const CONN = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'];
const SRC_DST = ['is_orig', 'source_h', 'source_p', 'destination_h', 'destination_p'];

/** ICSNPP default columns, main log first. */
export const DNP3_LAYOUTS: readonly ZeekLayout[] = [
  { path: 'dnp3', fields: [...CONN, 'fc_request', 'fc_reply', 'iin'], marker: 'fc_request' },
  {
    path: 'dnp3_control',
    fields: [...CONN, ...SRC_DST, 'block_type', 'function_code', 'index_number', 'trip_control_code', 'operation_type',
      'clear_bit', 'execute_count', 'on_time', 'off_time', 'status_code'],
    marker: 'trip_control_code',
  },
  {
    path: 'dnp3_objects',
    fields: [...CONN, ...SRC_DST, 'function_code', 'object_type', 'object_count', 'range_low', 'range_high'],
    marker: 'object_type',
  },
];

/** Zeek's DNP3 function names and their codes (IEEE 1815 table 4-1). */
export const DNP3_FUNCTION_CODES: Readonly<Record<string, number>> = lookupTable({
  CONFIRM: 0, READ: 1, WRITE: 2, SELECT: 3, OPERATE: 4, DIRECT_OPERATE: 5, DIRECT_OPERATE_NR: 6,
  IMMED_FREEZE: 7, IMMED_FREEZE_NR: 8, FREEZE_CLEAR: 9, FREEZE_CLEAR_NR: 10, FREEZE_AT_TIME: 11,
  FREEZE_AT_TIME_NR: 12, COLD_RESTART: 13, WARM_RESTART: 14, INITIALIZE_DATA: 15, INITIALIZE_APPL: 16,
  START_APPL: 17, STOP_APPL: 18, SAVE_CONFIG: 19, ENABLE_UNSOLICITED: 20, DISABLE_UNSOLICITED: 21,
  ASSIGN_CLASS: 22, DELAY_MEASURE: 23, RECORD_CURRENT_TIME: 24, OPEN_FILE: 25, CLOSE_FILE: 26,
  DELETE_FILE: 27, GET_FILE_INFO: 28, AUTHENTICATE_FILE: 29, ABORT_FILE: 30, ACTIVATE_CONFIG: 31,
  AUTHENTICATE_REQ: 32, AUTHENTICATE_ERR: 33, RESPONSE: 129, UNSOLICITED_RESPONSE: 130, AUTHENTICATE_RESP: 131,
});

const WRITE_FUNCTIONS = new Set([
  'WRITE', 'SELECT', 'OPERATE', 'DIRECT_OPERATE', 'DIRECT_OPERATE_NR', 'IMMED_FREEZE', 'IMMED_FREEZE_NR',
  'FREEZE_CLEAR', 'FREEZE_CLEAR_NR', 'FREEZE_AT_TIME', 'FREEZE_AT_TIME_NR', 'COLD_RESTART', 'WARM_RESTART',
  'INITIALIZE_DATA', 'INITIALIZE_APPL', 'START_APPL', 'STOP_APPL', 'SAVE_CONFIG', 'ENABLE_UNSOLICITED',
  'DISABLE_UNSOLICITED', 'ASSIGN_CLASS', 'RECORD_CURRENT_TIME', 'DELETE_FILE', 'ACTIVATE_CONFIG',
]);

/** IIN2 error bits (low byte of Zeek's `iin`, which is IIN1 << 8 | IIN2). */
const IIN2_ERRORS: readonly (readonly [number, string])[] = [
  [0x01, 'NO_FUNC_CODE_SUPPORT'],
  [0x02, 'OBJECT_UNKNOWN'],
  [0x04, 'PARAMETER_ERROR'],
  [0x10, 'ALREADY_EXECUTING'],
  [0x20, 'CONFIG_CORRUPT'],
];

function applyFunction(draft: ZeekDraft, name: string | undefined): void {
  if (name === undefined) return;
  assign(draft.ics, { function: name, function_code: DNP3_FUNCTION_CODES[name], is_write: WRITE_FUNCTIONS.has(name) });
  draft.event.action = `dnp3-${slug(name)}`;
}

const mapDnp3: ZeekMapper = (row, draft) => {
  const request = str(row, 'fc_request');
  const reply = str(row, 'fc_reply');
  applyFunction(draft, request ?? reply);
  if (request !== undefined && reply !== undefined) draft.ics.direction = 'both';
  const iin = count(row, 'iin');
  if (iin === undefined) return;
  draft.ics.status = `IIN 0x${iin.toString(16).padStart(4, '0')}`;
  const errors = IIN2_ERRORS.filter(([bit]) => (iin & bit) !== 0).map(([, name]) => name);
  if (errors.length > 0) {
    draft.ics.exception = errors.join(',');
    draft.event.outcome = 'failure';
  }
};

const SUCCESS = 'Success';

const mapControl: ZeekMapper = (row, draft) => {
  applyFunction(draft, str(row, 'function_code'));
  const trip = str(row, 'trip_control_code');
  const operation = str(row, 'operation_type');
  assign(draft.ics, {
    subfunction: str(row, 'block_type'),
    address: str(row, 'index_number'),
    value: trip !== undefined || operation !== undefined ? [trip, operation].filter((v) => v !== undefined).join(' ') : undefined,
    quantity: count(row, 'execute_count'),
    direction: direction(row),
  });
  const status = str(row, 'status_code');
  if (status === undefined) return;
  if (status === SUCCESS) {
    draft.ics.status = status;
    draft.event.outcome = 'success';
  } else {
    draft.ics.exception = status;
    draft.event.outcome = 'failure';
  }
};

const mapObjects: ZeekMapper = (row, draft) => {
  applyFunction(draft, str(row, 'function_code'));
  const low = str(row, 'range_low');
  const high = str(row, 'range_high');
  assign(draft.ics, {
    subfunction: str(row, 'object_type'),
    quantity: count(row, 'object_count'),
    address: low !== undefined ? (high !== undefined && high !== low ? `${low}-${high}` : low) : undefined,
    direction: direction(row),
  });
};

export const zeekDnp3Parser: Parser = zeekParser({
  name: 'zeek-dnp3',
  description: 'DNP3 from Zeek with ICSNPP-DNP3 (dnp3, dnp3_control, dnp3_objects), TSV or JSON',
  sample: '1732543201.238144\tClEkJM2Vm5giqnMf4h\t10.10.20.5\t55355\t10.10.20.8\t20000\tT\t10.10.20.5\t55355\t10.10.20.8\t20000\tControl Relay Output Block\tOPERATE\t8\tClose\tPulse Off\tF\t1\t500\t0\t-',
  protocol: 'dnp3',
  layouts: DNP3_LAYOUTS,
  mappers: { dnp3: mapDnp3, dnp3_control: mapControl, dnp3_objects: mapObjects },
});
