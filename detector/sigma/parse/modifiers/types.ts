/**
 * The values a detection item holds while its modifiers are applied, in
 * order, left to right (pySigma's `SigmaType`s). `toSigmaValues` in
 * `../detection.ts` turns the final ones into model `SigmaValue`s.
 */
import type { NumericOp, TimePart } from '../../model.js';
import type { PlaceholderSource } from '../../model.js';
import type { StringPart } from '../pattern.js';

export type WorkingValue =
  /** A string: parts after escape parsing; `raw` is the YAML text (for `re`, `cidr`). */
  | { readonly t: 'string'; readonly parts: readonly StringPart[]; readonly raw: string }
  | { readonly t: 'number'; readonly value: number }
  | { readonly t: 'boolean'; readonly value: boolean }
  | { readonly t: 'null' }
  | { readonly t: 'regex'; readonly source: string; readonly flags: { readonly i: boolean; readonly m: boolean; readonly s: boolean } }
  | { readonly t: 'cidr'; readonly cidr: string }
  /** `expand|cidr`: a placeholder whose values are CIDR blocks. */
  | { readonly t: 'cidr-placeholder'; readonly name: string }
  | { readonly t: 'compare'; readonly op: NumericOp; readonly value: number }
  | { readonly t: 'exists'; readonly exists: boolean }
  | { readonly t: 'fieldref'; readonly field: string; readonly startsWith: boolean; readonly endsWith: boolean }
  | { readonly t: 'timepart'; readonly part: TimePart; readonly op: NumericOp | 'eq'; readonly value: number }
  /** Alternatives of one value (base64offset, windash): always OR-ed, even under `all`. */
  | { readonly t: 'expansion'; readonly values: readonly WorkingValue[] };

export type WorkingKind = WorkingValue['t'];

/** What a modifier sees besides the value. */
export interface ModifierContext {
  /** Field of the item; null for keywords. */
  readonly field: string | null;
  /** Modifiers applied before this one, in order. */
  readonly applied: readonly string[];
  readonly placeholders?: PlaceholderSource;
}

/** Item-level effects of list modifiers. */
export type ItemFlag = 'all' | 'negated' | 'cased';

/**
 * One value modifier: the kinds of value it accepts and how it transforms
 * one value (expansions are unpacked by the caller, as pySigma does). A
 * modifier that only changes the item (all, neq) has no `apply`.
 */
export interface ModifierDefinition {
  readonly name: string;
  /** Kinds this modifier accepts; any other kind is an error naming the modifier. */
  readonly accepts: readonly WorkingKind[] | 'any';
  readonly flag?: ItemFlag;
  /** Throws RuleProblem when the value cannot be modified. */
  apply?(value: WorkingValue, ctx: ModifierContext): WorkingValue;
}
