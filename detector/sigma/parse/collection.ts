/**
 * Sigma 1.x rule collections inside one file: a document with
 * `action: global` is merged (deeply) under every following rule document,
 * `action: reset` forgets it, `action: repeat` is the previous rule with
 * this document merged over it (as pySigma's `SigmaCollection.from_yaml`).
 */
import { RuleProblem } from './problem.js';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge: maps merge key by key, anything else in `over` replaces `base`. */
export function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(out[k]) && isMap(v) ? deepMerge(out[k] as Json, v) : v;
  return out;
}

/** State of a collection while its documents are read in order. */
export class CollectionState {
  private global: Json | undefined;
  private previous: Json | undefined;

  /**
   * The rule document to parse for this YAML document, or null when the
   * document only changes the collection state. Throws RuleProblem for an
   * unknown action or `repeat` without a previous rule.
   */
  next(value: unknown): unknown {
    if (!isMap(value)) return value;
    if (!('action' in value)) {
      const merged = this.global ? deepMerge(this.global, value) : value;
      this.previous = merged;
      return merged;
    }
    const { action, ...rest } = value;
    switch (action) {
      case 'global':
        this.global = rest;
        return null;
      case 'reset':
        this.global = undefined;
        return null;
      case 'repeat': {
        if (!this.previous) throw new RuleProblem('action: repeat without a previous rule in this file', ['action']);
        this.previous = deepMerge(this.previous, rest);
        return this.previous;
      }
      default:
        throw new RuleProblem(`unknown action ${JSON.stringify(action)} (expected global, reset or repeat)`, ['action']);
    }
  }
}
