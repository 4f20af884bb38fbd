/**
 * A detection rule compiled once to a JS predicate over one ECS event.
 *
 * Semantics shared by every iisa backend (stream, SQL, Elasticsearch):
 * - pattern values match the WHOLE field text, case-insensitively unless the
 *   item is `cased`; `*` is any run, `?` one character;
 * - a field holding an array matches when any element does (with `all`: each
 *   value must match some element);
 * - a number value equals a numeric field or a string field whose text is a
 *   decimal literal of that number ("502" == 502); a pattern value against a
 *   number/boolean field compares with its text form (502 -> "502");
 * - `null`: absent, null, "" (or an empty array); `exists`: the key is present
 *   with a non-null value;
 * - keyword items (no field) match when the value occurs anywhere in any of
 *   the mapping's keyword fields (`message`, `event.original`);
 * - `neq`: the item matches when the field matches none of its values (an
 *   absent field too);
 * - `re`: unanchored (PCRE search), case-sensitive unless `i`;
 * - `cidr`: IPv4 and IPv6, a non-IP value never matches;
 * - `fieldref`: compares text forms, case-insensitively unless `cased`
 *   (numbers compare as numbers for equality);
 * - placeholders are resolved for the event's org (`org.id`);
 * - time parts are taken in UTC from ISO date strings (numbers: epoch ms);
 * - a rule field mapped to several ECS fields matches when any of them does.
 */
import type { Condition, DetectionItem, DetectionRule, PlaceholderSource, SearchIdentifier, SigmaValue } from '../model.js';
import type { FieldMapping, ResolvedLogsource } from '../mapping/index.js';
import { foldCondition } from '../condition-fold.js';
import { lowered, readSlot, sharedSlot } from './accessor.js';
import type { FieldSlot } from './accessor.js';
import { CONTAINS_AUTOMATON_MIN, RuleCompileError, anyOf, compileValue, containedText, containsAnyTest, exactSetTest, exactText, keywordSearchValue } from './values.js';
import type { ScalarTest, ValueContext, WholeTest } from './values.js';

export { RuleCompileError } from './values.js';

/** A compiled test of one event. Pure: it reads the event and nothing else (placeholder values aside). */
export type EventPredicate = (event: unknown) => boolean;

export interface CompileContext {
  readonly mapping: FieldMapping;
  /** Values of `%Placeholder%`s per org; a rule naming a placeholder this lacks fails to compile (unsupported). */
  readonly placeholders?: PlaceholderSource;
  /** Orgs whose placeholder values each placeholder keeps compiled (default 256; least recently added evicted). */
  readonly placeholderCacheOrgs?: number;
}

export interface CompiledRule {
  readonly rule: DetectionRule;
  readonly logsource: ResolvedLogsource;
  /** True when the event matches the rule's detection (and passes its filters, once applied). */
  readonly test: EventPredicate;
}

/**
 * Compile a rule. Throws RuleCompileError when the rule cannot be compiled
 * (a regular expression JavaScript rejects, a bad CIDR, an unknown placeholder
 * or identifier); the error's `feature` names what is unsupported.
 */
export function compileRule(rule: DetectionRule, ctx: CompileContext): CompiledRule {
  const logsource = ctx.mapping.resolve(rule.logsource);
  return { rule, logsource, test: compileDetection(rule.identifiers, rule.condition, logsource, ctx) };
}

/** Compile identifiers + condition (of a rule or a filter) against a resolved logsource. */
export function compileDetection(
  identifiers: ReadonlyMap<string, SearchIdentifier>,
  condition: Condition,
  logsource: ResolvedLogsource,
  ctx: CompileContext,
): EventPredicate {
  const vctx: ValueContext = {
    fieldsFor: (name) => logsource.fieldsFor(name),
    ...(ctx.placeholders ? { placeholders: ctx.placeholders } : {}),
    placeholderCacheOrgs: ctx.placeholderCacheOrgs ?? 256,
  };
  const compiled = new Map<string, EventPredicate>();
  const identifier = (name: string): EventPredicate => {
    let p = compiled.get(name);
    if (!p) {
      const id = identifiers.get(name);
      if (!id) throw new RuleCompileError(`condition names "${name}", which is not a search identifier of the detection`);
      p = compileIdentifier(id, logsource, vctx);
      compiled.set(name, p);
    }
    return p;
  };
  return compileCondition(condition, identifier);
}

// ----------------------------------------------------------------- condition

function and(preds: readonly EventPredicate[]): EventPredicate {
  if (preds.length === 1) return preds[0];
  if (preds.length === 2) {
    const [a, b] = preds;
    return (e) => a(e) && b(e);
  }
  return (e) => {
    for (const p of preds) if (!p(e)) return false;
    return true;
  };
}

function or(preds: readonly EventPredicate[]): EventPredicate {
  if (preds.length === 0) return () => false;
  if (preds.length === 1) return preds[0];
  if (preds.length === 2) {
    const [a, b] = preds;
    return (e) => a(e) || b(e);
  }
  return (e) => {
    for (const p of preds) if (p(e)) return true;
    return false;
  };
}

const NEVER: EventPredicate = () => false;

function compileCondition(c: Condition, identifier: (name: string) => EventPredicate): EventPredicate {
  return foldCondition<EventPredicate>(c, {
    and: (preds) => (preds.length === 0 ? () => true : and(preds)),
    or,
    not: (inner) => (e) => !inner(e),
    ref: identifier,
    never: NEVER,
    atLeast: (preds, need) => (e) => {
      let n = 0;
      for (const p of preds) if (p(e) && ++n >= need) return true;
      return false;
    },
  });
}

