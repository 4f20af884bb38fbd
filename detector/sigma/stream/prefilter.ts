/**
 * Prefilters: a cheap necessary condition per rule, checked once per event
 * for all rules of a logsource bucket, so rules that cannot match are
 * skipped without being evaluated.
 *
 * A rule's *need* is a set of atoms (field + lower-cased text that must equal
 * the field's lower-cased text, or occur in it); if the event satisfies none
 * of them the rule cannot match. It is derived from the model:
 * - an item of pattern values (not negated): one atom per value and field
 *   (exact text -> equality, wildcard pattern -> its longest literal part
 *   contained); with `all`, one value's atoms suffice;
 * - a map (AND of items): the most selective item's need;
 * - a list of maps / `or` / `1 of`: the union (unknown if any part is);
 * - `and` / `all of`: the most selective part's; `not`: unknown.
 * Anything else (numbers, regex, CIDR, placeholders, null, negation...) is
 * unknown, and a rule with an unknown need is always evaluated.
 *
 * Why this never drops a match: every test a pattern compiles to (./values.ts)
 * holds only if the element's text form contains each literal part of the
 * pattern; compared lower-cased that stays true (a case-insensitive test
 * already compares lower-cased text; a case-sensitive or RegExp test sees
 * the literal exactly, and an ASCII literal lower-cases the same inside any
 * text). Literals that are not ASCII are used only where the value test
 * itself compares lower-cased text, i.e. case-insensitive and without `?`.
 */
import type { ResolvedLogsource } from '../mapping/index.js';
import type { Condition, DetectionItem, DetectionRule, PatternPart, SearchIdentifier } from '../model.js';
import { lowered, readSlot, sharedSlot } from './accessor.js';
import type { FieldSlot } from './accessor.js';
import { AhoCorasick } from './aho-corasick.js';

/** The event can match only if the (lower-cased) text of `field` equals `text` (exact) or contains it. */
export interface Atom {
  readonly field: string;
  readonly exact: boolean;
  readonly text: string;
}

/** A necessary condition: at least one atom holds. `null`: none known (always evaluate). */
export type Need = readonly Atom[] | null;

/** An exact atom is worth more than any contained literal; longer literals are rarer. */
const EXACT_QUALITY = 1000;

/** How selective a need is (higher is better): its weakest atom decides. */
function quality(need: Need): number {
  if (need === null || need.length === 0) return -1;
  let q = Infinity;
  for (const a of need) q = Math.min(q, a.exact ? EXACT_QUALITY : a.text.length);
  // Fewer atoms is cheaper to check, and an OR of many is less selective.
  return q - need.length / 1000;
}

function best(needs: readonly Need[]): Need {
  let chosen: Need = null;
  let q = -1;
  for (const n of needs) {
    const nq = quality(n);
    if (nq > q) {
      chosen = n;
      q = nq;
    }
  }
  return chosen;
}

