/**
 * The Sigma rule model: what the parser produces from YAML and what every
 * compiler (stream matcher, SQL, Elasticsearch DSL) consumes. One model, so
 * the compilers cannot disagree about what a rule means.
 *
 * Values are fully resolved at parse time: wildcards are split into parts,
 * transformation modifiers (contains/startswith/endswith, base64,
 * base64offset, utf16*, wide, windash) have already produced their
 * alternatives, and type modifiers (re, cidr, gt.., exists, fieldref, time
 * parts) have produced typed values. A compiler only maps these value kinds
 * to its target and never re-reads modifiers, except that it may show them.
 *
 * Specification: ../shared/corpora/sigma-specification/ (v2.1).
 */

export const SigmaLevels = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type SigmaLevel = (typeof SigmaLevels)[number];

export const SigmaStatuses = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;
export type SigmaStatus = (typeof SigmaStatuses)[number];

/** Where a rule came from: for error messages and hit provenance. */
export interface RuleLocation {
  readonly file: string;
  /** 0-based index of the YAML document in a multi-document file. */
  readonly document: number;
  /** 1-based line of the document start (or of the offending key, in errors). */
  readonly line?: number;
}

export interface Logsource {
  readonly product?: string;
  readonly category?: string;
  readonly service?: string;
  readonly definition?: string;
}

/**
 * A string pattern: literal text and wildcards, in order. `*` is any run of
 * characters (possibly empty), `?` exactly one character. Escapes are
 * already resolved: a literal `*` is inside a text part.
 */
export type PatternPart = { readonly text: string } | { readonly wildcard: '*' | '?' };
export interface SigmaPattern {
  readonly parts: readonly PatternPart[];
}

export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
export type NumericOp = 'gt' | 'gte' | 'lt' | 'lte';

/**
 * One resolved value of a detection item. A field item matches when the
 * field's value (any element, for arrays) matches one value (or every
 * value, with `all`).
 */
export type SigmaValue =
  /** Text with wildcards; case-insensitive unless the item is `cased`. */
  | { readonly kind: 'pattern'; readonly pattern: SigmaPattern }
  /** A YAML number: equals a numeric field, or a string field whose text is that number. */
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  /** `null`: the field is absent, null, or (as most backends do) empty. */
  | { readonly kind: 'null' }
  /** `re` (with i/m/s sub-modifiers as flags); case-sensitive unless `i`. */
  | { readonly kind: 'regex'; readonly source: string; readonly flags: { readonly i: boolean; readonly m: boolean; readonly s: boolean } }
  /** `cidr`: the field is an IP in this block (IPv4 or IPv6). */
  | { readonly kind: 'cidr'; readonly cidr: string }
  /** `gt`/`gte`/`lt`/`lte`: numeric comparison. */
  | { readonly kind: 'compare'; readonly op: NumericOp; readonly value: number }
  /** `exists`: the field is present (true) or absent (false). */
  | { readonly kind: 'exists'; readonly exists: boolean }
  /** `fieldref`: the field equals (or with startswith/endswith/contains: relates to) another field of the same event. */
  | { readonly kind: 'fieldref'; readonly field: string; readonly match: 'equals' | 'startswith' | 'endswith' | 'contains' }
  /**
   * `expand` with a placeholder (`%EngineeringHosts%`): the values are looked
   * up at match time for the event's org (PlaceholderSource), as patterns or,
   * with `cidr`, as CIDR blocks. A placeholder no source knows makes the rule
   * unsupported at load time, never a silent non-match.
   */
  | { readonly kind: 'placeholder'; readonly name: string; readonly as: 'pattern' | 'cidr' }
  /** Time part of a date field (`minute`..`year`) compared to a number, optionally with gt/gte/lt/lte. */
  | { readonly kind: 'timepart'; readonly part: TimePart; readonly op: NumericOp | 'eq'; readonly value: number };

/** One `field|modifiers: values` entry of a map, or one keyword list (field null). */
export interface DetectionItem {
  /** Field name as written in the rule (Sigma taxonomy); null for keyword search over the whole event. */
  readonly field: string | null;
  /** Modifiers as written, in order (for display, errors and the SQL/DSL comments). */
  readonly modifiers: readonly string[];
  readonly values: readonly SigmaValue[];
  /** `all`: every value must match (AND) instead of any (OR). */
  readonly all: boolean;
  /** `cased`: pattern values match case-sensitively. */
  readonly cased: boolean;
  /** `neq`: the item matches when the field matches none of the values. */
  readonly negated: boolean;
}

