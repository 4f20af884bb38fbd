/**
 * The regular-expression target: patterns from Sigma rules (SigmaHQ's and
 * hostile ones) mutated, with flags and a text made of the pattern's own
 * pieces.
 *
 * Property: the backtracking check and the automaton never throw; where a
 * pattern has an automaton it answers as RegExp does (compared on a short
 * text, and only for small patterns the check accepts: RegExp itself may
 * take minutes otherwise); and on the long text (up to 64 KiB) it finishes within
 * the run's bound per input, whatever the pattern.
 */
import { automatonMatcher } from '../../detector/sigma/regex/automaton.js';
import { catastrophicBacktracking } from '../../detector/sigma/regex/backtracking.js';
import { parseRuleText } from '../../detector/sigma/parse.js';
import { mutate } from './mutator.js';
import type { Rng } from './mutator.js';
import { PropertyViolation } from './runner.js';
import type { FuzzTarget } from './runner.js';
import { sigmaSeeds } from './seeds.js';

const SEPARATOR = '\u0001';
const REGEX_TOKENS = [
  '(', ')', '(?:', '(?=', '(?!', '(?<=', '(?<n>', '\\k<n>', '\\1', '|', '*', '+', '?', '*?', '{2}', '{0,3}', '{1,}', '{2,1}', '{99999}',
  '.', '.*', '.+', '[a-z]', '[^a]', '[]', '[^]', '[\\w-]', '[\\d-z]', '\\w', '\\W', '\\d', '\\s', '\\S', '\\b', '\\B', '^', '$', '\\n',
  '\\x41', '\\u0041', '\\cJ', '\\c', '\\0', '\\07', '\\', 'a', 'A', 'ſ', 'K', 'é', ' ', '-', '&&', '"', '\\\\',
];
const HOSTILE = ['(a+)+$', '(a|a)*b', '(.*a){12}', '(?:.*\\)){1,}.*"', '([a-z]+)*!', '(\\w+\\s?)+$', '.*a.*a.*a.*a.*a.*b', 'a.*b', '(?=(a+)+b)', '(a?){20}a{20}'];
const FLAGS = ['', 'i', 'm', 's', 'im', 'is', 'ms', 'ims'];
/** Longest text the automaton is run on: the collectors' default record limit. */
const LONG_TEXT = 65_536;
/**
 * Text RegExp is compared on: short, so that RegExp finishes even for
 * polynomial patterns; and only patterns small enough that RegExp does not
 * explode on the pattern itself (`(a?){20}` tries 2^20 ways on 20 `a`s).
 */
const SHORT_TEXT = 12;
const comparable = (source: string): boolean => source.length <= 60 && !/\{\d*[5-9]|\{\d{2}/.test(source);

function regexSeeds(): string[] {
  const sources = new Set<string>(HOSTILE);
  for (const text of sigmaSeeds(400)) {
    for (const rule of parseRuleText(text, 'seed.yml').rules) {
      for (const id of rule.identifiers.values()) for (const group of id.groups) for (const item of group) for (const v of item.values) if (v.kind === 'regex') sources.add(v.source);
    }
  }
  return [...sources];
}

/** A text of the pattern's literal pieces, repeated: what makes a backtracking engine try every way. */
function textFor(source: string, rng: Rng): string {
  const pieces = source.split(/\\[sSdDwWbB]|[.*+?()[\]{}|^$\\]/).filter((p) => p.length > 0);
  if (pieces.length === 0) pieces.push('a');
  const unit = rng.chance(0.5) ? pieces.join(rng.pick(['', ' ', '\n'])) : rng.pick(pieces);
  const length = rng.chance(0.2) ? LONG_TEXT : rng.small(300);
  return `${unit.repeat(Math.ceil(length / unit.length)).slice(0, length)}${rng.pick(['', '!', '\n', ' '])}`;
}

export function regexTarget(): FuzzTarget {
  return {
    name: 'sigma:regex',
    // Texts up to 64 KiB through the automaton: about 1,400 inputs a second.
    supplementary: true,
    property: 'detector/sigma/regex: check and automaton never throw; automaton answers as RegExp; linear on 64 KiB hostile text',
    seeds: regexSeeds,
    generate(rng: Rng, seeds: readonly string[]): string {
      const source = rng.chance(0.8) ? mutate(rng.pick(seeds), rng, seeds, { maxLength: 400, tokens: REGEX_TOKENS }) : rng.pick(seeds);
      return [rng.pick(FLAGS), source, textFor(source, rng)].join(SEPARATOR);
    },
    check(input: string): void {
      const [flagText = '', source = '', text = ''] = input.split(SEPARATOR);
      let re: RegExp;
      try {
        re = new RegExp(source, flagText.replace(/[^ims]/g, ''));
      } catch {
        return; // RegExp refuses it: so does the rule parser, before either of these runs
      }
      const flags = { i: re.ignoreCase, m: re.multiline, s: re.dotAll };
      const catastrophic = catastrophicBacktracking(source, flags);
      const automaton = automatonMatcher(source, flags);
      if (!automaton) return;
      const short = text.slice(0, SHORT_TEXT);
      if (catastrophic === undefined && comparable(source) && automaton.test(short) !== re.test(short)) {
        throw new PropertyViolation(`automaton says ${automaton.test(short)}, RegExp ${re.test(short)} for /${source}/${re.flags} on ${JSON.stringify(short)}`);
      }
      automaton.test(text);
    },
  };
}
