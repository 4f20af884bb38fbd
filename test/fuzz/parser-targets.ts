/**
 * One fuzz target per parser of the table (collector/parsers/index.ts).
 * An input is a stream: its lines are the records of one connection or
 * file, read with one parser context (Zeek keeps its `#fields` header
 * there).
 *
 * Property: `parse` never throws; it returns an event, a skip or a parse
 * error with a documented code and a reason; and an event is plain JSON
 * data (objects, arrays, strings, finite numbers, booleans, null: nothing a
 * table lookup of `constructor` or `__proto__` could drag in), nested few
 * enough levels for `JSON.stringify`, as every stored or forwarded event
 * must be.
 */
import type { Parser, ParseErrorCode } from '../../collector/parsers/types.js';
import { builtinParsers } from '../../collector/parsers/index.js';
import { mutate, mutateJson } from './mutator.js';
import type { Rng } from './mutator.js';
import { PropertyViolation } from './runner.js';
import type { FuzzTarget } from './runner.js';
import { parserSeeds } from './seeds.js';
import { ALL_TOKENS } from './tokens.js';

const CODES: ReadonlySet<ParseErrorCode> = new Set(['unrecognised', 'malformed', 'bad-timestamp', 'bad-field', 'no-header']);
/** The collectors' default record limit (64 KiB), plus some: a source cuts longer lines before a parser sees them. */
const MAX_INPUT = 70_000;
const RECEIVED_AT = new Date('2026-11-25T14:00:00.000Z');

/** Nesting an event may have: JSON.stringify (store, bus, forwarder) overflows the stack some thousands down. */
const MAX_EVENT_DEPTH = 64;

/**
 * Every value in the event is JSON data with the ordinary prototypes, nested
 * within MAX_EVENT_DEPTH (checked iteratively: a broken parser may pass on a
 * value nested far deeper): what JSON.stringify writes back as it is.
 */
function checkPlainData(event: object): void {
  const stack: [unknown, string, number][] = [[event, '', 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop()!;
    if (depth > MAX_EVENT_DEPTH) throw new PropertyViolation(`event nested more than ${MAX_EVENT_DEPTH} levels deep at ${path.slice(0, 80)}...`);
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new PropertyViolation(`event${path} is ${value}`);
      continue;
    }
    if (typeof value !== 'object') throw new PropertyViolation(`event${path} is a ${typeof value}`);
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== Array.prototype) throw new PropertyViolation(`event${path} is not a plain object or array`);
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue; // dropped by JSON, as optional fields are
      stack.push([v, `${path}.${k}`, depth + 1]);
    }
  }
}

function checkOutcome(parser: Parser, text: string, stream: Map<string, unknown>): void {
  const outcome = parser.parse({ text, receivedAt: RECEIVED_AT }, { stream });
  switch (outcome.kind) {
    case 'skip':
      return;
    case 'error':
      if (!CODES.has(outcome.code)) throw new PropertyViolation(`undocumented error code ${JSON.stringify(outcome.code)}`);
      if (typeof outcome.reason !== 'string' || outcome.reason === '') throw new PropertyViolation('parse error without a reason');
      return;
    case 'event': {
      if (typeof outcome.event !== 'object' || outcome.event === null) throw new PropertyViolation('event is not an object');
      checkPlainData(outcome.event);
      return;
    }
    default:
      throw new PropertyViolation(`unknown outcome ${JSON.stringify(outcome)}`);
  }
}

export function parserTarget(parser: Parser): FuzzTarget {
  const json = parser.sample.trimStart().startsWith('{');
  return {
    name: `parser:${parser.name}`,
    property: `collector/parsers ${parser.name}: never throws; event (serialisable), skip, or error with a documented code`,
    seeds: () => parserSeeds(parser.name),
    generate(rng: Rng, seeds: readonly string[]): string {
      const seed = rng.pick(seeds);
      // JSON formats get structure-aware mutations half the time; the rest is text mutation.
      if (json && rng.chance(0.5)) return mutateJson(seed, rng, seeds, { maxLength: MAX_INPUT });
      return mutate(seed, rng, seeds, { maxLength: MAX_INPUT, tokens: ALL_TOKENS });
    },
    check(input: string): void {
      const stream = new Map<string, unknown>();
      for (const line of input.split('\n')) checkOutcome(parser, line.endsWith('\r') ? line.slice(0, -1) : line, stream);
    },
  };
}

export const parserTargets = (): FuzzTarget[] => builtinParsers.map(parserTarget);
