/**
 * Loading YAML/JSON files validated by zod. Validation happens once, at the
 * edge: every problem is reported at once, each with the file and the key
 * path (`sources[2].listen.port`), and the result is deeply frozen.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { MAX_YAML_NESTING, yamlNesting } from './yaml-depth.js';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `sources[2].listen.port` from zod's path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(top level)';
}

/** One line per zod issue, naming the key. Unknown keys are listed by name. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `${formatPath(issue.path)}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `${formatPath(issue.path)}: ${issue.message}`;
  });
}

/** Parse YAML or JSON text (JSON is YAML); throws ConfigError with the line on a syntax error. */
export function parseConfigText(text: string, file: string): unknown {
  // Measured before parsing: thousands of levels can abort the process inside the parser (./yaml-depth.ts).
  const nesting = yamlNesting(text);
  if (nesting.line !== undefined) throw new ConfigError(file, [`line ${nesting.line}: nested too deeply (more than ${MAX_YAML_NESTING} levels of lists and maps): refused before parsing`]);
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const line = err.linePos?.[0];
      throw new ConfigError(file, [`${line ? `line ${line.line}, column ${line.col}: ` : ''}${hostileYamlReason(err.message.split('\n')[0])}`]);
    }
    // The yaml library refuses alias bombs with a ReferenceError; hostile nesting overflows the stack (RangeError).
    if (err instanceof ReferenceError || err instanceof RangeError) throw new ConfigError(file, [hostileYamlReason(err.message)]);
    throw err;
  }
}

/** The yaml library's words for hostile input, said so that the person reading knows what to change. */
export function hostileYamlReason(message: string): string {
  if (/Maximum call stack size exceeded/.test(message)) return 'nested too deeply (lists or maps inside each other thousands of levels deep)';
  if (/Excessive alias count/.test(message)) return 'too many alias expansions (*alias): refused as a resource exhaustion attack ("billion laughs")';
  return message;
}

/** Validate an already-parsed value; throws ConfigError listing every problem. */
export function validateConfig<S extends z.ZodType>(value: unknown, schema: S, file: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(file, describeIssues(result.error));
  return deepFreeze(result.data);
}

export function loadConfigFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return validateConfig(parseConfigText(text, file), schema, file);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
