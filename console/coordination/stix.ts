/**
 * Advisories as STIX 2.1 bundles, the format MISP and OpenCTI exchange
 * (DESIGN.md, "The domain in one page"). Export is lossless for iisa's own
 * indicator kinds; import reads only what it can turn into iisa indicators
 * without changing their meaning, and says why it left out everything else.
 *
 * Export: one `identity` (the issuer), one `report` (the advisory; grade,
 * targets and id as `x_iisa_*` custom properties) and one `indicator` per
 * indicator value (pattern_type `stix`) or Sigma rule (pattern_type
 * `sigma`). Ids are derived from the advisory id and the value, so
 * exporting twice gives the same bundle and a consumer updates rather than
 * duplicates.
 *
 * Import: an indicator becomes iisa indicator values only when its pattern
 * is a plain disjunction of equality tests (`=`, or ISSUBSET on IP
 * addresses) on an object path iisa detects: every value alone is then
 * enough to match, which is what an iisa indicator means. AND, FOLLOWEDBY,
 * qualifiers (WITHIN, REPEATS, START/STOP) and other operators describe
 * conditions iisa indicators cannot express, so such indicators are skipped
 * whole, with the reason, never approximated.
 */
import { z } from 'zod';
import { GradeSchema, type Grade } from '../../core/alert.js';
import { TargetsSchema, type Advisory, type Indicators, type Targets } from '../../core/federation/messages.js';
import { stableId } from '../../core/ids.js';
import { canonicalIp, ipFamily } from '../../core/ip.js';
import { parseRuleText } from '../../detector/sigma/parse.js';
import { parseYamlDocuments } from '../../detector/sigma/parse/yaml.js';
import { CoordinationError } from './context.js';
import { IndicatorError } from './indicators.js';

// ---- the STIX 2.1 objects iisa writes ----

interface StixCommon {
  readonly type: string;
  readonly spec_version: '2.1';
  readonly id: string;
  readonly created: string;
  readonly modified: string;
}

export interface StixIdentity extends StixCommon {
  readonly type: 'identity';
  readonly name: string;
  readonly identity_class: 'organization';
}

export interface StixReport extends StixCommon {
  readonly type: 'report';
  readonly created_by_ref: string;
  readonly name: string;
  readonly description: string;
  readonly published: string;
  readonly report_types: string[];
  readonly object_refs: string[];
  readonly x_iisa_advisory_id: string;
  readonly x_iisa_grade: Grade;
  readonly x_iisa_targets: Targets;
}

export interface StixIndicator extends StixCommon {
  readonly type: 'indicator';
  readonly created_by_ref: string;
  readonly name: string;
  readonly indicator_types: string[];
  readonly pattern: string;
  readonly pattern_type: 'stix' | 'sigma';
  readonly pattern_version?: string;
  readonly valid_from: string;
}

export type StixObject = StixIdentity | StixReport | StixIndicator;

export interface StixBundle {
  readonly type: 'bundle';
  readonly id: string;
  readonly objects: StixObject[];
}

// ---- ids and literals ----

/**
 * `<type>--<uuid>` derived from `parts`. stableId gives 32 hex digits in
 * the 8-4-4-4-12 layout, but its version and variant digits are whatever
 * the hash says, and STIX requires an RFC 4122 UUID (validators check those
 * bits). So the version digit is set to 5 (name-based) and the variant to
 * 10xx: a v5 layout over a SHA-256 digest rather than SHA-1, deterministic
 * all the same. The type is part of the name because STIX forbids reusing
 * one UUID for objects of different types.
 */
export function stixId(type: string, ...parts: (string | number)[]): string {
  const hex = stableId('stix', type, ...parts);
  const variant = ((parseInt(hex[19], 16) & 0x3) | 0x8).toString(16);
  return `${type}--${hex.slice(0, 14)}5${hex.slice(15, 19)}${variant}${hex.slice(20)}`;
}

/** A STIX pattern string literal: single quotes, with `\` and `'` escaped by a backslash (STIX 2.1 patterning, StringLiteral). */
export function stixString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** STIX timestamps are UTC with a `Z`; advisories may carry any offset. Millisecond precision, as `created`/`modified` require. */
function stixTime(iso: string): string {
  return new Date(iso).toISOString();
}

