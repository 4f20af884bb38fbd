/**
 * Every fuzz target, in the order runs report them: the parser table, the
 * framing, the Sigma parser on documents, the Sigma parser and matcher from
 * rule text, and rule regular expressions.
 */
import { framingTargets } from './framing-targets.js';
import { parserTargets } from './parser-targets.js';
import { regexTarget } from './regex-target.js';
import type { FuzzTarget } from './runner.js';
import { sigmaDocumentsTarget } from './sigma-documents-target.js';
import { sigmaTarget } from './sigma-target.js';

export function allTargets(): FuzzTarget[] {
  return [...parserTargets(), ...framingTargets(), sigmaDocumentsTarget(), sigmaTarget(), regexTarget()];
}
