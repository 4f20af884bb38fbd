import type { Command } from 'commander';
import type { EcsEvent } from '../core/event.js';
import { getField } from '../core/event.js';
import { OrgRegistry } from '../core/orgs.js';
import { openStore } from '../core/store/open.js';
import { positiveInt } from './args.js';
import { loadNodeConfig } from './node-config.js';
import { parseFilterArg, parseTimeArg } from '../core/query-text.js';

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
      const store = await openStore(config.store, OrgRegistry.load(config.registry));
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
