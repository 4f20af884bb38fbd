/**
 * `iisa` command line. Each command validates its options, does one job and
 * exits non-zero with a one-line reason on bad input.
 */
import { Command } from 'commander';
import { ConfigError } from '../core/config.js';
import { registerEventsCommand } from './events-command.js';
import { registerNodeCommand } from './node-command.js';
import { registerSimulateCommand } from './simulate-command.js';
import { registerParsersCommand } from './parsers-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerHuntCommand } from './hunt-command.js';
import { registerRulesCommand } from './rules-command.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('iisa')
    .description('Industrial internet security situational awareness: collect, detect, grade, coordinate.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  registerNodeCommand(program);
  registerSimulateCommand(program);
  registerEventsCommand(program);
  registerParsersCommand(program);
  registerHuntCommand(program);
  registerDemoCommand(program);
  registerRulesCommand(program);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`iisa: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    // IISA_DEBUG=1 shows where it came from, for a report; the message alone is what an operator needs.
    process.stderr.write(`iisa: ${process.env.IISA_DEBUG === '1' ? (err as Error).stack : (err as Error).message}\n`);
    process.exitCode = 1;
  }
}

await main();