// ---- export ----

/** An advisory IP indicator in canonical form: a bare address stays bare, a range keeps its prefix. */
function canonicalIpIndicator(value: string): { text: string; family: 4 | 6; range: boolean } | null {
  const parts = value.trim().split('/');
  if (parts.length > 2) return null;
  const ip = canonicalIp(parts[0]);
  const family = ip === null ? 0 : ipFamily(ip.split('%')[0]);
  if (ip === null || family === 0) return null;
  if (parts.length === 1) return { text: ip, family, range: false };
  const bits = parts[1];
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return null;
  return { text: `${ip}/${Number(bits)}`, family, range: true };
}

/** STIX hashing-algorithm-ov names by digest length in hex digits; the pattern path quotes those with a hyphen. */
const HASH_BY_LENGTH: Record<number, { name: string; path: string }> = {
  32: { name: 'MD5', path: 'MD5' },
  40: { name: 'SHA-1', path: "'SHA-1'" },
  64: { name: 'SHA-256', path: "'SHA-256'" },
  128: { name: 'SHA-512', path: "'SHA-512'" },
};

interface PatternedValue {
  readonly kind: keyof Indicators;
  readonly value: string;
  readonly name: string;
  readonly pattern: string;
  readonly patternType: 'stix' | 'sigma';
}

function ipPattern(value: string): PatternedValue {
  const ip = canonicalIpIndicator(value);
  if (!ip) throw new IndicatorError(`indicator ${JSON.stringify(value)} is not an IPv4/IPv6 address or CIDR range`);
  const object = ip.family === 4 ? 'ipv4-addr' : 'ipv6-addr';
  return {
    kind: 'ips', value: ip.text,
    name: `${ip.range ? 'IP range' : 'IP address'} ${ip.text}`,
    // STIX 2.1 lets ipv4-addr/ipv6-addr `value` hold a CIDR block, so a range is an equality on the block.
    pattern: `[${object}:value = ${stixString(ip.text)}]`,
    patternType: 'stix',
  };
}

function sigmaTitle(text: string, index: number): string {
  // The Sigma loader's own reader (nesting measured first, aliases capped), never throwing: a rule whose
  // YAML does not read still exports, only its name is generic.
  const doc = parseYamlDocuments(text)[0]?.value;
  const title = (doc as { title?: unknown } | null | undefined)?.title;
  if (typeof title === 'string' && title.trim() !== '') return `Sigma rule: ${title.trim()}`;
  return `Sigma rule ${index + 1}`;
}

function patternedValues(indicators: Indicators): PatternedValue[] {
  const out: PatternedValue[] = indicators.ips.map(ipPattern);
  for (const id of indicators.identifiers) {
    // STIX 2.1 has no cyber-observable for industrial identifiers (the
    // identifier resolution system's `88.101.5/PUMP-0042`); neither a URL
    // nor a domain-name is one, and using them would make consumers match
    // the wrong thing. The spec's answer is a custom observable (`x-` type):
    // tools that do not know it leave it alone. Its `value` keeps iisa's
    // convention that a trailing `/*` names every identifier under a prefix.
    out.push({
      kind: 'identifiers', value: id,
      name: id.endsWith('/*') ? `Industrial identifier prefix ${id}` : `Industrial identifier ${id}`,
      pattern: `[x-iisa-identifier:value = ${stixString(id)}]`,
      patternType: 'stix',
    });
  }
  for (const domain of indicators.domains) {
    const name = domain.toLowerCase().replace(/\.$/, '');
    out.push({ kind: 'domains', value: name, name: `Domain ${name}`, pattern: `[domain-name:value = ${stixString(name)}]`, patternType: 'stix' });
  }
  for (const raw of indicators.hashes) {
    const hash = raw.toLowerCase();
    const algorithm = HASH_BY_LENGTH[hash.length];
    if (!algorithm || !/^[0-9a-f]+$/.test(hash)) {
      throw new IndicatorError(`hash ${raw} is neither MD5, SHA-1, SHA-256 nor SHA-512 (length ${raw.length})`);
    }
    out.push({
      kind: 'hashes', value: hash, name: `${algorithm.name} ${hash}`,
      pattern: `[file:hashes.${algorithm.path} = ${stixString(hash)}]`, patternType: 'stix',
    });
  }
  indicators.sigma.forEach((text, i) => {
    out.push({ kind: 'sigma', value: text, name: sigmaTitle(text, i), pattern: text, patternType: 'sigma' });
  });
  return out;
}

