/**
 * String modifiers (spec "String Modifiers"): windash, re with its flag
 * sub-modifiers, and the encodings (base64, base64offset, utf16le/wide,
 * utf16be, utf16), all following pySigma's `sigma/modifiers.py` so a chain
 * such as `|wide|base64offset|contains` yields the same strings.
 */
import { RuleProblem, unsupported } from '../problem.js';
import { hasWildcard, plainText } from '../pattern.js';
import { automatonTooLarge } from '../../regex/automaton.js';
import { catastrophicBacktracking } from '../../regex/backtracking.js';
import type { StringPart } from '../pattern.js';
import type { ModifierContext, ModifierDefinition, WorkingValue } from './types.js';

function asString(value: WorkingValue): Extract<WorkingValue, { t: 'string' }> {
  if (value.t !== 'string') throw new RuleProblem(`expected a string value, got ${value.t}`);
  return value;
}

/** Python's `\w` on str: letters, digits (any script) and underscore. */
const WORD = /[\p{L}\p{N}_]/u;
const isWord = (c: string | undefined): boolean => c !== undefined && WORD.test(c);
const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];
/** Dashes windash expands (5^5 = 3,125 variants): SigmaHQ values have at most 3; more is a memory bomb. */
const MAX_WINDASH_SLOTS = 5;

/**
 * pySigma windash: every `-` or `/` matched by `\B[-/]\b` in a text part
 * (not after a word character, before one) becomes each of the five dash
 * characters; all combinations are produced, in pySigma's order.
 */
function windash(value: WorkingValue): WorkingValue {
  const s = asString(value);
  // Split into segments: text or a dash slot.
  const segments: (StringPart | 'slot')[] = [];
  for (const part of s.parts) {
    if (!('text' in part)) {
      segments.push(part);
      continue;
    }
    const chars = [...part.text];
    let acc = '';
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      if ((c === '-' || c === '/') && !isWord(chars[i - 1]) && isWord(chars[i + 1])) {
        if (acc !== '') segments.push({ text: acc });
        segments.push('slot');
        acc = '';
      } else {
        acc += c;
      }
    }
    if (acc !== '') segments.push({ text: acc });
  }
  const slots = segments.filter((seg) => seg === 'slot').length;
  if (slots > MAX_WINDASH_SLOTS) {
    throw unsupported(`windash over more than ${MAX_WINDASH_SLOTS} dashes`,
      `modifier windash over ${slots} dashes would make ${DASHES.length}^${slots} variants of ${JSON.stringify(s.raw.length > 80 ? `${s.raw.slice(0, 80)}...` : s.raw)}; at most ${MAX_WINDASH_SLOTS} dashes are expanded`);
  }
  let variants: StringPart[][] = [[]];
  for (const seg of segments) {
    if (seg === 'slot') variants = variants.flatMap((v) => DASHES.map((d) => [...v, { text: d }]));
    else variants = variants.map((v) => [...v, seg]);
  }
  return { t: 'expansion', values: variants.map((parts) => ({ t: 'string', parts, raw: s.raw })) };
}

/** pySigma encodes a string part by encoding to UTF-16 and decoding the bytes as UTF-8 (strict). */
function reencode(text: string, encoding: 'utf16le' | 'utf16be', modifier: string): string {
  const bytes = Buffer.from(text, 'utf16le');
  if (encoding === 'utf16be') bytes.swap16();
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RuleProblem(`modifier ${modifier} only applies to ASCII strings, ${JSON.stringify(text)} is not`);
  }
}

function utf16Modifier(name: string, encoding: 'utf16le' | 'utf16be', bom: boolean): ModifierDefinition {
  return {
    name,
    accepts: ['string'],
    apply(value) {
      const s = asString(value);
      const parts: StringPart[] = s.parts.map((p) => ('text' in p ? { text: reencode(p.text, encoding, name) } : p));
      return { ...s, parts: bom ? [{ text: '\ufeff' }, ...parts] : parts };
    },
  };
}

/** Bytes the base64 modifiers encode: the UTF-8 of the string, with utf16's BOM as FF FE. */
function base64Input(value: Extract<WorkingValue, { t: 'string' }>, ctx: ModifierContext, name: string): Buffer {
  if (hasWildcard(value.parts)) throw new RuleProblem(`modifier ${name}: base64 encoding of strings with wildcards is not allowed`);
  if (value.parts.some((p) => 'placeholder' in p)) throw new RuleProblem(`modifier ${name}: base64 encoding of placeholders is not allowed`);
  let data = Buffer.from(plainText(value.parts), 'utf8');
  const utf8Bom = Buffer.from('\ufeff', 'utf8');
  if (ctx.applied.includes('utf16') && data.subarray(0, 3).equals(utf8Bom)) data = Buffer.concat([Buffer.from([0xff, 0xfe]), data.subarray(3)]);
  return data;
}

const literal = (text: string, raw: string): WorkingValue => ({ t: 'string', parts: text === '' ? [] : [{ text }], raw });

