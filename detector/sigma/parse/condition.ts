/**
 * The condition grammar (spec "Condition"), lowest to highest precedence:
 * `or` < `and` < `not` < `x of` < parentheses.
 *
 *   expr    := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | primary
 *   primary := '(' expr ')' | ('all' | N) 'of' ('them' | pattern) | identifier
 *
 * `them` names every identifier not starting with `_`; a pattern is an
 * identifier with `*` wildcards. Unknown identifiers and patterns that match
 * nothing are errors; Sigma 1 aggregations (`| count() ...`) are reported
 * as unsupported (they are correlation rules in Sigma 2).
 */
import type { Condition, PatternPart } from '../model.js';
import { globRegexSource } from '../glob-regex.js';
import { RuleProblem, unsupported } from './problem.js';

type Token = { readonly kind: '(' | ')' | 'word'; readonly text: string; readonly pos: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:([()])|([^\s()]+))/gy;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    if (m[1]) tokens.push({ kind: m[1] as '(' | ')', text: m[1], pos: m.index });
    else if (m[2]) tokens.push({ kind: 'word', text: m[2], pos: m.index });
  }
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them']);
/**
 * Parentheses and `not`s nested deeper than this are refused: the parser and
 * every compiler recurse over the condition, and thousands of levels would
 * overflow the stack. Real conditions nest a few levels.
 */
export const MAX_CONDITION_DEPTH = 64;

/** Identifier pattern (`selection_*`) -> the matching identifier names, in definition order. */
export function matchIdentifiers(pattern: string, names: readonly string[]): string[] {
  if (pattern === 'them') return names.filter((n) => !n.startsWith('_'));
  // Only `*` is a wildcard here; globRegexSource keeps a hostile pattern (`*a*a*a*a*b`) from backtracking polynomially.
  const parts = pattern.split('*').flatMap((text, i): PatternPart[] => [...(i > 0 ? [{ wildcard: '*' } as const] : []), ...(text ? [{ text }] : [])]);
  const re = new RegExp(globRegexSource(parts));
  return names.filter((n) => re.test(n));
}

class ConditionParser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
    /** Identifiers that parsed (condition refers to these). */
    private readonly names: readonly string[],
    /** Every identifier key written, including ones that failed to parse (so they are not "undefined"). */
    private readonly written: ReadonlySet<string>,
  ) {}

  parse(): Condition {
    if (this.tokens.length === 0) throw new RuleProblem('empty condition');
    // `|` cannot occur in identifiers: it only starts a Sigma 1 aggregation.
    if (this.tokens.some((t) => t.text.startsWith('|'))) {
      throw unsupported('condition aggregation (Sigma 1 `| count()`)', `condition ${JSON.stringify(this.text)}: Sigma 1 aggregations are not supported; use a correlation rule`);
    }
    const expr = this.or();
    const rest = this.peek();
    if (rest) throw this.fail(`unexpected ${JSON.stringify(rest.text)}`, rest);
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isWord(text: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === 'word' && t.text === text;
  }

  private fail(message: string, at?: Token): RuleProblem {
    const where = at ? ` at column ${at.pos + 1}` : ' at the end';
    const shown = this.text.length > 200 ? `${this.text.slice(0, 200)}...` : this.text;
    return new RuleProblem(`condition ${JSON.stringify(shown)}: ${message}${where}`);
  }

  private or(): Condition {
    const args = [this.and()];
    while (this.isWord('or')) {
      this.i++;
      args.push(this.and());
    }
    return args.length === 1 ? args[0] : { op: 'or', args };
  }

  private and(): Condition {
    const args = [this.not()];
    while (this.isWord('and')) {
      this.i++;
      args.push(this.not());
    }
    return args.length === 1 ? args[0] : { op: 'and', args };
  }

  private not(): Condition {
    if (this.isWord('not')) {
      this.enter(this.peek());
      this.i++;
      const arg = this.not();
      this.depth--;
      return { op: 'not', arg };
    }
    return this.primary();
  }

  private enter(at: Token | undefined): void {
    if (++this.depth > MAX_CONDITION_DEPTH) throw this.fail(`parentheses and "not" nested more than ${MAX_CONDITION_DEPTH} levels deep`, at);
  }

  private primary(): Condition {
    const t = this.peek();
    if (!t) throw this.fail('expected an identifier, "x of" or "("');
    if (t.kind === '(') {
      this.enter(t);
      this.i++;
      const inner = this.or();
      const close = this.peek();
      if (!close || close.kind !== ')') throw this.fail('missing ")"', close);
      this.i++;
      this.depth--;
      return inner;
    }
    if (t.kind === ')') throw this.fail('unexpected ")"', t);
    if (t.text === 'near') throw unsupported('condition near (Sigma 1)', 'the Sigma 1 near operator is not supported; use a temporal correlation rule');
    const next = this.tokens[this.i + 1];
    if (next && next.kind === 'word' && next.text === 'of') return this.of(t);
    if (KEYWORDS.has(t.text)) throw this.fail(`unexpected ${JSON.stringify(t.text)}`, t);
    this.i++;
    if (t.text.includes('*')) throw this.fail(`wildcard ${JSON.stringify(t.text)} is only allowed after "1 of" / "all of"`, t);
    if (!this.names.includes(t.text)) {
      if (this.written.has(t.text)) throw new RuleProblem(`condition refers to ${t.text}, which is invalid (see its error)`);
      throw this.fail(`undefined search identifier ${JSON.stringify(t.text)}`, t);
    }
    return { op: 'ref', name: t.text };
  }

  private of(quantifierToken: Token): Condition {
    let quantifier: 'all' | number;
    if (quantifierToken.text === 'all') quantifier = 'all';
    else if (/^[0-9]+$/.test(quantifierToken.text) && Number(quantifierToken.text) > 0) quantifier = Number(quantifierToken.text);
    else throw this.fail(`"of" needs "all" or a positive integer before it, got ${JSON.stringify(quantifierToken.text)}`, quantifierToken);
    this.i += 2;
    const target = this.peek();
    if (!target || target.kind !== 'word' || (KEYWORDS.has(target.text) && target.text !== 'them')) {
      throw this.fail('"of" needs "them" or an identifier pattern after it', target);
    }
    this.i++;
    const names = matchIdentifiers(target.text, this.names);
    if (names.length === 0) {
      const written = matchIdentifiers(target.text, [...this.written]);
      if (written.length > 0) throw new RuleProblem(`condition refers to ${written.join(', ')} through ${target.text}, which is invalid (see its error)`);
      throw this.fail(`${JSON.stringify(target.text)} matches no search identifier`, target);
    }
    return { op: 'of', quantifier, pattern: target.text, names };
  }
}

/** Parse one condition string against the defined identifier names. Throws RuleProblem. */
export function parseCondition(text: string, names: readonly string[], written: readonly string[] = names): Condition {
  return new ConditionParser(text, tokenize(text), names, new Set(written)).parse();
}

/** A condition or a list of conditions (OR-ed, as the spec says). Throws RuleProblem. */
export function parseConditions(value: unknown, names: readonly string[], written: readonly string[] = names): Condition {
  if (typeof value === 'string') return parseCondition(value, names, written);
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) {
    const args = value.map((v: string, i) => {
      try {
        return parseCondition(v, names, written);
      } catch (err) {
        throw err instanceof RuleProblem ? err.under(i) : err;
      }
    });
    return args.length === 1 ? args[0] : { op: 'or', args };
  }
  throw new RuleProblem('condition must be a string or a list of strings');
}