/**
 * The advisory as a STIX 2.1 bundle. `issuerName` names the issuing org in
 * the identity (its id in iisa otherwise). Deterministic: the same advisory
 * gives the same bundle, byte for byte. Throws IndicatorError for an
 * indicator value that is not what its kind says (advisories are checked
 * when issued, so only a corrupt record does that).
 */
export function advisoryToStix(advisory: Advisory, issuerName?: string): StixBundle {
  const time = stixTime(advisory.issuedAt);
  const common = { spec_version: '2.1' as const, created: time, modified: time };
  // One identity per issuing org, not per advisory, so consumers see every advisory from one author.
  const identity: StixIdentity = {
    type: 'identity', ...common, id: stixId('identity', 'iisa-org', advisory.issuer),
    name: issuerName ?? advisory.issuer, identity_class: 'organization',
  };
  const indicators: StixIndicator[] = patternedValues(advisory.indicators).map((v) => ({
    type: 'indicator', ...common,
    id: stixId('indicator', advisory.id, v.kind, v.value),
    created_by_ref: identity.id,
    name: v.name,
    indicator_types: ['malicious-activity'],
    pattern: v.pattern,
    pattern_type: v.patternType,
    ...(v.patternType === 'stix' ? { pattern_version: '2.1' } : {}),
    valid_from: time,
  }));
  const report: StixReport = {
    type: 'report', ...common, id: stixId('report', advisory.id),
    created_by_ref: identity.id,
    name: advisory.title,
    description: advisory.text,
    published: time,
    report_types: ['threat-report'],
    // object_refs must not be empty; an advisory without indicators refers to its issuer.
    object_refs: indicators.length > 0 ? indicators.map((i) => i.id) : [identity.id],
    x_iisa_advisory_id: advisory.id,
    x_iisa_grade: advisory.grade,
    x_iisa_targets: advisory.targets,
  };
  return { type: 'bundle', id: stixId('bundle', advisory.id), objects: [identity, report, ...indicators] };
}

// ---- STIX patterning: just enough of the grammar to know what a pattern says ----

type Literal =
  | { readonly kind: 'string'; readonly value: string; readonly prefix: '' | 't' | 'b' | 'h' }
  | { readonly kind: 'number' | 'boolean'; readonly value: string }
  | { readonly kind: 'set'; readonly items: Literal[] };

interface ObjectPath { readonly type: string; readonly steps: string[] }

interface Comparison { readonly path: ObjectPath; readonly operator: string; readonly value?: Literal }

type ComparisonExpression =
  | { readonly kind: 'test'; readonly test: Comparison }
  | { readonly kind: 'and' | 'or'; readonly left: ComparisonExpression; readonly right: ComparisonExpression };

type ObservationExpression =
  | { readonly kind: 'observation'; readonly comparison: ComparisonExpression }
  | { readonly kind: 'and' | 'or' | 'followedby'; readonly left: ObservationExpression; readonly right: ObservationExpression }
  | { readonly kind: 'qualified'; readonly qualifier: string; readonly inner: ObservationExpression };

type Token =
  | { readonly t: 'punct'; readonly v: string }
  | { readonly t: 'op'; readonly v: string }
  | { readonly t: 'word'; readonly v: string }
  | { readonly t: 'number'; readonly v: string }
  | { readonly t: 'string'; readonly v: string; readonly prefix: '' | 't' | 'b' | 'h' };

class PatternSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const readString = (prefix: '' | 't' | 'b' | 'h'): void => {
    i++; // opening quote
    let value = '';
    for (;;) {
      if (i >= text.length) throw new PatternSyntaxError('unterminated string literal');
      const c = text[i];
      if (c === "'") { i++; break; }
      if (c === '\\') {
        const next = text[i + 1];
        if (next !== '\\' && next !== "'") throw new PatternSyntaxError(`invalid escape \\${next ?? ''} in a string literal`);
        value += next;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    tokens.push({ t: 'string', v: value, prefix });
  };
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'") { readString(''); continue; }
    if ('[]():.,*'.includes(c)) { tokens.push({ t: 'punct', v: c }); i++; continue; }
    const op = /^(?:!=|<=|>=|=|<|>)/.exec(text.slice(i));
    if (op) { tokens.push({ t: 'op', v: op[0] }); i += op[0].length; continue; }
    const num = /^[+-]?\d+(?:\.\d+)?/.exec(text.slice(i));
    if (num) { tokens.push({ t: 'number', v: num[0] }); i += num[0].length; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      // t'...' timestamp, b'...' binary, h'...' hex literals.
      if (/^[tbh]$/.test(word[0]) && text[i] === "'") { readString(word[0] as 't' | 'b' | 'h'); continue; }
      tokens.push({ t: 'word', v: word[0] });
      continue;
    }
    throw new PatternSyntaxError(`unexpected ${JSON.stringify(c)} at offset ${i}`);
  }
  return tokens;
}

