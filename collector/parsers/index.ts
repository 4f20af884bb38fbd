/**
 * The parser table: every log format iisa reads, keyed by name. Sources and
 * ingest tokens name a parser from this table; `iisa simulate` writes one
 * `<name>.log` per entry.
 */
import type { Parser } from './types.js';
import { accessCombinedParser } from './access-combined.js';
import { appAuditParser } from './app-audit.js';
import { bindQueryParser } from './bind-query.js';
import { cefParser } from './cef.js';
import { ecsParser } from './ecs.js';
import { handleAccessParser } from './handle-access.js';
import { iptablesParser } from './iptables.js';
import { opcuaAuditParser } from './opcua-audit.js';
import { resolverJsonParser } from './resolver-json.js';
import { zeekDnp3Parser } from './zeek-dnp3.js';
import { zeekModbusParser } from './zeek-modbus.js';
import { zeekOpcuaParser } from './zeek-opcua.js';
import { zeekS7commParser } from './zeek-s7comm.js';

export class ParserTable {
  private readonly byName = new Map<string, Parser>();

  constructor(parsers: readonly Parser[]) {
    for (const parser of parsers) {
      if (this.byName.has(parser.name)) throw new Error(`duplicate parser name "${parser.name}"`);
      this.byName.set(parser.name, parser);
    }
  }

  get(name: string): Parser | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  all(): Parser[] {
    return [...this.byName.values()];
  }
}

/** Every built-in parser. */
export const builtinParsers: readonly Parser[] = [
  // gateways
  iptablesParser,
  cefParser,
  zeekModbusParser,
  zeekS7commParser,
  zeekOpcuaParser,
  zeekDnp3Parser,
  opcuaAuditParser,
  // platforms
  accessCombinedParser,
  appAuditParser,
  // identifier resolution
  handleAccessParser,
  bindQueryParser,
  resolverJsonParser,
  // anything already mapped to ECS
  ecsParser,
];

export const parsers = new ParserTable(builtinParsers);
