/**
 * The Elasticsearch type of every field core/event.ts lists, read off the zod
 * schema itself so the index mapping and the Sigma-to-DSL compiler can never
 * disagree with the event definition.
 *
 * Strings are `keyword` (exact values: Sigma matches whole values, with
 * `case_insensitive` queries where the specification asks for it), IP fields
 * are `ip` (so CIDR queries work for IPv4 and IPv6 alike), ISO timestamps are
 * `date`, integers `long`, other numbers `double`. Fields a sender adds beyond
 * the schema are typed by the index template's dynamic rules (strings become
 * keyword there too).
 */
import type { z } from 'zod';
import { EcsEventSchema, IpSchema } from '../../event.js';

export type EsFieldType = 'keyword' | 'ip' | 'date' | 'long' | 'double' | 'boolean';

/** The parts of a zod 4 schema definition this walk reads. */
interface SchemaDef {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly format?: string;
  readonly in?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  // zod 4 keeps the definition on `_zod.def`; its public type is a union we only read.
  return schema._zod.def as unknown as SchemaDef;
}

function leafType(schema: z.ZodType): EsFieldType | undefined {
  if (schema === IpSchema) return 'ip';
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return def.innerType === undefined ? undefined : leafType(def.innerType);
    case 'array':
      return def.element === undefined ? undefined : leafType(def.element);
    case 'string':
      return def.format === 'datetime' ? 'date' : 'keyword';
    case 'enum':
    case 'literal':
      return 'keyword';
    case 'boolean':
      return 'boolean';
    case 'number':
      return (schema as z.ZodNumber).isInt ? 'long' : 'double';
    case 'pipe':
      return def.in === undefined ? undefined : leafType(def.in);
    default:
      return undefined;
  }
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = defOf(schema);
  if (def.type === 'optional' || def.type === 'nullable') return def.innerType === undefined ? undefined : objectShape(def.innerType);
  return def.type === 'object' ? def.shape : undefined;
}

function walk(shape: Record<string, z.ZodType>, prefix: string, out: Map<string, EsFieldType>): void {
  for (const [key, schema] of Object.entries(shape)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const nested = objectShape(schema);
    if (nested !== undefined) {
      walk(nested, path, out);
      continue;
    }
    const type = leafType(schema);
    if (type !== undefined) out.set(path, type);
  }
}

let cached: ReadonlyMap<string, EsFieldType> | undefined;

/** Every typed leaf field of the event schema, by dotted path. */
export function ecsFieldTypes(): ReadonlyMap<string, EsFieldType> {
  if (cached === undefined) {
    const out = new Map<string, EsFieldType>();
    walk(EcsEventSchema.shape, '', out);
    cached = out;
  }
  return cached;
}

/** The type of one dotted field; `keyword` for string fields the schema does not list, undefined for records/unknown shapes. */
export function esFieldType(path: string): EsFieldType | undefined {
  return ecsFieldTypes().get(path);
}
