// 1732543201.238144	CHhAvVGS1DHFjwGM9	10.1.1.5	47785	10.1.1.20	502	10	7	WRITE_SINGLE_REGISTER	1	1	43981	43981	-	T	-	-	-	-	-	-
/**
 * Modbus/TCP from Zeek with CISA's ICSNPP-Modbus scripts: modbus.log (Zeek's
 * own, with and without the Zeek 7 `tid`/`unit`/`pdu_type` columns),
 * modbus_detailed.log (one line per request/response pair, with addresses
 * and values), modbus_mask_write_register.log and
 * modbus_read_write_multiple_registers.log.
 *
 * `ics.is_write` is true for every function that changes the device:
 * coil/register/file writes, mask writes, read-write, diagnostics (restart
 * communications, clear counters) and the legacy programming functions.
 */
import type { Parser } from './types.js';
import type { ZeekLayout, ZeekRow } from './zeek/reader.js';
import type { ZeekDraft, ZeekMapper } from './zeek/parser.js';
import { assign, count, direction, list, str, zeekParser } from './zeek/parser.js';
import { lookupTable } from './support.js';

const CONN = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'];
const SRC_DST = ['is_orig', 'source_h', 'source_p', 'destination_h', 'destination_p'];
const IS_BOOL = /^[TF-]$/;

/** ICSNPP default columns, main log first. */
export const MODBUS_LAYOUTS: readonly ZeekLayout[] = [
  {
    path: 'modbus_detailed',
    fields: [...CONN, 'tid', 'unit', 'func', 'address', 'quantity', 'request_values', 'response_values',
      'modbus_detailed_link_id', 'matched', 'request_subfunction_code', 'response_subfunction_code',
      'request_data', 'response_data', 'exception_code', 'mei_type'],
    vectors: ['request_values', 'response_values'],
    marker: 'matched',
    // Same width as read_write_multiple_registers; there column 6 is is_orig (T/F).
    accepts: (columns) => !IS_BOOL.test(columns[6]),
  },
  { path: 'modbus', fields: [...CONN, 'func', 'exception'], marker: 'func' },
  { path: 'modbus', fields: [...CONN, 'tid', 'unit', 'func', 'pdu_type', 'exception'], marker: 'pdu_type' },
  {
    path: 'modbus_mask_write_register',
    fields: [...CONN, ...SRC_DST, 'modbus_detailed_link_id', 'tid', 'unit', 'func', 'request_response', 'address',
      'and_mask', 'or_mask'],
    marker: 'and_mask',
  },
  {
    path: 'modbus_read_write_multiple_registers',
    fields: [...CONN, ...SRC_DST, 'modbus_detailed_link_id', 'tid', 'unit', 'func', 'request_response',
      'write_start_address', 'write_registers', 'read_start_address', 'read_quantity', 'read_registers'],
    vectors: ['write_registers', 'read_registers'],
    marker: 'write_registers',
  },
];

/** Zeek's Modbus function names and their codes (Zeek `Modbus::function_codes`). */
export const MODBUS_FUNCTION_CODES: Readonly<Record<string, number>> = lookupTable({
  READ_COILS: 1,
  READ_DISCRETE_INPUTS: 2,
  READ_HOLDING_REGISTERS: 3,
  READ_INPUT_REGISTERS: 4,
  WRITE_SINGLE_COIL: 5,
  WRITE_SINGLE_REGISTER: 6,
  READ_EXCEPTION_STATUS: 7,
  DIAGNOSTICS: 8,
  PROGRAM_484: 9,
  POLL_484: 10,
  GET_COMM_EVENT_COUNTER: 11,
  GET_COMM_EVENT_LOG: 12,
  PROGRAM_584_984: 13,
  POLL_584_984: 14,
  WRITE_MULTIPLE_COILS: 15,
  WRITE_MULTIPLE_REGISTERS: 16,
  REPORT_SLAVE_ID: 17,
  PROGRAM_884_U84: 18,
  RESET_COMM_LINK_884_U84: 19,
  READ_FILE_RECORD: 20,
  WRITE_FILE_RECORD: 21,
  MASK_WRITE_REGISTER: 22,
  READ_WRITE_MULTIPLE_REGISTERS: 23,
  READ_FIFO_QUEUE: 24,
  ENCAP_INTERFACE_TRANSPORT: 43,
  PROGRAM_CONCEPT: 40,
  FIRMWARE_REPLACEMENT: 125,
  PROGRAM_584_984_2: 126,
  REPORT_LOCAL_ADDRESS: 127,
});

/** Function codes that change the device's state, program or communications. */
const WRITE_CODES = new Set([5, 6, 8, 9, 13, 15, 16, 18, 19, 21, 22, 23, 40, 125, 126]);

