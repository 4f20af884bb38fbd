/**
 * Field mapping and logsource routing, as data (./ecs.yaml): which of our
 * events belong to a Sigma logsource, and what Sigma's taxonomy field names
 * are called in our ECS events. Every compiler (stream matcher, SQL,
 * Elasticsearch) resolves a rule's logsource here, so they agree on both.
 *
 * The file's structure is documented in its header comment; this module
 * validates it (zod, unknown keys are errors) and resolves a logsource to a
 * `ResolvedLogsource` once per distinct logsource.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, loadConfigFile, validateConfig } from '../../../core/config.js';
import type { Logsource } from '../model.js';

const FieldName = z.string().min(1).regex(/^\S+$/, 'a field name has no spaces');
const OneOrMany = z.union([FieldName, z.array(FieldName).min(1)]);
const RouteValue = z.union([z.string(), z.array(z.string()).min(1)]);

const LogsourceMatchSchema = z.strictObject({
  product: z.string().min(1).optional(),
  category: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
}).refine((m) => m.product !== undefined || m.category !== undefined || m.service !== undefined, 'match names at least one of product, category, service');

/** One alternative of a route: every field holds one of its values. The first field is the index key. */
const RouteAlternativeSchema = z.record(FieldName, RouteValue)
  .refine((alt) => Object.keys(alt).length > 0, 'a route alternative names at least one field');

export const MappingEntrySchema = z.strictObject({
  match: LogsourceMatchSchema,
  description: z.string().optional(),
  route: z.array(RouteAlternativeSchema).min(1).optional(),
  fields: z.record(FieldName, OneOrMany).optional(),
  unmappedPrefix: z.string().min(1).optional(),
});

export const MappingFileSchema = z.strictObject({
  version: z.literal(1),
  keywordFields: z.array(FieldName).min(1),
  logsources: z.array(MappingEntrySchema),
});
export type MappingFile = z.output<typeof MappingFileSchema>;
export type MappingEntry = z.output<typeof MappingEntrySchema>;

/** `field` holds one of `values` (any element, when the field is an array). Compared exactly. */
export interface RouteTest {
  readonly field: string;
  readonly values: readonly string[];
}
/** All tests must hold. `tests[0]` is the index key. */
export type RouteAlternative = readonly RouteTest[];
/** Any alternative must hold. */
export type RouteClause = readonly RouteAlternative[];

/** A rule logsource resolved against the mapping. */
export interface ResolvedLogsource {
  /** Canonical text of the logsource (`product=windows category=process_creation`), a stable key for grouping rules. */
  readonly key: string;
  /**
   * Clauses that must all hold for an event to belong to the logsource;
   * `null` when the logsource is unrouted (no event of ours belongs to it):
   * no applying entry has a route, or some attribute the rule states
   * (product, category, service) is named by no applying entry with a route.
   * `route[0]` is the most specific clause, the one to index by.
   */
  readonly route: readonly RouteClause[] | null;
  /** ECS fields for a rule field name (one or more; the name itself when unmapped). */
  fieldsFor(name: string): readonly string[];
  /** Fields a keyword (value-only) item searches. */
  readonly keywordFields: readonly string[];
}

const KEY_ORDER = ['product', 'category', 'service'] as const;
/** Resolved logsources, and unmapped field names per logsource, kept before a cache starts over. */
const MAX_CACHED = 10_000;
/** Tie-break between equally specific entries when picking the index clause: service is the narrowest. */
const ATTRIBUTE_RANK: Readonly<Record<(typeof KEY_ORDER)[number], number>> = { product: 1, category: 2, service: 3 };

function logsourceKey(ls: Logsource): string {
  return KEY_ORDER.filter((k) => ls[k] !== undefined).map((k) => `${k}=${(ls[k] ?? '').toLowerCase()}`).join(' ') || '(none)';
}

/** The mapping, ready to resolve rule logsources. Resolutions are cached per distinct logsource. */
export class FieldMapping {
  private readonly cache = new Map<string, ResolvedLogsource>();

  constructor(readonly file: MappingFile) {}

  /** Validate an already-parsed mapping document; throws ConfigError naming every problem. */
  static fromData(data: unknown, file = '(mapping)'): FieldMapping {
    return new FieldMapping(validateConfig(data, MappingFileSchema, file));
  }

  /** Load a mapping file (YAML or JSON); throws ConfigError naming the file and every problem. */
  static load(path: string): FieldMapping {
    return new FieldMapping(loadConfigFile(path, MappingFileSchema));
  }

