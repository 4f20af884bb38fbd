import type { Command } from 'commander';
import { parsers } from '../collector/parsers/index.js';

/** `iisa parsers`: the log formats this build reads. */
export function registerParsersCommand(program: Command): void {
  program
    .command('parsers')
    .description('list the log formats iisa reads, with a sample line of each')
    .option('--samples', 'print a sample record under each parser')
    .action((opts: { samples?: boolean }) => {
      const width = Math.max(...parsers.names().map((n) => n.length));
      for (const p of parsers.all()) {
        process.stdout.write(`${p.name.padEnd(width)}  ${p.family.padEnd(8)}  ${p.description}\n`);
        if (opts.samples) process.stdout.write(`${' '.repeat(width + 2)}${p.sample}\n`);
      }
    });
}
