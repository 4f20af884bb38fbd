/**
 * The source registry: every source unit, keyed by its config `type`.
 * Adding a source is one import and one table entry; a duplicate type is a
 * startup error, not a silent override.
 */
import { fileSource } from './file.js';
import { httpSource } from './http.js';
import { mqttSource } from './mqtt.js';
import { syslogTcpSource } from './syslog-tcp.js';
import { syslogUdpSource } from './syslog-udp.js';
import type { SourceUnit } from './types.js';

/** Builds the registry table; throws if two units claim one type. */
export function sourceTable(units: readonly SourceUnit[]): ReadonlyMap<string, SourceUnit> {
  const table = new Map<string, SourceUnit>();
  for (const unit of units) {
    if (table.has(unit.type)) throw new Error(`two source units claim type "${unit.type}"`);
    table.set(unit.type, unit);
  }
  return table;
}

const SOURCES = sourceTable([httpSource, syslogUdpSource, syslogTcpSource, fileSource, mqttSource]);

/** The config types a source can have. */
export function sourceTypes(): string[] {
  return [...SOURCES.keys()];
}

/** The unit for a config `type`, or undefined if no source has that type. */
export function sourceUnit(type: string): SourceUnit | undefined {
  return SOURCES.get(type);
}