const COMPARISON_KEYWORDS = new Set(['IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);

/** Recursive descent over the STIX 2.1 pattern grammar; precedence per the spec: FOLLOWEDBY < OR < AND. */
class PatternParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): ObservationExpression {
    if (this.tokens.length === 0) throw new PatternSyntaxError('empty pattern');
    const expression = this.followedBy();
    if (this.pos < this.tokens.length) throw new PatternSyntaxError(`unexpected ${this.describe(this.peek())}`);
    return expression;
  }

  private peek(): Token | undefined { return this.tokens[this.pos]; }

  private describe(token: Token | undefined): string {
    return token === undefined ? 'end of pattern' : token.t === 'string' ? `string '${token.v}'` : JSON.stringify(token.v);
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token?.t === 'word' && token.v.toUpperCase() === word;
  }

  private isPunct(p: string): boolean {
    const token = this.peek();
    return token?.t === 'punct' && token.v === p;
  }

  private expectPunct(p: string): void {
    if (!this.isPunct(p)) throw new PatternSyntaxError(`expected ${JSON.stringify(p)}, found ${this.describe(this.peek())}`);
    this.pos++;
  }

  private next(what: string): Token {
    const token = this.peek();
    if (token === undefined) throw new PatternSyntaxError(`expected ${what}, found end of pattern`);
    this.pos++;
    return token;
  }

  private followedBy(): ObservationExpression {
    let left = this.observationOr();
    while (this.isKeyword('FOLLOWEDBY')) { this.pos++; left = { kind: 'followedby', left, right: this.observationOr() }; }
    return left;
  }

  private observationOr(): ObservationExpression {
    let left = this.observationAnd();
    while (this.isKeyword('OR')) { this.pos++; left = { kind: 'or', left, right: this.observationAnd() }; }
    return left;
  }

  private observationAnd(): ObservationExpression {
    let left = this.observation();
    while (this.isKeyword('AND')) { this.pos++; left = { kind: 'and', left, right: this.observation() }; }
    return left;
  }

  private observation(): ObservationExpression {
    let expression: ObservationExpression;
    if (this.isPunct('[')) {
      this.pos++;
      expression = { kind: 'observation', comparison: this.comparisonOr() };
      this.expectPunct(']');
    } else if (this.isPunct('(')) {
      this.pos++;
      expression = this.followedBy();
      this.expectPunct(')');
    } else {
      throw new PatternSyntaxError(`expected "[" or "(", found ${this.describe(this.peek())}`);
    }
    for (;;) {
      const start = this.pos;
      if (this.isKeyword('WITHIN')) {
        this.pos++;
        this.literalOf('number', 'a number of seconds');
        this.word('SECONDS');
      } else if (this.isKeyword('REPEATS')) {
        this.pos++;
        this.literalOf('number', 'a count');
        this.word('TIMES');
      } else if (this.isKeyword('START')) {
        this.pos++;
        this.literalOf('string', "a t'...' timestamp");
        this.word('STOP');
        this.literalOf('string', "a t'...' timestamp");
      } else {
        return expression;
      }
      const qualifier = this.tokens.slice(start, this.pos).map((t) => (t.t === 'string' ? `${t.prefix}'${t.v}'` : t.v)).join(' ');
      expression = { kind: 'qualified', qualifier, inner: expression };
    }
  }

  private word(expected: string): void {
    if (!this.isKeyword(expected)) throw new PatternSyntaxError(`expected ${expected}, found ${this.describe(this.peek())}`);
    this.pos++;
  }

  private literalOf(kind: 'number' | 'string', what: string): void {
    const token = this.next(what);
    if (token.t !== kind) throw new PatternSyntaxError(`expected ${what}, found ${this.describe(token)}`);
  }

  private comparisonOr(): ComparisonExpression {
    let left = this.comparisonAnd();
    while (this.isKeyword('OR')) { this.pos++; left = { kind: 'or', left, right: this.comparisonAnd() }; }
    return left;
  }

  private comparisonAnd(): ComparisonExpression {
    let left = this.comparisonUnit();
    while (this.isKeyword('AND')) { this.pos++; left = { kind: 'and', left, right: this.comparisonUnit() }; }
    return left;
  }

  private comparisonUnit(): ComparisonExpression {
    if (this.isPunct('(')) {
      this.pos++;
      const inner = this.comparisonOr();
      this.expectPunct(')');
      return inner;
    }
    if (this.isKeyword('EXISTS')) {
      this.pos++;
      return { kind: 'test', test: { path: this.objectPath(), operator: 'EXISTS' } };
    }
    const path = this.objectPath();
    let negated = false;
    if (this.isKeyword('NOT')) { negated = true; this.pos++; }
    const token = this.next('an operator');
    let operator: string;
    if (token.t === 'op') operator = token.v;
    else if (token.t === 'word' && COMPARISON_KEYWORDS.has(token.v.toUpperCase())) operator = token.v.toUpperCase();
    else throw new PatternSyntaxError(`expected an operator, found ${this.describe(token)}`);
    const value = operator === 'IN' ? this.setLiteral() : this.literal();
    return { kind: 'test', test: { path, operator: negated ? `NOT ${operator}` : operator, value } };
  }

  private objectPath(): ObjectPath {
    const type = this.next('an object type');
    if (type.t !== 'word') throw new PatternSyntaxError(`expected an object type, found ${this.describe(type)}`);
    this.expectPunct(':');
    const steps = [this.pathKey()];
    for (;;) {
      if (this.isPunct('.')) {
        this.pos++;
        steps.push(this.pathKey());
      } else if (this.isPunct('[')) {
        this.pos++;
        const index = this.next('a list index');
        if (index.t !== 'number' && !(index.t === 'punct' && index.v === '*')) throw new PatternSyntaxError(`expected a list index, found ${this.describe(index)}`);
        this.expectPunct(']');
        steps.push(`[${index.v}]`);
      } else {
        return { type: type.v, steps };
      }
    }
  }

  private pathKey(): string {
    const key = this.next('a property name');
    // Names with a hyphen are quoted, as in file:hashes.'SHA-256'.
    if (key.t === 'word' || (key.t === 'string' && key.prefix === '')) return key.v;
    throw new PatternSyntaxError(`expected a property name, found ${this.describe(key)}`);
  }

  private literal(): Literal {
    const token = this.next('a value');
    if (token.t === 'string') return { kind: 'string', value: token.v, prefix: token.prefix };
    if (token.t === 'number') return { kind: 'number', value: token.v };
    if (token.t === 'word' && /^(true|false)$/i.test(token.v)) return { kind: 'boolean', value: token.v.toLowerCase() };
    throw new PatternSyntaxError(`expected a value, found ${this.describe(token)}`);
  }

  private setLiteral(): Literal {
    this.expectPunct('(');
    const items: Literal[] = [];
    if (!this.isPunct(')')) {
      items.push(this.literal());
      while (this.isPunct(',')) { this.pos++; items.push(this.literal()); }
    }
    this.expectPunct(')');
    return { kind: 'set', items };
  }
}