function compileIdentifier(id: SearchIdentifier, ls: ResolvedLogsource, vctx: ValueContext): EventPredicate {
  // A map is an AND of its items; a list of maps is an OR of the maps.
  return or(id.groups.map((group) => (group.length === 0 ? () => true : and(group.map((item) => compileItem(item, ls, vctx))))));
}

// ---------------------------------------------------------------------- item

/** Evaluate a scalar test on one field element, computing its text forms once. */
function onElement(t: ScalarTest, v: unknown, event: unknown, slot: FieldSlot): boolean {
  if (typeof v === 'string') return t.test(v, v, t.needsLower ? lowered(slot, v) : v, event);
  if (typeof v === 'number') {
    if (!t.needsNumberText) return t.test(v, undefined, undefined, event);
    const text = String(v);
    return t.test(v, text, t.needsLower ? text.toLowerCase() : text, event);
  }
  if (typeof v === 'boolean') {
    const text = v ? 'true' : 'false';
    return t.test(v, text, text, event);
  }
  return false;
}

/** Any element of a raw field value (scalar or array) passes. */
function onRaw(t: ScalarTest, raw: unknown, event: unknown, slot: FieldSlot): boolean {
  if (raw === undefined || raw === null) return false;
  if (Array.isArray(raw)) {
    for (const element of raw) if (onElement(t, element, event, slot)) return true;
    return false;
  }
  return onElement(t, raw, event, slot);
}

function compileItem(item: DetectionItem, ls: ResolvedLogsource, vctx: ValueContext): EventPredicate {
  const keyword = item.field === null;
  const fields = item.field === null ? ls.keywordFields : ls.fieldsFor(item.field);
  const fieldSlots = fields.map(sharedSlot);
  const values = keyword ? item.values.map(keywordSearchValue) : item.values;
  const positive = item.all ? compileAll(values, item.cased, fieldSlots, vctx) : compileAny(values, item.cased, fieldSlots, vctx);
  return item.negated ? (e) => !positive(e) : positive;
}

/** OR over values: exact patterns merged into one Set lookup, the rest tested in order. */
function compileAny(values: readonly SigmaValue[], cased: boolean, fieldSlots: readonly FieldSlot[], vctx: ValueContext): EventPredicate {
  const exact: string[] = [];
  const scalars: ScalarTest[] = [];
  const wholes: WholeTest[] = [];
  const contained = values.flatMap((v) => {
    const text = v.kind === 'pattern' ? containedText(v.pattern) : undefined;
    return text === undefined || text === '' ? [] : [text];
  });
  const useAutomaton = contained.length >= CONTAINS_AUTOMATON_MIN;
  for (const v of values) {
    const text = v.kind === 'pattern' ? exactText(v.pattern) : undefined;
    if (text !== undefined) {
      exact.push(text);
      continue;
    }
    if (useAutomaton && v.kind === 'pattern' && (containedText(v.pattern) ?? '') !== '') continue;
    const t = compileValue(v, cased, vctx);
    if ('whole' in t) wholes.push(t.whole);
    else scalars.push(t.scalar);
  }
  if (useAutomaton) scalars.unshift(containsAnyTest(contained, cased));
  if (exact.length) scalars.unshift(exactSetTest(exact, cased));
  const scalar = scalars.length ? anyOf(scalars) : undefined;

  if (fieldSlots.length === 1 && wholes.length === 0 && scalar) {
    const [slot] = fieldSlots;
    return (e) => onRaw(scalar, readSlot(slot, e), e, slot);
  }
  return (e) => {
    for (const slot of fieldSlots) {
      const raw = readSlot(slot, e);
      for (const w of wholes) if (w(raw)) return true;
      if (scalar && onRaw(scalar, raw, e, slot)) return true;
    }
    return false;
  };
}

/** AND over values: each value must match some element of some field. */
function compileAll(values: readonly SigmaValue[], cased: boolean, fieldSlots: readonly FieldSlot[], vctx: ValueContext): EventPredicate {
  const tests = values.map((v) => compileValue(v, cased, vctx));
  if (tests.length === 0) return () => true;
  const scalars = tests.flatMap((t) => ('scalar' in t ? [t.scalar] : []));
  const needsLower = scalars.some((t) => t.needsLower);
  const needsNumberText = scalars.some((t) => t.needsNumberText);

  if (fieldSlots.length === 1) {
    const [slot] = fieldSlots;
    return (e) => {
      const raw = readSlot(slot, e);
      if (Array.isArray(raw)) {
        for (const t of tests) if ('whole' in t ? !t.whole(raw) : !onRaw(t.scalar, raw, e, slot)) return false;
        return true;
      }
      // One scalar: its text forms are computed once for all values (`CommandLine|contains|all`).
      let text: string | undefined;
      let lower: string | undefined;
      if (typeof raw === 'string') {
        text = raw;
        lower = needsLower ? lowered(slot, raw) : raw;
      } else if (typeof raw === 'number' && needsNumberText) {
        text = String(raw);
        lower = needsLower ? text.toLowerCase() : text;
      } else if (typeof raw === 'boolean') {
        text = lower = raw ? 'true' : 'false';
      }
      const scalarValue = raw !== undefined && raw !== null && typeof raw !== 'object';
      for (const t of tests) {
        if ('whole' in t) {
          if (!t.whole(raw)) return false;
        } else if (!scalarValue || !t.scalar.test(raw, text, lower, e)) {
          return false;
        }
      }
      return true;
    };
  }
  return (e) => {
    for (const t of tests) {
      let hit = false;
      for (const slot of fieldSlots) {
        const raw = readSlot(slot, e);
        if ('whole' in t ? t.whole(raw) : onRaw(t.scalar, raw, e, slot)) {
          hit = true;
          break;
        }
      }
      if (!hit) return false;
    }
    return true;
  };
}
