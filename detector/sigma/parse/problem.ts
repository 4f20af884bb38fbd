/**
 * A failure found while reading one rule document. Thrown inside the parser
 * units and caught per detection item / per document, so one bad rule
 * becomes a `SigmaProblem` and never stops loading the others.
 */
export class RuleProblem extends Error {
  constructor(
    message: string,
    /** YAML key path relative to the document root, e.g. `['detection', 'selection', 'Image|foo']`. */
    readonly path: readonly (string | number)[] = [],
    readonly severity: 'error' | 'unsupported' = 'error',
    /** For unsupported: the exact feature, e.g. `placeholder %Servers%`. */
    readonly feature?: string,
  ) {
    // A problem is an answer about a rule, not a bug in iisa: no stack trace to capture. Checking
    // SigmaHQ or fuzzing throws thousands, and capturing each one's stack was a tenth of the time.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'RuleProblem';
  }

  /** The same problem one level deeper in the document (prefixes the key path). */
  under(...prefix: readonly (string | number)[]): RuleProblem {
    return new RuleProblem(this.message, [...prefix, ...this.path], this.severity, this.feature);
  }
}

/** An unsupported-feature problem: valid Sigma that iisa does not implement. */
export function unsupported(feature: string, message: string, path: readonly (string | number)[] = []): RuleProblem {
  return new RuleProblem(message, path, 'unsupported', feature);
}

/** Key path as shown to users: `detection.selection.Image|foo`, list items as `[0]`. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}