/** The comparisons of a pattern that is one big OR, or why it is not. */
function disjunction(expression: ObservationExpression): Comparison[] | string {
  switch (expression.kind) {
    case 'qualified': return `qualifier ${expression.qualifier} makes it a condition over time, which iisa indicators cannot express`;
    case 'followedby': return 'FOLLOWEDBY asks for a sequence of observations, which iisa indicators cannot express';
    case 'and': return 'AND between observations asks for all of them together, which iisa indicators (each value alone is a match) cannot express';
    case 'or': {
      const left = disjunction(expression.left);
      if (typeof left === 'string') return left;
      const right = disjunction(expression.right);
      return typeof right === 'string' ? right : [...left, ...right];
    }
    case 'observation': return comparisons(expression.comparison);
  }
}

function comparisons(expression: ComparisonExpression): Comparison[] | string {
  switch (expression.kind) {
    case 'test': return [expression.test];
    case 'and': return 'AND between comparisons asks for all of them on one object, which iisa indicators (each value alone is a match) cannot express';
    case 'or': {
      const left = comparisons(expression.left);
      if (typeof left === 'string') return left;
      const right = comparisons(expression.right);
      return typeof right === 'string' ? right : [...left, ...right];
    }
  }
}

// ---- import ----

const HASH_LENGTH: Record<string, number> = { MD5: 32, SHA1: 40, SHA256: 64, SHA512: 128 };

/** A DNS name: labels of letters (any script), digits, `-` and `_`, at most 63 characters each, 253 in all. */
const DOMAIN_LABEL = /^[\p{L}\p{N}_](?:[\p{L}\p{N}_-]{0,61}[\p{L}\p{N}_])?$/u;

type Extracted = { kind: Exclude<keyof Indicators, 'sigma'>; value: string } | { reason: string };

function extract(test: Comparison): Extracted {
  const path = `${test.path.type}:${test.path.steps.map((s) => (/^[A-Za-z_][A-Za-z0-9_]*$|^\[/.test(s) ? s : `'${s}'`)).join('.')}`;
  const isIp = (test.path.type === 'ipv4-addr' || test.path.type === 'ipv6-addr') && test.path.steps.length === 1 && test.path.steps[0] === 'value';
  const isHash = test.path.type === 'file' && test.path.steps.length === 2 && test.path.steps[0] === 'hashes';
  const isDomain = test.path.type === 'domain-name' && test.path.steps.join('.') === 'value';
  const isIdentifier = test.path.type === 'x-iisa-identifier' && test.path.steps.join('.') === 'value';
  if (!isIp && !isHash && !isDomain && !isIdentifier) {
    return { reason: `${path} is not something iisa detects (ipv4-addr:value, ipv6-addr:value, domain-name:value, file:hashes.*, x-iisa-identifier:value)` };
  }
  if (test.operator !== '=' && !(isIp && test.operator === 'ISSUBSET')) {
    return { reason: `operator ${test.operator} on ${path}: only = (and ISSUBSET on IP addresses) names values iisa can detect` };
  }
  const literal = test.value;
  if (literal?.kind !== 'string' || literal.prefix !== '') return { reason: `${path} ${test.operator} needs a plain string value` };
  const value = literal.value;
  if (isIp) {
    const ip = canonicalIpIndicator(value);
    const family = test.path.type === 'ipv4-addr' ? 4 : 6;
    if (!ip || ip.family !== family) return { reason: `${path}: ${JSON.stringify(value)} is not an IPv${family} address or CIDR range` };
    return { kind: 'ips', value: ip.text };
  }
  if (isHash) {
    const algorithm = test.path.steps[1].toUpperCase().replace(/[-_]/g, '');
    const length = HASH_LENGTH[algorithm];
    if (length === undefined) return { reason: `${path}: iisa detects MD5, SHA-1, SHA-256 and SHA-512 hashes only` };
    if (value.length !== length || !/^[0-9a-fA-F]+$/.test(value)) return { reason: `${path}: ${JSON.stringify(value)} is not a hex ${test.path.steps[1]} digest (${length} hex digits)` };
    return { kind: 'hashes', value: value.toLowerCase() };
  }
  if (isDomain) {
    const name = value.trim().toLowerCase().replace(/\.$/, '');
    const labels = name.split('.');
    if (name.length === 0 || name.length > 253 || !labels.every((l) => DOMAIN_LABEL.test(l))) {
      return { reason: `${path}: ${JSON.stringify(value)} is not a domain name` };
    }
    return { kind: 'domains', value: name };
  }
  if (value.length === 0 || /[\p{Cc}]/u.test(value)) return { reason: `${path}: ${JSON.stringify(value)} is not an industrial identifier` };
  return { kind: 'identifiers', value };
}