const EXCEPTION_SUFFIX = '_EXCEPTION';
const UNKNOWN_FUNCTION = /^unknown-(\d{1,3})$/;

/** Name, code and write flag of a logged function (`READ_COILS_EXCEPTION`, `unknown-99`). */
function describeFunction(logged: string): { name: string; code?: number; exception: boolean } {
  const exception = logged.endsWith(EXCEPTION_SUFFIX);
  const name = exception ? logged.slice(0, -EXCEPTION_SUFFIX.length) : logged;
  const code = MODBUS_FUNCTION_CODES[name] ?? unknownCode(name);
  return code === undefined ? { name, exception } : { name, code, exception };
}

function unknownCode(name: string): number | undefined {
  const m = UNKNOWN_FUNCTION.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Function, code, write flag and action, shared by every Modbus log. */
function applyFunction(draft: ZeekDraft, logged: string | undefined, exception: string | undefined): void {
  if (logged === undefined) return;
  const fn = describeFunction(logged);
  const isWrite = fn.code !== undefined && WRITE_CODES.has(fn.code);
  assign(draft.ics, { function: fn.name, function_code: fn.code, is_write: isWrite });
  draft.event.action = isWrite ? 'modbus-write' : 'modbus-read';
  const refused = exception ?? (fn.exception ? 'EXCEPTION' : undefined);
  if (refused !== undefined) {
    draft.ics.exception = refused;
    draft.event.outcome = 'failure';
  }
}

function applyUnit(draft: ZeekDraft, row: ZeekRow): void {
  assign(draft.ics, { unit_id: count(row, 'unit') });
}

const mapModbus: ZeekMapper = (row, draft) => {
  applyUnit(draft, row);
  applyFunction(draft, str(row, 'func'), str(row, 'exception'));
  const pdu = str(row, 'pdu_type');
  if (pdu !== undefined) draft.ics.direction = pdu === 'REQ' ? 'request' : 'response';
};

const mapDetailed: ZeekMapper = (row, draft) => {
  applyUnit(draft, row);
  applyFunction(draft, str(row, 'func'), str(row, 'exception_code'));
  const values = list(row, 'request_values') ?? list(row, 'response_values');
  assign(draft.ics, {
    address: str(row, 'address'),
    quantity: count(row, 'quantity'),
    value: values?.join(','),
    subfunction: str(row, 'request_subfunction_code') ?? str(row, 'mei_type'),
    direction: str(row, 'matched') === 'T' ? 'both' : undefined,
  });
  if (draft.ics.exception === undefined && str(row, 'matched') === 'T') draft.event.outcome = 'success';
};

const mapMaskWrite: ZeekMapper = (row, draft) => {
  applyUnit(draft, row);
  applyFunction(draft, str(row, 'func') ?? 'MASK_WRITE_REGISTER', undefined);
  const and = str(row, 'and_mask');
  const or = str(row, 'or_mask');
  assign(draft.ics, {
    address: str(row, 'address'),
    value: and !== undefined || or !== undefined ? `and_mask=${and ?? ''},or_mask=${or ?? ''}` : undefined,
    direction: direction(row),
  });
};

const mapReadWrite: ZeekMapper = (row, draft) => {
  applyUnit(draft, row);
  applyFunction(draft, str(row, 'func') ?? 'READ_WRITE_MULTIPLE_REGISTERS', undefined);
  const written = list(row, 'write_registers');
  // The write half is what changes the device, so it names address and value when present.
  assign(draft.ics, written
    ? { address: str(row, 'write_start_address'), value: written.join(','), quantity: written.length }
    : { address: str(row, 'read_start_address'), value: list(row, 'read_registers')?.join(','), quantity: count(row, 'read_quantity') });
  assign(draft.ics, { direction: direction(row) });
};

export const zeekModbusParser: Parser = zeekParser({
  name: 'zeek-modbus',
  description: 'Modbus/TCP from Zeek with ICSNPP-Modbus (modbus, modbus_detailed, mask-write and read-write logs), TSV or JSON',
  sample: '1732543201.238144\tCHhAvVGS1DHFjwGM9\t10.1.1.5\t47785\t10.1.1.20\t502\t10\t7\tWRITE_SINGLE_REGISTER\t1\t1\t43981\t43981\t-\tT\t-\t-\t-\t-\t-\t-',
  protocol: 'modbus',
  layouts: MODBUS_LAYOUTS,
  mappers: {
    modbus: mapModbus,
    modbus_detailed: mapDetailed,
    modbus_mask_write_register: mapMaskWrite,
    modbus_read_write_multiple_registers: mapReadWrite,
  },
});
