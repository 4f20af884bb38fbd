/**
 * Prefilters: a cheap necessary condition per rule, checked once per event
 * for all rules of a logsource bucket, so rules that cannot match are
 * skipped without being evaluated.
 *
 * A rule's *need* is a conjunction of clauses, each a disjunction of atoms;
 * if the event fails any clause the rule cannot match. An atom is one of:
 * the field's lower-cased text equals a text, or contains one; the field's
 * numeric value equals a number; the field is present. Derived from the model:
 * - an item (not negated) is one clause: an atom per value and field (exact
 *   text -> equality, wildcard pattern -> its longest literal part
 *   contained, number -> numeric equality, `exists: true` -> present);
 *   with `all`, a clause per value instead, as every value is needed;
 * - a map (AND of items), `and` and `all of`: the clauses of every part, the
 *   most selective MAX_CLAUSES of them;
 * - a list of maps / `or` / `1 of` of several parts: one clause, the union of
 *   each part's most selective clause (unknown if any part is);
 * - `not`: unknown.
 * Anything else (regex, CIDR, placeholders, null, negation...) is unknown,
 * and a rule with an unknown need is always evaluated.
 *
 * Why this never drops a match: every test a pattern compiles to (./values.ts)
 * holds only if the element's text form contains each literal part of the
 * pattern; compared lower-cased that stays true (a case-insensitive test
 * already compares lower-cased text; a case-sensitive or RegExp test sees
 * the literal exactly, and an ASCII literal lower-cases the same inside any
 * text). Literals that are not ASCII are used only where the value test
 * itself compares lower-cased text, i.e. case-insensitive and without `?`.
 * A number atom uses the number test's own conversion (`numericValue`), and
 * a present atom the same test as `exists`.
 */
import type { ResolvedLogsource } from '../mapping/index.js';
import type { Condition, DetectionItem, DetectionRule, PatternPart, SearchIdentifier } from '../model.js';
import { lowered, readSlot, sharedSlot } from './accessor.js';
import type { FieldSlot } from './accessor.js';
import { AhoCorasick } from './aho-corasick.js';
import { numericValue } from './values.js';

/** One thing the event's `field` must satisfy (text atoms compare lower-cased text). */
export type Atom =
  | { readonly field: string; readonly kind: 'equals'; readonly text: string }
  | { readonly field: string; readonly kind: 'contains'; readonly text: string }
  | { readonly field: string; readonly kind: 'number'; readonly value: number }
  | { readonly field: string; readonly kind: 'present' };

/** At least one atom holds. */
export type Clause = readonly Atom[];

/** A necessary condition: every clause holds. `null`: none known (always evaluate). */
export type Need = readonly Clause[] | null;

/**
 * Clauses kept per rule. Each is checked for every event of the bucket, so a
 * few selective ones do the work: a common value (`GET`) beside a rare one
 * (a URL fragment) lets the rare one decide.
 */
const MAX_CLAUSES = 3;

/** An exact value is worth more than any contained literal; longer literals are rarer; presence says little. */
function atomQuality(a: Atom): number {
  switch (a.kind) {
    case 'equals': case 'number': return 1000;
    case 'contains': return a.text.length;
    case 'present': return 0.5;
  }
}

/** How selective a clause is (higher is better): its weakest atom decides; an OR of many is less selective. */
function quality(clause: Clause): number {
  let q = Infinity;
  for (const a of clause) q = Math.min(q, atomQuality(a));
  return q - clause.length / 1000;
}

function atomKey(a: Atom): string {
  return `${a.field}\u0000${a.kind}\u0000${a.kind === 'number' ? a.value : a.kind === 'present' ? '' : a.text}`;
}

function clauseKey(clause: Clause): string {
  return clause.map(atomKey).sort().join('\u0001');
}

/** The most selective clause of a need; null when it has none. */
function bestClause(need: Need): Clause | null {
  if (need === null || need.length === 0) return null;
  let chosen = need[0];
  for (const c of need) if (quality(c) > quality(chosen)) chosen = c;
  return chosen;
}

/** AND: every part's clauses (unknown parts add nothing), the most selective MAX_CLAUSES, each once. */
function conjunction(needs: readonly Need[]): Need {
  const byKey = new Map<string, Clause>();
  for (const n of needs) for (const c of n ?? []) if (c.length > 0) byKey.set(clauseKey(c), c);
  if (byKey.size === 0) return null;
  return [...byKey.values()].sort((a, b) => quality(b) - quality(a)).slice(0, MAX_CLAUSES);
}