const BundleSchema = z.object({
  type: z.literal('bundle'),
  id: z.string().startsWith('bundle--'),
  objects: z.array(z.looseObject({ type: z.string().min(1), id: z.string().min(1) })),
});

const IndicatorObjectSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  pattern: z.string().min(1),
  pattern_type: z.string().optional(),
  valid_until: z.string().optional(),
  revoked: z.boolean().optional(),
});

const ReportObjectSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  revoked: z.boolean().optional(),
  x_iisa_grade: z.unknown().optional(),
  x_iisa_targets: z.unknown().optional(),
});

/** Observable objects of kinds iisa detects: worth a word when a bundle carries them bare, since only indicators are read. */
const OBSERVABLE_TYPES = new Set(['ipv4-addr', 'ipv6-addr', 'domain-name', 'file', 'x-iisa-identifier']);

/**
 * Grade of an imported advisory when neither the bundle (`x_iisa_grade`)
 * nor the caller gives one. STIX has no severity to map from (a report's
 * `confidence` is how sure the author is, not how serious the threat), so
 * this is a choice: III, "relatively serious", goes to the province, so a
 * regulator sees the import, without claiming the national urgency of I/II.
 */
export const IMPORTED_DEFAULT_GRADE: Grade = 'III';

const DEFAULT_TITLE = 'Imported STIX bundle';

export interface StixImportDefaults {
  /** Grade when the bundle carries no `x_iisa_grade`. */
  readonly grade?: Grade;
  /** Targets when the bundle carries no valid `x_iisa_targets`. */
  readonly targets?: z.input<typeof TargetsSchema>;
}

export interface StixSkip {
  /** The STIX object the reason is about. */
  readonly id: string;
  readonly reason: string;
}

/** An advisory to issue (the caller adds the issuer), and what was left out of the bundle and why. */
export interface StixImport {
  readonly input: { title: string; grade: Grade; text: string; targets: Targets; indicators: Indicators };
  readonly skipped: StixSkip[];
}

/**
 * Read a STIX 2.1 (or 2.0) bundle into advisory input. Refuses (CoordinationError
 * `invalid`, with zod's description of what is wrong) anything that is not a
 * bundle; within a bundle, never throws: every indicator, or indicator value,
 * it cannot use is listed in `skipped` with the reason, and the rest is used.
 * Indicator values are validated, canonical and deduplicated; indicators
 * that are revoked or whose `valid_until` is before `now` are skipped.
 */
