/**
 * Multi-document YAML with line information. Sigma files are YAML 1.2 here
 * (the `yaml` package's core schema): dates like `2024-01-02` stay strings,
 * as the Sigma JSON schemas expect.
 */
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Node } from 'yaml';
import { MAX_YAML_NESTING, yamlNesting } from '../../../core/yaml-depth.js';

export interface YamlDocument {
  /** 0-based index of the document in the file. */
  readonly index: number;
  /** The document as plain JS data (maps are plain objects). */
  readonly value: unknown;
  /** 1-based line where the document's content starts. */
  readonly line: number;
  /** Syntax errors of this document (the document is unusable when non-empty). */
  readonly errors: readonly { readonly message: string; readonly line: number }[];
  /** True for an empty document (e.g. after a trailing `---`). */
  readonly empty: boolean;
  /**
   * 1-based line of the deepest node along `path` (a key's line for map
   * entries): where a problem at that key path should point.
   */
  lineOf(path: readonly (string | number)[]): number;
}

/** A file that cannot be read as YAML at all: one document holding the error. */
function unreadable(line: number, message: string): YamlDocument {
  return { index: 0, value: null, line, errors: [{ message, line }], empty: false, lineOf: () => line };
}

/** Split `text` into its YAML documents. Never throws: syntax errors are in `errors`. */
export function parseYamlDocuments(text: string): YamlDocument[] {
  // Measured before parsing: thousands of levels can abort the process inside the parser (core/yaml-depth.ts).
  const nesting = yamlNesting(text);
  if (nesting.line !== undefined) {
    return [unreadable(nesting.line, `nested too deeply (more than ${MAX_YAML_NESTING} levels of lists and maps, line ${nesting.line}): refused before parsing`)];
  }
  const lines = new LineCounter();
  const parse = () => parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  let docs: ReturnType<typeof parse>;
  try {
    // logLevel error: the library would otherwise print a process warning for what a rule writes (a map as a key), once per rule.
    docs = parse();
  } catch (err) {
    // The parser can still overflow the stack on input the measure lets through (RangeError): a problem, not a crash.
    return [unreadable(1, (err as Error).message)];
  }
  const list = Array.isArray(docs) ? docs : [];
  const lineAt = (offset: number): number => lines.linePos(offset).line;
  return list.map((doc, index) => {
    const contents = doc.contents as Node | null;
    const start = contents?.range?.[0] ?? doc.range[0];
    const errors = doc.errors.map((e) => ({ message: e.message.split('\n')[0], line: e.linePos?.[0]?.line ?? lineAt(e.pos[0]) }));
    let value: unknown = null;
    if (errors.length === 0) {
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        errors.push({ message: (err as Error).message, line: lineAt(start) });
      }
    }
    return {
      index,
      value,
      line: lineAt(start),
      errors,
      empty: contents === null || (isScalar(contents) && contents.value === null),
      lineOf(path: readonly (string | number)[]): number {
        let node: unknown = contents;
        let line = lineAt(start);
        for (const seg of path) {
          if (isMap(node)) {
            const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
            if (!pair) break;
            const keyNode = pair.key as Node;
            if (keyNode.range) line = lineAt(keyNode.range[0]);
            node = pair.value;
          } else if (isSeq(node) && typeof seg === 'number') {
            const item = node.items[seg] as Node | undefined;
            if (!item) break;
            if (item.range) line = lineAt(item.range[0]);
            node = item;
          } else {
            break;
          }
        }
        return line;
      },
    };
  });
}