/** OR: one clause, the union of each part's best clause; unknown when a part is. */
function disjunction(needs: readonly Need[]): Need {
  if (needs.length === 1) return needs[0];
  const out: Atom[] = [];
  for (const n of needs) {
    const c = bestClause(n);
    if (c === null) return null;
    out.push(...c);
  }
  return out.length ? [out] : null;
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

/** The atoms one value of an item needs on `fields` (any of them); null when it needs nothing known. */
function valueAtoms(value: DetectionItem['values'][number], item: DetectionItem, fields: readonly string[]): Atom[] | null {
  switch (value.kind) {
    case 'pattern': {
      const lit = patternLiteral(value.pattern.parts, item.cased, item.field === null);
      if (lit === null || (lit.text === '' && !lit.exact)) return null;
      const kind = lit.exact ? 'equals' : 'contains';
      return fields.map((field) => ({ field, kind, text: lit.text }));
    }
    case 'number': return Number.isNaN(value.value) ? null : fields.map((field) => ({ field, kind: 'number', value: value.value }));
    case 'exists': return value.exists ? fields.map((field) => ({ field, kind: 'present' })) : null;
    default: return null;
  }
}

function itemNeed(item: DetectionItem, ls: ResolvedLogsource): Need {
  if (item.negated || item.values.length === 0) return null;
  const fields = item.field === null ? ls.keywordFields : ls.fieldsFor(item.field);
  if (fields.length === 0) return null;
  const perValue: Need[] = item.values.map((v) => {
    const atoms = valueAtoms(v, item, fields);
    return atoms === null ? null : [atoms];
  });
  // `all`: each value is needed; else any value may be the one.
  return item.all ? conjunction(perValue) : disjunction(perValue);
}

function identifierNeed(id: SearchIdentifier, ls: ResolvedLogsource): Need {
  return disjunction(id.groups.map((group) => (group.length === 0 ? null : conjunction(group.map((item) => itemNeed(item, ls))))));
}

function conditionNeed(c: Condition, identifiers: ReadonlyMap<string, SearchIdentifier>, ls: ResolvedLogsource): Need {
  const ref = (name: string): Need => {
    const id = identifiers.get(name);
    return id ? identifierNeed(id, ls) : null;
  };
  switch (c.op) {
    case 'and': return conjunction(c.args.map((a) => conditionNeed(a, identifiers, ls)));
    case 'or': return disjunction(c.args.map((a) => conditionNeed(a, identifiers, ls)));
    case 'not': return null;
    case 'ref': return ref(c.name);
    case 'of': {
      if (c.names.length === 0) return null;
      const needs = c.names.map(ref);
      return c.quantifier === 'all' ? conjunction(needs) : disjunction(needs);
    }
  }
}

/** The necessary condition of a rule's detection for its logsource (filters only narrow a rule further). */
export function ruleNeed(rule: DetectionRule, logsource: ResolvedLogsource): Need {
  const need = conditionNeed(rule.condition, rule.identifiers, logsource);
  if (need === null) return null;
  // Drop duplicate atoms within a clause (a field mapped twice, a value listed twice).
  return need.map((clause) => {
    const seen = new Set<string>();
    return clause.filter((a) => {
      const key = atomKey(a);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });
}

// ------------------------------------------------------------------ buckets

interface Needle {
  readonly text: string;
  readonly clauses: number[];
}

interface FieldIndex {
  readonly slot: FieldSlot;
  /** Lower-cased exact text -> clauses (indices into the bucket's clauses). */
  readonly equals: Map<string, number[]>;
  readonly needles: Needle[];
  /** One pass over the text for all needles, when there are enough of them to pay. */
  automaton: AhoCorasick | null;
  /** Numeric value -> clauses. */
  readonly numbers: Map<number, number[]>;
  /** Clauses the field's mere presence satisfies. */
  readonly present: number[];
}

/** From this many needles on a field, one Aho-Corasick pass beats an `includes` per needle. */
const AUTOMATON_NEEDLES = 4;

/**
 * The prefilter of one bucket: which of its rules (by index) an event can
 * match. `mark(event)` returns an epoch; rule `i` must be evaluated when
 * `admits(i, epoch)`. Clauses shared by several rules of the bucket are
 * checked once.
 */
export class BucketPrefilter {
  /** 1: rule `i` has no known need and is always evaluated. */
  readonly always: Uint8Array;
  /** The clauses of rule `i`: clauseIds[clauseStart[i]..clauseStart[i + 1]). */
  private readonly clauseStart: Int32Array;
  private readonly clauseIds: Int32Array;
  /** The epoch clause `c` was last satisfied in. */
  private readonly marks: Uint32Array;
  private readonly fields: FieldIndex[] = [];
  private epoch = 0;

  /** `needs[i]` is the need of the bucket's rule `i`. */
  constructor(needs: readonly Need[]) {
    this.always = new Uint8Array(needs.length);
    this.clauseStart = new Int32Array(needs.length + 1);
    const clauseIndex = new Map<string, number>();
    const ids: number[] = [];
    const byField = new Map<string, FieldIndex>();
    const fieldOf = (name: string): FieldIndex => {
      let f = byField.get(name);
      if (!f) {
        f = { slot: sharedSlot(name), equals: new Map(), needles: [], automaton: null, numbers: new Map(), present: [] };
        byField.set(name, f);
        this.fields.push(f);
      }
      return f;
    };
    const add = <K>(map: Map<K, number[]>, key: K, clause: number): void => {
      const list = map.get(key);
      if (list) list.push(clause);
      else map.set(key, [clause]);
    };
    needs.forEach((need, rule) => {
      this.clauseStart[rule] = ids.length;
      if (need === null || need.length === 0) {
        this.always[rule] = 1;
        return;
      }
      for (const clause of need) {
        const key = clauseKey(clause);
        let id = clauseIndex.get(key);
        if (id === undefined) {
          id = clauseIndex.size;
          clauseIndex.set(key, id);
          for (const atom of clause) {
            const f = fieldOf(atom.field);
            if (atom.kind === 'equals') add(f.equals, atom.text, id);
            else if (atom.kind === 'number') add(f.numbers, atom.value, id);
            else if (atom.kind === 'present') f.present.push(id);
            else {
              const needle = f.needles.find((n) => n.text === atom.text);
              if (needle) needle.clauses.push(id);
              else f.needles.push({ text: atom.text, clauses: [id] });
            }
          }
        }
        ids.push(id);
      }
    });
    this.clauseStart[needs.length] = ids.length;
    this.clauseIds = Int32Array.from(ids);
    this.marks = new Uint32Array(clauseIndex.size);
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

  /** Whether rule `i` may match the event last marked with `epoch`: always evaluated, or every clause of its need holds. */
  admits(rule: number, epoch: number): boolean {
    if (this.always[rule] === 1) return true;
    const marks = this.marks;
    const ids = this.clauseIds;
    for (let k = this.clauseStart[rule], end = this.clauseStart[rule + 1]; k < end; k++) if (marks[ids[k]] !== epoch) return false;
    return true;
  }

  /** Mark the clauses the event satisfies; returns the epoch they are marked with. */
  mark(event: unknown): number {
    let epoch = ++this.epoch;
    if (epoch === 0xffffffff) {
      this.marks.fill(0);
      this.epoch = epoch = 1;
    }
    const marks = this.marks;
    for (const f of this.fields) {
      const raw = readSlot(f.slot, event);
      if (raw === undefined || raw === null) continue;
      for (const c of f.present) marks[c] = epoch;
      if (Array.isArray(raw)) {
        for (const element of raw) this.markElement(f, element, epoch);
      } else {
        this.markElement(f, raw, epoch);
      }
    }
    return epoch;
  }

  private markElement(f: FieldIndex, v: unknown, epoch: number): void {
    const marks = this.marks;
    if (f.numbers.size > 0) {
      const numbered = f.numbers.get(numericValue(v));
      if (numbered !== undefined) for (const c of numbered) marks[c] = epoch;
    }
    // The element's text form, as the value tests see it (numbers and booleans as their text).
    let lower: string;
    if (typeof v === 'string') lower = lowered(f.slot, v);
    else if (typeof v === 'number') lower = String(v).toLowerCase();
    else if (typeof v === 'boolean') lower = v ? 'true' : 'false';
    else return;
    const equal = f.equals.get(lower);
    if (equal !== undefined) for (const c of equal) marks[c] = epoch;
    const needles = f.needles;
    const automaton = f.automaton;
    if (automaton !== null) {
      const found = automaton.found;
      const count = automaton.scan(lower);
      for (let k = 0; k < count; k++) for (const c of needles[found[k]].clauses) marks[c] = epoch;
      return;
    }
    for (let i = 0; i < needles.length; i++) {
      const n = needles[i];
      if (lower.length >= n.text.length && lower.includes(n.text)) for (const c of n.clauses) marks[c] = epoch;
    }
  }
}