export const base64Modifier: ModifierDefinition = {
  name: 'base64',
  accepts: ['string'],
  apply(value, ctx) {
    const s = asString(value);
    return literal(base64Input(s, ctx, 'base64').toString('base64'), s.raw);
  },
};

const OFFSET_START = [0, 2, 3];
const OFFSET_END = [undefined, -3, -2];

/** pySigma base64offset: the value shifted by 0, 1, 2 bytes, encoded, with the unstable edge characters cut. */
export const base64offsetModifier: ModifierDefinition = {
  name: 'base64offset',
  accepts: ['string'],
  apply(value, ctx) {
    const s = asString(value);
    const data = base64Input(s, ctx, 'base64offset');
    const values: WorkingValue[] = [0, 1, 2].map((i) => {
      const encoded = Buffer.concat([Buffer.alloc(i, 0x20), data]).toString('base64');
      const end = OFFSET_END[(data.length + i) % 3];
      return literal(encoded.slice(OFFSET_START[i], end === undefined ? undefined : encoded.length + end), s.raw);
    });
    return { t: 'expansion', values };
  },
};

export const windashModifier: ModifierDefinition = { name: 'windash', accepts: ['string'], apply: windash };

export const wideModifier = utf16Modifier('wide', 'utf16le', false);
export const utf16leModifier = utf16Modifier('utf16le', 'utf16le', false);
export const utf16beModifier = utf16Modifier('utf16be', 'utf16be', false);
export const utf16Modifier_ = utf16Modifier('utf16', 'utf16le', true);

/**
 * `re`: the YAML text as a regular expression (no wildcard parsing). Must
 * come first, as in pySigma. A leading PCRE inline flag group (`(?i)`,
 * `(?ms)`), common in SigmaHQ, becomes the value's flags, so every backend
 * sees one way of saying it; inline flags anywhere else are unsupported.
 */
export const reModifier: ModifierDefinition = {
  name: 're',
  accepts: ['string'],
  apply(value, ctx) {
    if (ctx.applied.length > 0) throw new RuleProblem(`modifier re only applies to unmodified values (found after ${ctx.applied.join('|')})`);
    const s = asString(value);
    const flags = { i: false, m: false, s: false };
    let source = s.raw;
    const lead = /^\(\?([a-zA-Z]+)\)/.exec(source);
    if (lead) {
      for (const f of lead[1]) {
        if (f !== 'i' && f !== 'm' && f !== 's') throw unsupported(`regular expression inline flag (?${f})`, `inline flag (?${f}) is not supported (only i, m, s)`);
        flags[f] = true;
      }
      source = source.slice(lead[0].length);
    }
    if (/\(\?[a-zA-Z]+[):]/.test(source.replace(/\\./g, ''))) {
      throw unsupported('regular expression inline flags inside the pattern', `inline flags inside ${JSON.stringify(s.raw)} are not supported (only a leading group)`);
    }
    try {
      new RegExp(source);
    } catch (err) {
      throw new RuleProblem(`invalid regular expression ${JSON.stringify(s.raw)}: ${(err as Error).message}`);
    }
    refuseCatastrophic(s.raw, source, flags);
    return { t: 'regex', source, flags };
  },
};

/**
 * A log line must not be able to stall the detector: a regular expression
 * that can backtrack exponentially, or that is too large to run as an
 * automaton, is refused when the rule loads (checked again when a flag
 * modifier widens what it matches: `i`, `s`).
 */
function refuseCatastrophic(raw: string, source: string, flags: Extract<WorkingValue, { t: 'regex' }>['flags']): void {
  const reason = catastrophicBacktracking(source, flags);
  if (reason !== undefined) throw unsupported('regular expression with catastrophic backtracking', `regular expression ${JSON.stringify(raw)} ${reason}`);
  // Polynomial backtracking is not refused: the matchers run the pattern as an automaton, in linear time, unless it is too large for one.
  const size = automatonTooLarge(source, flags);
  if (size !== undefined) throw unsupported('regular expression too large for linear-time matching', `regular expression ${JSON.stringify(raw)} ${size}`);
}

function flagModifier(name: string, flag: 'i' | 'm' | 's'): ModifierDefinition {
  return {
    name,
    accepts: ['regex'],
    apply(value) {
      if (value.t !== 'regex') throw new RuleProblem(`modifier ${name} only applies after re`);
      const flags = { ...value.flags, [flag]: true };
      if (flag !== 'm' && !value.flags[flag]) refuseCatastrophic(value.source, value.source, flags);
      return { ...value, flags };
    },
  };
}

export const reFlagModifiers: readonly ModifierDefinition[] = [
  flagModifier('i', 'i'),
  flagModifier('ignorecase', 'i'),
  flagModifier('m', 'm'),
  flagModifier('multiline', 'm'),
  flagModifier('s', 's'),
  flagModifier('dotall', 's'),
];
