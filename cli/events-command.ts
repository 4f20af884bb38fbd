import type { Command } from 'commander';
import type { EcsEvent } from '../core/event.js';
import { getField } from '../core/event.js';
import { SqliteStore } from '../core/store/sqlite/sqlite-store.js';
import type { FieldFilter } from '../core/store/store.js';
import { positiveInt } from './args.js';
import { loadNodeConfig } from './node-config.js';
import { parseTimeArg } from './time-arg.js';

const FIELD = /^[A-Za-z0-9_@.]+$/;

/** `FIELD=VALUE` is equality, `FIELD=VALUE*` a prefix match; numbers and booleans compare as such. */
export function parseFilterArg(text: string): FieldFilter {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`not a FIELD=VALUE filter: "${text}"`);
  const field = text.slice(0, eq);
  if (!FIELD.test(field)) throw new Error(`bad field name "${field}" (letters, digits, _ @ and dots)`);
  let value = text.slice(eq + 1);
  if (value.endsWith('*') && !value.endsWith('\\*')) return { field, op: 'prefix', value: value.slice(0, -1) };
  value = value.replace(/\\\*$/, '*');
  if (value === 'true' || value === 'false') return { field, op: 'eq', value: value === 'true' };
  if (/^-?\d+(\.\d+)?$/.test(value)) return { field, op: 'eq', value: Number(value) };
  return { field, op: 'eq', value };
}

const COLUMNS = ['@timestamp', 'org.id', 'event.dataset', 'event.action', 'source.ip', 'destination.ip'] as const;

function cell(event: EcsEvent, field: string): string {
  const v = getField(event, field);
  return v === undefined || v === null ? '-' : Array.isArray(v) ? v.join(',') : String(v);
}

export function formatTable(events: readonly EcsEvent[]): string {
  const rows = events.map((e) => [...COLUMNS.map((c) => cell(e, c)), (e.message ?? e.event.original ?? '').replace(/\s+/g, ' ').slice(0, 80)]);
  const header = [...COLUMNS, 'message'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `iisa events search`: query a node's store from the shell. */
export function registerEventsCommand(program: Command): void {
  const events = program.command('events').description('work with stored events');
  events
    .command('search')
    .description('search a node\'s stored events: FIELD=VALUE equality, FIELD=VALUE* prefix')
    .requiredOption('-c, --config <file>', 'the node config whose store to read')
    .option('--from <time>', 'inclusive start: ISO time, now, or -15m/-2h/-7d')
    .option('--to <time>', 'exclusive end')
    .option('--org <id...>', 'only these orgs')
    .option('--text <words>', 'full-text words in message / event.original')
    .option('--limit <n>', 'max events', positiveInt, 100)
    .option('--format <format>', 'table or json (one event per line)', 'table')
    .argument('[filters...]', 'FIELD=VALUE or FIELD=PREFIX*')
    .action(async (filters: string[], opts: { config: string; from?: string; to?: string; org?: string[]; text?: string; limit: number; format: string }) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new Error(`--format must be table or json, not "${opts.format}"`);
      const config = loadNodeConfig(opts.config);
      const store = SqliteStore.open({ path: config.store.path!, synchronous: config.store.synchronous });
      try {
        const page = await store.searchEvents({
          ...(opts.from ? { from: parseTimeArg(opts.from) } : {}),
          ...(opts.to ? { to: parseTimeArg(opts.to) } : {}),
          ...(opts.org ? { orgIds: opts.org } : {}),
          ...(opts.text ? { text: opts.text } : {}),
          filters: filters.map(parseFilterArg),
          limit: opts.limit,
        });
        process.stdout.write(opts.format === 'json'
          ? page.events.map((e) => JSON.stringify(e)).join('\n') + (page.events.length ? '\n' : '')
          : formatTable(page.events));
      } finally {
        await store.close();
      }
    });
}