function union(needs: readonly Need[]): Need {
  const out: Atom[] = [];
  for (const n of needs) {
    if (n === null || n.length === 0) return null;
    out.push(...n);
  }
  return out.length ? out : null;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

/** The literal a pattern value's element text must hold, as an atom template; null when none is safe. */
function patternLiteral(parts: readonly PatternPart[], cased: boolean, keyword: boolean): { exact: boolean; text: string } | null {
  let hasWildcard = false;
  let hasQuestion = false;
  let run = '';
  let longest = '';
  const literals: string[] = [];
  for (const p of parts) {
    if ('text' in p) {
      run += p.text;
    } else {
      hasWildcard = true;
      if (p.wildcard === '?') hasQuestion = true;
      literals.push(run);
      run = '';
    }
  }
  literals.push(run);
  if (!hasWildcard) {
    // Exact text: equality (equal texts lower-case alike). A keyword item searches
    // it anywhere instead, hence the ASCII rule for cased ones.
    if (keyword) return cased && !isAscii(run) ? null : { exact: false, text: run.toLowerCase() };
    return { exact: true, text: run.toLowerCase() };
  }
  const safe = (t: string): boolean => isAscii(t) || (!cased && !hasQuestion);
  for (const t of literals) if (t.length > longest.length && safe(t)) longest = t;
  if (longest === '') return null;
  // Case-insensitive tests lower-case each literal segment on its own; so do we.
  return { exact: false, text: longest.toLowerCase() };
}

function itemNeed(item: DetectionItem, ls: ResolvedLogsource): Need {
  if (item.negated || item.values.length === 0) return null;
  const keyword = item.field === null;
  const fields = keyword ? ls.keywordFields : ls.fieldsFor(item.field ?? '');
  if (fields.length === 0) return null;
  const perValue: Need[] = item.values.map((v) => {
    if (v.kind !== 'pattern') return null;
    const lit = patternLiteral(v.pattern.parts, item.cased, keyword);
    if (lit === null || (lit.text === '' && !lit.exact)) return null;
    return fields.map((field) => ({ field, exact: lit.exact, text: lit.text }));
  });
  return item.all ? best(perValue) : union(perValue);
}

function identifierNeed(id: SearchIdentifier, ls: ResolvedLogsource): Need {
  return union(id.groups.map((group) => (group.length === 0 ? null : best(group.map((item) => itemNeed(item, ls))))));
}

function conditionNeed(c: Condition, identifiers: ReadonlyMap<string, SearchIdentifier>, ls: ResolvedLogsource): Need {
  const ref = (name: string): Need => {
    const id = identifiers.get(name);
    return id ? identifierNeed(id, ls) : null;
  };
  switch (c.op) {
    case 'and': return best(c.args.map((a) => conditionNeed(a, identifiers, ls)));
    case 'or': return union(c.args.map((a) => conditionNeed(a, identifiers, ls)));
    case 'not': return null;
    case 'ref': return ref(c.name);
    case 'of': {
      if (c.names.length === 0) return null;
      const needs = c.names.map(ref);
      return c.quantifier === 'all' ? best(needs) : union(needs);
    }
  }
}

/** The necessary condition of a rule's detection for its logsource (filters only narrow a rule further). */
export function ruleNeed(rule: DetectionRule, logsource: ResolvedLogsource): Need {
  const need = conditionNeed(rule.condition, rule.identifiers, logsource);
  if (need === null) return null;
  // Drop duplicate atoms (a field mapped twice, a value listed twice).
  const seen = new Set<string>();
  return need.filter((a) => {
    const key = `${a.field}\u0000${a.exact ? '=' : '~'}${a.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ------------------------------------------------------------------ buckets

interface Needle {
  readonly text: string;
  readonly rules: number[];
}

interface FieldIndex {
  readonly slot: FieldSlot;
  /** Lower-cased exact text -> rules (indices into the bucket). */
  readonly exact: Map<string, number[]>;
  readonly needles: Needle[];
  /** One pass over the text for all needles, when there are enough of them to pay. */
  automaton: AhoCorasick | null;
}

/** From this many needles on a field, one Aho-Corasick pass beats an `includes` per needle. */
const AUTOMATON_NEEDLES = 4;

/**
 * The prefilter of one bucket: which of its rules (by index) an event can
 * match. `mark(event)` returns an epoch; rule `i` must be evaluated when
 * `always[i]` is 1 or `marks[i]` equals that epoch.
 */
export class BucketPrefilter {
  readonly always: Uint8Array;
  readonly marks: Uint32Array;
  private readonly fields: FieldIndex[] = [];
  private epoch = 0;

  /** `needs[i]` is the need of the bucket's rule `i`. */
  constructor(needs: readonly Need[]) {
    this.always = new Uint8Array(needs.length);
    this.marks = new Uint32Array(needs.length);
    const byField = new Map<string, FieldIndex>();
    needs.forEach((need, rule) => {
      if (need === null) {
        this.always[rule] = 1;
        return;
      }
      for (const atom of need) {
        let f = byField.get(atom.field);
        if (!f) {
          f = { slot: sharedSlot(atom.field), exact: new Map(), needles: [], automaton: null };
          byField.set(atom.field, f);
          this.fields.push(f);
        }
        if (atom.exact) {
          const list = f.exact.get(atom.text);
          if (list) list.push(rule);
          else f.exact.set(atom.text, [rule]);
        } else {
          const needle = f.needles.find((n) => n.text === atom.text);
          if (needle) needle.rules.push(rule);
          else f.needles.push({ text: atom.text, rules: [rule] });
        }
      }
    });
    // Longer needles first: no effect on the result, and the rarest are tried first.
    for (const f of this.fields) {
      f.needles.sort((a, b) => b.text.length - a.text.length);
      if (f.needles.length >= AUTOMATON_NEEDLES) f.automaton = new AhoCorasick(f.needles.map((n) => n.text));
    }
  }

  /** Rules with an unknown need (always evaluated). */
  get unfiltered(): number {
    let n = 0;
    for (const a of this.always) n += a;
    return n;
  }

  /** Mark the rules whose need the event satisfies; returns the epoch they are marked with. */
  mark(event: unknown): number {
    let epoch = ++this.epoch;
    if (epoch === 0xffffffff) {
      this.marks.fill(0);
      this.epoch = epoch = 1;
    }
    for (const f of this.fields) {
      const raw = readSlot(f.slot, event);
      if (raw === undefined || raw === null) continue;
      if (Array.isArray(raw)) {
        for (const element of raw) this.markElement(f, element, epoch);
      } else {
        this.markElement(f, raw, epoch);
      }
    }
    return epoch;
  }

  private markElement(f: FieldIndex, v: unknown, epoch: number): void {
    // The element's text form, as the value tests see it (numbers and booleans as their text).
    let lower: string;
    if (typeof v === 'string') lower = lowered(f.slot, v);
    else if (typeof v === 'number') lower = String(v).toLowerCase();
    else if (typeof v === 'boolean') lower = v ? 'true' : 'false';
    else return;
    const marks = this.marks;
    const exact = f.exact.get(lower);
    if (exact !== undefined) for (const r of exact) marks[r] = epoch;
    const needles = f.needles;
    const automaton = f.automaton;
    if (automaton !== null) {
      const found = automaton.found;
      const count = automaton.scan(lower);
      for (let k = 0; k < count; k++) for (const r of needles[found[k]].rules) marks[r] = epoch;
      return;
    }
    for (let i = 0; i < needles.length; i++) {
      const n = needles[i];
      if (lower.length >= n.text.length && lower.includes(n.text)) for (const r of n.rules) marks[r] = epoch;
    }
  }
}
