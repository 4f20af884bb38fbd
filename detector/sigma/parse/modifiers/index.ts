/**
 * The modifier table: every value modifier of the Sigma v2.1 appendix (and
 * pySigma's long aliases of the regex flags), keyed by the name written in
 * rules. Registering a name twice is a programming error and throws at load.
 */
import { allModifier, casedModifier, containsModifier, endswithModifier, existsModifier, neqModifier, startswithModifier } from './generic.js';
import { cidrModifier } from './ip.js';
import { numericModifiers } from './numeric.js';
import { expandModifier, fieldrefModifier } from './specific.js';
import {
  base64Modifier, base64offsetModifier, reFlagModifiers, reModifier, utf16beModifier, utf16leModifier, utf16Modifier_, wideModifier, windashModifier,
} from './string.js';
import { timeModifiers } from './time.js';
import type { ModifierDefinition } from './types.js';

export type { ModifierContext, ModifierDefinition, WorkingValue, WorkingKind, ItemFlag } from './types.js';

function buildTable(defs: readonly ModifierDefinition[]): ReadonlyMap<string, ModifierDefinition> {
  const table = new Map<string, ModifierDefinition>();
  for (const def of defs) {
    if (table.has(def.name)) throw new Error(`duplicate Sigma modifier ${def.name}`);
    table.set(def.name, def);
  }
  return table;
}

/** Modifier name -> definition. */
export const modifiers: ReadonlyMap<string, ModifierDefinition> = buildTable([
  containsModifier, startswithModifier, endswithModifier, allModifier, neqModifier, casedModifier, existsModifier,
  windashModifier, reModifier, ...reFlagModifiers,
  base64Modifier, base64offsetModifier, utf16leModifier, utf16beModifier, utf16Modifier_, wideModifier,
  ...numericModifiers, ...timeModifiers, cidrModifier, expandModifier, fieldrefModifier,
]);

/** Build a table from definitions, refusing duplicate names (exported for tests and extensions). */
export { buildTable as buildModifierTable };