  /** Entries that apply to a logsource: their `match` attributes are all present in it with equal values. */
  entriesFor(ls: Logsource): MappingEntry[] {
    return this.file.logsources.filter((entry) => KEY_ORDER.every((k) => {
      const want = entry.match[k];
      return want === undefined || (ls[k] !== undefined && ls[k].toLowerCase() === want.toLowerCase());
    }));
  }

  /** Resolve a rule's logsource: its route and its field names. */
  resolve(ls: Logsource): ResolvedLogsource {
    const key = logsourceKey(ls);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const resolved = this.build(ls, key);
    // Logsources come from rules: bounded, like the field names below, so reloads cannot grow it for good.
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, resolved);
    return resolved;
  }

  private build(ls: Logsource, key: string): ResolvedLogsource {
    const specificity = (e: MappingEntry): number => KEY_ORDER.filter((k) => e.match[k] !== undefined).length;
    const rank = (e: MappingEntry): number => Math.max(...KEY_ORDER.filter((k) => e.match[k] !== undefined).map((k) => ATTRIBUTE_RANK[k]));
    // Stable sort: least specific first, so later (more specific) entries override field names.
    const applying = this.entriesFor(ls)
      .map((entry, order) => ({ entry, order }))
      .sort((a, b) => specificity(a.entry) - specificity(b.entry) || a.order - b.order)
      .map((x) => x.entry);

    const fields = new Map<string, readonly string[]>();
    let prefix: string | undefined;
    for (const entry of applying) {
      for (const [name, target] of Object.entries(entry.fields ?? {})) fields.set(name, typeof target === 'string' ? [target] : target);
      if (entry.unmappedPrefix !== undefined) prefix = entry.unmappedPrefix;
    }

    const routed = applying.filter((e) => e.route !== undefined);
    // Every attribute the rule states must be routed by an entry naming it: a category or service we
    // cannot select must not fall back to its product's route (a driver_load rule on every Windows event).
    const covered = KEY_ORDER.every((k) => ls[k] === undefined || routed.some((e) => e.match[k] !== undefined));
    // A more specific entry replaces the routes it refines, as pySigma's specific pipelines replace the
    // generic ones: Windows image_load is Sysmon event 7, whatever the generic image_load route says.
    const route = !covered || routed.length === 0 ? null : routed
      .filter((e) => !routed.some((other) => other !== e && refines(other.match, e.match)))
      .sort((a, b) => specificity(b) - specificity(a) || rank(b) - rank(a))
      .map((e) => toClause(e.route ?? []));

    const keywordFields = this.file.keywordFields;
    const unmapped = new Map<string, readonly string[]>();
    return {
      key,
      route,
      keywordFields,
      fieldsFor(name: string): readonly string[] {
        const mapped = fields.get(name);
        if (mapped) return mapped;
        let same = unmapped.get(name);
        if (!same) {
          same = [prefix !== undefined && !name.includes('.') ? prefix + name : name];
          if (unmapped.size >= MAX_CACHED) unmapped.clear();
          unmapped.set(name, same);
        }
        return same;
      },
    };
  }
}

/** `specific` names every attribute `general` names (and more): both apply to a logsource, so the values agree. */
function refines(specific: MappingEntry['match'], general: MappingEntry['match']): boolean {
  const keys = KEY_ORDER.filter((k) => general[k] !== undefined);
  return KEY_ORDER.filter((k) => specific[k] !== undefined).length > keys.length && keys.every((k) => specific[k] !== undefined);
}

function toClause(route: readonly Record<string, string | string[]>[]): RouteClause {
  return route.map((alt) => Object.entries(alt).map(([field, v]) => ({ field, values: typeof v === 'string' ? [v] : v })));
}

/** ecs.yaml of this checkout, found by walking up from this module (works from source and from any build dir). */
export function defaultMappingPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'detector', 'sigma', 'mapping', 'ecs.yaml');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new ConfigError('detector/sigma/mapping/ecs.yaml', ['not found above the mapping module; pass a mapping path']);
    dir = parent;
  }
}

let defaultMapping: FieldMapping | undefined;

/** The shipped mapping (ecs.yaml), loaded once. */
export function loadDefaultMapping(): FieldMapping {
  defaultMapping ??= FieldMapping.load(defaultMappingPath());
  return defaultMapping;
}