export function stixToAdvisoryInput(bundle: unknown, defaults: StixImportDefaults = {}, now: Date = new Date()): StixImport {
  const parsed = BundleSchema.safeParse(bundle);
  if (!parsed.success) throw new CoordinationError(`not a STIX bundle: ${z.prettifyError(parsed.error)}`, 'invalid');
  const skipped: StixSkip[] = [];
  const values: Record<keyof Indicators, Set<string>> = { ips: new Set(), identifiers: new Set(), domains: new Set(), hashes: new Set(), sigma: new Set() };
  let report: z.output<typeof ReportObjectSchema> | undefined;
  let firstIndicatorName: string | undefined;

  for (const object of parsed.data.objects) {
    if (object.type === 'report') {
      const r = ReportObjectSchema.safeParse(object);
      if (!r.success) { skipped.push({ id: object.id, reason: `report not read: ${z.prettifyError(r.error)}` }); continue; }
      if (r.data.revoked === true) { skipped.push({ id: object.id, reason: 'revoked' }); continue; }
      report ??= r.data;
      continue;
    }
    if (OBSERVABLE_TYPES.has(object.type)) {
      skipped.push({ id: object.id, reason: 'a bare observable, not an indicator: only indicator objects are imported' });
      continue;
    }
    if (object.type !== 'indicator') continue;
    const ind = IndicatorObjectSchema.safeParse(object);
    if (!ind.success) { skipped.push({ id: object.id, reason: `indicator not read: ${z.prettifyError(ind.error)}` }); continue; }
    const indicator = ind.data;
    if (firstIndicatorName === undefined && indicator.name !== undefined && indicator.name.trim().length >= 3) firstIndicatorName = indicator.name.trim();
    if (indicator.revoked === true) { skipped.push({ id: indicator.id, reason: 'revoked' }); continue; }
    if (indicator.valid_until !== undefined) {
      const until = Date.parse(indicator.valid_until);
      if (Number.isNaN(until)) { skipped.push({ id: indicator.id, reason: `valid_until ${JSON.stringify(indicator.valid_until)} is not a timestamp` }); continue; }
      if (until <= now.getTime()) { skipped.push({ id: indicator.id, reason: `expired: valid_until ${indicator.valid_until} has passed` }); continue; }
    }
    const patternType = (indicator.pattern_type ?? 'stix').toLowerCase();
    if (patternType === 'sigma') {
      const set = parseRuleText(indicator.pattern, indicator.id);
      const error = set.problems.find((p) => p.severity === 'error');
      if (error) skipped.push({ id: indicator.id, reason: `Sigma rule does not load: ${error.message}` });
      else if (set.rules.length + set.correlations.length === 0) skipped.push({ id: indicator.id, reason: 'Sigma pattern holds no rule' });
      else values.sigma.add(indicator.pattern);
      continue;
    }
    if (patternType !== 'stix') {
      skipped.push({ id: indicator.id, reason: `pattern_type ${JSON.stringify(indicator.pattern_type)}: iisa imports stix and sigma patterns only` });
      continue;
    }
    let tests: Comparison[] | string;
    try {
      tests = disjunction(new PatternParser(tokenize(indicator.pattern)).parse());
    } catch (err) {
      if (!(err instanceof PatternSyntaxError)) throw err;
      skipped.push({ id: indicator.id, reason: `pattern does not parse: ${err.message}` });
      continue;
    }
    if (typeof tests === 'string') { skipped.push({ id: indicator.id, reason: tests }); continue; }
    // An OR of values: leaving out one that is bad still detects exactly what the others name.
    for (const test of tests) {
      const got = extract(test);
      if ('reason' in got) skipped.push({ id: indicator.id, reason: got.reason });
      else values[got.kind].add(got.value);
    }
  }

  const grade = GradeSchema.safeParse(report?.x_iisa_grade);
  const targets = TargetsSchema.safeParse(report?.x_iisa_targets);
  if (report?.x_iisa_grade !== undefined && !grade.success) {
    skipped.push({ id: report.id, reason: `x_iisa_grade ${JSON.stringify(report.x_iisa_grade)} is not a grade I..IV; the default grade is used` });
  }
  if (report?.x_iisa_targets !== undefined && !targets.success) {
    skipped.push({ id: report.id, reason: `x_iisa_targets not used (${z.prettifyError(targets.error)}); the default targets are used` });
  }
  const reportName = report?.name.trim() ?? '';
  return {
    input: {
      title: (reportName.length >= 3 ? reportName : firstIndicatorName ?? DEFAULT_TITLE).slice(0, 300),
      grade: grade.success ? grade.data : defaults.grade ?? IMPORTED_DEFAULT_GRADE,
      text: (report?.description ?? `Imported from STIX bundle ${parsed.data.id}.`).slice(0, 20_000),
      targets: targets.success ? targets.data : TargetsSchema.parse(defaults.targets ?? {}),
      indicators: {
        ips: [...values.ips], identifiers: [...values.identifiers], domains: [...values.domains],
        hashes: [...values.hashes], sigma: [...values.sigma],
      },
    },
    skipped,
  };
}