/**
 * A search identifier (`selection:`, `filter_*:`, `keywords:`): an OR of
 * AND-groups. A map is one group; a list of maps is one group per map; a
 * keyword list is one group with one keyword item.
 */
export interface SearchIdentifier {
  readonly name: string;
  readonly groups: readonly (readonly DetectionItem[])[];
}

/** The condition expression. `of` is already resolved to the identifiers its pattern names. */
export type Condition =
  | { readonly op: 'and'; readonly args: readonly Condition[] }
  | { readonly op: 'or'; readonly args: readonly Condition[] }
  | { readonly op: 'not'; readonly arg: Condition }
  | { readonly op: 'ref'; readonly name: string }
  | { readonly op: 'of'; readonly quantifier: 'all' | number; readonly pattern: string; readonly names: readonly string[] };

interface RuleCommon {
  readonly id?: string;
  readonly name?: string;
  readonly title: string;
  readonly status?: SigmaStatus;
  readonly description?: string;
  readonly author?: string;
  readonly date?: string;
  readonly modified?: string;
  readonly references: readonly string[];
  readonly tags: readonly string[];
  readonly level?: SigmaLevel;
  readonly falsepositives: readonly string[];
  readonly location: RuleLocation;
}

export interface DetectionRule extends RuleCommon {
  readonly kind: 'detection';
  readonly logsource: Logsource;
  readonly identifiers: ReadonlyMap<string, SearchIdentifier>;
  /** The condition (a list of conditions in YAML is already OR-ed into one). */
  readonly condition: Condition;
  readonly fields: readonly string[];
  /** Custom attributes of the rule (e.g. our `iisa:` block with test events). */
  readonly custom: Readonly<Record<string, unknown>>;
}

export const CorrelationTypes = [
  'event_count', 'value_count', 'value_sum', 'value_avg', 'value_percentile', 'temporal', 'temporal_ordered',
] as const;
export type CorrelationType = (typeof CorrelationTypes)[number];

/** `gt: 10`, `gte`, `lt`, `lte`, `eq`, possibly several (a range), on the counted/aggregated value. */
export interface CorrelationCondition {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly eq?: number;
  /** The aggregate differs from this (spec v2.1); tested when the window closes. */
  readonly neq?: number;
  /** For value_* types: the field whose values are counted/summed/averaged. */
  readonly field?: string;
  /** value_percentile: the percentile (1..100). */
  readonly percentile?: number;
}

export interface CorrelationRule extends RuleCommon {
  readonly kind: 'correlation';
  readonly type: CorrelationType;
  /** Referenced rules by id or name, in order (order matters for temporal_ordered). */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  readonly timespanMs: number;
  /** Alias field -> (rule id or name -> field in that rule's events). */
  readonly aliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly condition: CorrelationCondition;
  /** Whether the referenced rules also produce hits of their own. */
  readonly generate: boolean;
}

/** A Sigma filter (v2.1): excludes events from the named rules (or any rule of the logsource) without editing them. */
export interface SigmaFilter extends RuleCommon {
  readonly kind: 'filter';
  readonly logsource: Logsource;
  /** Rules (id or name) the filter applies to; empty = every rule with a matching logsource. */
  readonly rules: readonly string[];
  readonly identifiers: ReadonlyMap<string, SearchIdentifier>;
  readonly condition: Condition;
}

export type SigmaDocument = DetectionRule | CorrelationRule | SigmaFilter;

/** A problem with one rule document: the rule is skipped, the others load. */
export interface SigmaProblem {
  readonly location: RuleLocation;
  /** Rule title or id when known. */
  readonly rule?: string;
  /** YAML key path of the problem, e.g. `detection.selection.Image|foo`. */
  readonly key?: string;
  /** `error`: the document is invalid. `unsupported`: valid Sigma, but uses a feature iisa does not implement. */
  readonly severity: 'error' | 'unsupported';
  /** For unsupported: the feature, e.g. `modifier expand with placeholder %Servers%`. */
  readonly feature?: string;
  readonly message: string;
}

export interface RuleSet {
  readonly rules: readonly DetectionRule[];
  readonly correlations: readonly CorrelationRule[];
  readonly filters: readonly SigmaFilter[];
  readonly problems: readonly SigmaProblem[];
}

/**
 * Values of placeholders, per org: e.g. `EngineeringHosts` -> the IPs of the
 * org's engineering workstations, HMIs and SCADA servers from the registry.
 */
export interface PlaceholderSource {
  /** Placeholder names (without `%`) this source can resolve. */
  names(): readonly string[];
  /** Values for one org (undefined org: values valid for every org). Unknown name: []. */
  values(name: string, orgId: string | undefined): readonly string[];
}
