/**
 * Rule checking for people and CI: each rule file is `ok` (every document
 * loads), `error` (some document is invalid Sigma) or `unsupported` (valid
 * Sigma using a feature iisa does not implement).
 */
import type { SigmaProblem } from './model.js';
import { parseRuleText, readRuleFiles } from './parse.js';
import type { ParseOptions } from './parse.js';

export type CheckOutcome =
  | { readonly file: string; readonly status: 'ok' }
  | { readonly file: string; readonly status: 'error'; readonly cause: string; readonly problems: readonly SigmaProblem[] }
  | { readonly file: string; readonly status: 'unsupported'; readonly feature: string; readonly problems: readonly SigmaProblem[] };

export interface CheckSummary {
  readonly files: number;
  readonly ok: number;
  readonly unsupported: number;
  readonly error: number;
}

/** One line per problem cause: `line 12, detection.sel.Image|foo: unknown modifier "foo" (rule Title, document 0)`. */
export function describeProblem(p: SigmaProblem): string {
  const where = [p.location.line !== undefined ? `line ${p.location.line}` : undefined, p.key].filter((x) => x !== undefined).join(', ');
  const context = [p.rule !== undefined ? `rule ${JSON.stringify(p.rule)}` : undefined, `document ${p.location.document}`].filter((x) => x !== undefined).join(', ');
  return `${where ? `${where}: ` : ''}${p.message} (${context})`;
}

/** The outcome of one file from its problems (errors win over unsupported features). */
export function outcomeOf(file: string, problems: readonly SigmaProblem[]): CheckOutcome {
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) return { file, status: 'error', cause: errors.map(describeProblem).join('; '), problems };
  if (problems.length > 0) {
    const features = [...new Set(problems.map((p) => p.feature ?? p.message))];
    return { file, status: 'unsupported', feature: features.join('; '), problems };
  }
  return { file, status: 'ok' };
}

/** Check every rule file under the given files/directories, in a stable order. Never throws for bad rules. */
export function checkRules(paths: readonly string[], options: ParseOptions = {}): CheckOutcome[] {
  const out: CheckOutcome[] = [];
  for (const read of readRuleFiles(paths)) {
    if ('unreadable' in read) out.push({ file: read.file, status: 'error', cause: read.unreadable, problems: [] });
    else out.push(outcomeOf(read.file, parseRuleText(read.text, read.file, options).problems));
  }
  return out;
}

export function summarize(outcomes: readonly CheckOutcome[]): CheckSummary {
  const count = (s: CheckOutcome['status']): number => outcomes.filter((o) => o.status === s).length;
  return { files: outcomes.length, ok: count('ok'), unsupported: count('unsupported'), error: count('error') };
}

/** The report line of one outcome, as `iisa rules check` prints it. */
export function formatOutcome(o: CheckOutcome): string {
  if (o.status === 'ok') return `ok ${o.file}`;
  if (o.status === 'error') return `error ${o.file}: ${o.cause}`;
  return `unsupported ${o.file}: ${o.feature}`;
}

/** `N files: A ok, B unsupported, C error` */
export function formatSummary(s: CheckSummary): string {
  return `${s.files} files: ${s.ok} ok, ${s.unsupported} unsupported, ${s.error} error`;
}
