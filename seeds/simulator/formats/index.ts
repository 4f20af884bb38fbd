/**
 * What each simulated file carries besides its records: Zeek logs open with
 * their `#` header and end with `#close`; the other formats are bare lines.
 * A sender streaming one (org, format) to a collector must send the preamble
 * first, as Zeek would at the top of each log.
 */
import type { ParserName } from '../parsers.js';
import type { Micros } from '../time.js';
import { Dnp3Log, ModbusLog, OpcuaBinaryLog, S7commLog, zeekFooter, zeekHeader, type ZeekLog } from './zeek.js';

export const ZeekLogs: Partial<Record<ParserName, ZeekLog>> = {
  'zeek-modbus': ModbusLog,
  'zeek-s7comm': S7commLog,
  'zeek-opcua': OpcuaBinaryLog,
  'zeek-dnp3': Dnp3Log,
};

/** Lines that must precede the records of `parser` in a file or stream. */
export function preamble(parser: ParserName, openedAt: Micros): string[] {
  const log = ZeekLogs[parser];
  return log ? zeekHeader(log, openedAt) : [];
}

/** Lines that close a file of `parser`. */
export function trailer(parser: ParserName, closedAt: Micros): string[] {
  return ZeekLogs[parser] ? zeekFooter(closedAt) : [];
}
